package io.ertcp.log;

import org.agrona.DirectBuffer;

/**
 * SNAPSHOT: every replica that applies this record writes a snapshot of its service's state as it stands after it,
 * at this record's position (docs/architecture.md rule 7). The primary logs it when a snapshot is due (the cluster
 * file's {@code log.snapshot-every-records} or {@code log.snapshot-every}), open connections and all: the snapshot
 * holds the state shared across connections and every connection open at it. Its position is the one a
 * rejoining node replays the log after; the logger, which runs no service, learns from it where snapshots lie.
 * Little-endian, after the common {@link RecordHeaderFlyweight header}.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                Header (24 bytes, type SNAPSHOT)               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |              Primary's time when it decided, ns (64)          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * The time is for people reading the log; no replica acts on it.
 */
public final class SnapshotFlyweight extends RecordHeaderFlyweight
{
    public static final int TIME_NS_OFFSET = BODY_OFFSET;
    public static final int LENGTH = BODY_OFFSET + 8;

    @Override
    public SnapshotFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    /**
     * Write a whole SNAPSHOT record (header and body) at the wrapped offset.
     */
    public SnapshotFlyweight write(final int epoch, final long timeNs)
    {
        writeHeader(RecordType.SNAPSHOT, LENGTH, epoch);
        putLong(TIME_NS_OFFSET, timeNs);
        return this;
    }

    public long timeNs()
    {
        return getLong(TIME_NS_OFFSET);
    }
}
