#!/usr/bin/env python3
# Medians per configuration, role and build of a bench/per-byte-cost-ab.sh log (OUTDIR/log.md), as a Markdown table:
#   python3 bench/per-byte-cost-ab-summary.py OUTDIR/log.md [--ratio ROLE]
# --ratio ROLE: also each role's cost over ROLE's in the same run (backup1, say), median per build. Between runs this
# machine's figures move by +-10% for code that did not change; within a run every role sees the same machine, so for
# a change to one role the ratio to a role it leaves alone is the steadier figure. A run that reports the primary's log
# writer thread adds rows 'writer' and 'primary+writer' (the duty cycle and the thread; without one, the duty cycle).
import re, sys, statistics, collections

args = sys.argv[1:]
ratio_to = None
if "--ratio" in args:
    at = args.index("--ratio")
    ratio_to = args[at + 1]
    del args[at:at + 2]
if len(args) != 1:
    sys.exit("usage: per-byte-cost-ab-summary.py OUTDIR/log.md [--ratio ROLE]")

d = collections.defaultdict(list)
runs = []  # (config, build, {role: ms/MiB}) per run, for the ratios
cur = None
for line in open(args[0]):
    m = re.match(r'== (\w+) (\S+) round (\d+)', line)
    if m:
        cur = (m.group(2), m.group(1))
        runs.append((cur[0], cur[1], {}))
        continue
    m = re.match(r'\| (engine|primary|logger|backup\d) \| \w+ \| ([\d.]+) \|', line)
    if m and cur:
        d[(cur[0], m.group(1), cur[1])].append(float(m.group(2)))
        runs[-1][2].setdefault(m.group(1), float(m.group(2)))
    m = re.match(r'log prefaulter thread.*: ([\d.]+) CPU', line)
    if m and cur:
        d[(cur[0], 'prefaulter', cur[1])].append(float(m.group(1)))
    m = re.match(r"primary's log writer thread.*: ([\d.]+) CPU", line)
    if m and cur:
        runs[-1][2]['writer'] = float(m.group(1))

# The primary's duty cycle and its log writer thread together (a build without the thread: the duty cycle alone).
for config, build, roles in runs:
    if 'primary' in roles:
        d[(config, 'primary+writer', build)].append(roles['primary'] + roles.get('writer', 0.0))
    if 'writer' in roles:
        d[(config, 'writer', build)].append(roles['writer'])


def row(label, b, n):
    mb = statistics.median(b)
    mn = statistics.median(n)
    print(f'| {label[0]} | {label[1]} | {mb:.2f} ({min(b):.2f}-{max(b):.2f}, {len(b)}) | '
          f'{mn:.2f} ({min(n):.2f}-{max(n):.2f}, {len(n)}) | {100 * (mn - mb) / mb:+.0f}% |')


keys = sorted(set((c, r) for c, r, b in d))
print('| config | role | base median (runs) | new median (runs) | change |')
print('| --- | --- | ---: | ---: | ---: |')
for c, r in keys:
    b = d.get((c, r, 'base'), [])
    n = d.get((c, r, 'new'), [])
    if b and n:
        row((c, r), b, n)

if ratio_to:
    ratios = collections.defaultdict(list)
    for config, build, roles in runs:
        if ratio_to in roles and roles[ratio_to] > 0:
            for role, cost in roles.items():
                if role != ratio_to:
                    ratios[(config, role, build)].append(cost / roles[ratio_to])
    print()
    print(f'| config | role / {ratio_to}, same run | base median (runs) | new median (runs) | change |')
    print('| --- | --- | ---: | ---: | ---: |')
    for c, r in sorted(set((c, r) for c, r, b in ratios)):
        b = ratios.get((c, r, 'base'), [])
        n = ratios.get((c, r, 'new'), [])
        if b and n:
            row((c, r), b, n)
