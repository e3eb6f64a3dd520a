package io.ertcp.log;

import org.agrona.DirectBuffer;

/**
 * TIMEOUT: a service's scheduled timeout fired on the primary. Time is not the same on every replica, so a
 * time-based service event is logged and every replica delivers it at the same place in the order.
 * Little-endian, after the common {@link RecordHeaderFlyweight header}.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                Header (24 bytes, type TIMEOUT)                |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            Connection id, or 0 for the service (64)           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         Timer id (64)                         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |             Primary's time when it fired, ns (64)             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class TimeoutFlyweight extends RecordHeaderFlyweight
{
    public static final int CONNECTION_ID_OFFSET = BODY_OFFSET;
    public static final int TIMER_ID_OFFSET = BODY_OFFSET + 8;
    public static final int TIME_NS_OFFSET = BODY_OFFSET + 16;
    public static final int LENGTH = BODY_OFFSET + 24;

    @Override
    public TimeoutFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    /**
     * Write a whole TIMEOUT record (header and body) at the wrapped offset.
     */
    public TimeoutFlyweight write(
        final int epoch,
        final long connectionId,
        final long timerId,
        final long timeNs)
    {
        writeHeader(RecordType.TIMEOUT, LENGTH, epoch);
        putLong(CONNECTION_ID_OFFSET, connectionId);
        putLong(TIMER_ID_OFFSET, timerId);
        putLong(TIME_NS_OFFSET, timeNs);
        return this;
    }

    public long connectionId()
    {
        return getLong(CONNECTION_ID_OFFSET);
    }

    public long timerId()
    {
        return getLong(TIMER_ID_OFFSET);
    }

    public long timeNs()
    {
        return getLong(TIME_NS_OFFSET);
    }
}
