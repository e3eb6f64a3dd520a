#!/usr/bin/env python3
"""kv load and a connection-per-request probe, for bench/snapshot-stall.sh.

    snapshot_client.py load HOST PORT --keys N [--per-connection 20000] [--pipeline 2000] [--value-size 3]
    snapshot_client.py probe HOST PORT OUT --seconds S [--watch DIR ...] [--gap-ms 0]

load: SETs keys key:000000000000 .. key:N-1 (redis-benchmark's key shape, 12 digits) with VALUE-SIZE
bytes each, PIPELINE commands written at once and their +OK read back, on short connections of
PER-CONNECTION keys each (closed, then the next opened): a snapshot waits for a moment with no
connection open (docs/architecture.md "Snapshots"), so a loader that held one connection would hold
them off. Prints "loaded N keys in S s (R SET/s)" on stderr.

probe: for S seconds, one request after the other, each on a new kernel TCP connection: connect,
SET probe:I VALUE, GET probe:I (the value checked), close; then GAP-MS of sleep, if any. OUT gets one
line per request, "start_wall total_ms connect_ms set_ms get_ms" (start_wall is time.time(), the
clock the node logs are stamped with), or "start_wall error WHAT" for a failed one (5 s timeout).
After every request the WATCH directories (the nodes' snapshot directories) are listed and every
name not seen before goes to OUT.files as "seen_wall dir name": the first sight of a snapshot's
temporary file dates its write within one request.
"""
import argparse
import os
import socket
import sys
import time


def read_reply(s, buf):
    """One RESP reply line or bulk string from s (buf: leftover bytes, a bytearray); returns the reply's bytes."""
    while True:
        end = buf.find(b"\r\n")
        if end >= 0:
            if buf[:1] == b"$":
                n = int(buf[1:end])
                if n < 0:
                    reply = bytes(buf[:end + 2])
                    del buf[:end + 2]
                    return reply
                total = end + 2 + n + 2
                if len(buf) >= total:
                    reply = bytes(buf[:total])
                    del buf[:total]
                    return reply
            else:
                reply = bytes(buf[:end + 2])
                del buf[:end + 2]
                return reply
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by the server mid-reply")
        buf += chunk


def resp(*parts):
    out = [b"*%d\r\n" % len(parts)]
    for p in parts:
        out.append(b"$%d\r\n%s\r\n" % (len(p), p))
    return b"".join(out)


def load(a):
    value = b"x" * a.value_size
    start = time.time()
    done = 0
    while done < a.keys:
        s = socket.create_connection((a.host, a.port), timeout=30)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        end = min(a.keys, done + a.per_connection)
        while done < end:
            n = min(a.pipeline, end - done)
            s.sendall(b"".join(resp(b"SET", b"key:%012d" % k, value) for k in range(done, done + n)))
            want = 5 * n
            got = bytearray()
            while len(got) < want:
                chunk = s.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed by the server after %d keys" % done)
                got += chunk
            if got != b"+OK\r\n" * n:
                raise ConnectionError("a SET near key %d was not answered +OK: %r" % (done, bytes(got[:64])))
            done += n
        s.close()
    took = time.time() - start
    print("loaded %d keys in %.1f s (%.0f SET/s)" % (a.keys, took, a.keys / took), file=sys.stderr)
    return 0


def probe(a):
    value = b"v" * a.value_size
    lines = []
    seen = {}
    for d in a.watch:
        try:
            seen[d] = set(os.listdir(d))
        except FileNotFoundError:
            seen[d] = set()
    files = []
    gap = a.gap_ms / 1000.0
    deadline = time.time() + a.seconds
    i = 0
    while True:
        wall = time.time()
        if wall >= deadline:
            break
        key = b"probe:%d" % i
        t0 = time.perf_counter()
        try:
            s = socket.create_connection((a.host, a.port), timeout=5)
            t1 = time.perf_counter()
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            buf = bytearray()
            s.sendall(resp(b"SET", key, value))
            r = read_reply(s, buf)
            if r != b"+OK\r\n":
                raise ConnectionError("SET answered %r" % r)
            t2 = time.perf_counter()
            s.sendall(resp(b"GET", key))
            r = read_reply(s, buf)
            if r != b"$%d\r\n%s\r\n" % (len(value), value):
                raise ConnectionError("GET answered %r" % r[:64])
            t3 = time.perf_counter()
            s.close()
            lines.append("%.6f %.3f %.3f %.3f %.3f" % (wall, (t3 - t0) * 1e3, (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3))
        except (OSError, ConnectionError, ValueError) as e:
            lines.append("%.6f error %s" % (wall, str(e).replace("\n", " ")))
            try:
                s.close()
            except Exception:
                pass
        i += 1
        for d in a.watch:
            try:
                names = os.listdir(d)
            except FileNotFoundError:
                continue
            now = time.time()
            for name in names:
                if name not in seen[d]:
                    seen[d].add(name)
                    files.append("%.6f %s %s" % (now, d, name))
        if gap > 0:
            time.sleep(gap)
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + ("\n" if lines else ""))
    with open(a.out + ".files", "w") as f:
        f.write("\n".join(files) + ("\n" if files else ""))
    print("probe: %d requests in %.0f s" % (len(lines), a.seconds), file=sys.stderr)
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    lo = sub.add_parser("load")
    lo.add_argument("host")
    lo.add_argument("port", type=int)
    lo.add_argument("--keys", type=int, required=True)
    lo.add_argument("--per-connection", type=int, default=20000)
    lo.add_argument("--pipeline", type=int, default=2000)
    lo.add_argument("--value-size", type=int, default=3)
    pr = sub.add_parser("probe")
    pr.add_argument("host")
    pr.add_argument("port", type=int)
    pr.add_argument("out")
    pr.add_argument("--seconds", type=float, required=True)
    pr.add_argument("--watch", action="append", default=[])
    pr.add_argument("--gap-ms", type=float, default=0.0)
    pr.add_argument("--value-size", type=int, default=3)
    a = ap.parse_args()
    return load(a) if a.cmd == "load" else probe(a)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ConnectionError, OSError) as e:
        print("%.6f snapshot_client: %s" % (time.time(), e), file=sys.stderr)
        sys.exit(1)
