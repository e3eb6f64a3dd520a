package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.cluster.membership.MemberView;
import io.ertcp.engine.cluster.membership.Membership;
import io.ertcp.engine.replication.replica.ReplicatedService;
import io.ertcp.engine.replication.replica.ServiceSnapshots;
import io.ertcp.log.ReplicationLog;
import io.ertcp.log.SnapshotStore;

/**
 * What of a {@link ClusterNode}'s log is kept, and its service's snapshots (docs/architecture.md rule 7, "Snapshots",
 * "Retention"): the pending snapshot written once its position is durable, what happened to the snapshots told, and
 * the roll cycles nobody needs any more deleted once the retention time passed. Called from the node's duty cycle with
 * the role it holds; single-threaded.
 */
final class LogKeeper
{
    private static final long REPORT_INTERVAL_NS = 100_000_000L;

    private final NodeContext ctx;
    private final Membership membership;
    /** Null when the service shares state across connections (kv) and takes no snapshots: then the whole log is kept. */
    private final Retention retention;
    /** The service shares state and the cluster file asks for snapshots: SNAPSHOT records bound retention. */
    private final boolean snapshotting;
    /** This node's snapshots of its service (primary and backups), or null. */
    private final ServiceSnapshots snapshots;
    private long nextSnapshotReportNs;

    LogKeeper(final NodeContext ctx, final Retention retention)
    {
        this.ctx = ctx;
        this.membership = ctx.membership;
        this.retention = retention;
        this.snapshotting = ctx.snapshotting;
        this.snapshots = ctx.snapshots;
    }

    /**
     * Snapshots: write the pending one once its position is durable (the primary's confirmed position; everything a
     * backup applied came from the durable log), and say what happened to them, every 100 ms at most.
     */
    int followSnapshots(final long nowNs, final ClusterNode.State state, final NodeRole role)
    {
        if (null == snapshots)
        {
            return 0;
        }
        final ReplicatedService service = role.replicated();
        final int work = snapshots.durable(state == ClusterNode.State.PRIMARY ? ((PrimaryRole)role).durablePosition() :
            null == service ? 0 : service.appliedPosition());
        if (nowNs - nextSnapshotReportNs >= 0)
        {
            nextSnapshotReportNs = nowNs + REPORT_INTERVAL_NS;
            reportSnapshots();
        }
        return work;
    }

    /** Closes the snapshots' store (the node closes). */
    void close()
    {
        if (null != snapshots)
        {
            snapshots.close();
        }
    }

    /** Say what happened to the snapshots (taken, written, loaded, failed) since this was last asked. */
    void reportSnapshots()
    {
        if (null != snapshots)
        {
            for (String message = snapshots.poll(); null != message; message = snapshots.poll())
            {
                ctx.say(message);
            }
        }
    }

    /**
     * Once the retention is due: delete the roll cycles nobody has needed for the retention time: not the oldest live
     * connection's OPEN (a backup rebuilds each live connection from it; with snapshots, not the log after the oldest
     * snapshot a node may load, which holds every connection open there), not what a peer has yet to confirm, not
     * what a live member's log still lacks (it may be promoted, or serve a backup). A member that rejoins empty after
     * that is told where the log starts (BASE) and starts there.
     *
     * @param log the node's log, or null while it has none (a rejoin that failed to reopen it).
     */
    int applyRetention(final long nowNs, final ReplicationLog log, final ClusterNode.State state, final NodeRole role)
    {
        if (null == retention || null == log || state == ClusterNode.State.WITNESS || !retention.due(nowNs))
        {
            return 0;
        }
        long needed = log.lastPosition() + 1;
        // With snapshots, a connection open at the snapshot floor is in that snapshot (docs/architecture.md
        // "Snapshots", Retention) and one opened after it has its OPEN after it: the floor bounds them all.
        final ReplicatedService service = role.replicated();
        if (null != service && !snapshotting)
        {
            needed = Math.min(needed, service.oldestOpenPosition());
        }
        if (role instanceof LoggerRole logger)
        {
            needed = Math.min(needed, snapshotting ? logger.feedsNeededPosition() : logger.neededPosition());
        }
        if (state == ClusterNode.State.PRIMARY)
        {
            needed = Math.min(needed, ((PrimaryRole)role).neededPosition());
        }
        for (int i = 0; i < membership.memberCount(); i++)
        {
            final MemberView view = membership.member(i);
            if (view.nodeId() != ctx.nodeId && view.alive() && view.heard() &&
                (view.role() == Role.BACKUP || view.role() == Role.LOGGER))
            {
                needed = Math.min(needed, view.logPosition() + 1);
            }
        }
        if (snapshotting)
        {
            needed = Math.min(needed, snapshotFloor(log, role) + 1);
        }
        final long keepFrom = retention.keepFrom(nowNs, needed);
        if (keepFrom <= 1)
        {
            return 0;
        }
        final int deleted = log.retainFrom(keepFrom);
        if (deleted > 0)
        {
            ctx.say("retention deleted " + deleted + " roll cycle file(s) before position " + keepFrom +
                "; the log starts at " + log.firstPosition());
        }
        return deleted;
    }

    /**
     * The oldest snapshot a node may still load (docs/architecture.md rule 7): the older of the two newest SNAPSHOT
     * records this log took since it opened (every replica snapshots there), and of the two newest this node holds
     * itself; 0 while there are fewer than two, so the whole log is kept until there is one to fall back on.
     */
    private long snapshotFloor(final ReplicationLog log, final NodeRole role)
    {
        long floor = log.snapshotRecordPosition(SnapshotStore.KEEP - 1);
        if (null != snapshots && !(role instanceof LoggerRole))
        {
            floor = Math.min(floor, snapshots.oldestKept());
        }
        return floor;
    }
}
