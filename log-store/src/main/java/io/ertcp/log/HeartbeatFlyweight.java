package io.ertcp.log;

import org.agrona.DirectBuffer;

/**
 * HEARTBEAT: a node's liveness, the epoch it believes in and how far its log goes, with the sender's clock so a
 * receiver can judge the lag. Logged only when a role wants it in the order; most heartbeats travel unlogged
 * with the same layout.
 * Little-endian, after the common {@link RecordHeaderFlyweight header}.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |               Header (24 bytes, type HEARTBEAT)               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                            Node id                            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                      Epoch the node is in                     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Node's log position (64)                   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     Sender's time, ns (64)                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class HeartbeatFlyweight extends RecordHeaderFlyweight
{
    public static final int NODE_ID_OFFSET = BODY_OFFSET;
    public static final int NODE_EPOCH_OFFSET = BODY_OFFSET + 4;
    public static final int LOG_POSITION_OFFSET = BODY_OFFSET + 8;
    public static final int TIME_NS_OFFSET = BODY_OFFSET + 16;
    public static final int LENGTH = BODY_OFFSET + 24;

    @Override
    public HeartbeatFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    /**
     * Write a whole HEARTBEAT record (header and body) at the wrapped offset.
     */
    public HeartbeatFlyweight write(
        final int epoch,
        final int nodeId,
        final int nodeEpoch,
        final long logPosition,
        final long timeNs)
    {
        writeHeader(RecordType.HEARTBEAT, LENGTH, epoch);
        putInt(NODE_ID_OFFSET, nodeId);
        putInt(NODE_EPOCH_OFFSET, nodeEpoch);
        putLong(LOG_POSITION_OFFSET, logPosition);
        putLong(TIME_NS_OFFSET, timeNs);
        return this;
    }

    public int nodeId()
    {
        return getInt(NODE_ID_OFFSET);
    }

    public int nodeEpoch()
    {
        return getInt(NODE_EPOCH_OFFSET);
    }

    public long logPosition()
    {
        return getLong(LOG_POSITION_OFFSET);
    }

    public long timeNs()
    {
        return getLong(TIME_NS_OFFSET);
    }
}
