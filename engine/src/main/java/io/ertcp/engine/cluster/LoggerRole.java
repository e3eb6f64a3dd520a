package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.Durability;
import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.cluster.membership.MemberView;
import io.ertcp.engine.cluster.membership.Membership;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.replication.channel.ReceiverSettings;
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
    private final int nodeId;
    private final Membership membership;
    private final Durability durability;
    private final long feedCheckIntervalNs;
    private final ReplicationLog log;
    private final LoggerAgent agent;
    private long nextFeedCheckNs;

    /**
     * @param nodeId              this node.
     * @param channelMac          the source of its NAKs, CONFIRMs and feeds.
     * @param epoch               the node's epoch ({@link Membership#nodeEpoch()}).
     * @param receiving           its receiving end.
     * @param log                 the node's log, kept (a logger's log is the durable copy); the role closes it.
     * @param feeds               every backup feed's window and pacing.
     * @param channelOut          where its frames go, sealed.
     * @param counters            where it counts ({@code logger ...}).
     * @param durability          whose confirmations make a record durable: with {@code logger+K}, K live backups.
     * @param membership          whom it hears, for the feeds and logger+K's quorum.
     * @param feedCheckIntervalNs how often the feeds are checked against the members heard: a heartbeat interval.
     */
    LoggerRole(
        final int nodeId,
        final long channelMac,
        final int epoch,
        final ReceiverSettings receiving,
        final ReplicationLog log,
        final LogFeed.Settings feeds,
        final FrameOutput channelOut,
        final Counters counters,
        final Durability durability,
        final Membership membership,
        final long feedCheckIntervalNs)
    {
        this.nodeId = nodeId;
        this.membership = membership;
        this.durability = durability;
        this.feedCheckIntervalNs = feedCheckIntervalNs;
        this.log = log;
        this.agent = new LoggerAgent(nodeId, channelMac, epoch, receiving, log, false, feeds, channelOut, counters,
            "logger");
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
