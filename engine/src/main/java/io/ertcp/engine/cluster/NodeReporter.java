package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.ConfigAgreement;
import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.cluster.management.ManagementEndpoint;
import io.ertcp.engine.cluster.management.NodeReport;
import io.ertcp.engine.cluster.management.PrometheusText;
import io.ertcp.engine.cluster.management.StatusJson;
import io.ertcp.engine.cluster.management.TextOut;
import io.ertcp.engine.cluster.membership.MemberView;
import io.ertcp.engine.cluster.membership.Membership;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.replication.channel.FrameAuthenticator;
import io.ertcp.engine.replication.logger.LogFeed;
import io.ertcp.engine.tcp.TcpConfig;
import io.ertcp.engine.tcp.TcpStack;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a {@link ClusterNode} says of itself and of the others: its {@link NodeStatus} (for {@code ./ertcp status},
 * a file beside its log) and its {@link NodeReport} (for its management endpoint's {@code /status} and
 * {@code /metrics}), each made on request on the node's thread from the node, its role ({@link NodeRole#describe})
 * and its membership, never on the duty cycle's steady path; the management endpoint's own TCP stack; and, once a
 * second at most, the frames that claimed an epoch without a majority's evidence.
 */
final class NodeReporter
{
    private final ClusterNode node;
    private final NodeContext ctx;
    private final Membership membership;
    private final FrameAuthenticator authenticator;
    /** Channel frames refused on the client port, or null without a replication interface. */
    private final AtomicCounter refusedOnClientPort;
    private final ConfigAgreement configAgreement;
    private long unconfirmedReported;
    private long nextUnconfirmedReportNs;

    NodeReporter(
        final ClusterNode node,
        final NodeContext ctx,
        final FrameAuthenticator authenticator,
        final AtomicCounter refusedOnClientPort,
        final ConfigAgreement configAgreement)
    {
        this.node = node;
        this.ctx = ctx;
        this.membership = ctx.membership;
        this.authenticator = authenticator;
        this.refusedOnClientPort = refusedOnClientPort;
        this.configAgreement = configAgreement;
    }

    /**
     * @return the node's status as {@code ./ertcp status} shows it.
     */
    NodeStatus status()
    {
        final StringBuilder detail = new StringBuilder();
        final NodeRole role = node.role();
        role.describe(detail);
        final String refused = authenticator.refusals().summary();
        if (!refused.isEmpty())
        {
            detail.append(detail.isEmpty() ? "" : "; ").append("refused frames: ").append(refused);
        }
        if (null != refusedOnClientPort && refusedOnClientPort.get() > 0)
        {
            detail.append(detail.isEmpty() ? "" : "; ").append("channel frames refused on the client port: ")
                .append(refusedOnClientPort.get());
        }
        final BackupRole backup = role instanceof BackupRole b ? b : role instanceof DrainingRole d ? d.backup() : null;
        if (null != backup && null != backup.follower().problem())
        {
            detail.append(detail.isEmpty() ? "" : "; ").append(backup.follower().problem());
        }
        final long unconfirmed = membership.counters().unconfirmedEpochFrames.get();
        if (unconfirmed > 0)
        {
            detail.append(detail.isEmpty() ? "" : "; ").append("unconfirmed epoch claims ").append(unconfirmed)
                .append(" (highest ").append(membership.unconfirmedEpoch()).append(" from ")
                .append(ctx.nameOf(membership.unconfirmedEpochFrom())).append(')');
        }
        final List<String> differing = configAgreement.differing();
        if (!differing.isEmpty())
        {
            detail.append(detail.isEmpty() ? "" : "; ").append("another cluster file on ")
                .append(String.join(", ", differing));
        }
        final long rejoinTarget = node.rejoinTarget();
        if (node.isRejoining() && null != backup)
        {
            detail.append(detail.isEmpty() ? "" : "; ").append("rejoining: applied ")
                .append(backup.follower().appliedPosition())
                .append(rejoinTarget < 0 ? " (source not heard yet)" : " of " + rejoinTarget);
        }
        if (null != node.fatalError())
        {
            detail.append(detail.isEmpty() ? "" : "; ").append(node.fatalError());
        }
        final int primaryId = membership.primaryId();
        final ClusterNode.State state = node.state();
        return new NodeStatus(
            ctx.self.name(),
            ProcessHandle.current().pid(),
            node.isRejoining() && state == ClusterNode.State.BACKUP ? "rejoining" : state.name().toLowerCase(Locale.ROOT),
            node.epoch(),
            node.logPosition(),
            node.appliedPosition(),
            role instanceof PrimaryRole primary ? primary.confirmedPosition() : 0,
            node.connectionCount(),
            primaryId > 0 ? ctx.nameOf(primaryId) : "",
            detail.toString(),
            System.currentTimeMillis());
    }

    /**
     * @return what this node says of itself and of the others, for its management endpoint's {@code /status} and
     * {@code /metrics}.
     */
    NodeReport report()
    {
        final NodeStatus status = status();
        final String roleText = status.role();
        final ClusterNode.State state = node.state();
        final int nodeId = ctx.nodeId;
        long lag = -1;
        if (state == ClusterNode.State.PRIMARY)
        {
            lag = Math.max(0, node.logPosition() - ((PrimaryRole)node.role()).confirmedPosition());
        }
        else if (state == ClusterNode.State.BACKUP || state == ClusterNode.State.DRAINING)
        {
            final Role reference = ctx.tapMode ? Role.PRIMARY : Role.LOGGER;
            for (int i = 0; i < membership.memberCount(); i++)
            {
                final MemberView view = membership.member(i);
                if (view.nodeId() != nodeId && view.role() == reference && view.alive() && view.heard())
                {
                    lag = Math.max(0, view.logPosition() - node.appliedPosition());
                }
            }
        }
        final FrameAuthenticator.Refusals refusals = authenticator.refusals();
        final long[] refused = {refusals.tooShort.get(), refusals.wrongCluster.get(), refusals.unknownSender.get(),
            refusals.wrongSourceMac.get(), refusals.replay.get(), refusals.badMac.get(),
            null == refusedOnClientPort ? 0 : refusedOnClientPort.get()};
        final List<NodeReport.Feed> feeds = new ArrayList<>();
        if (node.role() instanceof LoggerRole logger)
        {
            for (int i = 0; i < logger.feedCount(); i++)
            {
                final LogFeed feed = logger.feed(i);
                feeds.add(new NodeReport.Feed(ctx.nameOf(feed.backupNodeId()), feed.confirmedPosition(), feed.lag()));
            }
        }
        final List<String> differing = configAgreement.differing();
        final List<NodeReport.Member> members = new ArrayList<>();
        final long nowNs = node.nowNs();
        for (int i = 0; i < membership.memberCount(); i++)
        {
            final MemberView view = membership.member(i);
            final boolean me = view.nodeId() == nodeId;
            members.add(me ?
                new NodeReport.Member(ctx.nameOf(nodeId), true, view.configuredRole().text(), roleText, true, true, 0,
                    node.epoch(), status.primary(), node.logPosition(), node.appliedPosition(), node.connectionCount(),
                    false) :
                new NodeReport.Member(ctx.nameOf(view.nodeId()), false, view.configuredRole().text(),
                    view.role().text(), view.alive() && view.heard(), view.heard(),
                    view.heard() ? Math.max(0, (nowNs - view.lastHeardNs()) / 1_000_000L) : -1, view.epoch(),
                    view.primaryId() > 0 ? ctx.nameOf(view.primaryId()) : "", view.logPosition(), view.appliedPosition(),
                    view.connectionCount(), differing.contains(ctx.nameOf(view.nodeId()))));
        }
        return new NodeReport(ctx.self.name(), status.pid(), ctx.config.name(), ctx.config.mode().text(), roleText,
            status.epoch(), status.primary(), status.logPosition(), status.applied(), status.confirmed(), lag,
            status.connections(), status.detail(), refused, feeds, members, status.writtenAtMs());
    }

    /**
     * Frames that claimed a higher epoch without a majority's evidence (rule 9) are counted on the hot path; once a
     * second at most the node says so, unless the epoch was adopted on evidence since (a failover's heartbeats
     * arriving in some order).
     */
    void reportUnconfirmedEpochs(final long nowNs)
    {
        final long total = membership.counters().unconfirmedEpochFrames.get();
        if (total == unconfirmedReported || nowNs - nextUnconfirmedReportNs < 0)
        {
            return;
        }
        if (membership.unconfirmedEpoch() > membership.epoch())
        {
            ctx.say("heard " + (total - unconfirmedReported) + " frame(s) claiming an epoch above its own without a " +
                "majority's evidence (the highest: epoch " + membership.unconfirmedEpoch() + " from " +
                ctx.nameOf(membership.unconfirmedEpochFrom()) + "): not followed, still " +
                node.state().name().toLowerCase(Locale.ROOT) + " in epoch " + node.epoch());
            nextUnconfirmedReportNs = nowNs + 1_000_000_000L;
        }
        unconfirmedReported = total;
    }

    /**
     * The management endpoint's TCP stack on the node's own {@code address}: not replicated, apart from the
     * service's, serving {@code node}'s report as {@code /status} and {@code /metrics} on {@code port}.
     */
    static TcpStack newManagementStack(final ClusterNode node, final Ipv4Layer layer, final int address, final int port,
        final Counters counters)
    {
        // A few connections with small buffers: a page is written from the endpoint's own buffer as the window opens.
        // The endpoint closes first (one request per connection), so each connection then waits in TIME-WAIT in this
        // table: 2 s there (RFC 6528 ISNs keep an old duplicate out of the next connection) lets a scraper or
        // ./ertcp status ask 30 times a second for good.
        final TcpConfig management = new TcpConfig().maxConnections(64).synBacklog(16)
            .receiveBufferBytes(16 * 1024).sendBufferBytes(64 * 1024).timeWaitNs(2_000_000_000L);
        final TcpStack managementTcp = new TcpStack(management, layer, new Counters(64));
        final PrometheusText prometheus = new PrometheusText();
        managementTcp.listen(address, port, new ManagementEndpoint(
            new ManagementEndpoint.Pages()
            {
                public void status(final TextOut out)
                {
                    StatusJson.render(node.report(), out);
                }

                public void metrics(final TextOut out)
                {
                    prometheus.render(node.report(), counters, out);
                }
            }));
        return managementTcp;
    }
}
