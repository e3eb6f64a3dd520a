package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.Durability;
import io.ertcp.engine.cluster.config.NodeConfig;
import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.cluster.membership.ControlFrames;
import io.ertcp.engine.cluster.membership.Member;
import io.ertcp.engine.cluster.membership.MemberView;
import io.ertcp.engine.cluster.membership.Membership;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.Ipv4Flyweight;
import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.net.NetCounters;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.port.PacketPort;
import io.ertcp.engine.replication.backup.BackupFollower;
import io.ertcp.engine.replication.channel.ChannelCounters;
import io.ertcp.engine.replication.channel.RecordSender;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import io.ertcp.engine.replication.logger.LogFeed;
import io.ertcp.engine.replication.logger.LoggerAgent;
import io.ertcp.engine.replication.primary.LogPublisher;
import io.ertcp.engine.replication.replica.PrimaryReplication;
import io.ertcp.engine.replication.replica.ReplicatedService;
import io.ertcp.engine.tcp.TcpConfig;
import io.ertcp.engine.tcp.TcpService;
import io.ertcp.engine.tcp.TcpStack;
import io.ertcp.log.ReplicationLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * One member of an ER-TCP cluster, in whatever role it holds now, on one thread: the port, the IPv4 layer, the
 * replication channel (EtherType 0x88B5) with heartbeats and votes, and the role's own work.
 * <ul>
 * <li><b>primary</b>: owns the VIP and virtual MAC; a TCP stack whose connections are replicated through
 * {@link PrimaryReplication}; records go to its own log copy and on to the logger ({@link LogPublisher}).</li>
 * <li><b>logger</b>: appends the primary's records to its Chronicle Queue and confirms them ({@link LoggerAgent});
 * feeds every live backup from the log at the backup's own pace; fences off older epochs when it votes.</li>
 * <li><b>backup</b>: follows the logger's feed into its own log copy and its {@link ReplicatedService}, the shadows of
 * every connection; when it wins an election it drains the log to the end the logger reported, then takes over
 * (DESIGN rule 5): epoch change, shadows become live connections, VIP and virtual MAC claimed with a gratuitous ARP.</li>
 * </ul>
 * A node that starts with a log left by an earlier run of a primary or backup has been restarted: it discards that
 * copy (it may hold records never made durable) and rejoins as a backup, replaying the log from the logger (rule 7).
 * A logger keeps its log: it is the durable copy.
 * <p>
 * A primary that learns of a newer epoch has been deposed: it drops the VIP, stops serving and reports
 * {@link #isFenced()}, and its process exits so that a restart rejoins as a backup.
 */
public final class ClusterNode implements Agent, Membership.LocalStatus, Membership.Listener, AutoCloseable
{
    /** Input bytes per DATA record: a full record plus its header fits a receiver slot of 16 KiB. */
    public static final int MAX_DATA_PER_RECORD = 8192;
    public static final int MAX_RECORD_LENGTH = 16 * 1024;
    private static final int SLOTS = 256;
    private static final long STATUS_INTERVAL_NS = 100_000_000L;

    /** What the node is doing now. */
    public enum State
    {
        /** The configured primary of a fresh cluster, waiting to hear its logger's MAC when the file gives none. */
        STARTING,
        PRIMARY, LOGGER, BACKUP, DRAINING, FENCED
    }

    private final ClusterConfig config;
    private final NodeConfig self;
    private final int nodeId;
    private final PacketPort port;
    private final Ipv4Layer layer;
    private final FrameOutput out;
    private final NanoClock clock;
    private final Counters counters;
    private final PrintStream log;
    private final Path logDirectory;
    private final long mac;
    private int loggerId;
    private long loggerMac;
    /** Primary: the logger is suspected and nothing new is acknowledged until a backup is promoted or it returns. */
    private boolean loggerLost;
    private int promotionTarget = -1;
    private long nextPromotionNs;
    private final EthernetFlyweight txEthernet = new EthernetFlyweight();
    private final ReplicationFrameFlyweight txFrame = new ReplicationFrameFlyweight();
    private final Supplier<TcpService> serviceFactory;
    private final TcpConfig tcpConfig;
    private final Membership membership;
    private final ReplicationFrameFlyweight frame = new ReplicationFrameFlyweight();
    private final boolean rejoined;

    private State state;
    private ReplicationLog replicationLog;
    private ReplicatedService replicated;
    private BackupFollower follower;
    private LoggerAgent logger;
    private LogPublisher publisher;
    private PrimaryReplication primary;
    private TcpStack stack;
    private int epoch = Membership.INITIAL_EPOCH;
    private long drainTarget;
    private int electedEpoch;
    private long electedAtNs;
    private long nowNs;
    private long nextStatusNs;
    private long nextFeedCheckNs;
    private int previousPrimaryId = -1;

    /**
     * @param config         the cluster file.
     * @param nodeName       which node of it this is.
     * @param port           its port, opened by the caller; closed with the node.
     * @param serviceFactory makes the service (each call a fresh instance).
     * @param clock          read once per duty cycle.
     * @param counters       where everything counts.
     * @param log            where the node tells what it does (role changes, takeovers), one line each.
     */
    public ClusterNode(
        final ClusterConfig config,
        final String nodeName,
        final PacketPort port,
        final Supplier<TcpService> serviceFactory,
        final NanoClock clock,
        final Counters counters,
        final PrintStream log)
    {
        this.config = config;
        this.self = config.node(nodeName);
        this.nodeId = nodeIdOf(config, nodeName);
        this.port = port;
        this.clock = clock;
        this.counters = counters;
        this.log = log;
        this.serviceFactory = serviceFactory;
        this.mac = self.mac().orElse(port.macAddress());
        this.tcpConfig = config.tcp().toTcpConfig();
        this.out = FrameOutput.of(port);

        final NodeConfig loggerNode = config.logger().orElseThrow(() -> new IllegalArgumentException(
            "an er-tcp cluster needs a logger: add a node with role: logger"));
        this.loggerId = nodeIdOf(config, loggerNode.name());
        this.loggerMac = loggerNode.mac().orElse(0L);

        final Ipv4Address.Cidr address = self.address().orElse(
            new Ipv4Address.Cidr(config.vip().address().address(), config.vip().address().prefixLength()));
        this.layer = new Ipv4Layer(mac, address, out, new NetCounters(counters, port.name()));
        config.vip().gateway().ifPresent(layer::gateway);
        layer.acceptDestination(groupMac(config));
        layer.registerEtherType(EthernetFlyweight.ETHER_TYPE_REPLICATION, this::onReplicationFrame);

        this.logDirectory = config.log().dirOf(nodeName);
        this.rejoined = self.role() != Role.LOGGER && hasRecords(logDirectory);
        if (rejoined)
        {
            deleteRecursively(logDirectory);
        }
        createDirectories(logDirectory);
        this.replicationLog = ReplicationLog.open(logDirectory.resolve("log"));

        final List<NodeConfig> nodes = config.nodes();
        final Member[] members = new Member[nodes.size()];
        for (int i = 0; i < members.length; i++)
        {
            final NodeConfig node = nodes.get(i);
            members[i] = new Member(i + 1, node.rank().orElse(0), i + 1 == nodeId ? mac : node.mac().orElse(0L), node.role());
        }
        final long heartbeat = config.detection().heartbeatIntervalNs();
        final long suspect = config.detection().suspectTimeoutNs();
        this.membership = new Membership(nodeId, members, groupMac(config), heartbeat, suspect,
            Math.max(2 * suspect, 10 * heartbeat), this, this, counters);

        this.nowNs = clock.nanoTime();
        final Role startRole = rejoined ? Role.BACKUP : self.role();
        if (rejoined)
        {
            membership.role(Role.BACKUP);
        }
        switch (startRole)
        {
            case PRIMARY ->
            {
                if (0 == loggerMac)
                {
                    state = State.STARTING;
                }
                else
                {
                    startPrimary(Membership.INITIAL_EPOCH, nowNs);
                }
            }
            case LOGGER -> startLogger();
            case BACKUP -> startBackup();
            default -> throw new IllegalArgumentException("node " + nodeName + " has role " + startRole.text() +
                ", which an er-tcp cluster does not run: use primary, logger or backup");
        }
        say((rejoined ? "rejoined as backup (discarded the log of an earlier run)" : "started as " + startRole.text()) +
            ", node id " + nodeId + ", epoch " + epoch + ", mac " + io.ertcp.engine.net.MacAddress.format(mac) +
            ", log " + logDirectory);
    }

    // ---------------------------------------------------------------------------------------------
    // Roles
    // ---------------------------------------------------------------------------------------------

    private void startLogger()
    {
        state = State.LOGGER;
        epoch = Math.max(epoch, replicationLog.lastEpoch());
        logger = new LoggerAgent(nodeId, mac, epoch, SLOTS, MAX_RECORD_LENGTH, 1_000_000L, 1_000_000L,
            replicationLog, false, LogFeed.Settings.DEFAULT, out, counters, "logger");
        final Durability durability = config.durability();
        if (durability.kind() == Durability.Kind.LOGGER_PLUS)
        {
            logger.requiredBackupConfirms(durability.backups());
        }
    }

    private void startBackup()
    {
        state = State.BACKUP;
        replicated = newReplicatedService(0);
        follower = new BackupFollower(nodeId, mac, epoch, replicationLog, replicated, SLOTS, MAX_RECORD_LENGTH,
            1_000_000L, 1_000_000L, self.slowNsPerRecord(), new ChannelCounters(counters, "backup"));
    }

    private ReplicatedService newReplicatedService(final long appliedPosition)
    {
        return new ReplicatedService(serviceFactory.get(), tcpConfig.receiveBufferBytes(),
            org.agrona.BitUtil.findNextPositivePowerOfTwo(tcpConfig.sendBufferBytes()), appliedPosition);
    }

    /**
     * Serve the VIP as primary in {@code epoch}: on a fresh cluster at start, or after winning an election and
     * draining the log (then the replicas the backup built become live connections).
     */
    private void startPrimary(final int newEpoch, final long nowNs)
    {
        epoch = newEpoch;
        final boolean takeover = null != replicated;
        if (!takeover)
        {
            replicated = newReplicatedService(replicationLog.lastPosition());
        }
        else
        {
            followCurrentLogger();
        }
        publisher = new LogPublisher(replicationLog, newSenderToLogger());
        primary = new PrimaryReplication(replicated, publisher, nodeId, epoch, MAX_DATA_PER_RECORD, 8L << 20, nowNs);
        stack = new TcpStack(tcpConfig, layer, counters, primary, primary);
        primary.stack(stack);
        layer.register(Ipv4Flyweight.PROTOCOL_TCP, stack);

        int restored = 0;
        if (takeover)
        {
            final MemberView old = previousPrimaryId > 0 ? membership.view(previousPrimaryId) : null;
            if (null != old && old.heard())
            {
                final long elapsedMs = (nowNs - old.lastHeardNs()) / 1_000_000L;
                stack.advanceTimestampClock(old.timestampClockMs() + elapsedMs + 1, nowNs);
            }
            restored = primary.takeOver(replicationLog.lastPosition(), nowNs);
        }
        final int vip = config.vip().address().address();
        layer.addAddress(vip, config.vip().mac());
        layer.nowNs(nowNs);
        layer.announce(vip);
        stack.listen(vip, config.service().port(), primary);
        state = State.PRIMARY;
        if (takeover)
        {
            say("took over as primary in epoch " + epoch + ": log drained to " + drainTarget + ", " + restored +
                " connection(s) restored" + (primary.restoreRefusals() > 0 ? " (" + primary.restoreRefusals() +
                " refused: connection table or buffer memory full; raise tcp.max-connections or ERTCP_DIRECT_MEMORY)" : "") +
                ", VIP " + Ipv4Address.format(vip) + " claimed " +
                String.format("%.1f ms", (nowNs - electedAtNs) / 1e6) + " after the election");
        }
        else
        {
            say("primary in epoch " + epoch + ", serving " + config.service().name() + " on " +
                Ipv4Address.format(vip) + ":" + config.service().port());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Duty cycle
    // ---------------------------------------------------------------------------------------------

    public int doWork()
    {
        final long nowNs = clock.nanoTime();
        this.nowNs = nowNs;
        layer.nowNs(nowNs);
        membership.nowNs(nowNs);
        int work = port.receive(layer, 32);
        switch (state)
        {
            case PRIMARY ->
            {
                if (loggerLost)
                {
                    work += promoteLogger(nowNs);
                }
                work += primary.doWork(nowNs);
                work += publisher.doWork(nowNs, out);
                primary.confirmed(publisher.confirmedPosition());
                work += stack.doWork(nowNs);
            }
            case LOGGER ->
            {
                work += logger.doWork(nowNs);
                if (nowNs - nextFeedCheckNs >= 0)
                {
                    nextFeedCheckNs = nowNs + config.detection().heartbeatIntervalNs();
                    serveBackups(nowNs);
                }
            }
            case BACKUP ->
            {
                work += follower.doWork(nowNs, out);
                final int primaryId = membership.primaryId();
                if (primaryId > 0 && primaryId != nodeId)
                {
                    previousPrimaryId = primaryId;
                }
            }
            case DRAINING ->
            {
                work += follower.doWork(nowNs, out);
                if (follower.appliedPosition() >= drainTarget)
                {
                    follower = null;
                    startPrimary(electedEpoch, nowNs);
                    work++;
                }
            }
            case STARTING ->
            {
                loggerMac = membership.view(loggerId).mac();
                if (0 != loggerMac)
                {
                    startPrimary(Membership.INITIAL_EPOCH, nowNs);
                    work++;
                }
            }
            case FENCED ->
            {
            }
        }
        work += membership.doWork(nowNs, out);
        if (nowNs - nextStatusNs >= 0)
        {
            nextStatusNs = nowNs + STATUS_INTERVAL_NS;
            writeStatus();
        }
        work += port.flush();
        return work;
    }

    private void serveBackups(final long nowNs)
    {
        if (config.durability().kind() == Durability.Kind.LOGGER_PLUS)
        {
            // logger+K counts the backups alive: one suspected dead leaves the quorum (as a replica falls out of
            // Kafka's in-sync set), so a failover that costs a backup does not stall every client for good.
            int alive = 0;
            for (int i = 0; i < membership.memberCount(); i++)
            {
                final MemberView view = membership.member(i);
                alive += view.nodeId() != nodeId && view.role() == Role.BACKUP && view.alive() ? 1 : 0;
            }
            logger.requiredBackupConfirms(Math.min(config.durability().backups(), alive));
        }
        final List<NodeConfig> nodes = config.nodes();
        for (int i = 0; i < nodes.size(); i++)
        {
            final MemberView view = membership.view(i + 1);
            if (null == view || view.nodeId() == nodeId)
            {
                continue;
            }
            final boolean draining = view.role() == Role.PRIMARY && view.logPosition() < logger.lastPosition();
            if (view.role() != Role.BACKUP && !draining)
            {
                // A backup promoted to logger, or a new primary once it holds the whole log, needs no feed any
                // more; a candidate that won an election still drains the log through its feed (its heartbeats
                // already say PRIMARY).
                logger.stopServing(view.nodeId());
                continue;
            }
            if (view.alive() && view.heard() && 0 != view.mac())
            {
                logger.serveBackup(view.nodeId(), view.mac(), view.logPosition() + 1, nowNs);
            }
            else
            {
                logger.stopServing(view.nodeId());
            }
        }
    }

    private void onReplicationFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        if (length < EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH)
        {
            return;
        }
        frame.wrap(buffer, offset + EthernetFlyweight.HEADER_LENGTH);
        if (frame.kind() == ControlFrames.KIND_PROMOTE_LOGGER)
        {
            onPromoteLogger(frame.nodeId(), frame.epoch(), (int)frame.position());
            return;
        }
        if (ControlFrames.isControlKind(frame.kind()))
        {
            membership.onFrame(buffer, offset, length, flags);
            return;
        }
        membership.heardFrom(frame.nodeId(), frame.epoch());
        switch (state)
        {
            case PRIMARY -> publisher.sender().onFrame(buffer, offset, length, flags);
            case LOGGER -> logger.onFrame(buffer, offset, length, flags);
            case BACKUP, DRAINING -> follower.onFrame(buffer, offset, length, flags);
            case STARTING, FENCED ->
            {
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Membership
    // ---------------------------------------------------------------------------------------------

    public long logPosition()
    {
        return null == logger ? replicationLog.lastPosition() : logger.lastPosition();
    }

    public long appliedPosition()
    {
        return null == replicated ? 0 : replicated.appliedPosition();
    }

    public int connectionCount()
    {
        return null == replicated ? 0 : replicated.connectionCount();
    }

    public long timestampClockMs()
    {
        return null == stack ? 0 : stack.timestampClockMs(nowNs);
    }

    public void onVoted(final int epoch, final int candidateId)
    {
        if (state == State.LOGGER)
        {
            logger.fence(epoch);
        }
    }

    public void onElected(final int epoch, final long loggerLogPosition)
    {
        if (state != State.BACKUP)
        {
            return;
        }
        electedEpoch = epoch;
        electedAtNs = nowNs;
        drainTarget = Math.max(loggerLogPosition, follower.appliedPosition());
        state = State.DRAINING;
        say("elected primary for epoch " + epoch + "; draining the log to position " + drainTarget +
            " (applied " + follower.appliedPosition() + ")");
    }

    public void onNewPrimary(final int nodeId, final int epoch)
    {
        if (state == State.DRAINING && epoch > electedEpoch)
        {
            // Another node won a later epoch while this one drained the log for its own: it must not finish a
            // takeover in an epoch the cluster has left. It stays a backup and follows the log on.
            state = State.BACKUP;
            say("gave up the takeover for epoch " + electedEpoch + ": node " + nameOf(nodeId) + " is primary in epoch " +
                epoch);
        }
        this.epoch = Math.max(this.epoch, epoch);
        if (state == State.LOGGER)
        {
            logger.fence(epoch);
        }
        say("node " + nameOf(nodeId) + " is primary in epoch " + epoch);
    }

    public void onDeposed(final int newEpoch)
    {
        if (state != State.PRIMARY)
        {
            return;
        }
        state = State.FENCED;
        layer.removeAddress(config.vip().address().address());
        say("deposed: another node is primary in epoch " + newEpoch + "; this node stopped serving and must be " +
            "restarted to rejoin as a backup");
    }

    public void onMemberSuspected(final int nodeId)
    {
        say("suspects node " + nameOf(nodeId));
        if (state == State.PRIMARY && nodeId == loggerId && !loggerLost && membership.view(nodeId).heard())
        {
            // Only a logger that was heard can be lost: one never heard has not started yet.
            loggerLost = true;
            promotionTarget = -1;
            // Promote only after another suspicion timeout of silence: promoting turns a backup into a logger for
            // good, so a logger that was merely slow (a pause, a busy machine) must have its chance to speak again.
            nextPromotionNs = nowNs + config.detection().suspectTimeoutNs();
            say("logger " + nameOf(nodeId) + " lost at confirmed position " + primary.confirmedPosition() +
                ": acknowledging nothing new until a backup is promoted to logger");
        }
        reannounceVip();
    }

    public void onMemberAlive(final int nodeId)
    {
        say("hears node " + nameOf(nodeId) + " again");
        if (state == State.PRIMARY && nodeId == loggerId && loggerLost)
        {
            loggerLost = false;
            say("logger " + nameOf(nodeId) + " is back" + (promotionTarget < 0 ? " before any promotion" :
                " before " + nameOf(promotionTarget) + " took the role") + ": carrying on with it");
            promotionTarget = -1;
        }
        reannounceVip();
    }

    // ---------------------------------------------------------------------------------------------
    // Logger loss (DESIGN rule 6)
    // ---------------------------------------------------------------------------------------------

    /**
     * Primary: pick the first live backup by rank, ask it every heartbeat to become the logger, and once its
     * heartbeats say LOGGER send it the records from the first one its log lacks (all still in the primary's own
     * copy of the log). Until then no confirmation comes, so nothing new is acknowledged: clients just wait.
     */
    private int promoteLogger(final long nowNs)
    {
        if (nowNs - nextPromotionNs < 0)
        {
            return 0;
        }
        nextPromotionNs = nowNs + config.detection().heartbeatIntervalNs();
        if (promotionTarget < 0)
        {
            MemberView best = null;
            for (int i = 0; i < membership.memberCount(); i++)
            {
                final MemberView view = membership.member(i);
                if (view.nodeId() != nodeId && view.role() == Role.BACKUP && view.alive() && view.heard() &&
                    (null == best || view.rank() < best.rank()))
                {
                    best = view;
                }
            }
            if (null == best)
            {
                return 0;
            }
            promotionTarget = best.nodeId();
            say("promoting backup " + nameOf(promotionTarget) + " to logger");
        }
        final MemberView target = membership.view(promotionTarget);
        if (target.role() == Role.LOGGER && target.alive())
        {
            final long from = target.logPosition() + 1;
            loggerId = target.nodeId();
            loggerMac = target.mac();
            publisher.retarget(newSenderToLogger(), from);
            loggerLost = false;
            promotionTarget = -1;
            say("node " + nameOf(loggerId) + " is the logger now; sending it the log from position " + from);
            return 1;
        }
        if (!target.alive())
        {
            promotionTarget = -1;
            return 0;
        }
        final int at = claimControl(ControlFrames.KIND_PROMOTE_LOGGER, promotionTarget);
        if (at >= 0)
        {
            out.commit(at);
            return 1;
        }
        return 0;
    }

    private void onPromoteLogger(final int fromNodeId, final int frameEpoch, final int targetId)
    {
        if (targetId != nodeId || state != State.BACKUP || fromNodeId != membership.primaryId() ||
            frameEpoch < membership.epoch())
        {
            return;
        }
        for (int i = 0; i < membership.memberCount(); i++)
        {
            final MemberView view = membership.member(i);
            if (view.nodeId() != nodeId && view.role() == Role.LOGGER && view.alive() && view.heard())
            {
                // This node still hears a logger: the primary's suspicion is its own (a pause, a lost frame), and
                // a second logger would cost the cluster a backup for nothing. The primary hears the logger again.
                return;
            }
        }
        follower = null;
        replicated = null;
        epoch = Math.max(epoch, frameEpoch);
        final long position = replicationLog.lastPosition();
        startLogger();
        membership.role(Role.LOGGER);
        say("promoted to logger by " + nameOf(fromNodeId) + " in epoch " + frameEpoch + " with the log up to position " +
            position);
    }

    /**
     * A new primary sends to whichever node is the logger now: the one whose heartbeats say LOGGER (a backup may
     * have been promoted since the file was written).
     */
    private void followCurrentLogger()
    {
        for (int i = 0; i < membership.memberCount(); i++)
        {
            final MemberView view = membership.member(i);
            if (view.nodeId() != nodeId && view.role() == Role.LOGGER && view.alive() && view.heard())
            {
                loggerId = view.nodeId();
                loggerMac = view.mac();
                return;
            }
        }
    }

    private RecordSender newSenderToLogger()
    {
        return new RecordSender(nodeId, epoch, mac, loggerMac, loggerId, 8 << 20, 8192, 2_000_000L, 64, SLOTS,
            new ChannelCounters(counters, "primary"));
    }

    /**
     * Claim a control frame to the cluster's group with an empty payload.
     *
     * @return the offset to commit, or -1 when the port has no room.
     */
    private int claimControl(final int kind, final long position)
    {
        final int length = Math.max(60, EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH);
        final int at = out.claim(length);
        if (at < 0)
        {
            return -1;
        }
        out.buffer().setMemory(at, length, (byte)0);
        txEthernet.wrap(out.buffer(), at).destination(groupMac(config)).source(mac)
            .etherType(EthernetFlyweight.ETHER_TYPE_REPLICATION);
        txFrame.wrap(out.buffer(), at + EthernetFlyweight.HEADER_LENGTH)
            .writeHeader(kind, nodeId, epoch, position, 0);
        return at;
    }

    /**
     * A primary announces the VIP again whenever a member is heard again or goes quiet. After a
     * takeover on a false suspicion the deposed primary is alive for a moment and may still send from
     * the virtual MAC after the takeover's announcement; a learning switch (a Linux bridge) then sends
     * the VIP's frames to the deposed node's port, where they are lost, until the new primary happens
     * to send from the virtual MAC (a client waiting on a request or a FIN never sees it).
     * Heard again, or quiet after it stopped: either way the announcement that comes last is ours.
     */
    private void reannounceVip()
    {
        if (state == State.PRIMARY)
        {
            layer.announce(config.vip().address().address());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Status
    // ---------------------------------------------------------------------------------------------

    public State state()
    {
        return state;
    }

    public boolean isFenced()
    {
        return state == State.FENCED;
    }

    public int epoch()
    {
        return Math.max(epoch, membership.epoch());
    }

    public int nodeId()
    {
        return nodeId;
    }

    public Counters counters()
    {
        return counters;
    }

    public Membership membership()
    {
        return membership;
    }

    public ReplicatedService replicated()
    {
        return replicated;
    }

    public LoggerAgent logger()
    {
        return logger;
    }

    public TcpStack stack()
    {
        return stack;
    }

    public Ipv4Layer layer()
    {
        return layer;
    }

    /**
     * @return the node's status as {@code ./ertcp status} shows it.
     */
    public NodeStatus status()
    {
        final StringBuilder detail = new StringBuilder();
        if (null != logger)
        {
            for (int i = 0; i < logger.feedCount(); i++)
            {
                final LogFeed feed = logger.feed(i);
                detail.append(i == 0 ? "" : ", ").append("feed ").append(nameOf(feed.backupNodeId()))
                    .append(" confirmed ").append(feed.confirmedPosition()).append(" lag ").append(feed.lag());
            }
        }
        else if (null != primary)
        {
            detail.append("unconfirmed ").append(primary.unconfirmedBytes()).append(" bytes");
        }
        final int primaryId = membership.primaryId();
        return new NodeStatus(
            self.name(),
            ProcessHandle.current().pid(),
            state.name().toLowerCase(java.util.Locale.ROOT),
            epoch(),
            logPosition(),
            appliedPosition(),
            null == primary ? 0 : primary.confirmedPosition(),
            connectionCount(),
            primaryId > 0 ? nameOf(primaryId) : "",
            detail.toString(),
            System.currentTimeMillis());
    }

    private void writeStatus()
    {
        try
        {
            status().write(logDirectory);
        }
        catch (final IOException ex)
        {
            // Status is for people; the node keeps serving without it.
        }
    }

    public String roleName()
    {
        return "ertcp-node-" + self.name();
    }

    public void onClose()
    {
        close();
    }

    public void close()
    {
        if (null != logger)
        {
            logger.close();
            logger = null;
        }
        else if (null != replicationLog)
        {
            replicationLog.close();
        }
        replicationLog = null;
        port.close();
    }

    // ---------------------------------------------------------------------------------------------

    private void say(final String message)
    {
        log.println("[" + self.name() + "] " + message);
        log.flush();
    }

    private String nameOf(final int nodeId)
    {
        return nodeId >= 1 && nodeId <= config.nodes().size() ? config.nodes().get(nodeId - 1).name() : "#" + nodeId;
    }

    /**
     * @return the node's id: its place in the cluster file, from 1.
     */
    public static int nodeIdOf(final ClusterConfig config, final String nodeName)
    {
        final List<NodeConfig> nodes = config.nodes();
        for (int i = 0; i < nodes.size(); i++)
        {
            if (nodes.get(i).name().equals(nodeName))
            {
                return i + 1;
            }
        }
        throw new IllegalArgumentException("no node named " + nodeName + " in the cluster file");
    }

    /**
     * @return the multicast group of the cluster's heartbeats and votes: locally administered, from its name.
     */
    public static long groupMac(final ClusterConfig config)
    {
        return (0x03L << 40) | (config.name().hashCode() & 0xFFFF_FFFFL);
    }

    private static boolean hasRecords(final Path directory)
    {
        final Path log = directory.resolve("log");
        if (!Files.isDirectory(log))
        {
            return false;
        }
        try (Stream<Path> files = Files.list(log))
        {
            return files.anyMatch(p -> p.getFileName().toString().endsWith(".cq4"));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static void createDirectories(final Path directory)
    {
        try
        {
            Files.createDirectories(directory);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create the log directory " + directory + ": " + ex.getMessage(), ex);
        }
    }

    private static void deleteRecursively(final Path directory)
    {
        if (!Files.exists(directory))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path ->
            {
                try
                {
                    Files.delete(path);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            });
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
