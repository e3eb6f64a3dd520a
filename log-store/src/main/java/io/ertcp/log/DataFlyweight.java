package io.ertcp.log;

import org.agrona.DirectBuffer;

/**
 * DATA: client bytes the primary received in order on one connection. The stream offset is the offset of the first
 * byte from the start of the client's stream (sequence number minus IRS minus 1, unwrapped to 64 bits), so records
 * of one connection tile the stream with no gap and no overlap. Little-endian, after the common header.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Header (24 bytes, type DATA)                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Connection id (64)                     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Stream offset (64)                     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Data length                            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Data ...                               |
 * </pre>
 * The record's length is {@link #HEADER_LENGTH} plus the data length exactly.
 */
public final class DataFlyweight extends RecordHeaderFlyweight
{
    public static final int CONNECTION_ID_OFFSET = BODY_OFFSET;
    public static final int STREAM_OFFSET_OFFSET = BODY_OFFSET + 8;
    public static final int DATA_LENGTH_OFFSET = BODY_OFFSET + 16;
    public static final int DATA_OFFSET = BODY_OFFSET + 20;
    /** The fixed part: common header and DATA's own fields. */
    public static final int HEADER_LENGTH = DATA_OFFSET;

    @Override
    public DataFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    /**
     * Write a whole DATA record, copying {@code dataLength} bytes from {@code data} at {@code dataOffset}.
     */
    public DataFlyweight write(
        final int epoch,
        final long connectionId,
        final long streamOffset,
        final DirectBuffer data,
        final int dataOffset,
        final int dataLength)
    {
        writeHeader(RecordType.DATA, HEADER_LENGTH + dataLength, epoch);
        putLong(CONNECTION_ID_OFFSET, connectionId);
        putLong(STREAM_OFFSET_OFFSET, streamOffset);
        putInt(DATA_LENGTH_OFFSET, dataLength);
        mutableBuffer.putBytes(offset + DATA_OFFSET, data, dataOffset, dataLength);
        return this;
    }

    /**
     * Write the fixed part of a DATA record whose {@code dataLength} bytes the caller already put at
     * {@link #DATA_OFFSET}: a record built where its bytes were gathered, without copying them again.
     */
    public DataFlyweight writeAround(final int epoch, final long connectionId, final long streamOffset, final int dataLength)
    {
        writeHeader(RecordType.DATA, HEADER_LENGTH + dataLength, epoch);
        putLong(CONNECTION_ID_OFFSET, connectionId);
        putLong(STREAM_OFFSET_OFFSET, streamOffset);
        putInt(DATA_LENGTH_OFFSET, dataLength);
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

    /** The offset of the first data byte in {@link #buffer()}. */
    public int dataOffset()
    {
        return offset + DATA_OFFSET;
    }
}
