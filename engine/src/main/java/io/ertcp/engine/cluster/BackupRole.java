package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.cluster.membership.MemberView;
import io.ertcp.engine.cluster.membership.Membership;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.net.Ipv4Flyweight;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.port.FrameFlags;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.replication.backup.BackupFollower;
import io.ertcp.engine.replication.channel.ChannelCounters;
import io.ertcp.engine.replication.channel.RecordSender;
import io.ertcp.engine.replication.replica.PrimaryReplication;
import io.ertcp.engine.replication.replica.ReplicatedService;
import io.ertcp.engine.replication.replica.ServiceSnapshots;
import io.ertcp.engine.replication.tap.TapAssembler;
import io.ertcp.log.ReplicationLog;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A {@link ClusterNode}'s backup role: its {@link BackupFollower}, which follows the logger's feed (ER-TCP) or the
 * primary's records (ST-TCP) into the node's log copy and its {@link ReplicatedService}, the shadows of every
 * connection (docs/architecture.md rule 5). In ST-TCP it also taps the client's frames to and from the VIP off the LAN
 * ({@link TapAssembler}); in ER-TCP it keeps the frames a primary handing over passes on to it (its relay inbox,
 * "Leaving on purpose"). What a takeover needs it builds ahead, off the takeover's path: the standby primary (the
 * primary's replication and its TCP stack), the sender to the current logger, the classes only a primary uses. With
 * two ST-TCP nodes and a fencing hook it fences a suspected primary before it lets the election go on.
 * <p>
 * When the node is elected, a {@link DrainingRole} takes this role over until the log is drained, and hands what it
 * holds (follower, service, standby primary and sender, tap, relay inbox) on to the primary the node becomes.
 */
final class BackupRole implements NodeRole
{
    /** ST-TCP: how long a DATA_REF the tap cannot fill waits before its record is fetched. */
    private static final long TAP_FETCH_DELAY_NS = 1_000_000L;
    /** The frames a successor keeps of those passed on to it before it takes over; more are dropped. */
    private static final int RELAY_INBOX_FRAMES = 64;
    /** Two-node ST-TCP: how long after a failed fencing hook it is run again. */
    private static final long FENCE_RETRY_NS = 1_000_000_000L;

    private final NodeContext ctx;
    private final Membership membership;
    private ReplicatedService replicated;
    private final BackupFollower follower;
    /** ST-TCP: the tap; null in ER-TCP. */
    private final TapAssembler tap;
    private final FrameHandler portHandler;
    /** A successor's inbox of frames passed on to it, {@link #relayInboxSlot} bytes a frame; built with the standby. */
    private UnsafeBuffer relayInbox;
    private final int[] relayInboxLengths = new int[RELAY_INBOX_FRAMES];
    private int relayInboxSlot;
    private int relayInboxCount;
    /**
     * ER-TCP: the record sender it would publish through to the current logger if it took over, built ahead (its
     * 8 MiB window is milliseconds to allocate and fault in, on the takeover's path otherwise); null until the logger
     * is heard. A sender holds no position until records are offered, only its epoch, which a takeover raises.
     */
    private RecordSender standbySender;
    /** The logger {@link #standbySender} sends to: its node id and MAC. */
    private int standbyPeerId;
    private long standbyPeerMac;
    /**
     * The standby primary (docs/architecture.md rule 5): the primary's replication, its TCP stack with connections and
     * buffers for as many connections as this backup follows, and its output, built ahead by the first duty cycle, so
     * that a takeover activates it and restores connections into memory that is ready; null until then.
     */
    private PrimaryReplication standbyPrimary;
    private HandoverOutput standbyOutput;
    /** Whether this role loaded the classes a takeover needs ({@link #loadTakeoverClasses}). */
    private boolean takeoverClassesLoaded;
    /** Loaded from a snapshot, it has yet to tell its feed where it stands. */
    private boolean announceSnapshot;
    /** The last primary other than this node it heard of: whom a takeover takes the timestamp clock on from. */
    private int previousPrimaryId = -1;
    /** Two-node ST-TCP: when the fencing hook may run again after a failure. */
    private long nextFenceNs;

    /**
     * Becomes a backup: a fresh service (or the one the node's newest snapshot holds, rule 7) and a follower from
     * where {@code log} ends.
     *
     * @param ctx the node's context.
     * @param log the node's log copy, which the follower appends to; the node keeps and closes it.
     */
    BackupRole(final NodeContext ctx, final ReplicationLog log)
    {
        this.ctx = ctx;
        this.membership = ctx.membership;
        final ServiceSnapshots snapshots = ctx.snapshots;
        replicated = ctx.newReplicatedService(0);
        // The service and its cluster clock (time, timers) as they were at the snapshot's position.
        final long snapshotPosition = null == snapshots || log.lastPosition() != 0 ? 0 : snapshots.load(replicated);
        if (snapshotPosition > 0)
        {
            // Rule 7: the service is as it was after the snapshot's position; only the log after it is replayed.
            log.startAt(snapshotPosition + 1);
            replicated.startFromSnapshot(snapshotPosition);
            announceSnapshot = true;
        }
        else if (null != snapshots && log.lastPosition() == 0 && snapshots.store().positions().length > 0)
        {
            // None loaded: a snapshot passed over may have left part of its state in the service; start afresh.
            replicated = ctx.newReplicatedService(0);
        }
        final ChannelCounters channelCounters = new ChannelCounters(ctx.counters, "backup");
        if (!ctx.tapMode)
        {
            tap = null;
            follower = new BackupFollower(ctx.nodeId, ctx.channelMac, ctx.epoch(), log, replicated, ctx.receiving,
                ctx.self.slowNsPerRecord(), channelCounters, null);
            portHandler = this::onErBackupFrame;
            return;
        }
        // The tap keeps twice the receive window per connection: the client sends at most a window past what the
        // primary acknowledged, which is at most what this backup confirmed.
        final int tapWindow = BitUtil.findNextPositivePowerOfTwo(
            Math.max(TapAssembler.MIN_WINDOW_BYTES, 2 * ctx.tcpConfig.receiveBufferBytes()));
        tap = new TapAssembler(ctx.vip, ctx.config.service().port(), tapWindow, ctx.tcpConfig.maxConnections(),
            ctx.counters);
        follower = new BackupFollower(ctx.nodeId, ctx.channelMac, ctx.epoch(), log, replicated, ctx.receiving,
            ctx.self.slowNsPerRecord(), channelCounters,
            new BackupFollower.Tapping(tap, TAP_FETCH_DELAY_NS, ctx.recordsTapped(), ctx.tapMisses()));
        portHandler = this::onBackupFrame;
    }

    public ClusterNode.State state()
    {
        return ClusterNode.State.BACKUP;
    }

    /**
     * The backup's share of the duty cycle: what a takeover needs, built ahead (once each, or a little a cycle), the
     * follower's work, and with a fencing hook the primary's fencing.
     */
    public int doWork(final long nowNs)
    {
        int work = 0;
        if (announceSnapshot)
        {
            // The feed is the logger's (ER-TCP) or the primary's own sender (ST-TCP): either learns of the new
            // incarnation from this CONFIRM and sends on from the snapshot, client traffic or not. A backup follows
            // the configured logger (ER-TCP): a primary's peer moves only while it is primary.
            final MemberView heardPrimary = ctx.tapMode ? membership.firstHeard(Role.PRIMARY) : null;
            final long feedMac = ctx.tapMode ? (null == heardPrimary ? 0 : heardPrimary.mac()) :
                0 != ctx.configuredPeerMac ? ctx.configuredPeerMac : membership.view(ctx.configuredPeerId).mac();
            if (0 != feedMac)
            {
                announceSnapshot = false;
                follower.announce(feedMac);
            }
        }
        if (!takeoverClassesLoaded)
        {
            takeoverClassesLoaded = true;
            loadTakeoverClasses();
        }
        if (!ctx.tapMode && null == standbySender)
        {
            prepareStandbySender();
        }
        if (null == standbyPrimary)
        {
            prepareStandbyPrimary();
            work++;
        }
        else
        {
            work += standbyPrimary.reserve(replicated.connectionCount());
        }
        work += follower.doWork(nowNs, ctx.channelOut);
        final int primaryId = membership.primaryId();
        if (primaryId > 0 && primaryId != ctx.nodeId)
        {
            previousPrimaryId = primaryId;
        }
        if (null != ctx.fencingHook)
        {
            work += fenceThenTakeOver(nowNs);
        }
        return work;
    }

    public FrameHandler portHandler()
    {
        return portHandler;
    }

    public void onChannelFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        follower.onFrame(buffer, offset, length, flags);
    }

    /**
     * Spare connections (docs/architecture.md "Threading"): one replica with the service's state for it, or one of the
     * standby primary's TCP connections beyond those it follows, while fewer than {@code tcp.spare-connections} wait:
     * a storm of opens applied here takes pooled replicas, and so does one on this node once it takes over.
     */
    public int buildAhead()
    {
        final int spare = ctx.spareConnections;
        if (0 == spare || null == standbyPrimary)
        {
            return 0;
        }
        final int built = replicated.reserve(spare);
        return 0 != built ? built : standbyPrimary.reserve(replicated.connectionCount() + spare);
    }

    public ReplicatedService replicated()
    {
        return replicated;
    }

    public long progressPosition()
    {
        return follower.appliedPosition();
    }

    /** ST-TCP: what its tap rebuilt and what it fetched. */
    public void describe(final StringBuilder detail)
    {
        if (null != tap)
        {
            detail.append("tapped ").append(ctx.recordsTapped().get()).append(" fetched ").append(ctx.tapMisses().get());
        }
    }

    BackupFollower follower()
    {
        return follower;
    }

    /** ST-TCP: the tap, whose bytes past the log the restored connections take at a takeover; null in ER-TCP. */
    TapAssembler tap()
    {
        return tap;
    }

    /** The last primary other than this node it heard of, or -1. */
    int previousPrimaryId()
    {
        return previousPrimaryId;
    }

    /** The standby primary built ahead, or null when the takeover came before the first duty cycle. */
    PrimaryReplication standbyPrimary()
    {
        return standbyPrimary;
    }

    /** The standby primary's output, which a primary handing over holds back. */
    HandoverOutput standbyOutput()
    {
        return standbyOutput;
    }

    /**
     * A takeover's sender to the logger it follows now: the standby one when it was built for that logger, raised to
     * the node's epoch, else a new one. The standby is used once.
     */
    RecordSender takeStandbySender(final int peerId, final long peerMac)
    {
        final RecordSender standby = standbySender;
        standbySender = null;
        if (null != standby && standbyPeerId == peerId && standbyPeerMac == peerMac)
        {
            standby.epoch(ctx.epoch());
            return standby;
        }
        return ctx.newSender(peerId, peerMac);
    }

    /**
     * The frames the old primary passed on after its cut-over, to {@code handler} in the order they came (at the
     * takeover, before the restored connections' first segments go: a request among them is answered with them).
     *
     * @return how many there were; the inbox is empty after.
     */
    int passRelayed(final FrameHandler handler)
    {
        final int count = relayInboxCount;
        for (int i = 0; i < count; i++)
        {
            handler.onFrame(relayInbox, i * relayInboxSlot, relayInboxLengths[i], 0);
        }
        relayInboxCount = 0;
        return count;
    }

    /** Another node is primary: what was passed on for a takeover is that node's now. */
    void dropRelayed()
    {
        relayInboxCount = 0;
    }

    /**
     * ST-TCP: every IPv4 frame to or from the VIP is the tap's (the LAN floods them here); the rest, the replication
     * channel and this node's own address, goes to the IPv4 layer.
     */
    private void onBackupFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        if (length >= EthernetFlyweight.HEADER_LENGTH + Ipv4Flyweight.MIN_HEADER_LENGTH &&
            (buffer.getShort(offset + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF) == EthernetFlyweight.ETHER_TYPE_IPV4)
        {
            final int ip = offset + EthernetFlyweight.HEADER_LENGTH;
            if (buffer.getInt(ip + 12, ByteOrder.BIG_ENDIAN) == ctx.vip ||
                buffer.getInt(ip + 16, ByteOrder.BIG_ENDIAN) == ctx.vip)
            {
                tap.onFrame(buffer, offset, length, flags);
                return;
            }
        }
        ctx.layer.onFrame(buffer, offset, length, flags);
    }

    /**
     * ER-TCP: a frame to this node's MAC for the VIP was passed on by a primary handing over and waits in the inbox for
     * this node's takeover; the rest is the IPv4 layer's.
     */
    private void onErBackupFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        if (length >= EthernetFlyweight.HEADER_LENGTH + Ipv4Flyweight.MIN_HEADER_LENGTH &&
            (buffer.getShort(offset + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF) == EthernetFlyweight.ETHER_TYPE_IPV4 &&
            buffer.getInt(offset + EthernetFlyweight.HEADER_LENGTH + 16, ByteOrder.BIG_ENDIAN) == ctx.vip &&
            EthernetFlyweight.readMac(buffer, offset) == ctx.mac)
        {
            if (null != relayInbox && relayInboxCount < RELAY_INBOX_FRAMES && length <= relayInboxSlot &&
                !FrameFlags.isTruncated(flags))
            {
                relayInbox.putBytes(relayInboxCount * relayInboxSlot, buffer, offset, length);
                relayInboxLengths[relayInboxCount++] = length;
            }
            return;
        }
        ctx.layer.onFrame(buffer, offset, length, flags);
    }

    /** ER-TCP: build {@link #standbySender} once the live logger's MAC is known. */
    private void prepareStandbySender()
    {
        // Heard means a control frame came from it, which gave its MAC when the file did not.
        final MemberView view = membership.firstHeard(Role.LOGGER);
        if (null != view && 0 != view.mac())
        {
            standbySender = ctx.newSender(view.nodeId(), view.mac());
            standbyPeerId = view.nodeId();
            standbyPeerMac = view.mac();
        }
    }

    /** Build {@link #standbyPrimary} and its output, and in ER-TCP the relay inbox. */
    private void prepareStandbyPrimary()
    {
        standbyOutput = new HandoverOutput(ctx.layer);
        standbyPrimary = ctx.newStandbyPrimary(standbyOutput);
        if (!ctx.tapMode && null == relayInbox)
        {
            relayInboxSlot = ctx.port.maxFrameLength();
            relayInbox = new UnsafeBuffer(ByteBuffer.allocateDirect(RELAY_INBOX_FRAMES * relayInboxSlot));
        }
    }

    /**
     * Two-node ST-TCP backup with a fencing hook: once it suspects the primary (and the primary named it in sync),
     * run the hook against the primary and take over when it reports the primary cut off; a failed hook is run
     * again {@link #FENCE_RETRY_NS} later, and no takeover happens meanwhile.
     */
    private int fenceThenTakeOver(final long nowNs)
    {
        final FencingHook fencingHook = ctx.fencingHook;
        if (!membership.suspectsPrimary() || membership.knownSyncBackup() != ctx.nodeId || previousPrimaryId <= 0)
        {
            fencingHook.reset();
            return 0;
        }
        switch (fencingHook.poll(nowNs))
        {
            case IDLE ->
            {
                if (nowNs - nextFenceNs < 0)
                {
                    return 0;
                }
                ctx.warn("suspects primary " + ctx.nameOf(previousPrimaryId) +
                    ": running the fencing hook before taking over");
                fencingHook.start(ctx.nameOf(previousPrimaryId),
                    MacAddress.format(membership.view(previousPrimaryId).mac()), nowNs);
                return 1;
            }
            case FENCED ->
            {
                fencingHook.reset();
                ctx.say("the fencing hook cut " + ctx.nameOf(previousPrimaryId) + " off");
                membership.takeOverAfterFencing();
                return 1;
            }
            case FAILED ->
            {
                ctx.warn(fencingHook.failure() + ": not taking over; trying again in " +
                    FENCE_RETRY_NS / 1_000_000_000L + " s");
                fencingHook.reset();
                nextFenceNs = nowNs + FENCE_RETRY_NS;
                return 1;
            }
            default ->
            {
                return 0;
            }
        }
    }

    /**
     * The classes only a primary uses, loaded and initialised once by a backup, off the takeover: a JVM that first
     * meets them at the takeover loads, verifies and initialises each there, tens of milliseconds in all on a busy
     * machine, while the clients wait (a switchover's pause is meant to be milliseconds).
     */
    private static void loadTakeoverClasses()
    {
        final String[] names = {
            "io.ertcp.engine.replication.primary.LogPublisher",
            "io.ertcp.engine.replication.channel.RecordSender",
            "io.ertcp.engine.replication.channel.RecordSender$FetchListener",
            "io.ertcp.engine.replication.replica.PrimaryReplication",
            "io.ertcp.engine.replication.replica.PrimaryReplication$TappedInput",
            "io.ertcp.engine.tcp.ConnectionRestore",
            "io.ertcp.engine.tcp.TcpConnection",
            "io.ertcp.engine.tcp.TakeoverPrompt",
            "io.ertcp.engine.tcp.Assembler",
            "io.ertcp.engine.tcp.SackScoreboard",
            "io.ertcp.engine.tcp.TcpState",
            "io.ertcp.engine.tcp.SendBuffer",
            "io.ertcp.engine.tcp.ReceiveBuffer",
            "io.ertcp.engine.tcp.RttEstimator",
            "io.ertcp.engine.tcp.CubicCongestionControl",
            "io.ertcp.engine.tcp.NewRenoCongestionControl",
            "io.ertcp.engine.tcp.SeqNum",
            "io.ertcp.engine.net.Checksums",
            "io.ertcp.engine.cluster.HandoverOutput",
            "io.ertcp.engine.cluster.DrainingRole",
            "io.ertcp.engine.cluster.PrimaryRole",
            "io.ertcp.engine.cluster.PrimaryRole$BackupSyncHost",
            "io.ertcp.engine.cluster.BackupSync",
            "org.agrona.DeadlineTimerWheel",
        };
        final ClassLoader loader = BackupRole.class.getClassLoader();
        for (final String name : names)
        {
            try
            {
                Class.forName(name, true, loader);
            }
            catch (final ClassNotFoundException | LinkageError ignore)
            {
                // Only a head start: the takeover loads whatever is missing itself.
            }
        }
    }
}
