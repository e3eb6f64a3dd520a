#!/usr/bin/env python3
"""A member of the chat room of examples/own-service, for ClusterChatSystemTest.

chat-client.py HOST PORT NAME MEMBERS LINES OUT: joins as NAME, waits until /who lists MEMBERS
named members, says LINES lines ("line NAME i") 20 ms apart, reads until it has heard
MEMBERS * LINES chat lines (or 120 s passed), then writes everything it heard to OUT.
"""
import socket
import sys
import time

host, port, name, members, lines, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
expected = members * lines
deadline = time.time() + 120
sock = socket.create_connection((host, port), timeout=30)
sock.setblocking(False)
heard = bytearray()


def pump(seconds):
    end = time.time() + seconds
    while True:
        try:
            chunk = sock.recv(65536)
            if not chunk:
                return False
            heard.extend(chunk)
        except BlockingIOError:
            if time.time() >= end:
                return True
            time.sleep(0.002)


def chat_lines():
    return [l for l in heard.decode("utf-8", "replace").split("\n") if ": line " in l]


sock.sendall(("/nick %s\n" % name).encode())
while time.time() < deadline:
    sock.sendall(b"/who\n")
    pump(0.1)
    listed = [l for l in heard.decode("utf-8", "replace").split("\n") if l.startswith("* in ")]
    if listed and sum(1 for n in listed[-1].split(": ", 1)[1].split(", ") if n.startswith("m-")) >= members:
        break
print("%s talking" % name, flush=True)
said = 0
open_ = True
while open_ and time.time() < deadline and len(chat_lines()) < expected:
    if said < lines:
        sock.sendall(("line %s %d\n" % (name, said)).encode())
        said += 1
    open_ = pump(0.02)
with open(out, "wb") as f:
    f.write(heard)
print("%s said %d lines and heard %d of %d" % (name, said, len(chat_lines()), expected))
sys.exit(0 if len(chat_lines()) >= expected else 1)
