package io.ertcp.engine.cluster.membership;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The payload of a HEARTBEAT ({@link ControlFrames#KIND_HEARTBEAT}), after the replication frame header, whose node
 * id, epoch and position carry the sender, its epoch and its log position. Little-endian.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Role      |                   Reserved                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |              Primary node id (as the sender believes)         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +                       Applied position                        +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +                  Timestamp clock (milliseconds)               +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Connection count                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    In-sync backup node id                     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +                     Cluster file digest                       +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * The timestamp clock is the sender's TCP timestamp clock: a backup that takes over continues the primary's. The
 * in-sync backup (ST-TCP, 0 for none or in ER-TCP): from a primary, the backup whose confirmations its
 * acknowledgements wait for; from any other member, the one it last heard the primary name (so the primary knows
 * its change was heard before it acts on it). The cluster file digest is the sender's
 * {@code ClusterConfig.digest()} (0 when it states none), so every member learns which of the others runs another
 * file (docs/architecture.md, "Safe starts").
 */
public final class HeartbeatFlyweight
{
    public static final int ROLE_OFFSET = 0;
    public static final int PRIMARY_ID_OFFSET = 4;
    public static final int APPLIED_POSITION_OFFSET = 8;
    public static final int TIMESTAMP_CLOCK_MS_OFFSET = 16;
    public static final int CONNECTION_COUNT_OFFSET = 24;
    public static final int SYNC_BACKUP_ID_OFFSET = 28;
    public static final int CONFIG_DIGEST_OFFSET = 32;
    public static final int LENGTH = 40;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutableBuffer;
    private int offset;

    public HeartbeatFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.mutableBuffer = buffer instanceof MutableDirectBuffer ? (MutableDirectBuffer)buffer : null;
        this.offset = offset;
        return this;
    }

    /**
     * Write the whole payload.
     */
    public HeartbeatFlyweight write(
        final int roleCode,
        final int primaryId,
        final long appliedPosition,
        final long timestampClockMs,
        final int connectionCount,
        final int syncBackupId,
        final long configDigest)
    {
        mutableBuffer.putInt(offset + ROLE_OFFSET, roleCode & 0xFF, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putInt(offset + PRIMARY_ID_OFFSET, primaryId, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putLong(offset + APPLIED_POSITION_OFFSET, appliedPosition, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putLong(offset + TIMESTAMP_CLOCK_MS_OFFSET, timestampClockMs, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putInt(offset + CONNECTION_COUNT_OFFSET, connectionCount, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putInt(offset + SYNC_BACKUP_ID_OFFSET, syncBackupId, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putLong(offset + CONFIG_DIGEST_OFFSET, configDigest, ByteOrder.LITTLE_ENDIAN);
        return this;
    }

    public int roleCode()
    {
        return buffer.getByte(offset + ROLE_OFFSET) & 0xFF;
    }

    public int primaryId()
    {
        return buffer.getInt(offset + PRIMARY_ID_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public long appliedPosition()
    {
        return buffer.getLong(offset + APPLIED_POSITION_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public long timestampClockMs()
    {
        return buffer.getLong(offset + TIMESTAMP_CLOCK_MS_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public int connectionCount()
    {
        return buffer.getInt(offset + CONNECTION_COUNT_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public int syncBackupId()
    {
        return buffer.getInt(offset + SYNC_BACKUP_ID_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public long configDigest()
    {
        return buffer.getLong(offset + CONFIG_DIGEST_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }
}
