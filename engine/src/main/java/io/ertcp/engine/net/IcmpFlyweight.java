package io.ertcp.engine.net;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * ICMP echo request and echo reply (RFC 792), read and written in place after the IPv4 header.
 * Network byte order (big-endian). The checksum covers the ICMP header and its data.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Identifier          |        Sequence Number        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Data ...
 *  +-+-+-+-+-
 *  Type 8 echo request, 0 echo reply; code 0.
 * </pre>
 */
public final class IcmpFlyweight
{
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int IDENTIFIER_OFFSET = 4;
    public static final int SEQUENCE_OFFSET = 6;
    public static final int HEADER_LENGTH = 8;

    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_ECHO_REQUEST = 8;

    private DirectBuffer buffer;
    private int offset;

    public IcmpFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int type()
    {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
    }

    public int code()
    {
        return buffer.getByte(offset + CODE_OFFSET) & 0xFF;
    }

    public int checksum()
    {
        return buffer.getShort(offset + CHECKSUM_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public int identifier()
    {
        return buffer.getShort(offset + IDENTIFIER_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public int sequence()
    {
        return buffer.getShort(offset + SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @param length of the ICMP message, header and data.
     * @return true when the message's checksum is right.
     */
    public boolean isChecksumValid(final int length)
    {
        return Checksums.finish(Checksums.sum(buffer, offset, length, 0)) == 0;
    }

    public IcmpFlyweight type(final int type)
    {
        mutable().putByte(offset + TYPE_OFFSET, (byte)type);
        return this;
    }

    public IcmpFlyweight code(final int code)
    {
        mutable().putByte(offset + CODE_OFFSET, (byte)code);
        return this;
    }

    public IcmpFlyweight identifier(final int identifier)
    {
        mutable().putShort(offset + IDENTIFIER_OFFSET, (short)identifier, ByteOrder.BIG_ENDIAN);
        return this;
    }

    public IcmpFlyweight sequence(final int sequence)
    {
        mutable().putShort(offset + SEQUENCE_OFFSET, (short)sequence, ByteOrder.BIG_ENDIAN);
        return this;
    }

    /**
     * Compute the checksum over the message as it now stands.
     *
     * @param length of the ICMP message, header and data.
     */
    public IcmpFlyweight updateChecksum(final int length)
    {
        final MutableDirectBuffer out = mutable();
        out.putShort(offset + CHECKSUM_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        out.putShort(offset + CHECKSUM_OFFSET, (short)Checksums.finish(Checksums.sum(out, offset, length, 0)), ByteOrder.BIG_ENDIAN);
        return this;
    }

    private MutableDirectBuffer mutable()
    {
        return (MutableDirectBuffer)buffer;
    }
}
