package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.NodeConfig;
import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.cluster.membership.ControlFrames;
import io.ertcp.engine.cluster.membership.MemberView;
import io.ertcp.engine.cluster.membership.Membership;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.Ipv4Flyweight;
import io.ertcp.engine.port.FrameFlags;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.replication.channel.RecordSender;
import io.ertcp.engine.replication.primary.LogPublisher;
import io.ertcp.engine.replication.replica.PrimaryReplication;
import io.ertcp.engine.replication.replica.ReplicatedService;
import io.ertcp.engine.replication.tap.TapAssembler;
import io.ertcp.engine.tcp.TcpStack;
import io.ertcp.log.ReplicationLog;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * A {@link ClusterNode}'s primary role: it owns the VIP and virtual MAC, and serves them from a TCP stack whose
 * connections are replicated through {@link PrimaryReplication}; its records go to the node's own log copy and on to
 * the logger (ER-TCP) or straight to the backup (ST-TCP) through its {@link LogPublisher}, and what the peer confirms
 * releases acknowledgements (docs/architecture.md rules 1 and 2). Besides serving it follows its peer: ER-TCP, a
 * logger lost is replaced by promoting a backup (rule 6); ST-TCP, it tracks whether its backup is in sync, lost, or
 * catching up, and runs alone once a majority (or the fencing hook) allows it. It hands over on purpose
 * ("Leaving on purpose"): it holds its replies back ({@link HandoverOutput}) until the log is drained, cuts over, and
 * passes the client frames that still come to it on to its successor.
 * <p>
 * It is built on the node's election (from what its {@link DrainingRole} hands on: service, standby primary and
 * sender, tap, relay inbox) or at a fresh cluster's start, and serves from construction; {@link #started} then lets the
 * first segments go and says so. A deposition ({@link #depose}) stops it serving at once; the node drops it when it
 * rejoins as a backup.
 */
final class PrimaryRole implements NodeRole
{
    /** How long a primary handing over waits for the logger to confirm, and its successor to hold, all it logged. */
    private static final long HANDOVER_DRAIN_LIMIT_NS = 2_000_000_000L;
    /**
     * A primary handing over leaves once its successor's last heartbeat is at most this far behind what the logger
     * confirmed: the successor drains the rest from the logger after its election (as any takeover does), in well
     * under a millisecond, sooner than its next heartbeat (up to a heartbeat interval) would say it holds it already.
     */
    private static final long HANDOVER_SUCCESSOR_LAG_BYTES = 64 * 1024;
    /**
     * A primary handing over cuts over only once no client segment arrived for this long (and at least this long after
     * it started holding): a reply it sent just before holding may still bring a client's next request, and one that
     * arrives after the cut-over is lost to the client's retransmission timeout. A LAN round trip and a client's
     * reaction fit in it; it adds as much to the client's pause.
     */
    private static final long HANDOVER_QUIET_NS = 1_000_000L;
    /**
     * ER-TCP: after its cut-over a primary that handed over passes the frames that still come to it for the VIP on to
     * its successor (docs/architecture.md, "Leaving on purpose"), until it hears the successor announce the VIP, and
     * for at most this long: a client segment sent after the quiet period (a client slower to answer than 1 ms, a
     * frame still in the port's ring at the cut-over) would otherwise be lost, and a lone segment waits for the
     * client's retransmission timeout, which nothing the successor sends brings forward.
     */
    private static final long HANDOVER_RELAY_LIMIT_NS = 1_000_000_000L;
    /** After the successor's announcement: how long the old primary still passes on what the switch sent it before. */
    private static final long HANDOVER_RELAY_GRACE_NS = 2_000_000L;
    /** ST-TCP: a backup catching up is taken in sync once this few records behind the log's end. */
    private static final long SYNC_SLACK_RECORDS = 256;
    /** Two-node ST-TCP: how long after a failed fencing hook it is run again. */
    private static final long FENCE_RETRY_NS = 1_000_000_000L;
    /**
     * ER-TCP: the primary's own copy of the log is written on the log's writer thread, off the duty cycle
     * (docs/architecture.md, "The primary's own log copy"), when the process may use more than one CPU; on one the
     * thread would only take turns with the duty cycle. {@code -Dertcp.log.writer-thread=true} or {@code false}
     * decides it whatever the CPUs; any other value is {@code auto}.
     */
    static final boolean WRITER_THREAD = writerThread(System.getProperty("ertcp.log.writer-thread", "auto"),
        Runtime.getRuntime().availableProcessors());

    static boolean writerThread(final String setting, final int cpus)
    {
        return switch (setting)
        {
            case "true" -> true;
            case "false" -> false;
            default -> cpus > 1; // auto
        };
    }

    private final NodeContext ctx;
    private final Membership membership;
    private final boolean tapMode;
    /** The node's log copy, which the publisher appends to; the node keeps and closes it. */
    private final ReplicationLog log;
    private final ReplicatedService replicated;
    private final LogPublisher publisher;
    private final PrimaryReplication primary;
    /** The replicated stack; null once deposed (the VIP's segments are dropped then). */
    private TcpStack stack;
    /** The replicated stack's output: held back while this primary hands over (see {@link #hold}). */
    private final HandoverOutput stackOutput;
    /** What is durable: what the peer confirmed, or (running alone, ST-TCP) the log's end. */
    private long durablePosition;
    /** Whose CONFIRMs make a record durable: the logger (ER-TCP) or the backup (ST-TCP); -1 none. */
    private int peerId;
    private long peerMac;
    /** The restored connections, and the takeover's start, for {@link #started}. */
    private final int restored;
    /** ST-TCP: where it stands with its backup (in sync, lost, alone, catching up); null in ER-TCP. */
    private final BackupSync backupSync;
    /** ER-TCP: the logger is suspected and nothing new is acknowledged until a backup is promoted or it returns. */
    private boolean loggerLost;
    private final EthernetFlyweight txEthernet = new EthernetFlyweight();
    /** While handing over: when the last client segment arrived (or the hold began), and when it must cut over. */
    private long lastInputNs;
    private long handoverDeadlineNs;
    /** ER-TCP, after its cut-over: the successor's MAC on the client port it passes frames on to; 0: none. */
    private long relayMac;
    private long relayUntilNs;
    private long relayedFrames;
    private long relayNowNs;
    // A class of its own, not a method reference, whose call site a node's first takeover would link (LogPublisher).
    private final FrameHandler relayHandler = new FrameHandler()
    {
        public void onFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
        {
            relayClientFrame(buffer, offset, length, flags);
        }
    };

    /**
     * Serve the VIP as primary in {@code epoch}: on a fresh cluster at start, or after winning an election and
     * draining the log (then the replicas the backup built become live connections). It serves from here on: the VIP
     * is claimed, the restored connections are in the stack; {@link #started} lets their first segments go.
     *
     * @param ctx     the node's context.
     * @param log     the node's log copy.
     * @param epoch   the epoch it serves in; Membership holds it (it moved there when it elected this node).
     * @param peerId  the logger (ER-TCP) or backup (ST-TCP) it sends to first, as the cluster file names it.
     * @param peerMac its MAC, heard or from the file.
     * @param drained the candidacy that drained the log, whose backup's parts this primary takes; null at a fresh start.
     * @param nowNs   now.
     */
    PrimaryRole(
        final NodeContext ctx,
        final ReplicationLog log,
        final int epoch,
        final int peerId,
        final long peerMac,
        final DrainingRole drained,
        final long nowNs)
    {
        this.ctx = ctx;
        this.membership = ctx.membership;
        this.tapMode = ctx.tapMode;
        this.log = log;
        this.peerId = peerId;
        this.peerMac = peerMac;
        final boolean takeover = null != drained;
        // A takeover: what the backup built (service, standby primary and sender, tap, relay inbox) is handed on here.
        final BackupRole backup = takeover ? drained.backup() : null;
        if (!takeover)
        {
            replicated = ctx.newReplicatedService(log.lastPosition());
        }
        else
        {
            replicated = backup.replicated();
            if (!tapMode)
            {
                followCurrentLogger();
            }
        }
        if (!tapMode)
        {
            publisher = new LogPublisher(log,
                takeover ? backup.takeStandbySender(this.peerId, this.peerMac) : newSenderToPeer());
            if (WRITER_THREAD)
            {
                publisher.appendOnWriterThread();
            }
            backupSync = null;
        }
        else if (!takeover)
        {
            // A fresh cluster: both logs are empty, so the backup is in sync from the first record.
            publisher = new LogPublisher(log, newSenderToPeer());
            backupSync = new BackupSync(new BackupSyncHost(), ctx.fencingHook, SYNC_SLACK_RECORDS, FENCE_RETRY_NS);
            backupSync.startInSync(this.peerId, this.peerMac);
        }
        else
        {
            // A takeover leaves no backup (this node was it): run alone until one catches up from this log.
            publisher = new LogPublisher(log, null);
            backupSync = new BackupSync(new BackupSyncHost(), ctx.fencingHook, SYNC_SLACK_RECORDS, FENCE_RETRY_NS);
            backupSync.startAlone();
            this.peerId = -1;
            this.peerMac = 0;
        }
        // ST-TCP: what the backup tapped past the log is the client's too; the restored connections take it.
        final TapAssembler takeoverTap = takeover ? backup.tap() : null;
        durablePosition = log.lastPosition();
        if (null == backup || null == backup.standbyPrimary())
        {
            // A fresh cluster's first primary, or a takeover before the backup's first cycle.
            stackOutput = new HandoverOutput(ctx.layer);
            primary = ctx.newStandbyPrimary(stackOutput);
        }
        else
        {
            stackOutput = backup.standbyOutput();
            primary = backup.standbyPrimary();
        }
        primary.activate(replicated, publisher, epoch, nowNs, ctx.wallClock.nanoTime() - nowNs);
        stack = primary.stack();
        // The VIP's segments reach the stack through the node's onTcp (onTcp here).
        if (ctx.snapshotting)
        {
            primary.snapshotEvery(ctx.config.log().snapshotEveryRecords(), ctx.config.log().snapshotEveryNs(),
                null == ctx.snapshots ? () -> false : ctx.snapshots::busy);
        }

        int restoredConnections = 0;
        if (takeover)
        {
            final int previousPrimaryId = backup.previousPrimaryId();
            final MemberView old = previousPrimaryId > 0 ? membership.view(previousPrimaryId) : null;
            if (null != old && old.heard())
            {
                final long elapsedMs = (nowNs - old.lastHeardNs()) / 1_000_000L;
                stack.advanceTimestampClock(old.timestampClockMs() + elapsedMs + 1, nowNs);
            }
            restoredConnections = primary.takeOver(log.lastPosition(), nowNs, null == takeoverTap ? null :
                (clientIp, clientPort, streamOffset, dst, maxLength) ->
                {
                    final int length = (int)Math.min(maxLength,
                        takeoverTap.contiguousFrom(clientIp, clientPort, streamOffset));
                    return length > 0 ? takeoverTap.copy(clientIp, clientPort, streamOffset, dst, 0, length) : 0;
                });
        }
        restored = restoredConnections;
        ctx.layer.addAddress(ctx.vip, ctx.config.vip().mac());
        ctx.layer.nowNs(nowNs);
        ctx.layer.announce(ctx.vip);
        stack.listen(ctx.vip, ctx.config.service().port(), primary);
    }

    /**
     * The node holds this role now: what the old primary passed on after its cut-over reaches the restored connections
     * (before their first segments go: a request among it is answered with them), those first segments and the
     * gratuitous ARP leave, and the node says it serves.
     *
     * @param drained         as given to the constructor.
     * @param primaryLeftAtNs when the old primary's LEAVE was heard (a switchover), 0 when it did not leave.
     */
    void started(final DrainingRole drained, final long primaryLeftAtNs, final long nowNs)
    {
        final int epoch = ctx.epoch();
        if (null == drained)
        {
            ctx.say("primary in epoch " + epoch + ", serving " + ctx.config.service().name() + " on " +
                Ipv4Address.format(ctx.vip) + ":" + ctx.config.service().port());
            return;
        }
        final int relayInboxTaken = drained.backup().passRelayed(ctx.layer);
        // The restored connections' first segments (what the clients have not acknowledged, the prompts) and the
        // gratuitous ARP leave now, before the line below is built: a JVM links a string concatenation the first
        // time it runs (milliseconds), and no client need wait for that.
        primary.confirmed(durablePosition);
        stack.doWork(nowNs);
        ctx.port.flush();
        final long servingNs = ctx.clock.nanoTime();
        ctx.say("took over as primary in epoch " + epoch + ": log drained to " + drained.drainTarget() + ", " +
            restored + " connection(s) restored" +
            (primary.tappedInputTaken() > 0 ? ", " + primary.tappedInputTaken() + " client byte(s) taken from the tap" : "") +
            (relayInboxTaken > 0 ? ", " + relayInboxTaken + " client frame(s) passed on by the old primary" : "") +
            (primary.restoreRefusals() > 0 ? " (" + primary.restoreRefusals() +
            " refused: connection table or buffer memory full; raise tcp.max-connections or ERTCP_DIRECT_MEMORY)" : "") +
            ", VIP " + Ipv4Address.format(ctx.vip) + " claimed " +
            millis(nowNs - drained.electedAtNs()) + " ms after the election" +
            " (the takeover itself " + millis(servingNs - nowNs) + " ms)" +
            (0 != primaryLeftAtNs ?
            ", " + millis(servingNs - primaryLeftAtNs) + " ms after the primary's LEAVE" : ""));
    }

    /**
     * Nanoseconds as milliseconds with one decimal, rounded half up ("12.3"), as {@code %.1f} would print them but
     * without {@link java.util.Formatter}: its first use in a JVM costs milliseconds (classes to load, the pattern to
     * parse), and the lines that print these are a node's first takeover or handover.
     */
    static String millis(final long ns)
    {
        final long tenths = Math.round(Math.abs(ns) / 1e5);
        return (ns < 0 && tenths > 0 ? "-" : "") + tenths / 10 + "." + tenths % 10;
    }

    public ClusterNode.State state()
    {
        return ClusterNode.State.PRIMARY;
    }

    /** The cycle's time, before the ports are read: the replication's timers and the records' cluster time. */
    void nowNs(final long nowNs)
    {
        primary.nowNs(nowNs);
    }

    /**
     * The primary's share of the duty cycle: its backup followed (ST-TCP, {@link BackupSync}), the replication's work,
     * the publisher's, what is durable released, and the stack's timers. A lost logger's replacement (ER-TCP) is
     * {@link Membership}'s, which tells {@link #onLoggerPromoted}.
     */
    public int doWork(final long nowNs)
    {
        int work = 0;
        if (tapMode)
        {
            work += backupSync.doWork(nowNs);
        }
        work += primary.doWork(nowNs);
        work += publisher.doWork(nowNs, ctx.channelOut);
        durablePosition = Math.max(durablePosition, alone() ? log.lastPosition() : publisher.confirmedPosition());
        primary.confirmed(durablePosition);
        work += stack.doWork(nowNs);
        return work;
    }

    /**
     * Spare connections (docs/architecture.md "Threading"): one TCP connection with its buffers and this primary's side
     * of its replica, or one replica with the service's state for it, while fewer than {@code tcp.spare-connections}
     * wait pooled.
     */
    public int buildAhead()
    {
        final int spare = ctx.spareConnections;
        if (0 == spare)
        {
            return 0;
        }
        final int built = primary.reserve(stack.connectionCount() + spare);
        return 0 != built ? built : replicated.reserve(spare);
    }

    /** The peer's CONFIRMs, NAKs and FETCHes go to the publisher's sender. */
    public void onChannelFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        final RecordSender sender = publisher.sender();
        if (null != sender)
        {
            sender.onFrame(buffer, offset, length, flags);
        }
    }

    /**
     * A TCP segment to the VIP.
     *
     * @return false once deposed: no stack serves the VIP here.
     */
    boolean onTcp(final int source, final int destination, final DirectBuffer buffer, final int offset,
        final int length, final long nowNs)
    {
        if (null == stack)
        {
            return false;
        }
        stack.onDatagram(source, destination, buffer, offset, length, nowNs);
        lastInputNs = nowNs; // read only while handing over
        return true;
    }

    /** The replication of this primary's connections, for tests. */
    PrimaryReplication replication()
    {
        return primary;
    }

    /** ER-TCP: the node's own copy of what it published, written once the frames are on the wire. */
    int appendPending()
    {
        return publisher.appendPending();
    }

    public ReplicatedService replicated()
    {
        return replicated;
    }

    /** The role ends: the log's writer thread appends what it was handed and stops (the node keeps the log). */
    @Override
    public void close()
    {
        publisher.stopWriterThread();
    }

    /** Deposed (rule 9): it serves nothing from now on; the node drops it when it rejoins as a backup. */
    void depose()
    {
        stack = null; // onTcp drops the VIP's segments now; the management endpoint stays
    }

    /** @return the replicated TCP stack, null once deposed. */
    TcpStack stack()
    {
        return stack;
    }

    /** @return the stack's timestamp clock, 0 once deposed. */
    long timestampClockMs(final long nowNs)
    {
        return null == stack ? 0 : stack.timestampClockMs(nowNs);
    }

    long durablePosition()
    {
        return durablePosition;
    }

    long confirmedPosition()
    {
        return primary.confirmedPosition();
    }

    /** What retention must keep for it: what its peer has yet to confirm. */
    long neededPosition()
    {
        return publisher.neededPosition();
    }

    /** ST-TCP: the backup it names in sync (0 none). */
    int syncBackupId()
    {
        return null == backupSync ? 0 : backupSync.syncBackupId();
    }

    /** ST-TCP: acknowledging on its own log, no backup in sync. */
    private boolean alone()
    {
        return null != backupSync && backupSync.alone();
    }

    /** @return whether a record it published awaits its peer's confirmation (for the node's idle strategy). */
    boolean replicationInFlight()
    {
        return !alone() && null != publisher.sender() && publisher.confirmedPosition() < publisher.publishedPosition();
    }

    /** The status's detail: its backup (ST-TCP) and what is unconfirmed. */
    public void describe(final StringBuilder detail)
    {
        if (tapMode)
        {
            backupSync.describe(detail);
            detail.append(", ");
        }
        detail.append("unconfirmed ").append(primary.unconfirmedBytes()).append(" bytes");
    }

    // ---------------------------------------------------------------------------------------------
    // Leaving on purpose: the hold, the cut-over, the relay (docs/architecture.md, "Leaving on purpose")
    // ---------------------------------------------------------------------------------------------

    /**
     * Start handing over to {@code successor} (a node id, or {@link ControlFrames#NO_NODE}): clients' input goes on
     * into the log, what the stack would send them is held back.
     */
    void hold(final int successor, final long nowNs)
    {
        handoverDeadlineNs = nowNs + HANDOVER_DRAIN_LIMIT_NS;
        lastInputNs = nowNs;
        // A client that gets no reply sends no new request, so none is in flight, lost, at the cut-over: its last one
        // is in the log and the successor answers it when it takes over. Dropping input instead left that request to
        // the client's retransmission timeout (200 ms or more; one segment cannot be prompted, TakeoverPrompt).
        stackOutput.hold();
        ctx.say("handing over to " + (successor > 0 ? ctx.nameOf(successor) : "no backup (none alive)") +
            ": holding replies back, " + primary.unconfirmedBytes() + " unconfirmed bytes to drain");
    }

    /**
     * While holding, every duty cycle: cut over once no client segment came for {@link #HANDOVER_QUIET_NS}, the
     * logger confirmed everything it logged and its successor is at most {@link #HANDOVER_SUCCESSOR_LAG_BYTES}
     * behind, or at the deadline. The cut-over drops the VIP; in ER-TCP the relay to the successor begins.
     *
     * @return true once cut over: from here on the node reads no frame (it only sends the LEAVEs), so what the logger
     * confirmed is all the client input it took.
     */
    boolean cutOver(final int successorId, final long nowNs)
    {
        final MemberView successor = successorId > 0 ? membership.view(successorId) : null;
        final boolean drained = nowNs - lastInputNs >= HANDOVER_QUIET_NS &&
            publisher.confirmedPosition() >= publisher.publishedPosition() &&
            (null == successor || successor.logPosition() >= publisher.confirmedPosition() - HANDOVER_SUCCESSOR_LAG_BYTES);
        if (!drained && nowNs - handoverDeadlineNs < 0)
        {
            return false;
        }
        ctx.layer.removeAddress(ctx.vip);
        if (!tapMode && successorId > 0)
        {
            relayMac = clientPortMac(successorId);
            relayUntilNs = nowNs + HANDOVER_RELAY_LIMIT_NS;
        }
        ctx.say("handed over at log position " + publisher.confirmedPosition() +
            " after " + millis(nowNs - (handoverDeadlineNs - HANDOVER_DRAIN_LIMIT_NS)) + " ms, " +
            stackOutput.heldSegments() + " segment(s) to clients held back" +
            (drained ? "" : " (not all drained within " + HANDOVER_DRAIN_LIMIT_NS / 1_000_000 + " ms: the " +
            "successor takes what the logger holds)") + "; leaving");
        return true;
    }

    /**
     * After the cut-over (ER-TCP): read the client port and pass the frames to the VIP on to the successor.
     *
     * @return the frames read.
     */
    int relay(final long nowNs)
    {
        if (0 == relayMac)
        {
            return 0;
        }
        relayNowNs = nowNs;
        return ctx.port.receive(relayHandler, 32);
    }

    /**
     * @return true once nothing more is passed on: no relay, or the successor was heard announcing the VIP
     * ({@link #HANDOVER_RELAY_GRACE_NS} ago), or {@link #HANDOVER_RELAY_LIMIT_NS} passed.
     */
    boolean relayOver(final long nowNs)
    {
        return 0 == relayMac || nowNs - relayUntilNs >= 0;
    }

    /** @return the client frames passed on to the successor after the cut-over. */
    long relayedFrames()
    {
        return relayedFrames;
    }

    /**
     * A primary after its cut-over: a frame to the VIP goes on to the successor (to its MAC, from this node's); the
     * successor's gratuitous ARP for the VIP says the switch sends the VIP's frames its way now.
     */
    private void relayClientFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        if (FrameFlags.isTruncated(flags) || length < EthernetFlyweight.HEADER_LENGTH + Ipv4Flyweight.MIN_HEADER_LENGTH)
        {
            return;
        }
        final int etherType = buffer.getShort(offset + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int ip = offset + EthernetFlyweight.HEADER_LENGTH;
        if (etherType == EthernetFlyweight.ETHER_TYPE_IPV4 && buffer.getInt(ip + 16, ByteOrder.BIG_ENDIAN) == ctx.vip)
        {
            final FrameOutput out = ctx.out;
            final int at = out.claim(length);
            if (at >= 0)
            {
                out.buffer().putBytes(at, buffer, offset, length);
                txEthernet.wrap(out.buffer(), at).destination(relayMac).source(ctx.mac);
                out.commit(at);
                relayedFrames++;
            }
        }
        else if (etherType == EthernetFlyweight.ETHER_TYPE_ARP && buffer.getInt(ip + 14, ByteOrder.BIG_ENDIAN) == ctx.vip)
        {
            // The sender's protocol address is the VIP: only its holder, the successor now, says that.
            relayUntilNs = Math.min(relayUntilNs, relayNowNs + HANDOVER_RELAY_GRACE_NS);
        }
    }

    /** The MAC of a member's client port: its channel's when it has no replication interface, else the file's. */
    private long clientPortMac(final int nodeId)
    {
        final NodeConfig node = ctx.config.nodes().get(nodeId - 1);
        return node.replication().isEmpty() ? membership.view(nodeId).mac() : node.mac().orElse(0L);
    }

    // ---------------------------------------------------------------------------------------------
    // ER-TCP: the logger, its loss, its replacement (docs/architecture.md rule 6)
    // ---------------------------------------------------------------------------------------------

    /** A member is suspected: the logger it sends to is lost, if it was heard at all. */
    void onMemberSuspected(final int nodeId, final long nowNs)
    {
        if (!tapMode && nodeId == peerId && !loggerLost && membership.view(nodeId).heard())
        {
            // Only a logger that was heard can be lost: one never heard has not started yet.
            loggerLost = true;
            membership.promoteLogger();
            ctx.warn("logger " + ctx.nameOf(nodeId) + " lost at confirmed position " + primary.confirmedPosition() +
                ": acknowledging nothing new until a backup is promoted to logger");
        }
    }

    /** A member is heard again: the lost logger, back before a backup took its role, is carried on with. */
    void onMemberAlive(final int nodeId)
    {
        if (!tapMode && nodeId == peerId && loggerLost)
        {
            loggerLost = false;
            final int promotionTarget = membership.promotionTarget();
            ctx.say("logger " + ctx.nameOf(nodeId) + " is back" + (promotionTarget < 0 ? " before any promotion" :
                " before " + ctx.nameOf(promotionTarget) + " took the role") + ": carrying on with it");
            membership.cancelPromotion();
        }
    }

    /** A member left on purpose: a lost logger that said it is gone needs no chance to speak again. */
    void onMemberLeft(final int nodeId)
    {
        if (loggerLost && nodeId == peerId)
        {
            membership.promoteLoggerAtOnce();
        }
    }

    /**
     * The backup {@link Membership} asked became the logger (rule 6): send it the records from the first one its log
     * lacks (all still in this primary's own copy of the log). Until now no confirmation came, so nothing new was
     * acknowledged.
     */
    void onLoggerPromoted(final MemberView target)
    {
        final long from = target.logPosition() + 1;
        peerId = target.nodeId();
        peerMac = target.mac();
        publisher.retarget(newSenderToPeer(), from);
        loggerLost = false;
        ctx.say("node " + ctx.nameOf(peerId) + " is the logger now; sending it the log from position " + from);
    }

    /**
     * A new primary sends to whichever node is the logger now: the one whose heartbeats say LOGGER (a backup may
     * have been promoted since the file was written).
     */
    private void followCurrentLogger()
    {
        final MemberView current = membership.firstHeard(Role.LOGGER);
        if (null != current)
        {
            peerId = current.nodeId();
            peerMac = current.mac();
        }
    }

    private RecordSender newSenderToPeer()
    {
        return ctx.newSender(peerId, peerMac);
    }

    // ---------------------------------------------------------------------------------------------
    // ST-TCP: the backup in sync, its loss, its return ({@link BackupSync})
    // ---------------------------------------------------------------------------------------------

    /** What {@link BackupSync} asks of this primary: its publisher's sender, its members, its log, its words. */
    private final class BackupSyncHost implements BackupSync.Host
    {
        public boolean alive(final int nodeId)
        {
            final MemberView view = membership.view(nodeId);
            return null != view && view.alive();
        }

        public int joiningBackup()
        {
            // Heard means a control frame came from it, which gave its MAC when the file did not.
            final MemberView view = membership.firstHeard(Role.BACKUP);
            return null != view && 0 != view.mac() ? view.nodeId() : -1;
        }

        public long macOf(final int nodeId)
        {
            return membership.view(nodeId).mac();
        }

        public long logPositionOf(final int nodeId)
        {
            return membership.view(nodeId).logPosition();
        }

        public boolean majorityHeardOutOfSync(final int backupId)
        {
            return membership.majorityHeardOutOfSync(backupId, ctx.epoch());
        }

        public long lastPosition()
        {
            return log.lastPosition();
        }

        public long restartedReceiverHolds()
        {
            final RecordSender sender = publisher.sender();
            return null == sender ? -1 : sender.restartedReceiverHolds();
        }

        public long confirmedPosition()
        {
            return publisher.confirmedPosition();
        }

        public void sendFrom(final int backupId, final long backupMac, final long fromPosition)
        {
            peerId = backupId;
            peerMac = backupMac;
            publisher.retarget(newSenderToPeer(), fromPosition);
        }

        public void stopSending()
        {
            publisher.retarget(null, 1);
            peerId = -1;
            peerMac = 0;
        }

        public void tapped(final long fromPosition)
        {
            publisher.tapped(fromPosition);
        }

        public String nameOf(final int nodeId)
        {
            return ctx.nameOf(nodeId);
        }

        public void say(final String message)
        {
            ctx.say(message);
        }

        public void warn(final String message)
        {
            ctx.warn(message);
        }
    }
}
