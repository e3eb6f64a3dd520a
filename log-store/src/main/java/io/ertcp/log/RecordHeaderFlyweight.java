package io.ertcp.log;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The header every replication record starts with, and the base of each record's flyweight. Little-endian: records
 * are written and read by this software only, on x86-64 and AArch64, so host order costs no swaps.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            Checksum (CRC32C of bytes 4 .. length)             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Length (header and body, bytes)               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Record type          |            Version            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                             Epoch                             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +                    Log position (1, 2, 3 ...)                 +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         Body ...                              |
 * </pre>
 * The checksum comes first so that it covers everything after it in one pass, and so that a record torn by a crash
 * (its tail never written) or corrupted on disk is told apart from a good one. The epoch fences records of a deposed
 * primary; the position is the record's place in the log order, which is the delivery order on every replica.
 */
public class RecordHeaderFlyweight
{
    public static final int CHECKSUM_OFFSET = 0;
    public static final int LENGTH_OFFSET = 4;
    public static final int TYPE_OFFSET = 8;
    public static final int VERSION_OFFSET = 10;
    public static final int EPOCH_OFFSET = 12;
    public static final int POSITION_OFFSET = 16;
    public static final int HEADER_LENGTH = 24;

    /** The body offset every record type starts from. */
    public static final int BODY_OFFSET = HEADER_LENGTH;

    public static final int CURRENT_VERSION = 1;

    protected DirectBuffer buffer;
    protected MutableDirectBuffer mutableBuffer;
    protected int offset;

    public RecordHeaderFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.mutableBuffer = buffer instanceof MutableDirectBuffer ? (MutableDirectBuffer)buffer : null;
        this.offset = offset;
        return this;
    }

    public DirectBuffer buffer()
    {
        return buffer;
    }

    public int offset()
    {
        return offset;
    }

    /**
     * Write the header of a new record; the checksum and position are left 0 for the log to stamp.
     */
    public RecordHeaderFlyweight writeHeader(final int type, final int length, final int epoch)
    {
        mutableBuffer.putInt(offset + CHECKSUM_OFFSET, 0, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putInt(offset + LENGTH_OFFSET, length, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putShort(offset + TYPE_OFFSET, (short)type, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putShort(offset + VERSION_OFFSET, (short)CURRENT_VERSION, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putInt(offset + EPOCH_OFFSET, epoch, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putLong(offset + POSITION_OFFSET, 0L, ByteOrder.LITTLE_ENDIAN);
        return this;
    }

    public int checksum()
    {
        return buffer.getInt(offset + CHECKSUM_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public RecordHeaderFlyweight checksum(final int checksum)
    {
        mutableBuffer.putInt(offset + CHECKSUM_OFFSET, checksum, ByteOrder.LITTLE_ENDIAN);
        return this;
    }

    public int length()
    {
        return buffer.getInt(offset + LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public int type()
    {
        return buffer.getShort(offset + TYPE_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    public int version()
    {
        return buffer.getShort(offset + VERSION_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    public int epoch()
    {
        return buffer.getInt(offset + EPOCH_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public RecordHeaderFlyweight epoch(final int epoch)
    {
        mutableBuffer.putInt(offset + EPOCH_OFFSET, epoch, ByteOrder.LITTLE_ENDIAN);
        return this;
    }

    public long position()
    {
        return buffer.getLong(offset + POSITION_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public RecordHeaderFlyweight position(final long position)
    {
        mutableBuffer.putLong(offset + POSITION_OFFSET, position, ByteOrder.LITTLE_ENDIAN);
        return this;
    }

    protected final long getLong(final int fieldOffset)
    {
        return buffer.getLong(offset + fieldOffset, ByteOrder.LITTLE_ENDIAN);
    }

    protected final int getInt(final int fieldOffset)
    {
        return buffer.getInt(offset + fieldOffset, ByteOrder.LITTLE_ENDIAN);
    }

    protected final int getUnsignedShort(final int fieldOffset)
    {
        return buffer.getShort(offset + fieldOffset, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    protected final int getUnsignedByte(final int fieldOffset)
    {
        return buffer.getByte(offset + fieldOffset) & 0xFF;
    }

    protected final void putLong(final int fieldOffset, final long value)
    {
        mutableBuffer.putLong(offset + fieldOffset, value, ByteOrder.LITTLE_ENDIAN);
    }

    protected final void putInt(final int fieldOffset, final int value)
    {
        mutableBuffer.putInt(offset + fieldOffset, value, ByteOrder.LITTLE_ENDIAN);
    }

    protected final void putShort(final int fieldOffset, final int value)
    {
        mutableBuffer.putShort(offset + fieldOffset, (short)value, ByteOrder.LITTLE_ENDIAN);
    }

    protected final void putByte(final int fieldOffset, final int value)
    {
        mutableBuffer.putByte(offset + fieldOffset, (byte)value);
    }
}
