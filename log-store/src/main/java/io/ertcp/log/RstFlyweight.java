package io.ertcp.log;

import org.agrona.DirectBuffer;

/**
 * RST: the connection was reset (by the client or the service); replicas drop it at this point of the order.
 * Little-endian, after the common {@link RecordHeaderFlyweight header}.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Header (24 bytes, type RST)                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Connection id (64)                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class RstFlyweight extends RecordHeaderFlyweight
{
    public static final int CONNECTION_ID_OFFSET = BODY_OFFSET;
    public static final int LENGTH = BODY_OFFSET + 8;

    @Override
    public RstFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    /**
     * Write a whole RST record (header and body) at the wrapped offset.
     */
    public RstFlyweight write(
        final int epoch,
        final long connectionId)
    {
        writeHeader(RecordType.RST, LENGTH, epoch);
        putLong(CONNECTION_ID_OFFSET, connectionId);
        return this;
    }

    public long connectionId()
    {
        return getLong(CONNECTION_ID_OFFSET);
    }
}
