package io.ertcp.log;

import org.agrona.DirectBuffer;

/**
 * FIN: the client closed its side; the stream offset is where its stream ends (the FIN's sequence number), so the
 * backup delivers end-of-stream after exactly the bytes logged before it.
 * Little-endian, after the common {@link RecordHeaderFlyweight header}.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Header (24 bytes, type FIN)                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Connection id (64)                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Stream offset of the FIN (64)                 |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class FinFlyweight extends RecordHeaderFlyweight
{
    public static final int CONNECTION_ID_OFFSET = BODY_OFFSET;
    public static final int STREAM_OFFSET_OFFSET = BODY_OFFSET + 8;
    public static final int LENGTH = BODY_OFFSET + 16;

    @Override
    public FinFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    /**
     * Write a whole FIN record (header and body) at the wrapped offset.
     */
    public FinFlyweight write(
        final int epoch,
        final long connectionId,
        final long streamOffset)
    {
        writeHeader(RecordType.FIN, LENGTH, epoch);
        putLong(CONNECTION_ID_OFFSET, connectionId);
        putLong(STREAM_OFFSET_OFFSET, streamOffset);
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
}
