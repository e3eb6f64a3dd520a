package io.ertcp.engine.net;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Test frames built byte by byte with {@link ByteBuffer} (big-endian) and a naive RFC 1071 checksum,
 * independent of the flyweights and {@link Checksums} they check.
 */
final class Packets
{
    static final int ETHERNET = 14;
    static final int IPV4 = 20;
    static final int TCP = 6;
    static final int UDP = 17;
    static final int ICMP = 1;

    private Packets()
    {
    }

    /** The Internet checksum over b[from, to), added to a pseudo-header sum. */
    static int checksum(final byte[] b, final int from, final int to, final long initial)
    {
        long sum = initial;
        for (int i = from; i < to; i += 2)
        {
            final int high = b[i] & 0xFF;
            final int low = i + 1 < to ? b[i + 1] & 0xFF : 0;
            sum += (high << 8) | low;
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)(~sum & 0xFFFF);
    }

    static long pseudoHeader(final int source, final int destination, final int protocol, final int length)
    {
        return (source >>> 16) + (source & 0xFFFF) + (destination >>> 16) + (destination & 0xFFFF) + protocol + length;
    }

    /** A TCP header (20 bytes, ACK|PSH) and payload, checksum not yet filled in. */
    static byte[] tcp(final int sourcePort, final int destinationPort, final byte[] payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        b.putShort((short)sourcePort).putShort((short)destinationPort).putInt(1000).putInt(2000);
        b.put((byte)0x50).put((byte)0x18).putShort((short)65535).putShort((short)0).putShort((short)0);
        b.put(payload);
        return b.array();
    }

    /** A UDP header and payload, checksum not yet filled in. */
    static byte[] udp(final int sourcePort, final int destinationPort, final byte[] payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putShort((short)sourcePort).putShort((short)destinationPort).putShort((short)(8 + payload.length)).putShort((short)0);
        b.put(payload);
        return b.array();
    }

    /** An ICMP echo message with its checksum. */
    static byte[] echo(final int type, final int identifier, final int sequence, final byte[] data)
    {
        final ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.put((byte)type).put((byte)0).putShort((short)0).putShort((short)identifier).putShort((short)sequence).put(data);
        final byte[] message = b.array();
        final int sum = checksum(message, 0, message.length, 0);
        message[2] = (byte)(sum >>> 8);
        message[3] = (byte)sum;
        return message;
    }

    /**
     * An Ethernet/IPv4 frame, padded to 60 bytes, with a right header checksum and (for TCP and
     * UDP) a right transport checksum.
     */
    static UnsafeBuffer ipv4(
        final long destinationMac, final long sourceMac, final int sourceIp, final int destinationIp, final int protocol,
        final int identification, final byte[] l4)
    {
        final int length = Math.max(60, ETHERNET + IPV4 + l4.length);
        final ByteBuffer b = ByteBuffer.allocate(length);
        putMac(b, destinationMac);
        putMac(b, sourceMac);
        b.putShort((short)0x0800);
        b.put((byte)0x45).put((byte)0).putShort((short)(IPV4 + l4.length)).putShort((short)identification)
            .putShort((short)0x4000).put((byte)64).put((byte)protocol).putShort((short)0)
            .putInt(sourceIp).putInt(destinationIp);
        b.put(l4);
        final byte[] frame = b.array();
        final int headerSum = checksum(frame, ETHERNET, ETHERNET + IPV4, 0);
        frame[ETHERNET + 10] = (byte)(headerSum >>> 8);
        frame[ETHERNET + 11] = (byte)headerSum;
        final int checksumAt = protocol == TCP ? 16 : protocol == UDP ? 6 : -1;
        if (checksumAt >= 0)
        {
            final int l4At = ETHERNET + IPV4;
            final int sum = checksum(frame, l4At, l4At + l4.length, pseudoHeader(sourceIp, destinationIp, protocol, l4.length));
            frame[l4At + checksumAt] = (byte)(sum >>> 8);
            frame[l4At + checksumAt + 1] = (byte)sum;
        }
        return new UnsafeBuffer(frame);
    }

    /** An Ethernet/ARP frame padded to 60 bytes. */
    static UnsafeBuffer arp(
        final long destinationMac, final int operation, final long senderMac, final int senderIp, final long targetMac, final int targetIp)
    {
        final ByteBuffer b = ByteBuffer.allocate(60);
        putMac(b, destinationMac);
        putMac(b, senderMac);
        b.putShort((short)0x0806);
        b.putShort((short)1).putShort((short)0x0800).put((byte)6).put((byte)4).putShort((short)operation);
        putMac(b, senderMac);
        b.putInt(senderIp);
        putMac(b, targetMac);
        b.putInt(targetIp);
        return new UnsafeBuffer(b.array());
    }

    static void putMac(final ByteBuffer b, final long mac)
    {
        b.putShort((short)(mac >>> 32)).putInt((int)mac);
    }

    static byte[] bytes(final int length, final int seed)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(seed * 31 + i * 7);
        }
        return bytes;
    }

    /** Recompute the IPv4 header checksum in place after a test changed the header. */
    static void fixHeaderChecksum(final UnsafeBuffer frame)
    {
        final byte[] b = frame.byteArray();
        b[ETHERNET + 10] = 0;
        b[ETHERNET + 11] = 0;
        final int headerLength = (b[ETHERNET] & 0x0F) * 4;
        final int sum = checksum(b, ETHERNET, ETHERNET + Math.max(IPV4, Math.min(headerLength, b.length - ETHERNET)), 0);
        b[ETHERNET + 10] = (byte)(sum >>> 8);
        b[ETHERNET + 11] = (byte)sum;
    }
}
