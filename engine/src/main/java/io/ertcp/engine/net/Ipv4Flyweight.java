package io.ertcp.engine.net;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * IPv4 header (RFC 791 section 3.1), read and written in place after the Ethernet header. Network
 * byte order (big-endian). Options are carried over on receive (the header length says where the
 * payload starts) and never written.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |Type of Service|          Total Length         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Identification        |Flags|      Fragment Offset    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Source Address                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Destination Address                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options                    |    Padding    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  Flags: bit 0 reserved, bit 1 DF (don't fragment), bit 2 MF (more fragments).
 * </pre>
 */
public final class Ipv4Flyweight
{
    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TYPE_OF_SERVICE_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int IDENTIFICATION_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int HEADER_CHECKSUM_OFFSET = 10;
    public static final int SOURCE_OFFSET = 12;
    public static final int DESTINATION_OFFSET = 16;
    /** The header without options: what this stack writes. */
    public static final int MIN_HEADER_LENGTH = 20;

    public static final int VERSION = 4;
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;
    public static final int DEFAULT_TTL = 64;

    public static final int PROTOCOL_ICMP = 1;
    public static final int PROTOCOL_TCP = Checksums.PROTOCOL_TCP;
    public static final int PROTOCOL_UDP = Checksums.PROTOCOL_UDP;

    /** The limited broadcast address, 255.255.255.255. */
    public static final int BROADCAST = 0xFFFF_FFFF;

    private DirectBuffer buffer;
    private int offset;

    public Ipv4Flyweight wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int version()
    {
        return (buffer.getByte(offset + VERSION_IHL_OFFSET) & 0xFF) >>> 4;
    }

    /** The header's length in bytes (IHL counts 32-bit words). */
    public int headerLength()
    {
        return (buffer.getByte(offset + VERSION_IHL_OFFSET) & 0x0F) * 4;
    }

    public int typeOfService()
    {
        return buffer.getByte(offset + TYPE_OF_SERVICE_OFFSET) & 0xFF;
    }

    /** The datagram's length in bytes, header included. */
    public int totalLength()
    {
        return buffer.getShort(offset + TOTAL_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public int identification()
    {
        return buffer.getShort(offset + IDENTIFICATION_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** The flags and the fragment offset as one 16-bit field. */
    public int flagsAndFragmentOffset()
    {
        return buffer.getShort(offset + FLAGS_FRAGMENT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** True for any fragment of a fragmented datagram: MF set, or a fragment offset past zero. */
    public boolean isFragment()
    {
        return (flagsAndFragmentOffset() & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public int ttl()
    {
        return buffer.getByte(offset + TTL_OFFSET) & 0xFF;
    }

    public int protocol()
    {
        return buffer.getByte(offset + PROTOCOL_OFFSET) & 0xFF;
    }

    public int headerChecksum()
    {
        return buffer.getShort(offset + HEADER_CHECKSUM_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public int source()
    {
        return buffer.getInt(offset + SOURCE_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    public int destination()
    {
        return buffer.getInt(offset + DESTINATION_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @return true when the one's-complement sum over the header, checksum field included, is all
     * ones (RFC 1071): the header arrived as sent. The header length must already be checked.
     */
    public boolean isHeaderChecksumValid()
    {
        return Checksums.finish(Checksums.sum(buffer, offset, headerLength(), 0)) == 0;
    }

    public Ipv4Flyweight ttl(final int ttl)
    {
        mutable().putByte(offset + TTL_OFFSET, (byte)ttl);
        return this;
    }

    public Ipv4Flyweight source(final int address)
    {
        mutable().putInt(offset + SOURCE_OFFSET, address, ByteOrder.BIG_ENDIAN);
        return this;
    }

    public Ipv4Flyweight destination(final int address)
    {
        mutable().putInt(offset + DESTINATION_OFFSET, address, ByteOrder.BIG_ENDIAN);
        return this;
    }

    /**
     * Write a whole 20-byte header (no options) with DF set, then its checksum.
     *
     * @param totalLength    of the datagram, header included.
     * @param identification for the datagram (RFC 6864: only unique among fragmentable datagrams,
     *                       so a plain counter does).
     */
    public Ipv4Flyweight write(
        final int totalLength, final int identification, final int ttl, final int protocol, final int source, final int destination)
    {
        final MutableDirectBuffer out = mutable();
        out.putByte(offset + VERSION_IHL_OFFSET, (byte)((VERSION << 4) | (MIN_HEADER_LENGTH / 4)));
        out.putByte(offset + TYPE_OF_SERVICE_OFFSET, (byte)0);
        out.putShort(offset + TOTAL_LENGTH_OFFSET, (short)totalLength, ByteOrder.BIG_ENDIAN);
        out.putShort(offset + IDENTIFICATION_OFFSET, (short)identification, ByteOrder.BIG_ENDIAN);
        out.putShort(offset + FLAGS_FRAGMENT_OFFSET, (short)FLAG_DONT_FRAGMENT, ByteOrder.BIG_ENDIAN);
        out.putByte(offset + TTL_OFFSET, (byte)ttl);
        out.putByte(offset + PROTOCOL_OFFSET, (byte)protocol);
        out.putInt(offset + SOURCE_OFFSET, source, ByteOrder.BIG_ENDIAN);
        out.putInt(offset + DESTINATION_OFFSET, destination, ByteOrder.BIG_ENDIAN);
        return updateHeaderChecksum();
    }

    /**
     * Recompute the header checksum over the header as it now stands.
     */
    public Ipv4Flyweight updateHeaderChecksum()
    {
        final MutableDirectBuffer out = mutable();
        out.putShort(offset + HEADER_CHECKSUM_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        final int checksum = Checksums.finish(Checksums.sum(out, offset, headerLength(), 0));
        out.putShort(offset + HEADER_CHECKSUM_OFFSET, (short)checksum, ByteOrder.BIG_ENDIAN);
        return this;
    }

    /** True for addresses a datagram may not come from: multicast (224/4), class E and broadcast. */
    public static boolean isGroupOrBroadcast(final int address)
    {
        return (address & 0xF000_0000) == 0xE000_0000 || (address & 0xF000_0000) == 0xF000_0000;
    }

    private MutableDirectBuffer mutable()
    {
        return (MutableDirectBuffer)buffer;
    }
}
