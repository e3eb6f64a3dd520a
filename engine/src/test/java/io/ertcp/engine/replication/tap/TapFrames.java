package io.ertcp.engine.replication.tap;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Test frames for the tap: Ethernet/IPv4/TCP built byte by byte with {@link ByteBuffer} (big-endian)
 * and a naive RFC 1071 checksum, independent of the flyweights and checksum code they check.
 */
final class TapFrames
{
    static final int ETHERNET = 14;
    static final int IPV4 = 20;
    static final int TCP_HEADER = 20;
    static final int PAYLOAD_AT = ETHERNET + IPV4 + TCP_HEADER;

    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;

    static final long CLIENT_MAC = 0x02_00_00_00_00_01L;
    static final long SERVER_MAC = 0x02_00_00_00_00_02L;

    private TapFrames()
    {
    }

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

    /** A TCP segment in an IPv4 datagram in an Ethernet frame, padded to 60 bytes, both checksums right. */
    static byte[] segment(
        final int sourceIp, final int sourcePort, final int destinationIp, final int destinationPort,
        final int seq, final int ack, final int flags, final byte[] data, final int from, final int length)
    {
        final int l4Length = TCP_HEADER + length;
        final ByteBuffer b = ByteBuffer.allocate(Math.max(60, ETHERNET + IPV4 + l4Length));
        b.putShort((short)(SERVER_MAC >>> 32)).putInt((int)SERVER_MAC);
        b.putShort((short)(CLIENT_MAC >>> 32)).putInt((int)CLIENT_MAC);
        b.putShort((short)0x0800);
        b.put((byte)0x45).put((byte)0).putShort((short)(IPV4 + l4Length)).putShort((short)7)
            .putShort((short)0x4000).put((byte)64).put((byte)6).putShort((short)0)
            .putInt(sourceIp).putInt(destinationIp);
        b.putShort((short)sourcePort).putShort((short)destinationPort).putInt(seq).putInt(ack);
        b.put((byte)0x50).put((byte)flags).putShort((short)65535).putShort((short)0).putShort((short)0);
        if (length > 0)
        {
            b.put(data, from, length);
        }
        final byte[] frame = b.array();
        final int headerSum = checksum(frame, ETHERNET, ETHERNET + IPV4, 0);
        frame[ETHERNET + 10] = (byte)(headerSum >>> 8);
        frame[ETHERNET + 11] = (byte)headerSum;
        final long pseudo = (sourceIp >>> 16) + (sourceIp & 0xFFFF) + (destinationIp >>> 16) + (destinationIp & 0xFFFF) +
            6 + l4Length;
        final int l4 = ETHERNET + IPV4;
        final int sum = checksum(frame, l4, l4 + l4Length, pseudo);
        frame[l4 + 16] = (byte)(sum >>> 8);
        frame[l4 + 17] = (byte)sum;
        return frame;
    }

    static UnsafeBuffer wrap(final byte[] frame)
    {
        return new UnsafeBuffer(frame);
    }

    static byte[] pattern(final int length, final long seed)
    {
        final byte[] bytes = new byte[length];
        new java.util.Random(seed).nextBytes(bytes);
        return bytes;
    }
}
