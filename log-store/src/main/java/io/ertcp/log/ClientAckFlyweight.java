package io.ertcp.log;

import org.agrona.DirectBuffer;

/**
 * CLIENT_ACK: how many bytes of server output the client has acknowledged on one connection (its ACK minus
 * ISS minus 1, unwrapped). A backup that takes over sets its send point here and regenerates the rest from its own
 * service, so the client never sees a byte twice or misses one.
 * Little-endian, after the common {@link RecordHeaderFlyweight header}.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |               Header (24 bytes, type CLIENT_ACK)              |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Connection id (64)                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Acknowledged output bytes (64)                |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class ClientAckFlyweight extends RecordHeaderFlyweight
{
    public static final int CONNECTION_ID_OFFSET = BODY_OFFSET;
    public static final int ACKNOWLEDGED_BYTES_OFFSET = BODY_OFFSET + 8;
    public static final int LENGTH = BODY_OFFSET + 16;

    @Override
    public ClientAckFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    /**
     * Write a whole CLIENT_ACK record (header and body) at the wrapped offset.
     */
    public ClientAckFlyweight write(
        final int epoch,
        final long connectionId,
        final long acknowledgedBytes)
    {
        writeHeader(RecordType.CLIENT_ACK, LENGTH, epoch);
        putLong(CONNECTION_ID_OFFSET, connectionId);
        putLong(ACKNOWLEDGED_BYTES_OFFSET, acknowledgedBytes);
        return this;
    }

    public long connectionId()
    {
        return getLong(CONNECTION_ID_OFFSET);
    }

    public long acknowledgedBytes()
    {
        return getLong(ACKNOWLEDGED_BYTES_OFFSET);
    }
}
