package io.ertcp.log;

import org.agrona.DirectBuffer;

/**
 * TIME: the primary's clock, entered in the log (the cluster time of docs/architecture.md, "Cluster time"). Every
 * record after it, up to the next TIME, happened at this time as far as the service is concerned, on every replica
 * alike; applying it also fires the service's timers whose deadline it reaches. The primary writes one before a
 * record when its clock has moved on by at least a millisecond since the last, before every OPEN, and when a
 * service timer falls due: a record per millisecond at most, none while nothing happens.
 * Little-endian, after the common {@link RecordHeaderFlyweight header}.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Header (24 bytes, type TIME)                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Cluster time, ns since 1970-01-01T00:00Z (64)         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * The time never goes back along the log: a new primary whose clock is behind the last logged time logs nothing
 * new until its clock passes it.
 */
public final class TimeFlyweight extends RecordHeaderFlyweight
{
    public static final int TIME_NS_OFFSET = BODY_OFFSET;
    public static final int LENGTH = BODY_OFFSET + 8;

    @Override
    public TimeFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    /**
     * Write a whole TIME record (header and body) at the wrapped offset.
     */
    public TimeFlyweight write(final int epoch, final long timeNs)
    {
        writeHeader(RecordType.TIME, LENGTH, epoch);
        putLong(TIME_NS_OFFSET, timeNs);
        return this;
    }

    /**
     * @return the cluster time, nanoseconds since the Unix epoch.
     */
    public long timeNs()
    {
        return getLong(TIME_NS_OFFSET);
    }
}
