package io.ertcp.log;

import org.agrona.DirectBuffer;

/**
 * CLOSED: the connection left the primary's table. Retention may drop the log before a connection's OPEN once
 * its CLOSED is logged; the reason says how it ended (see the REASON_ constants).
 * Little-endian, after the common {@link RecordHeaderFlyweight header}.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Header (24 bytes, type CLOSED)                |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Connection id (64)                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                             Reason                            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class ClosedFlyweight extends RecordHeaderFlyweight
{
    public static final int CONNECTION_ID_OFFSET = BODY_OFFSET;
    public static final int REASON_OFFSET = BODY_OFFSET + 8;
    public static final int LENGTH = BODY_OFFSET + 12;

    public static final int REASON_NORMAL = 0;
    public static final int REASON_RESET = 1;
    public static final int REASON_TIMEOUT = 2;
    public static final int REASON_ABORTED = 3;

    @Override
    public ClosedFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    /**
     * Write a whole CLOSED record (header and body) at the wrapped offset.
     */
    public ClosedFlyweight write(
        final int epoch,
        final long connectionId,
        final int reason)
    {
        writeHeader(RecordType.CLOSED, LENGTH, epoch);
        putLong(CONNECTION_ID_OFFSET, connectionId);
        putInt(REASON_OFFSET, reason);
        return this;
    }

    public long connectionId()
    {
        return getLong(CONNECTION_ID_OFFSET);
    }

    public int reason()
    {
        return getInt(REASON_OFFSET);
    }
}
