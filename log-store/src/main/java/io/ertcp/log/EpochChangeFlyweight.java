package io.ertcp.log;

import org.agrona.DirectBuffer;

/**
 * EPOCH_CHANGE: a takeover control record. The new primary logs it first in its epoch: records of older epochs
 * after it are refused (fencing), and the previous last position says where the old primary's history ends.
 * Little-endian, after the common {@link RecordHeaderFlyweight header}.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |              Header (24 bytes, type EPOCH_CHANGE)             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                           New epoch                           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     New primary's node id                     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |              Last position of the old epoch (64)              |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class EpochChangeFlyweight extends RecordHeaderFlyweight
{
    public static final int NEW_EPOCH_OFFSET = BODY_OFFSET;
    public static final int NEW_PRIMARY_NODE_ID_OFFSET = BODY_OFFSET + 4;
    public static final int PREVIOUS_LAST_POSITION_OFFSET = BODY_OFFSET + 8;
    public static final int LENGTH = BODY_OFFSET + 16;

    @Override
    public EpochChangeFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    /**
     * Write a whole EPOCH_CHANGE record (header and body) at the wrapped offset.
     */
    public EpochChangeFlyweight write(
        final int epoch,
        final int newEpoch,
        final int newPrimaryNodeId,
        final long previousLastPosition)
    {
        writeHeader(RecordType.EPOCH_CHANGE, LENGTH, epoch);
        putInt(NEW_EPOCH_OFFSET, newEpoch);
        putInt(NEW_PRIMARY_NODE_ID_OFFSET, newPrimaryNodeId);
        putLong(PREVIOUS_LAST_POSITION_OFFSET, previousLastPosition);
        return this;
    }

    public int newEpoch()
    {
        return getInt(NEW_EPOCH_OFFSET);
    }

    public int newPrimaryNodeId()
    {
        return getInt(NEW_PRIMARY_NODE_ID_OFFSET);
    }

    public long previousLastPosition()
    {
        return getLong(PREVIOUS_LAST_POSITION_OFFSET);
    }
}
