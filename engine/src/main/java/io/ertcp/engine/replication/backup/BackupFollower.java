package io.ertcp.engine.replication.backup;

import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.replication.channel.ChannelCounters;
import io.ertcp.engine.replication.channel.RecordReceiver;
import io.ertcp.engine.replication.replica.ReplicatedService;
import io.ertcp.log.ReplicationLog;
import org.agrona.DirectBuffer;

/**
 * A backup's ingest in ER-TCP (DESIGN rule 3, forward): the records come from the logger's feed for this backup,
 * in order and each once (the {@link RecordReceiver} asks the logger for every gap), are kept in the backup's own
 * copy of the log (so it can be made the logger, rule 6) and applied to its {@link ReplicatedService}, whose
 * replicas are the shadows a takeover turns into live connections.
 * <p>
 * A backup may be slow on purpose ({@code applyDelayNs} of busy work per record, to show that a slow backup lags
 * without slowing the primary): it then confirms late and its feed on the logger waits for it; nothing else does.
 * <p>
 * One thread: the node's duty cycle.
 */
public final class BackupFollower
{
    private final ReplicationLog log;
    private final ReplicatedService replicated;
    private final RecordReceiver receiver;
    private final long applyDelayNs;
    private long spinSink;

    /**
     * @param nodeId       this backup.
     * @param localMac     the source of its NAK and CONFIRM frames.
     * @param epoch        the oldest epoch accepted.
     * @param log          this backup's copy of the log, empty or holding exactly what {@code replicated} applied.
     * @param replicated   the shadows.
     * @param applyDelayNs busy work per record, 0 normally.
     */
    public BackupFollower(
        final int nodeId,
        final long localMac,
        final int epoch,
        final ReplicationLog log,
        final ReplicatedService replicated,
        final int slots,
        final int maxRecordLength,
        final long nakIntervalNs,
        final long confirmIntervalNs,
        final long applyDelayNs,
        final ChannelCounters counters)
    {
        if (log.lastPosition() != replicated.appliedPosition())
        {
            throw new IllegalArgumentException("the backup's log ends at " + log.lastPosition() +
                " but its service applied up to " + replicated.appliedPosition());
        }
        this.log = log;
        this.replicated = replicated;
        this.applyDelayNs = applyDelayNs;
        this.receiver = new RecordReceiver(
            nodeId, localMac, epoch, log.lastPosition() + 1, slots, maxRecordLength, nakIntervalNs, confirmIntervalNs,
            this::onRecord, counters);
    }

    public void onFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        receiver.onFrame(buffer, offset, length, flags);
    }

    /**
     * Ask the logger for gaps and confirm progress.
     */
    public int doWork(final long nowNs, final FrameOutput out)
    {
        return receiver.doWork(nowNs, out);
    }

    /**
     * @return the last position applied (and kept in the local log).
     */
    public long appliedPosition()
    {
        return replicated.appliedPosition();
    }

    public ReplicatedService replicated()
    {
        return replicated;
    }

    public ReplicationLog log()
    {
        return log;
    }

    public RecordReceiver receiver()
    {
        return receiver;
    }

    private void onRecord(final DirectBuffer buffer, final int offset, final int length, final long position)
    {
        log.append(buffer, offset, length);
        replicated.apply(buffer, offset, length);
        if (applyDelayNs > 0)
        {
            final long until = System.nanoTime() + applyDelayNs;
            while (System.nanoTime() < until)
            {
                spinSink++;
            }
        }
    }
}
