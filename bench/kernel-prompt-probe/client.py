"""The kernel client of bench/kernel-prompt-probe/run.sh: SIZE-byte echo requests, each reply checked."""
import socket, sys, time
size = int(sys.argv[1]); n = int(sys.argv[2])
s = socket.create_connection(("10.98.0.1", 7), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
msg = bytes((i * 7 + 3) & 0xFF for i in range(size))
worst = 0
for k in range(n):
    t = time.monotonic()
    s.sendall(msg)
    got = b""
    while len(got) < size:
        r = s.recv(size - len(got))
        if not r: print("closed"); sys.exit(1)
        got += r
    assert got == msg, "wrong bytes"
    d = (time.monotonic() - t) * 1000
    if d > 20: print("client: request %d took %.1f ms" % (k, d))
print("client: %d requests ok" % n)
s.close()
