#!/usr/bin/env python3
"""Small-message ping-pong against an echo service, for bench/failover-stall.sh.

    stall_client.py HOST PORT GAPS_FILE COUNT_FILE [--size 64] [--min-gap-ms 1]

Sends SIZE bytes (a counter and a fixed pattern), reads the SIZE bytes back, checks they are the
bytes sent, and repeats, on one kernel TCP connection with TCP_NODELAY. Every gap between two
successive replies of at least --min-gap-ms is appended to GAPS_FILE as "reply_wall_time gap_s"
(time.time(), the clock `date +%s.%N` reads), flushed at once. COUNT_FILE is rewritten every
100 ms with "wall_time replies", so a script can tell that replies flow. Exits 1 on a wrong
byte or a closed/reset connection, saying so on stderr (with the wall time).
"""
import argparse
import os
import socket
import struct
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("gaps_file")
    ap.add_argument("count_file")
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--min-gap-ms", type=float, default=1.0)
    a = ap.parse_args()
    min_gap = a.min_gap_ms / 1000.0
    pattern = bytes((i * 7 + 3) & 0xFF for i in range(a.size))
    s = socket.create_connection((a.host, a.port), timeout=30)
    s.settimeout(None)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    gaps = open(a.gaps_file, "a", buffering=1)
    n = 0
    last = time.time()
    last_count = 0.0
    buf = bytearray(a.size)
    view = memoryview(buf)
    while True:
        msg = struct.pack(">Q", n) + pattern[8:]
        s.sendall(msg)
        got = 0
        while got < a.size:
            r = s.recv_into(view[got:], a.size - got)
            if r == 0:
                print("%.6f stall_client: connection closed by the server after %d replies" % (time.time(), n), file=sys.stderr)
                return 1
            got += r
        if bytes(buf) != msg:
            print("%.6f stall_client: reply %d differs from what was sent" % (time.time(), n), file=sys.stderr)
            return 1
        now = time.time()
        if now - last >= min_gap:
            gaps.write("%.6f %.6f\n" % (now, now - last))
        last = now
        n += 1
        if now - last_count >= 0.1:
            tmp = a.count_file + ".tmp"
            with open(tmp, "w") as f:
                f.write("%.6f %d\n" % (now, n))
            os.replace(tmp, a.count_file)
            last_count = now


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ConnectionError, OSError) as e:
        print("%.6f stall_client: %s" % (time.time(), e), file=sys.stderr)
        sys.exit(1)
