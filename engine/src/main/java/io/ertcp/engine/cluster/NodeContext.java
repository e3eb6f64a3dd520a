package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.NodeConfig;
import io.ertcp.engine.cluster.membership.Membership;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.port.PacketPort;
import io.ertcp.engine.replication.channel.ChannelCounters;
import io.ertcp.engine.replication.channel.ReceiverSettings;
import io.ertcp.engine.replication.channel.RecordSender;
import io.ertcp.engine.replication.replica.PrimaryReplication;
import io.ertcp.engine.replication.replica.ReplicatedService;
import io.ertcp.engine.replication.replica.ServiceSnapshots;
import io.ertcp.engine.tcp.TcpConfig;
import io.ertcp.engine.tcp.TcpStack;
import io.ertcp.service.TcpService;
import org.agrona.BitUtil;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.function.Supplier;

/**
 * What a {@link ClusterNode}'s role objects ({@link BackupRole}, {@link DrainingRole}, the primary's) get from the
 * node, and no more: who the node is, its port, IPv4 layer and replication channel, its membership, settings and
 * counters, where it tells what it does, and the few things every role builds the same way (a replicated service,
 * a sender to the logger or backup, a standby primary). The node builds it once; it outlives every role, so what a
 * role must not build twice (counters, which a {@link Counters} registers once) is made here, on first use.
 * Single-threaded, on the node's duty cycle.
 */
final class NodeContext
{
    final int nodeId;
    final ClusterConfig config;
    final NodeConfig self;
    /** ST-TCP (a tap, no logger) rather than ER-TCP. */
    final boolean tapMode;
    /** The service address (VIP), as the frames carry it. */
    final int vip;
    /** The node's MAC on the client port. */
    final long mac;
    /** Where this node's channel frames come from. */
    final long channelMac;
    /** The client port. */
    final PacketPort port;
    final Ipv4Layer layer;
    /** The client port's output, unsealed. */
    final FrameOutput out;
    /** The replication channel's output, every frame sealed. */
    final FrameOutput channelOut;
    /** Read once per duty cycle by the node, and by a takeover to time itself. */
    final NanoClock clock;
    /** Read once when the node becomes primary: the cluster time it logs is that instant plus {@link #clock} since. */
    final EpochNanoClock wallClock;
    /** The service shares state and the cluster file asks for snapshots: the primary takes them. */
    final boolean snapshotting;
    final TcpConfig tcpConfig;
    /** Connections kept built ahead in idle duty cycles (tcp.spare-connections; docs/architecture.md "Threading"). */
    final int spareConnections;
    /** The replication channel's frame size after the Ethernet header. */
    final int mtu;
    /** A logger's and a backup's receiving end of the channel. */
    final ReceiverSettings receiving;
    final Counters counters;
    final Membership membership;
    /** This node's snapshots of its service, or null. */
    final ServiceSnapshots snapshots;
    final Supplier<TcpService> serviceFactory;
    /** Two-node ST-TCP's fencing hook, or null. */
    final FencingHook fencingHook;
    /** The configured logger (ER-TCP) or backup (ST-TCP): whom a primary sends to first. */
    final int configuredPeerId;
    final long configuredPeerMac;
    private final NodeLog log;
    private ChannelCounters primaryChannelCounters;
    private AtomicCounter recordsTapped;
    private AtomicCounter tapMisses;

    NodeContext(
        final int nodeId,
        final ClusterConfig config,
        final NodeConfig self,
        final boolean tapMode,
        final long mac,
        final long channelMac,
        final PacketPort port,
        final Ipv4Layer layer,
        final FrameOutput out,
        final FrameOutput channelOut,
        final NanoClock clock,
        final EpochNanoClock wallClock,
        final boolean snapshotting,
        final ReceiverSettings receiving,
        final Counters counters,
        final Membership membership,
        final ServiceSnapshots snapshots,
        final Supplier<TcpService> serviceFactory,
        final FencingHook fencingHook,
        final int configuredPeerId,
        final long configuredPeerMac,
        final NodeLog log)
    {
        this.nodeId = nodeId;
        this.config = config;
        this.self = self;
        this.tapMode = tapMode;
        this.vip = config.vip().address().address();
        this.mac = mac;
        this.channelMac = channelMac;
        this.port = port;
        this.layer = layer;
        this.out = out;
        this.channelOut = channelOut;
        this.clock = clock;
        this.wallClock = wallClock;
        this.snapshotting = snapshotting;
        this.tcpConfig = config.tcp().toTcpConfig();
        this.spareConnections = config.tcp().spareConnections();
        // Its management beans are looked up once, here, not in the first duty cycle that builds ahead.
        io.ertcp.engine.tcp.DirectMemory.roomFor(0);
        this.mtu = config.replicationMtu();
        this.receiving = receiving;
        this.counters = counters;
        this.membership = membership;
        this.snapshots = snapshots;
        this.serviceFactory = serviceFactory;
        this.fencingHook = fencingHook;
        this.configuredPeerId = configuredPeerId;
        this.configuredPeerMac = configuredPeerMac;
        this.log = log;
    }

    /** The node's epoch, which {@link Membership} holds. */
    int epoch()
    {
        return membership.nodeEpoch();
    }

    /** A control-plane event, never one per frame (docs/architecture.md, "Threading"). */
    void say(final String message)
    {
        log.info(message);
    }

    /** A control-plane event an operator should look at. */
    void warn(final String message)
    {
        log.warn(message);
    }

    String nameOf(final int nodeId)
    {
        return nodeId >= 1 && nodeId <= config.nodes().size() ? config.nodes().get(nodeId - 1).name() : "#" + nodeId;
    }

    /** A fresh service from the factory, replicated, having applied the log to {@code appliedPosition}. */
    ReplicatedService newReplicatedService(final long appliedPosition)
    {
        return newReplicatedService(serviceFactory.get(), appliedPosition);
    }

    ReplicatedService newReplicatedService(final TcpService service, final long appliedPosition)
    {
        final ReplicatedService built = new ReplicatedService(service, tcpConfig.receiveBufferBytes(),
            BitUtil.findNextPositivePowerOfTwo(tcpConfig.sendBufferBytes()), appliedPosition);
        built.snapshotTaker(snapshots);
        return built;
    }

    /**
     * A primary's record sender to the logger (ER-TCP) or the backup (ST-TCP) {@code peerId} at {@code peerMac}, in
     * the node's epoch; every sender the node builds counts as {@code primary ...}.
     */
    RecordSender newSender(final int peerId, final long peerMac)
    {
        if (null == primaryChannelCounters)
        {
            primaryChannelCounters = new ChannelCounters(counters, "primary");
        }
        final RecordSender sender = new RecordSender(nodeId, epoch(), channelMac, peerMac, peerId,
            RecordSender.Settings.DEFAULT.withMaxInFlightRecords(ClusterNode.SLOTS).withMtu(mtu),
            primaryChannelCounters);
        if (tapMode)
        {
            // The backup's copy is the durable one: a CONFIRM from a process that restarted since is no confirmation.
            sender.detectReceiverRestarts();
        }
        return sender;
    }

    /**
     * A standby primary (docs/architecture.md rule 5): the primary's replication with its TCP stack (at 100,000
     * connections its tables are some 9 MB of arrays, milliseconds to allocate and zero) sending through
     * {@code output}, none of which depends on the epoch, the log position or the clock a takeover brings;
     * {@link PrimaryReplication#activate} gives it those.
     */
    PrimaryReplication newStandbyPrimary(final HandoverOutput output)
    {
        final PrimaryReplication standby = new PrimaryReplication(nodeId,
            PrimaryReplication.Settings.DEFAULT.withMaxDataPerRecord(ClusterNode.maxDataPerRecord(config.mode(), mtu)),
            seam -> new TcpStack(tcpConfig, output, counters, seam));
        if (tapMode)
        {
            standby.reserveTappedInput();
        }
        return standby;
    }

    /** ST-TCP backup: records its tap rebuilt, counted across every backup role this node holds. */
    AtomicCounter recordsTapped()
    {
        if (null == recordsTapped)
        {
            recordsTapped = counters.newCounter("backup records-tapped");
            tapMisses = counters.newCounter("backup tap-misses");
        }
        return recordsTapped;
    }

    /** ST-TCP backup: records its tap could not rebuild, fetched instead. */
    AtomicCounter tapMisses()
    {
        recordsTapped();
        return tapMisses;
    }
}
