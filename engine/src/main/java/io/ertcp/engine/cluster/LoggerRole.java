package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.Durability;
import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.cluster.membership.MemberView;
import io.ertcp.engine.cluster.membership.Membership;
import io.ertcp.engine.replication.logger.LogFeed;
import io.ertcp.engine.replication.logger.LoggerAgent;
import io.ertcp.log.ReplicationLog;
import org.agrona.DirectBuffer;

/**
 * A {@link ClusterNode}'s logger role (ER-TCP): its {@link LoggerAgent}, which appends the primary's records to the
 * node's log and confirms them, and the feeds it keeps for every live backup from that log, checked once a heartbeat
 * interval against what {@link Membership} hears (docs/architecture.md, "The logger"). One exists while the node is
 * logger, from its start or its promotion (rule 6) until the node closes; the node hands it the replication
 * channel's frames and a share of its duty cycle.
 */
final class LoggerRole implements NodeRole
{
    private final NodeContext ctx;
    private final int nodeId;
    private final Membership membership;
    private final Durability durability;
    private final long feedCheckIntervalNs;
    private final ReplicationLog log;
    private final LoggerAgent agent;
    private long nextFeedCheckNs;

    /**
     * The agent receives on the node's channel in the node's epoch ({@link Membership#nodeEpoch()}), feeds every
     * backup at the replication MTU, counts as {@code logger ...}, and makes a record durable as the cluster file's
     * durability says (with {@code logger+K}, once K live backups hold it); the feeds are checked against the members
     * heard once a heartbeat interval.
     *
     * @param ctx the node's context.
     * @param log the node's log, kept (a logger's log is the durable copy); the role closes it.
     */
    LoggerRole(final NodeContext ctx, final ReplicationLog log)
    {
        this.ctx = ctx;
        this.nodeId = ctx.nodeId;
        this.membership = ctx.membership;
        this.durability = ctx.config.durability();
        this.feedCheckIntervalNs = ctx.config.detection().heartbeatIntervalNs();
        this.log = log;
        this.agent = new LoggerAgent(nodeId, ctx.channelMac, ctx.epoch(), ctx.receiving, log, false,
            LogFeed.Settings.DEFAULT.withMtu(ctx.mtu), ctx.channelOut, ctx.counters, "logger");
        if (durability.kind() == Durability.Kind.LOGGER_PLUS)
        {
            agent.requiredBackupConfirms(durability.backups());
        }
    }

    public ClusterNode.State state()
    {
        return ClusterNode.State.LOGGER;
    }

    /**
     * The logger's share of the node's duty cycle: its agent's work, and once a heartbeat interval its feeds.
     */
    public int doWork(final long nowNs)
    {
        final int work = agent.doWork(nowNs);
        if (nowNs - nextFeedCheckNs >= 0)
        {
            nextFeedCheckNs = nowNs + feedCheckIntervalNs;
            serveBackups(nowNs);
        }
        return work;
    }

    /** A replication channel frame for this node, already authenticated. */
    public void onChannelFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        agent.onFrame(buffer, offset, length, flags);
    }

    /** A vote was granted or a primary adopted in {@code epoch}: older epochs' records are refused from now on. */
    void fence(final int epoch)
    {
        agent.fence(epoch);
    }

    LoggerAgent agent()
    {
        return agent;
    }

    long lastPosition()
    {
        return agent.lastPosition();
    }

    public long progressPosition()
    {
        return agent.lastPosition();
    }

    long neededPosition()
    {
        return agent.neededPosition();
    }

    /**
     * @return what the backups' feeds have yet to confirm, and no more: with snapshots, which hold every connection
     * open at their position, the open connections' OPENs bound nothing (docs/architecture.md "Snapshots").
     */
    long feedsNeededPosition()
    {
        long needed = agent.log().lastPosition() + 1;
        for (int i = 0; i < agent.feedCount(); i++)
        {
            needed = Math.min(needed, agent.feed(i).confirmedPosition() + 1);
        }
        return needed;
    }

    int feedCount()
    {
        return agent.feedCount();
    }

    LogFeed feed(final int index)
    {
        return agent.feed(index);
    }

    /** Each feed: its backup, what it confirmed, its lag. */
    public void describe(final StringBuilder detail)
    {
        for (int i = 0; i < agent.feedCount(); i++)
        {
            final LogFeed feed = agent.feed(i);
            detail.append(i == 0 ? "" : ", ").append("feed ").append(ctx.nameOf(feed.backupNodeId()))
                .append(" confirmed ").append(feed.confirmedPosition()).append(" lag ").append(feed.lag());
        }
    }

    /** Closes the agent and with it the log. */
    public void close()
    {
        agent.close();
    }

    private void serveBackups(final long nowNs)
    {
        if (durability.kind() == Durability.Kind.LOGGER_PLUS)
        {
            // logger+K counts the backups alive: one suspected dead leaves the quorum (as a replica falls out of
            // Kafka's in-sync set), so a failover that costs a backup does not stall every client for good.
            agent.requiredBackupConfirms(Math.min(durability.backups(), membership.aliveCount(Role.BACKUP)));
        }
        for (int i = 0; i < membership.memberCount(); i++)
        {
            final MemberView view = membership.member(i);
            if (view.nodeId() == nodeId)
            {
                continue;
            }
            // A candidate that won drains the log before it publishes in its epoch; the primary whose records fill the
            // log (its epoch is the log's) only reports a position a heartbeat old, and needs no feed.
            final boolean draining = view.role() == Role.PRIMARY && view.epoch() > log.lastEpoch() &&
                view.logPosition() < agent.lastPosition();
            if (view.role() != Role.BACKUP && !draining)
            {
                // A backup promoted to logger, or a new primary once it holds the whole log, needs no feed any
                // more; a candidate that won an election still drains the log through its feed (its heartbeats
                // already say PRIMARY).
                agent.stopServing(view.nodeId());
                continue;
            }
            if (view.alive() && view.heard() && 0 != view.mac())
            {
                agent.serveBackup(view.nodeId(), view.mac(), view.logPosition() + 1, nowNs);
            }
            else
            {
                agent.stopServing(view.nodeId());
            }
        }
    }
}
