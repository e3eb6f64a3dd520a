package io.ertcp.engine.net;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Ethernet II header (IEEE 802.3), read and written in place. Network byte order (big-endian).
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Destination MAC (6 octets)                    |
 *  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                               |                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+       Source MAC (6 octets)   +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           EtherType           |  payload ...
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class EthernetFlyweight
{
    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    public static final int ETHER_TYPE_OFFSET = 12;
    public static final int HEADER_LENGTH = 14;

    public static final int ETHER_TYPE_IPV4 = 0x0800;
    public static final int ETHER_TYPE_ARP = 0x0806;
    /** The replication channel's EtherType (IEEE local experimental 2). */
    public static final int ETHER_TYPE_REPLICATION = 0x88B5;

    private DirectBuffer buffer;
    private int offset;

    public EthernetFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public long destination()
    {
        return readMac(buffer, offset + DESTINATION_OFFSET);
    }

    public long source()
    {
        return readMac(buffer, offset + SOURCE_OFFSET);
    }

    public int etherType()
    {
        return buffer.getShort(offset + ETHER_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public EthernetFlyweight destination(final long mac)
    {
        writeMac(mutable(), offset + DESTINATION_OFFSET, mac);
        return this;
    }

    public EthernetFlyweight source(final long mac)
    {
        writeMac(mutable(), offset + SOURCE_OFFSET, mac);
        return this;
    }

    public EthernetFlyweight etherType(final int etherType)
    {
        mutable().putShort(offset + ETHER_TYPE_OFFSET, (short)etherType, ByteOrder.BIG_ENDIAN);
        return this;
    }

    /** Read a 6-octet MAC address at an offset. */
    public static long readMac(final DirectBuffer buffer, final int index)
    {
        final long high = buffer.getShort(index, ByteOrder.BIG_ENDIAN) & 0xFFFFL;
        final long low = buffer.getInt(index + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
        return (high << 32) | low;
    }

    /** Write a 6-octet MAC address at an offset. */
    public static void writeMac(final MutableDirectBuffer buffer, final int index, final long mac)
    {
        buffer.putShort(index, (short)(mac >>> 32), ByteOrder.BIG_ENDIAN);
        buffer.putInt(index + 2, (int)mac, ByteOrder.BIG_ENDIAN);
    }

    private MutableDirectBuffer mutable()
    {
        return (MutableDirectBuffer)buffer;
    }
}
