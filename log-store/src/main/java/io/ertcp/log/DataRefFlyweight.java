package io.ertcp.log;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * DATA_REF: an ST-TCP ordering record. It stands on the replication channel for the DATA record at the same position
 * in the primary's log, without its bytes: the backup has tapped those off the LAN, and rebuilds the DATA record from
 * them ({@link #restore}). The checksum of the whole DATA record travels with it, so a rebuilt record is the
 * primary's, bit for bit, or is known not to be and fetched from the primary instead. DATA_REF is never appended to a
 * log: every log holds the DATA record. Little-endian, after the common header.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |               Header (24 bytes, type DATA_REF)                |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Connection id (64)                     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Stream offset (64)                     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Data length                            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Checksum of the DATA record                   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * The connection id, stream offset and data length sit where DATA has them, so {@link #elide} and {@link #restore}
 * copy the fixed part as it is.
 */
public final class DataRefFlyweight extends RecordHeaderFlyweight
{
    public static final int CONNECTION_ID_OFFSET = DataFlyweight.CONNECTION_ID_OFFSET;
    public static final int STREAM_OFFSET_OFFSET = DataFlyweight.STREAM_OFFSET_OFFSET;
    public static final int DATA_LENGTH_OFFSET = DataFlyweight.DATA_LENGTH_OFFSET;
    public static final int DATA_CHECKSUM_OFFSET = DataFlyweight.DATA_OFFSET;
    public static final int LENGTH = DATA_CHECKSUM_OFFSET + 4;

    @Override
    public DataRefFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    public long connectionId()
    {
        return getLong(CONNECTION_ID_OFFSET);
    }

    public long streamOffset()
    {
        return getLong(STREAM_OFFSET_OFFSET);
    }

    public int dataLength()
    {
        return getInt(DATA_LENGTH_OFFSET);
    }

    /** The checksum the whole DATA record carries. */
    public int dataChecksum()
    {
        return getInt(DATA_CHECKSUM_OFFSET);
    }

    /**
     * Write the DATA_REF of a stamped DATA record (position and checksum set) at {@code dst, dstOffset}, with its own
     * checksum stamped.
     *
     * @return {@link #LENGTH}.
     */
    public static int elide(
        final DirectBuffer data, final int dataOffset, final MutableDirectBuffer dst, final int dstOffset, final RecordCodec codec)
    {
        dst.putBytes(dstOffset, data, dataOffset, DataFlyweight.HEADER_LENGTH);
        dst.putInt(dstOffset + LENGTH_OFFSET, LENGTH, java.nio.ByteOrder.LITTLE_ENDIAN);
        dst.putShort(dstOffset + TYPE_OFFSET, (short)RecordType.DATA_REF, java.nio.ByteOrder.LITTLE_ENDIAN);
        dst.putInt(dstOffset + DATA_CHECKSUM_OFFSET,
            data.getInt(dataOffset + CHECKSUM_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN), java.nio.ByteOrder.LITTLE_ENDIAN);
        codec.stampChecksum(dst, dstOffset, LENGTH);
        return LENGTH;
    }

    /**
     * Rebuild the DATA record this reference stands for at {@code dst, dstOffset}, whose data bytes the caller has
     * already put at {@code dstOffset + DataFlyweight.DATA_OFFSET}: writes the fixed part and stamps the checksum.
     *
     * @return the DATA record's length when its checksum is the one the primary's record carries, or -1 when the
     * bytes are not the primary's (the caller fetches the record instead).
     */
    public int restore(final MutableDirectBuffer dst, final int dstOffset, final RecordCodec codec)
    {
        final int length = DataFlyweight.HEADER_LENGTH + dataLength();
        dst.putBytes(dstOffset, buffer, offset, DataFlyweight.HEADER_LENGTH);
        dst.putInt(dstOffset + LENGTH_OFFSET, length, java.nio.ByteOrder.LITTLE_ENDIAN);
        dst.putShort(dstOffset + TYPE_OFFSET, (short)RecordType.DATA, java.nio.ByteOrder.LITTLE_ENDIAN);
        codec.stampChecksum(dst, dstOffset, length);
        return dst.getInt(dstOffset + CHECKSUM_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN) == dataChecksum() ? length : -1;
    }
}
