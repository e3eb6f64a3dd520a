#!/usr/bin/env python3
# Medians per configuration, role and build of a bench/per-byte-cost-ab.sh log (OUTDIR/log.md), as a Markdown table:
#   python3 bench/per-byte-cost-ab-summary.py OUTDIR/log.md
import re,sys,statistics,collections
d=collections.defaultdict(list)
cur=None
for line in open(sys.argv[1]):
    m=re.match(r'== (\w+) (\S+) round (\d+)',line)
    if m: cur=(m.group(2),m.group(1)); continue
    m=re.match(r'\| (engine|primary|logger|backup\d) \| \w+ \| ([\d.]+) \|',line)
    if m and cur: d[(cur[0],m.group(1),cur[1])].append(float(m.group(2)))
    m=re.match(r'log prefaulter thread.*: ([\d.]+) CPU',line)
    if m and cur: d[(cur[0],'prefaulter',cur[1])].append(float(m.group(1)))
keys=sorted(set((c,r) for c,r,b in d))
print('| config | role | base median (runs) | new median (runs) | change |')
print('| --- | --- | ---: | ---: | ---: |')
for c,r in keys:
    b=d.get((c,r,'base'),[]); n=d.get((c,r,'new'),[])
    if not b or not n: continue
    mb=statistics.median(b); mn=statistics.median(n)
    print(f'| {c} | {r} | {mb:.2f} ({min(b):.2f}-{max(b):.2f}, {len(b)}) | {mn:.2f} ({min(n):.2f}-{max(n):.2f}, {len(n)}) | {100*(mn-mb)/mb:+.0f}% |')
