#!/usr/bin/env python3
"""Where a switchover's pause goes, from one bench/failover-stall.sh --switchover run.

    bench/switchover-breakdown.py bench/out/failover-stall-switch-TAG.log bench/out/failover-stall-switch-TAG.gaps

Per switchover, from the nodes' own lines (their monotonic clocks): the old primary's hold
("handed over ... after X ms"), the successor's takeover itself and its LEAVE-to-serving time;
from the client's gaps (bench/stall_client.py, its own clock): the first reply after the hold
began (the hold's start is the JVM's log timestamp, millisecond precision), the gap that spans
the hold's start, and, for comparison, the largest gap in the 3 s before it (no switchover: what
the machine's load alone does to the ping-pong). Prints p50 / p99 (nearest rank) / min per row.
"""
import datetime
import math
import re
import sys


def ts(iso):
    return datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def pct(values, p):
    v = sorted(values)
    return v[max(1, math.ceil(p * len(v))) - 1]


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    log = open(sys.argv[1]).read().splitlines()
    gaps = [tuple(map(float, line.split())) for line in open(sys.argv[2]) if line.strip()]
    # a line is "ARRIVAL ISO-TIME LEVEL [node] message"
    holds = [ts(line.split()[1]) for line in log if "handing over to" in line]
    hold = [float(re.search(r"after ([0-9.]+) ms,", line).group(1)) for line in log if "handed over at" in line]
    took = [line for line in log if "primary's LEAVE" in line]
    itself = [float(re.search(r"itself ([0-9.]+) ms", line).group(1)) for line in took]
    serving = [float(re.search(r"([0-9.]+) ms after the primary's LEAVE", line).group(1)) for line in took]
    span, first, before = [], [], []
    for h in holds:
        cover = [(t, g) for t, g in gaps if t - g <= h + 0.0005 and t >= h - 0.0005]
        if not cover:
            continue
        t, g = max(cover, key=lambda x: x[1])
        span.append(g * 1000)
        first.append((t - h) * 1000)
        before.append(max([g for t, g in gaps if h - 3 <= t < h - 0.3] or [0]) * 1000)
    rows = [("old primary's hold (node clock)", hold),
            ("successor: the takeover itself (node clock)", itself),
            ("successor: LEAVE to serving (node clock)", serving),
            ("client: first reply after the hold began", first),
            ("client: the gap spanning the hold's start", span),
            ("client: largest gap in the 3 s before (no switchover)", before)]
    print("| | n | p50 ms | p99 ms | min ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, values in rows:
        if values:
            print("| %s | %d | %.1f | %.1f | %.1f |" % (name, len(values), pct(values, 0.5), pct(values, 0.99), min(values)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
