#!/usr/bin/env python3
"""A user-space TCP echo server on AF_PACKET that plays a takeover to a real Linux client.

    kprobe.py --stimulus NAME --size BYTES --warm N --freeze-ms MS

It serves echo on 10.98.0.1:7 (virtual MAC) in kp-s. After WARM requests it "dies": the client's
next request is captured but neither acknowledged nor echoed (what a primary holding unlogged
bytes loses). FREEZE-MS after the first lost segment it "takes over": it sends the stimulus,
then serves normally again (in-order data only, no SACK of anything it does not hold). Every
client segment from the freeze on is printed with its time relative to the stimulus.
"""
import argparse
import socket
import struct
import subprocess
import sys
import time

VMAC = bytes.fromhex("020000000064")
VIP = socket.inet_aton("10.98.0.1")
PORT = 7
ETH_P_ALL = 0x0003


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Server:
    def __init__(self, a):
        self.a = a
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.bind(("eth0", 0))
        self.s.settimeout(0.001)
        self.cmac = None
        self.cip = None
        self.cport = None
        self.iss = 1000000
        self.snd_nxt = self.iss
        self.rcv_nxt = None
        self.ts_recent = 0
        self.requests_done = 0
        self.pending = 0  # bytes of the current request echoed so far
        self.phase = "normal"
        self.freeze_start = None
        self.t0 = None
        self.stim_done = False
        self.learned_nxt = None
        self.client_mss = 1460 - 12

    def now_ms(self):
        return int(time.monotonic() * 1000) & 0xFFFFFFFF

    def rel(self):
        return (time.monotonic() - self.t0) * 1000 if self.t0 else float("nan")

    def send_tcp(self, seq, ack, flags, payload=b"", sack=None, window=1024, tsval=None):
        opts = struct.pack("!BBBBII", 1, 1, 8, 10, self.now_ms() if tsval is None else tsval, self.ts_recent)
        if sack:
            opts += struct.pack("!BBBB", 1, 1, 5, 2 + 8 * len(sack))
            for l, r in sack:
                opts += struct.pack("!II", l & 0xFFFFFFFF, r & 0xFFFFFFFF)
        hl = 20 + len(opts)
        tcp = struct.pack("!HHIIBBHHH", PORT, self.cport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, (hl // 4) << 4, flags, window, 0, 0) + opts + payload
        pseudo = VIP + self.cip + struct.pack("!BBH", 0, 6, len(tcp))
        c = csum(pseudo + tcp)
        tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
        self.send_ip(6, tcp)

    def send_ip(self, proto, body):
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 0, 0x4000, 64, proto, 0, VIP, self.cip)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        self.s.send(self.cmac + VMAC + b"\x08\x00" + ip + body)

    def syn_ack(self, tsval_client):
        opts = struct.pack("!BBH", 2, 4, 1460) + struct.pack("!BB", 4, 2) + struct.pack("!BBII", 8, 10, self.now_ms(), tsval_client) + struct.pack("!BBBB", 1, 3, 3, 7)
        hl = 20 + len(opts)
        tcp = struct.pack("!HHIIBBHHH", PORT, self.cport, self.iss, self.rcv_nxt, (hl // 4) << 4, 0x12, 65535, 0, 0) + opts
        pseudo = VIP + self.cip + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
        self.send_ip(6, tcp)
        self.snd_nxt = self.iss + 1

    def icmp_unreach(self, ip_hdr_and_8):
        body = struct.pack("!BBHI", 3, 1, 0, 0) + ip_hdr_and_8
        body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
        self.send_ip(1, body)

    def stimulus(self):
        a = self.a
        U = self.rcv_nxt
        N = self.learned_nxt
        self.t0 = time.monotonic()
        print("%8.2f ms stimulus %s U=+%d N=%s" % (0.0, a.stimulus, U - self.irs, None if N is None else "+%d" % (N - self.irs)))
        st = a.stimulus
        if st == "none":
            return
        if st == "dupack":
            for _ in range(4):
                self.send_tcp(self.snd_nxt, U, 0x10)
            return
        if st == "zerowin":
            self.send_tcp(self.snd_nxt, U, 0x10, window=0)
            self.send_tcp(self.snd_nxt, U, 0x10, window=1024)
            return
        if st == "icmp":
            for _ in range(a.icmps):
                self.icmp_unreach(self.head_quote)
            return
        if N is None:
            print("no SND.NXT known", file=sys.stderr)
            return
        if st == "sack-last":
            blk = (N - 1, N)
        elif st == "sack-tail":
            blk = (max(U + 1, N - self.client_mss), N)
        elif st == "sack-all1":
            blk = (U + 1, N)
        else:
            raise SystemExit("unknown stimulus " + st)
        print("           SACK block [+%d, +%d)" % (blk[0] - self.irs, blk[1] - self.irs))
        self.send_tcp(self.snd_nxt, U, 0x10)
        for _ in range(a.dups):
            self.send_tcp(self.snd_nxt, U, 0x10, sack=[blk])

    def ss(self, label):
        out = subprocess.run(["ip", "netns", "exec", "kp-c", "ss", "-tin", "dst", "10.98.0.1"], capture_output=True, text=True).stdout
        print("%8.2f ms ss %s: %s" % (self.rel(), label, " ".join(out.split()[5:])))

    def run(self):
        a = self.a
        ss_marks = [float(x) for x in a.ss_at.split(",")] if a.ss_at else []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.phase == "frozen" and self.freeze_start and not self.stim_done:
                if a.stimulus in ("probe-sack-tail", "probe-sack-last") and self.learned_nxt is None and \
                        time.monotonic() - self.freeze_start >= a.freeze_ms / 1000.0 and not getattr(self, "probed", False):
                    # Out-of-window probe: SEQ one below what the client expects; it answers with its SND.NXT.
                    self.probed = True
                    self.probe_t = time.monotonic()
                    self.send_tcp(self.snd_nxt - 1, self.rcv_nxt, 0x10)
                    print("           probe sent (SEQ = SND.NXT - 1)")
                elif time.monotonic() - self.freeze_start >= a.freeze_ms / 1000.0 and \
                        (not a.stimulus.startswith("probe") or self.learned_nxt is not None):
                    if a.stimulus.startswith("probe-"):
                        self.a.stimulus = a.stimulus[len("probe-"):]
                        print("           probe answered after %.2f ms" % ((time.monotonic() - self.probe_t) * 1000))
                    else:
                        self.learned_nxt = self.max_end
                    self.stimulus()
                    self.stim_done = True
                    self.phase = "normal"
            if self.t0 and ss_marks and self.rel() >= ss_marks[0]:
                self.ss("at %.0f" % ss_marks.pop(0))
            if self.t0 and self.rel() > a.run_ms:
                break
            try:
                f = self.s.recv(65535)
            except socket.timeout:
                continue
            if len(f) < 14:
                continue
            et = struct.unpack("!H", f[12:14])[0]
            if et == 0x0806 and f[38:42] == VIP and f[20:22] == b"\x00\x01":
                self.cmac = f[6:12]
                rep = f[6:12] + VMAC + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + VMAC + VIP + f[22:28] + f[28:32]
                self.s.send(rep)
                continue
            if et != 0x0800 or f[23] != 6 or f[30:34] != VIP:
                continue
            ihl = (f[14] & 0xF) * 4
            ip = f[14:14 + ihl]
            tl = struct.unpack("!H", f[16:18])[0]
            t = f[14 + ihl:14 + tl]
            sport, dport, seq, ack, off, flags, win = struct.unpack("!HHIIBBH", t[:16])
            if dport != PORT:
                continue
            hl = (off >> 4) * 4
            payload = t[hl:]
            o = t[20:hl]
            tsval = None
            i = 0
            while i < len(o):
                k = o[i]
                if k == 0:
                    break
                if k == 1:
                    i += 1
                    continue
                ln = o[i + 1]
                if k == 8:
                    tsval = struct.unpack("!I", o[i + 2:i + 6])[0]
                i += ln
            self.cmac = f[6:12]
            if flags & 0x02:
                self.cip = f[26:30]
                self.cport = sport
                self.irs = seq
                self.rcv_nxt = seq + 1
                self.ts_recent = tsval or 0
                self.syn_ack(tsval or 0)
                continue
            if self.rcv_nxt is None:
                continue
            if tsval is not None and (seq - self.rcv_nxt) % (1 << 32) < (1 << 31) or seq == self.rcv_nxt:
                if tsval is not None:
                    self.ts_recent = tsval
            seq_rel = seq - self.irs
            if self.phase == "frozen" or self.t0:
                print("%8.2f ms client seg seq=+%d len=%d ack=+%d flags=%#x win=%d" % (
                    self.rel(), seq_rel, len(payload), ack - self.iss, flags, win))
            if self.phase == "frozen":
                if a.stimulus.startswith("probe") and getattr(self, "probed", False) and self.learned_nxt is None and not payload:
                    self.learned_nxt = seq
                if payload:
                    if self.freeze_start is None:
                        self.freeze_start = time.monotonic()
                        self.head_quote = ip + t[:8]
                    self.max_end = seq + len(payload)
                continue
            if payload:
                if seq == self.rcv_nxt:
                    self.rcv_nxt += len(payload)
                    if self.requests_done >= a.warm and not self.stim_done:
                        self.phase = "frozen"
                        self.rcv_nxt -= len(payload)
                        self.freeze_start = time.monotonic()
                        self.head_quote = ip + t[:8]
                        self.max_end = seq + len(payload)
                        print("freeze at request %d: first lost segment seq=+%d len=%d" % (self.requests_done, seq_rel, len(payload)))
                        continue
                    # echo
                    off2 = 0
                    while off2 < len(payload):
                        chunk = payload[off2:off2 + 1448]
                        self.send_tcp(self.snd_nxt, self.rcv_nxt, 0x18, chunk)
                        self.snd_nxt += len(chunk)
                        off2 += len(chunk)
                    self.pending += len(payload)
                    while self.pending >= a.size:
                        self.pending -= a.size
                        self.requests_done += 1
                        if self.t0:
                            print("%8.2f ms request %d complete" % (self.rel(), self.requests_done))
                else:
                    self.send_tcp(self.snd_nxt, self.rcv_nxt, 0x10)
            if flags & 0x01:
                self.rcv_nxt += 1
                self.send_tcp(self.snd_nxt, self.rcv_nxt, 0x11)
                self.snd_nxt += 1
                break


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stimulus", default="dupack")
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--warm", type=int, default=50)
    ap.add_argument("--freeze-ms", type=float, default=80)
    ap.add_argument("--dups", type=int, default=3)
    ap.add_argument("--icmps", type=int, default=1)
    ap.add_argument("--run-ms", type=float, default=1500)
    ap.add_argument("--ss-at", default="1,20")
    Server(ap.parse_args()).run()


if __name__ == "__main__":
    main()
