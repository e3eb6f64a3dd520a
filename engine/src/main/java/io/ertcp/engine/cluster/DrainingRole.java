package io.ertcp.engine.cluster;

import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.replication.replica.ReplicatedService;
import org.agrona.DirectBuffer;

/**
 * A {@link ClusterNode}'s role from the moment its backup is elected until it has drained the log to the end the
 * logger reported (docs/architecture.md rule 5): it takes the {@link BackupRole} over, and only its follower works
 * (nothing more is built ahead, no fencing). Once {@link #drained()}, the node hands the backup's follower, service,
 * standby primary and sender, tap and relay inbox on to the primary it becomes; if another node wins a later epoch
 * first, the node gives the backup role back ({@link #backup()}), which follows the log on.
 */
final class DrainingRole implements NodeRole
{
    private final NodeContext ctx;
    private final BackupRole backup;
    private final int electedEpoch;
    private final long electedAtNs;
    private final long drainTarget;

    /**
     * @param ctx               the node's context.
     * @param backup            the backup role that was elected.
     * @param epoch             the epoch it was elected for.
     * @param nowNs             when.
     * @param loggerLogPosition the end of the logger's log, as the votes reported it.
     */
    DrainingRole(
        final NodeContext ctx,
        final BackupRole backup,
        final int epoch,
        final long nowNs,
        final long loggerLogPosition)
    {
        this.ctx = ctx;
        this.backup = backup;
        this.electedEpoch = epoch;
        this.electedAtNs = nowNs;
        // ST-TCP has no logger: the backup holds all it confirmed, and nothing it did not was acknowledged.
        final long applied = backup.follower().appliedPosition();
        this.drainTarget = Math.max(loggerLogPosition, applied);
        ctx.say("elected primary for epoch " + epoch + "; draining the log to position " + drainTarget +
            " (applied " + applied + ")");
    }

    public ClusterNode.State state()
    {
        return ClusterNode.State.DRAINING;
    }

    public int doWork(final long nowNs)
    {
        return backup.follower().doWork(nowNs, ctx.channelOut);
    }

    /** @return true once the log is applied to {@link #drainTarget}: the node may take over now. */
    boolean drained()
    {
        return backup.follower().appliedPosition() >= drainTarget;
    }

    public FrameHandler portHandler()
    {
        return backup.portHandler();
    }

    public void onChannelFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        backup.onChannelFrame(buffer, offset, length, flags);
    }

    public ReplicatedService replicated()
    {
        return backup.replicated();
    }

    public void describe(final StringBuilder detail)
    {
        backup.describe(detail);
    }

    public long progressPosition()
    {
        return backup.progressPosition();
    }

    /** The backup role this one took over: handed on to the primary, or given back when the takeover is given up. */
    BackupRole backup()
    {
        return backup;
    }

    int electedEpoch()
    {
        return electedEpoch;
    }

    long electedAtNs()
    {
        return electedAtNs;
    }

    long drainTarget()
    {
        return drainTarget;
    }
}
