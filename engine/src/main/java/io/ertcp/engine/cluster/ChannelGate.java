package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.NodeConfig;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.replication.channel.ClusterKey;
import io.ertcp.engine.replication.channel.FrameAuthenticator;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.ByteOrder;
import java.util.List;

/**
 * Where a {@link ClusterNode}'s replication channel frames (EtherType 0x88B5) come in: each is authenticated by the
 * node's {@link FrameAuthenticator} and only one a member sent goes on, without its trailer, to the node (rule 8).
 * With a replication interface (docs/cluster-file.md) the clients' port carries no channel frame (one that arrives
 * there is refused unread and counted), and of the replication port's frames only the channel's to this node or the
 * cluster's group go on. Refusals are counted on the hot path and told once a second at most
 * ({@link #reportRefusals}). Single-threaded, on the node's duty cycle; allocation-free per frame.
 */
final class ChannelGate
{
    private final FrameAuthenticator authenticator;
    /** Where the frames the authenticator verified go, with their length less the trailer. */
    private final FrameHandler verified;
    private final long channelMac;
    private final long groupMac;
    /** With a replication interface: channel frames refused on the client port; else null. */
    private final AtomicCounter refusedOnClientPort;
    private final AtomicCounter otherOnReplicationPort;
    private final FrameHandler clientPortHandler;
    private final FrameHandler replicationPortHandler = this::onReplicationPortFrame;
    private long refusalsReported;
    private long nextRefusalReportNs;

    /**
     * @param nodeId               this node.
     * @param channelMac           this node's MAC on the channel.
     * @param replicationInterface whether the channel has a port of its own.
     * @param verified             where an authenticated frame goes.
     */
    ChannelGate(
        final ClusterConfig config,
        final int nodeId,
        final long channelMac,
        final boolean replicationInterface,
        final Counters counters,
        final FrameHandler verified)
    {
        this.verified = verified;
        this.channelMac = channelMac;
        this.groupMac = ClusterNode.groupMac(config);
        this.refusedOnClientPort = replicationInterface ? counters.newCounter("channel refused-on-client-port") : null;
        this.otherOnReplicationPort = replicationInterface ?
            counters.newCounter("channel not-channel-on-replication-port") : null;
        this.authenticator = newAuthenticator(config, nodeId, counters);
        this.clientPortHandler = replicationInterface ? this::refuseOnClientPort : this::onChannelFrame;
    }

    /** Seals what the node sends on the channel, and checks what comes in. */
    FrameAuthenticator authenticator()
    {
        return authenticator;
    }

    /** @return the channel frames refused on the client port, or null without a replication interface. */
    AtomicCounter refusedOnClientPort()
    {
        return refusedOnClientPort;
    }

    /** The IPv4 layer's handler for EtherType 0x88B5 on the client port. */
    FrameHandler clientPortHandler()
    {
        return clientPortHandler;
    }

    /** The replication port's handler of every frame it brings. */
    FrameHandler replicationPortHandler()
    {
        return replicationPortHandler;
    }

    /**
     * Refused frames are counted on the hot path; once a second at most the node says how many more there were, so
     * an operator sees an attack or a misconfigured member (another key, another cluster) in the log.
     */
    void reportRefusals(final long nowNs, final NodeLog log)
    {
        final long total = authenticator.refusals().total();
        if (total != refusalsReported && nowNs - nextRefusalReportNs >= 0)
        {
            log.warn("refused " + (total - refusalsReported) + " replication frame(s) since the last report (" +
                authenticator.refusals().summary() + " in all): dropped, not acted on");
            refusalsReported = total;
            nextRefusalReportNs = nowNs + 1_000_000_000L;
        }
    }

    /**
     * Every frame of the replication channel enters here, and only those the {@link #authenticator} verifies go on,
     * without their trailer: no role, epoch or record moves on a frame a member did not send (rule 8).
     */
    private void onChannelFrame(final DirectBuffer buffer, final int offset, final int frameLength, final int flags)
    {
        final int length = authenticator.verify(buffer, offset, frameLength);
        if (length >= EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH)
        {
            verified.onFrame(buffer, offset, length, flags);
        }
    }

    /**
     * With a replication interface, the clients' port carries no channel frame: one that arrives there (a host on the
     * clients' LAN replaying or forging, or a member misconfigured onto it) is refused unread and counted.
     */
    private void refuseOnClientPort(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        refusedOnClientPort.increment();
    }

    /**
     * The replication interface's frames: only the channel's, to this node's channel MAC or the cluster's group, go
     * on to {@link #onChannelFrame}; anything else on that LAN (ARP, IPv6 neighbour discovery, another cluster's
     * unicast) is dropped and counted.
     */
    private void onReplicationPortFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        if (length >= EthernetFlyweight.HEADER_LENGTH &&
            (buffer.getShort(offset + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF) == EthernetFlyweight.ETHER_TYPE_REPLICATION)
        {
            final long destination = ((buffer.getInt(offset, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL) << 16) |
                (buffer.getShort(offset + 4, ByteOrder.BIG_ENDIAN) & 0xFFFFL);
            if (destination == channelMac || destination == groupMac)
            {
                onChannelFrame(buffer, offset, length, flags);
                return;
            }
        }
        otherOnReplicationPort.increment();
    }

    private static FrameAuthenticator newAuthenticator(final ClusterConfig config, final int nodeId, final Counters counters)
    {
        final List<NodeConfig> nodes = config.nodes();
        final long[] macs = new long[nodes.size() + 1];
        for (int i = 0; i < nodes.size(); i++)
        {
            macs[i + 1] = nodes.get(i).channelMac().orElse(0L);
        }
        final ClusterKey key = config.security().keyFile().map(ClusterKey::load).orElse(null);
        return new FrameAuthenticator(key, config.name(), nodeId, FrameAuthenticator.newIncarnation(), macs,
            new FrameAuthenticator.Refusals(counters));
    }
}
