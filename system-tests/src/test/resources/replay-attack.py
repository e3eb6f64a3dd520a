#!/usr/bin/env python3
"""A hostile host on the cluster's LAN: replays and mutates captured replication frames (EtherType 0x88B5).

Reads the frames of a tcpdump capture (pcap, Ethernet) and sends COUNT frames on IFACE through an AF_PACKET
socket at about RATE a second, each picked at random (seeded) from the capture and then, by the mix below:

  replay      the frame as captured (refused as a replay: its counter was seen)
  bit-flip    one random bit flipped past the Ethernet header (refused: bad MAC)
  epoch       the channel header's epoch raised by 1..3 or to 2097152002 (refused: bad MAC)
  counter     the trailer's frame counter moved past anything seen (refused: bad MAC, not as a replay)
  source-mac  the Ethernet source changed to another member's MAC (refused: wrong source MAC)
  truncated   cut short, sometimes under the trailer's length (refused: too short or bad MAC)
  forged      a fresh frame of a random kind with a plausible epoch and position and random trailer bytes

Prints one line when it starts sending ("attacking: ...") and a summary when done. Used by
ClusterReplayAttackSystemTest; the channel's layout is in ReplicationFrameFlyweight and FrameAuthenticator.
"""
import argparse
import random
import socket
import struct
import sys
import time

ETH = 14
EPOCH = ETH + 8       # the channel header's epoch, little-endian
POSITION = ETH + 16
TRAILER = 40          # cluster id, sender, incarnation, counter, MAC (FrameAuthenticator)
COUNTER_FROM_END = TRAILER - 16


def read_pcap(path):
    frames = []
    with open(path, 'rb') as f:
        header = f.read(24)
        if len(header) < 24:
            return frames
        magic = struct.unpack('<I', header[:4])[0]
        order = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
        while True:
            record = f.read(16)
            if len(record) < 16:
                break
            _, _, captured, _ = struct.unpack(order + 'IIII', record)
            data = f.read(captured)
            if len(data) == captured and len(data) > ETH + 32 and data[12:14] == b'\x88\xb5':
                frames.append(data)
    return frames


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--pcap', required=True)
    p.add_argument('--iface', default='eth0')
    p.add_argument('--count', type=int, default=100000)
    p.add_argument('--rate', type=int, default=20000)
    p.add_argument('--seed', type=int, default=1)
    a = p.parse_args()

    frames = read_pcap(a.pcap)
    if not frames:
        print('replay-attack: no 0x88B5 frame in ' + a.pcap, file=sys.stderr)
        return 2
    sources = sorted({f[6:12] for f in frames})
    group = sum(1 for f in frames if f[0] & 1)
    rnd = random.Random(a.seed)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    mix = [('replay', 35), ('bit-flip', 20), ('epoch', 10), ('counter', 10), ('source-mac', 5), ('truncated', 5),
           ('forged', 15)]
    kinds = [k for k, w in mix for _ in range(w)]
    sent = {k: 0 for k, _ in mix}
    errors = 0
    print('attacking: %d captured frames (%d to the group, %d unicast) from %d sources; sending %d at %d/s on %s'
          % (len(frames), group, len(frames) - group, len(sources), a.count, a.rate, a.iface), flush=True)
    start = time.monotonic()
    for i in range(a.count):
        f = bytearray(rnd.choice(frames))
        kind = rnd.choice(kinds)
        if kind == 'bit-flip':
            bit = rnd.randrange(ETH * 8, len(f) * 8)
            f[bit // 8] ^= 1 << (bit % 8)
        elif kind == 'epoch':
            epoch = struct.unpack_from('<i', f, EPOCH)[0]
            struct.pack_into('<i', f, EPOCH, 2097152002 if rnd.random() < 0.3 else epoch + rnd.randint(1, 3))
        elif kind == 'counter':
            at = len(f) - COUNTER_FROM_END
            counter = struct.unpack_from('<q', f, at)[0]
            struct.pack_into('<q', f, at, counter + rnd.randint(1000, 1 << 20))
        elif kind == 'source-mac' and len(sources) > 1:
            f[6:12] = rnd.choice([m for m in sources if m != bytes(f[6:12])])
        elif kind == 'truncated':
            f = f[:rnd.randrange(ETH + 1, len(f))]
            f += bytes(max(0, 60 - len(f)))
        elif kind == 'forged':
            epoch = struct.unpack_from('<i', f, EPOCH)[0]
            position = struct.unpack_from('<q', f, POSITION)[0]
            body = bytearray(rnd.getrandbits(8) for _ in range(rnd.choice((32, 64, 200, 1000))))
            body[0] = f[ETH]                       # the version
            body[1] = rnd.randrange(0, 16)         # any kind
            struct.pack_into('<i', body, 8, epoch + rnd.randint(0, 2))
            struct.pack_into('<q', body, 16, max(0, position + rnd.randint(-100, 100)))
            trailer = bytearray(f[-TRAILER:])
            trailer[16:] = bytes(rnd.getrandbits(8) for _ in range(TRAILER - 16))
            f = f[:ETH] + body + trailer
        try:
            s.send(bytes(f))
            sent[kind] += 1
        except OSError:
            errors += 1
        if i % 500 == 499:
            ahead = (i + 1) / a.rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
    seconds = time.monotonic() - start
    print('sent %d frames in %.1f s (%s), %d send errors'
          % (sum(sent.values()), seconds, ', '.join('%s %d' % kv for kv in sent.items()), errors), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
