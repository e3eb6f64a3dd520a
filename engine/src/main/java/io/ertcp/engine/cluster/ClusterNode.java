package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.ClusterMode;
import io.ertcp.engine.cluster.config.ConfigAgreement;
import io.ertcp.engine.cluster.config.NodeConfig;
import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.cluster.management.NodeReport;
import io.ertcp.engine.cluster.membership.ControlFrames;
import io.ertcp.engine.cluster.membership.Member;
import io.ertcp.engine.cluster.membership.MemberView;
import io.ertcp.engine.cluster.membership.Membership;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.Ipv4Flyweight;
import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.net.NetCounters;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.port.PacketPort;
import io.ertcp.engine.replication.backup.BackupFollower;
import io.ertcp.engine.replication.channel.Ghash;
import io.ertcp.engine.replication.channel.ReceiverSettings;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import io.ertcp.engine.replication.channel.SealingOutput;
import io.ertcp.engine.replication.logger.LoggerAgent;
import io.ertcp.engine.replication.primary.LogPublisher;
import io.ertcp.engine.replication.replica.PrimaryReplication;
import io.ertcp.engine.replication.replica.ReplicatedService;
import io.ertcp.engine.replication.replica.ServiceSnapshots;
import io.ertcp.engine.replication.tap.TapAssembler;
import io.ertcp.engine.tcp.TcpStack;
import io.ertcp.log.DataFlyweight;
import io.ertcp.log.ReplicationLog;
import io.ertcp.service.SnapshotService;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * One member of an ER-TCP or ST-TCP cluster, in whatever role it holds now, on one thread: a thin node around exactly
 * one role object at a time ({@link NodeRole}), each with its own duty cycle's share, frame handling and close
 * (docs/architecture.md, "The main classes by role"). Why it stays over 800 lines: its public {@link Context} (some 150
 * lines, the settings its callers build, nested as Aeron's is), the construction that checks them against the cluster
 * file and the ports, the public status accessors the CLI, the demo and the tests read, and the membership callbacks
 * and transitions, which all read and move the one role and {@link State} and would scatter if split; every role's
 * own work, the channel's gate, the departure, retention, snapshots and the status report are in classes of their
 * own.
 * <ul>
 * <li><b>primary</b> ({@link PrimaryRole}): owns the VIP and virtual MAC; a TCP stack whose connections are replicated
 * through {@link PrimaryReplication}; records go to its own log copy and on to the logger ({@link LogPublisher}), or
 * in ST-TCP straight to the backup, whose in-sync state it tracks (running alone once a majority, or with two nodes
 * the fencing hook, allows it). It replaces a lost logger by promoting a backup (rule 6) and hands over on purpose.</li>
 * <li><b>logger</b> ({@link LoggerRole}): appends the primary's records to its Chronicle Queue and confirms them;
 * feeds every live backup from the log at the backup's own pace; fences off older epochs when it votes.</li>
 * <li><b>backup</b> ({@link BackupRole}): follows the logger's feed (or the ST-TCP primary's records, rebuilt from
 * what it taps off the LAN with a {@link TapAssembler}) into its own log copy and its {@link ReplicatedService}, the
 * shadows of every connection, and builds ahead what a takeover needs.</li>
 * <li><b>draining candidate</b> ({@link DrainingRole}): the elected backup drains the log to the end the logger
 * reported, then takes over (rule 5): epoch change, shadows become live connections, VIP and virtual MAC claimed with
 * a gratuitous ARP.</li>
 * <li><b>witness</b>, and the moments between roles ({@link IdleRole}): ST-TCP's witness heartbeats and votes and
 * holds nothing; {@link State#STARTING} waits for the peer's MAC; {@link State#FENCED} after a failed rejoin.</li>
 * </ul>
 * The node itself owns the ports, the IPv4 layer, the replication channel (EtherType 0x88B5: every frame
 * authenticated by its {@link ChannelGate}, control frames to {@link Membership}, the rest to the role), the
 * membership's callbacks and the transitions between roles, each of which hands the role's objects on explicitly (the
 * backup's follower, service, standby primary and sender, tap and relay inbox, through its draining candidacy, to the
 * primary it becomes); the duty cycle's skeleton, leaving on purpose ({@link Departure}), retention and snapshots
 * ({@link LogKeeper}), the status and report ({@link NodeReporter}) and the management endpoint. The roles see it
 * only through a {@link NodeContext}.
 * <p>
 * A node that starts with a log left by an earlier run of a primary or backup has been restarted: it discards that
 * copy (it may hold records never made durable) and rejoins as a backup, replaying the log from the logger (rule 7).
 * A logger keeps its log: it is the durable copy.
 * <p>
 * A primary that learns of a newer epoch (on a majority's evidence, docs/architecture.md rule 9) has been deposed: it
 * drops the VIP and stops serving at once ({@link State#FENCED} for the rest of that duty cycle, its role kept but
 * serving nothing), then rejoins as a backup by itself, discarding its log as a restart does (rule 7); its status says
 * {@code rejoining} until it has replayed the log to where it stood when it rejoined. The process goes on; only a
 * fatal error ({@link #fatalError()}) ends it.
 */
public final class ClusterNode implements Agent, Membership.LocalStatus, Membership.Listener, AutoCloseable
{
    /**
     * Input bytes per DATA record before records were sized to the replication MTU (see {@link #maxDataPerRecord}), and
     * still the most an ST-TCP record holds (see {@link #maxDataPerRecord(ClusterMode, int)}).
     */
    public static final int MAX_DATA_PER_RECORD = 8192;
    public static final int MAX_RECORD_LENGTH = 16 * 1024;
    static final int SLOTS = 256;
    private static final long STATUS_INTERVAL_NS = 100_000_000L;
    /**
     * Spare connections are built only after this many duty cycles in a row without work (each of which backs off in
     * the idle strategy): not in the short gaps of a loaded node's cycles, where a build delays the next frame.
     */
    private static final int BUILD_AHEAD_IDLE_CYCLES = 16;
    /** The most frames read before a suspicion ({@link #drainReceive}): a cluster node's AF_PACKET ring. */
    private static final int DRAIN_LIMIT_FRAMES = 8192;
    /** How long after the last record a logger or backup still counts records as arriving (replicationInFlight). */
    private static final long IN_FLIGHT_QUIET_NS = 1_000_000L;

    /** What the node is doing now. */
    public enum State
    {
        /** The configured primary of a fresh cluster, waiting to hear its logger's (or backup's) MAC when the file gives none. */
        STARTING,
        PRIMARY, LOGGER, BACKUP, DRAINING,
        /** Deposed: serving nothing, until it rejoins as a backup (in the same duty cycle), or after a fatal error. */
        FENCED,
        /** ST-TCP: votes, holds no data. */
        WITNESS
    }

    private final ClusterConfig config;
    /** Which members run another cluster file, from their heartbeats (docs/architecture.md, "Safe starts"). */
    private final ConfigAgreement configAgreement;
    private final NodeConfig self;
    private final int nodeId;
    private final PacketPort port;
    /** The replication channel's own port (replication-interface), or null when the channel shares {@link #port}. */
    private final PacketPort replicationPort;
    /** Where the channel's frames come in, on either port: authenticated, then {@link #onChannelFrame}. */
    private final ChannelGate gate;
    private final Ipv4Layer layer;
    private final FrameOutput out;
    /** Where the replication channel's frames go: {@link #out} with every frame sealed by the gate's authenticator. */
    private final FrameOutput channelOut;
    private final NanoClock clock;
    /** The replication channel's frame size after the Ethernet header, the cluster file's replication-mtu. */
    private final int mtu;
    private final Counters counters;
    private final NodeLog log;
    private final Path logDirectory;
    private final long mac;
    /** The service address (VIP), as the frames carry it. */
    private final int vip;
    private final boolean tapMode;
    /** The client port's frames: the role's {@link NodeRole#portHandler}, else the IPv4 layer. */
    private FrameHandler receiveHandler;
    /** Retention and the service's snapshots (docs/architecture.md rule 7). */
    private final LogKeeper logKeeper;
    private final Supplier<TcpService> serviceFactory;
    private final Membership membership;
    private final ReplicationFrameFlyweight frame = new ReplicationFrameFlyweight();
    private final boolean rejoined;
    /** The configured logger (ER-TCP) or backup (ST-TCP): whom a primary sends to first. */
    private final int configuredPeerId;
    private final long configuredPeerMac;
    /** Rejoined as a backup (restarted, or deposed) and not yet caught up to {@link #rejoinTarget}. */
    private boolean rejoining;
    /** The source's log end when this node rejoined, -1 until heard. */
    private long rejoinTarget = -1;
    /** Why this node cannot go on (a rejoin that could not discard or reopen its log), or null. */
    private volatile String fatalError;
    /** The node's own address, where its management endpoint listens; 0 when the file gives it none. */
    private final int managementAddress;
    /** The management endpoint's TCP stack: not replicated, apart from the service's; null without an address. */
    private final TcpStack managementStack;
    /** What the node says of itself: status and report. */
    private final NodeReporter reporter;

    private State state;
    /** Leaving on purpose: the stop asked for, a primary's hand-over, the LEAVEs. */
    private final Departure departure;
    /** What the roles get from this node. */
    private final NodeContext ctx;
    /**
     * The one role this node holds (primary, logger, backup, draining candidate; nothing while starting, as witness,
     * or after a failed rejoin), never null once constructed. A deposed primary's stays, serving nothing, until the
     * rejoin replaces it: then {@link #state} is FENCED while the role's is PRIMARY.
     */
    private NodeRole role = IdleRole.STARTING;
    private ReplicationLog replicationLog;
    /** When the primary's LEAVE was heard (a switchover), for the takeover's line; 0 when it did not leave. */
    private long primaryLeftAtNs;
    private long nowNs;
    /** The log or applied position last seen moving, and when: see {@link #replicationInFlight()}. */
    private long progressPosition = -1;
    private long progressNs;
    /** Duty cycles in a row that did nothing but build ahead. */
    private int idleCycles;
    private long nextStatusNs;

    /**
     * A node's settings, named, checked once by {@link #conclude()} (Aeron's {@code Context} style): which node of
     * which cluster file, its ports, its service, its clocks, its counters and its log.
     */
    public static final class Context
    {
        private ClusterConfig config;
        private String nodeName;
        private PacketPort port;
        private PacketPort replicationPort;
        private Supplier<TcpService> serviceFactory;
        private NanoClock clock;
        private EpochNanoClock wallClock;
        private Counters counters;
        private NodeLog log;
        private PrintStream printStream;

        /** The cluster file. */
        public Context config(final ClusterConfig config)
        {
            this.config = config;
            return this;
        }

        /** Which node of the cluster file this is. */
        public Context nodeName(final String nodeName)
        {
            this.nodeName = nodeName;
            return this;
        }

        /** Its port, opened by the caller; closed with the node. */
        public Context port(final PacketPort port)
        {
            this.port = port;
            return this;
        }

        /**
         * The replication channel's own port (the cluster file's {@code replication-interface},
         * docs/cluster-file.md), opened by the caller and closed with the node; none (the default) when the file gives
         * the node none. With one, every channel frame goes out and comes in there, the clients' port carries none, and
         * one arriving on it is refused and counted ({@code channel refused-on-client-port}).
         */
        public Context replicationPort(final PacketPort replicationPort)
        {
            this.replicationPort = replicationPort;
            return this;
        }

        /** Makes the service (each call a fresh instance); the cluster file's service when not given. */
        public Context serviceFactory(final Supplier<TcpService> serviceFactory)
        {
            this.serviceFactory = serviceFactory;
            return this;
        }

        /** Read once per duty cycle. */
        public Context clock(final NanoClock clock)
        {
            this.clock = clock;
            return this;
        }

        /**
         * Nanoseconds since the Unix epoch, whose time the node logs as cluster time when it is primary
         * (docs/architecture.md, "Cluster time"); the system's when not given (tests on simulated time give one that
         * follows {@link #clock}).
         */
        public Context wallClock(final EpochNanoClock wallClock)
        {
            this.wallClock = wallClock;
            return this;
        }

        /** Where everything counts. */
        public Context counters(final Counters counters)
        {
            this.counters = counters;
            return this;
        }

        /** Where the node tells what it does: {@link NodeLog#slf4j} for the node's log. */
        public Context log(final NodeLog log)
        {
            this.log = log;
            this.printStream = null;
            return this;
        }

        /** Where the node tells what it does (role changes, takeovers), one {@code [NAME] message} line each. */
        public Context log(final PrintStream printStream)
        {
            this.printStream = printStream;
            this.log = null;
            return this;
        }

        /**
         * Checks every setting once and fills in the defaults.
         *
         * @return this.
         * @throws IllegalArgumentException naming the first setting missing or not matching the cluster file.
         */
        public Context conclude()
        {
            require(config, "config");
            require(nodeName, "nodeName");
            require(port, "port");
            require(clock, "clock");
            require(counters, "counters");
            if (null == log && null == printStream)
            {
                throw new IllegalArgumentException("a cluster node needs a log: give Context.log");
            }
            config.node(nodeName);
            if ((null != replicationPort) != config.node(nodeName).replication().isPresent())
            {
                throw new IllegalArgumentException("node " + nodeName + (null == replicationPort ?
                    " has a replication port in the cluster file but no port was opened on it" :
                    " has no replication port in the cluster file but was given one"));
            }
            if (null == serviceFactory)
            {
                serviceFactory = config.service().factory();
            }
            if (null == wallClock)
            {
                wallClock = new SystemEpochNanoClock();
            }
            if (null == log)
            {
                log = NodeLog.printing(printStream, nodeName);
            }
            return this;
        }

        private static void require(final Object value, final String name)
        {
            if (null == value)
            {
                throw new IllegalArgumentException("a cluster node needs its " + name + ": give Context." + name);
            }
        }
    }

    /**
     * @param context the node's settings, concluded here ({@link Context#conclude()}).
     */
    public ClusterNode(final Context context)
    {
        context.conclude();
        final ClusterConfig config = context.config;
        final String nodeName = context.nodeName;
        final PacketPort port = context.port;
        final PacketPort replicationPort = context.replicationPort;
        final Supplier<TcpService> serviceFactory = context.serviceFactory;
        final NanoClock clock = context.clock;
        final EpochNanoClock wallClock = context.wallClock;
        final Counters counters = context.counters;
        final NodeLog log = context.log;
        this.config = config;
        this.configAgreement = new ConfigAgreement(config);
        this.self = config.node(nodeName);
        this.nodeId = nodeIdOf(config, nodeName);
        this.port = port;
        this.clock = clock;
        this.counters = counters;
        this.log = log;
        this.serviceFactory = serviceFactory;
        this.mac = self.mac().orElse(port.macAddress());
        this.replicationPort = replicationPort;
        // Where this node's channel frames come from: its MAC, or its MAC on the replication interface.
        final long channelMac = null == replicationPort ? mac :
            self.replication().get().mac().orElse(replicationPort.macAddress());
        this.gate = new ChannelGate(config, nodeId, channelMac, null != replicationPort, counters, this::onChannelFrame);
        this.vip = config.vip().address().address();
        this.mtu = config.replicationMtu();
        // The channel's frames go on the replication port when there is one, else on the port.
        final PacketPort channelPort = null == replicationPort ? port : replicationPort;
        if (mtu + EthernetFlyweight.HEADER_LENGTH > channelPort.maxFrameLength())
        {
            throw new IllegalArgumentException("replication-mtu " + mtu + " needs frames of " +
                (mtu + EthernetFlyweight.HEADER_LENGTH) + " bytes, but the port " + channelPort.name() +
                " carries at most " + channelPort.maxFrameLength() + ": lower replication-mtu to " +
                (channelPort.maxFrameLength() - EthernetFlyweight.HEADER_LENGTH) + " in the cluster file.");
        }
        // A logger's and a backup's receiving end of the channel: SLOTS records of MAX_RECORD_LENGTH.
        final ReceiverSettings receiving = ReceiverSettings.DEFAULT.withSlots(SLOTS).withMaxRecordLength(MAX_RECORD_LENGTH)
            .withNakIntervalNs(1_000_000L).withConfirmIntervalNs(1_000_000L).withMtu(mtu);
        this.out = FrameOutput.of(port);
        this.channelOut = new SealingOutput(null == replicationPort ? out : FrameOutput.of(replicationPort),
            gate.authenticator());

        this.tapMode = config.mode() == ClusterMode.ST_TCP;
        final NodeConfig peerNode = tapMode ?
            config.backups().stream().findFirst().orElseThrow(() -> new IllegalArgumentException(
                "an st-tcp cluster needs a backup: add a node with role: backup")) :
            config.logger().orElseThrow(() -> new IllegalArgumentException(
                "an er-tcp cluster needs a logger: add a node with role: logger"));
        this.configuredPeerId = nodeIdOf(config, peerNode.name());
        this.configuredPeerMac = peerNode.channelMac().orElse(0L);
        final boolean hasWitness = config.nodes().stream().anyMatch(n -> n.role() == Role.WITNESS);
        final FencingHook fencingHook = tapMode && !hasWitness ? config.detection().fencingHook()
            .map(hook -> new FencingHook(hook, config.name(), Math.max(30_000_000_000L,
                20 * config.detection().suspectTimeoutNs())))
            .orElse(null) : null;

        final Ipv4Address.Cidr address = self.address().orElse(
            new Ipv4Address.Cidr(vip, config.vip().address().prefixLength()));
        this.layer = new Ipv4Layer(mac, address, out, new NetCounters(counters, port.name()));
        config.vip().gateway().ifPresent(layer::gateway);
        layer.acceptDestination(groupMac(config));
        layer.registerEtherType(EthernetFlyweight.ETHER_TYPE_REPLICATION, gate.clientPortHandler());
        layer.register(Ipv4Flyweight.PROTOCOL_TCP, this::onTcp);
        this.receiveHandler = layer;
        this.managementAddress = self.address().map(Ipv4Address.Cidr::address).orElse(0);
        this.managementStack = 0 == managementAddress ? null :
            NodeReporter.newManagementStack(this, layer, managementAddress, config.management().port(), counters);

        this.logDirectory = config.log().dirOf(nodeName);
        this.rejoined = self.role() != Role.LOGGER && self.role() != Role.WITNESS && NodeLogDirectory.hasRecords(logDirectory);
        this.rejoining = rejoined;
        if (rejoined)
        {
            // The queue only: the node's directory also holds the lock its process holds (NodeDirectoryLock).
            NodeLogDirectory.deleteRecursively(logDirectory.resolve("log"));
        }
        NodeLogDirectory.createDirectories(logDirectory);
        this.replicationLog = NodeLogDirectory.openLog(logDirectory.resolve("log"), nodeName, config.log().rollCycle());
        final TcpService probe = serviceFactory.get();
        // Snapshots: the service shares state and the cluster file asks for them; SNAPSHOT records bound retention.
        final boolean snapshotting = config.log().snapshots() && probe instanceof SnapshotService &&
            probe.sharesStateAcrossConnections();
        // Null when the service shares state across connections (kv) and takes no snapshots: the whole log is kept.
        final Retention retention = probe.sharesStateAcrossConnections() && !snapshotting ? null :
            new Retention(config.log().retentionNs());
        final ServiceSnapshots snapshots = snapshotting && self.role() != Role.LOGGER && self.role() != Role.WITNESS ?
            new ServiceSnapshots(logDirectory.resolve("snapshots"), probe.name()) : null;

        final List<NodeConfig> nodes = config.nodes();
        final Member[] members = new Member[nodes.size()];
        for (int i = 0; i < members.length; i++)
        {
            final NodeConfig node = nodes.get(i);
            members[i] = new Member(i + 1, node.rank().orElse(0), i + 1 == nodeId ? channelMac : node.channelMac().orElse(0L),
                node.role());
        }
        final long heartbeat = config.detection().heartbeatIntervalNs();
        final long suspect = config.detection().suspectTimeoutNs();
        this.membership = new Membership(nodeId, members, groupMac(config), heartbeat, suspect,
            Math.max(2 * suspect, 10 * heartbeat), this, this, counters);
        if (tapMode)
        {
            membership.syncedCandidatesOnly(configuredPeerId);
        }
        this.ctx = new NodeContext(nodeId, config, self, tapMode, mac, channelMac, port, layer, out, channelOut, clock,
            wallClock, snapshotting, receiving, counters, membership, snapshots, serviceFactory, fencingHook,
            configuredPeerId, configuredPeerMac, log);
        this.logKeeper = new LogKeeper(ctx, retention);
        this.departure = new Departure(ctx, replicationPort, roleName());
        this.reporter = new NodeReporter(this, ctx, gate.authenticator(), gate.refusedOnClientPort(),
            configAgreement);

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
                if (0 == configuredPeerMac)
                {
                    become(IdleRole.STARTING);
                }
                else
                {
                    startPrimary(Membership.INITIAL_EPOCH, null, configuredPeerMac, nowNs);
                }
            }
            case LOGGER -> startLogger();
            case BACKUP -> become(new BackupRole(ctx, replicationLog));
            case WITNESS -> become(IdleRole.WITNESS);
        }
        say((rejoined ? "rejoined as backup (discarded the log of an earlier run)" : "started as " + startRole.text()) +
            ", node id " + nodeId + ", epoch " + epoch() + ", mac " + MacAddress.format(mac) +
            (null == replicationPort ? "" : ", replication channel on " + replicationPort.name() + " from mac " +
            MacAddress.format(channelMac)) +
            ", log " + logDirectory + (gate.authenticator().authenticated() ? ", replication channel authenticated" :
            ", replication channel not authenticated (security: none)"));
        if (gate.authenticator().authenticated() && null != Ghash.fallbackReason())
        {
            say(Ghash.fallbackReason());
        }
        if (config.log().snapshots() && !snapshotting)
        {
            say("log.snapshot-every-records or log.snapshot-every is set, but service " + probe.name() + " takes no " +
                "snapshots (it is not a SnapshotService that shares state across connections): none are taken");
        }
        logKeeper.reportSnapshots();
    }

    // ---------------------------------------------------------------------------------------------
    // Roles
    // ---------------------------------------------------------------------------------------------

    /**
     * Hand the node to {@code next}: the one role it holds from now on (the previous one is dropped, or was handed
     * on to it), its state, and where the client port's frames go.
     */
    private void become(final NodeRole next)
    {
        if (role instanceof PrimaryRole primary && next != role)
        {
            primary.close(); // the log stays the node's; only what the primary alone held goes
        }
        role = next;
        state = next.state();
        final FrameHandler handler = next.portHandler();
        receiveHandler = null == handler ? layer : handler;
    }

    private void startLogger()
    {
        membership.logEpoch(replicationLog.lastEpoch());
        become(new LoggerRole(ctx, replicationLog));
    }

    private LoggerRole loggerRole()
    {
        return role instanceof LoggerRole logger ? logger : null;
    }

    /** The backup role, also while it drains the log as the elected candidate; else null. */
    private BackupRole backupRole()
    {
        return role instanceof BackupRole backup ? backup : role instanceof DrainingRole draining ? draining.backup() : null;
    }

    /**
     * Serve the VIP as primary in {@code epoch} ({@link PrimaryRole}): on a fresh cluster at start, or after winning an
     * election and draining the log, when the candidacy hands on what its backup built.
     *
     * @param drained the candidacy that drained the log; null at a fresh start.
     * @param peerMac the configured peer's MAC, from the file or heard.
     */
    private void startPrimary(final int epoch, final DrainingRole drained, final long peerMac, final long nowNs)
    {
        final PrimaryRole primary = new PrimaryRole(ctx, replicationLog, epoch, configuredPeerId, peerMac, drained, nowNs);
        become(primary);
        primary.started(drained, primaryLeftAtNs, nowNs);
        if (null != drained)
        {
            primaryLeftAtNs = 0;
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
        if (departure.leaving(nowNs, state, role))
        {
            return departure.announce(nowNs);
        }
        if (role instanceof PrimaryRole primary)
        {
            primary.nowNs(nowNs);
        }
        int work = port.receive(receiveHandler, 32);
        if (null != replicationPort)
        {
            work += replicationPort.receive(gate.replicationPortHandler(), 32);
        }
        switch (state)
        {
            case DRAINING ->
            {
                final DrainingRole draining = (DrainingRole)role;
                work += draining.doWork(nowNs);
                if (draining.drained())
                {
                    startPrimary(draining.electedEpoch(), draining, configuredPeerMac, nowNs);
                    work++;
                }
            }
            case STARTING ->
            {
                final long peerMac = membership.view(configuredPeerId).mac();
                if (0 != peerMac)
                {
                    startPrimary(Membership.INITIAL_EPOCH, null, peerMac, nowNs);
                    work++;
                }
            }
            case FENCED ->
            {
                if (null == fatalError)
                {
                    work += rejoinAsBackup();
                }
            }
            case PRIMARY, LOGGER, BACKUP, WITNESS -> work += role.doWork(nowNs);
        }
        if (membership.suspicionDue(nowNs))
        {
            // A member's heartbeat may wait in the ring behind client frames this node was slow to read (32 a
            // cycle): read the backlog before taking silence for a failure (docs/architecture.md, rule 4).
            work += drainReceive();
        }
        work += membership.doWork(nowNs, channelOut);
        if (nowNs - nextStatusNs >= 0)
        {
            nextStatusNs = nowNs + STATUS_INTERVAL_NS;
            checkRejoined();
            writeStatus();
            gate.reportRefusals(nowNs, log);
            reporter.reportUnconfirmedEpochs(nowNs);
        }
        work += logKeeper.followSnapshots(nowNs, state, role);
        work += logKeeper.applyRetention(nowNs, replicationLog, state, role);
        if (null != managementStack)
        {
            work += managementStack.doWork(nowNs);
        }
        work += port.flush();
        if (null != replicationPort)
        {
            work += replicationPort.flush();
        }
        if (role instanceof PrimaryRole primary)
        {
            // The primary's own copy of what it published, written once the frames are on the wire.
            work += primary.appendPending();
        }
        if (null != replicationLog)
        {
            // After the flush: this cycle's frames are out; the next cycle's appends find their pages faulted in.
            work += replicationLog.pretouch();
        }
        if (0 != work)
        {
            idleCycles = 0;
        }
        else if (++idleCycles >= BUILD_AHEAD_IDLE_CYCLES)
        {
            // Quiet for a while: the spare connections a storm of opens would take (docs/architecture.md "Threading").
            work += role.buildAhead();
        }
        final long progress = role.progressPosition();
        if (progress != progressPosition)
        {
            progressPosition = progress;
            progressNs = nowNs;
        }
        return work;
    }

    /**
     * Read the receive rings until empty, at most {@link #DRAIN_LIMIT_FRAMES} frames, flushing what that sends as the
     * cycle's end does: the primary's own copy of what went out is written before the next read can bring the
     * logger's confirmation of it ({@code LogPublisher.appendPending}).
     */
    private int drainReceive()
    {
        int frames = 0;
        int read;
        do
        {
            read = port.receive(receiveHandler, 32) +
                (null == replicationPort ? 0 : replicationPort.receive(gate.replicationPortHandler(), 32));
            frames += read;
            port.flush();
            if (null != replicationPort)
            {
                replicationPort.flush();
            }
            if (role instanceof PrimaryRole primary)
            {
                primary.appendPending();
            }
        }
        while (read > 0 && frames < DRAIN_LIMIT_FRAMES);
        return frames;
    }

    /**
     * TCP to the node's own address is its management endpoint's; to the VIP, the replicated service's (primary only).
     */
    private void onTcp(final int source, final int destination, final DirectBuffer buffer, final int offset,
        final int length, final long nowNs)
    {
        if (destination == managementAddress && null != managementStack)
        {
            managementStack.onDatagram(source, destination, buffer, offset, length, nowNs);
        }
        else if (!(role instanceof PrimaryRole primary) || !primary.onTcp(source, destination, buffer, offset, length, nowNs))
        {
            layer.counters().ipv4NoHandler.incrementRelease(); // not primary (yet): no stack serves the VIP here
        }
    }

    /**
     * Whether records are in flight through this node, for its idle strategy ({@code NodeIdleStrategy}): a thread that
     * parks for a millisecond now would hold up a confirmation. The primary: a record published and not yet confirmed.
     * The logger: a feed with records its backup has not confirmed, or records arriving within the last millisecond
     * (more are likely on their way). A backup: records applied within the last millisecond. Called on the node's
     * thread, between duty cycles.
     */
    public boolean replicationInFlight()
    {
        if (state == State.PRIMARY)
        {
            return ((PrimaryRole)role).replicationInFlight();
        }
        if (role instanceof LoggerRole logger)
        {
            for (int i = 0; i < logger.feedCount(); i++)
            {
                if (logger.feed(i).lag() > 0)
                {
                    return true;
                }
            }
        }
        return (state == State.LOGGER || state == State.BACKUP || state == State.DRAINING) &&
            nowNs - progressNs < IN_FLIGHT_QUIET_NS;
    }

    /**
     * Input bytes per DATA record at a replication MTU: as many whole frames' payloads as a 16 KiB receiver slot holds,
     * less the DATA header, so a full record fills its frames to the last byte and leaves no short tail frame
     * (issue 11 item 4): 11 frames of 1428 bytes at 1500 (15,664 bytes of input), one of 8,928 at 9000 (8,884).
     */
    public static int maxDataPerRecord(final int mtu)
    {
        final int payload = ReplicationFrameFlyweight.maxPayloadLength(mtu);
        final int frames = Math.max(1, MAX_RECORD_LENGTH / payload);
        return Math.min(frames * payload, MAX_RECORD_LENGTH) - DataFlyweight.HEADER_LENGTH;
    }

    /**
     * Input bytes per DATA record for a cluster mode. ER-TCP: {@link #maxDataPerRecord(int)}, since every record's
     * bytes cross the replication channel. ST-TCP: at most {@link #MAX_DATA_PER_RECORD} (8 KiB), since there a record
     * reaches the backup as a DATA_REF of 48 bytes whatever its size, and the backup rebuilds it from its tap only when
     * the tap holds every one of its bytes (docs/architecture.md rule 3, "Tap"): one client segment the tap missed
     * costs a fetch of the whole record. With records that filled 11 frames at 1500 (15,664 bytes, about 11 client
     * segments), a tap missing 7% of the client's frames (5% lost, 2% later than the fetch delay) rebuilt only half the
     * records and the backup fetched more than half of the stream's bytes; at 8 KiB it rebuilds about 70% of them and
     * fetches about a third of the bytes. Each ordering record still costs 48 bytes on the channel.
     */
    public static int maxDataPerRecord(final ClusterMode mode, final int mtu)
    {
        final int frameFilling = maxDataPerRecord(mtu);
        return mode == ClusterMode.ST_TCP ? Math.min(MAX_DATA_PER_RECORD, frameFilling) : frameFilling;
    }

    /**
     * A replication channel frame the {@link ChannelGate} authenticated, without its trailer (rule 8): control frames
     * go to {@link Membership}, the rest to the role, once the sender is heard and its epoch accepted.
     */
    private void onChannelFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        frame.wrap(buffer, offset + EthernetFlyweight.HEADER_LENGTH);
        if (ControlFrames.isControlKind(frame.kind()) || frame.kind() == ControlFrames.KIND_PROMOTE_LOGGER)
        {
            membership.onFrame(buffer, offset, length, flags);
            return;
        }
        final int kind = frame.kind();
        if ((kind == ReplicationFrameFlyweight.KIND_RECORDS || kind == ReplicationFrameFlyweight.KIND_FETCHED) &&
            !membership.acceptsEpoch(frame.epoch(), frame.nodeId()))
        {
            // Rule 9: records of an epoch this node has not adopted would move its receiver's epoch on one frame.
            return;
        }
        membership.heardFrom(frame.nodeId(), frame.epoch());
        switch (state)
        {
            case PRIMARY, LOGGER, BACKUP, DRAINING -> role.onChannelFrame(buffer, offset, length, flags);
            case STARTING, FENCED, WITNESS ->
            {
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Leaving on purpose: SIGTERM and switchover
    // ---------------------------------------------------------------------------------------------

    /**
     * Stop on purpose (SIGTERM, or a switchover), from any thread ({@link Departure}). A primary first hands over: it
     * holds back what it would send its clients (their input still goes into the log), waits (up to two seconds) until
     * no client segment came for a millisecond, the logger confirmed everything it logged and its successor is at most
     * 64 KiB behind, and then says LEAVE naming the successor, which stands for election at once. Any other node says
     * LEAVE at once, so that the primary stops waiting for it without a suspicion timeout. {@link #hasLeft} turns true
     * once the LEAVE frames are out and, for an ER-TCP primary, once it passed on to its successor the client frames
     * that still came to it until the successor announced the VIP (at most a second); the node then does nothing more
     * and is closed.
     *
     * @param successorName the backup to hand over to, or null for the best-ranked one alive (a primary only).
     * @throws IllegalArgumentException when the successor is not a member that can take over.
     */
    public void requestStop(final String successorName)
    {
        departure.request(successorName);
    }

    /**
     * @return true once this node said LEAVE (after {@link #requestStop}) and passed on what it had to: it may be
     * closed now.
     */
    public boolean hasLeft()
    {
        return departure.hasLeft();
    }

    public void onMemberLeft(final int nodeId)
    {
        say("node " + nameOf(nodeId) + " left on purpose");
        if (nodeId == membership.primaryId())
        {
            primaryLeftAtNs = nowNs;
        }
        onMemberSuspected(nodeId);
        if (role instanceof PrimaryRole primary)
        {
            primary.onMemberLeft(nodeId); // it said it is gone: no need to give it a chance to speak again
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Membership
    // ---------------------------------------------------------------------------------------------

    public long logPosition()
    {
        return role instanceof LoggerRole logger ? logger.lastPosition() : replicationLog.lastPosition();
    }

    public long appliedPosition()
    {
        final ReplicatedService service = replicated();
        return null == service ? 0 : service.appliedPosition();
    }

    public int connectionCount()
    {
        final ReplicatedService service = replicated();
        return null == service ? 0 : service.connectionCount();
    }

    public long timestampClockMs()
    {
        return role instanceof PrimaryRole primary ? primary.timestampClockMs(nowNs) : 0;
    }

    public int syncBackupId()
    {
        return role instanceof PrimaryRole primary ? primary.syncBackupId() : 0;
    }

    public long configDigest()
    {
        return configAgreement.ownDigest();
    }

    public void onMemberConfig(final int nodeId, final long configDigest)
    {
        if (configDigest == 0)
        {
            return;
        }
        final String change = configAgreement.onHeard(nodeId, configDigest);
        if (null != change)
        {
            if (configAgreement.differing().contains(nameOf(nodeId)))
            {
                warn(change);
            }
            else
            {
                say(change);
            }
        }
    }

    public void onVoted(final int epoch, final int candidateId)
    {
        if (role instanceof LoggerRole logger)
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
        become(new DrainingRole(ctx, (BackupRole)role, epoch, nowNs, loggerLogPosition));
    }

    public void onNewPrimary(final int nodeId, final int epoch)
    {
        if (role instanceof DrainingRole draining && epoch > draining.electedEpoch())
        {
            // Another node won a later epoch while this one drained the log for its own: it must not finish a
            // takeover in an epoch the cluster has left. It stays a backup and follows the log on.
            become(draining.backup());
            say("gave up the takeover for epoch " + draining.electedEpoch() + ": node " + nameOf(nodeId) +
                " is primary in epoch " + epoch);
        }
        if (role instanceof LoggerRole logger)
        {
            logger.fence(epoch);
        }
        final BackupRole backup = backupRole();
        if (nodeId != this.nodeId && null != backup)
        {
            backup.dropRelayed(); // passed on for a takeover that is another node's now
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
        layer.removeAddress(vip);
        ((PrimaryRole)role).depose(); // onTcp drops the VIP's segments now; the management endpoint stays
        warn("deposed: node " + nameOf(membership.primaryId()) + " is primary in epoch " + newEpoch +
            "; stopped serving, rejoining as a backup");
    }

    /**
     * A deposed primary becomes a backup in place, as a restart would make it (rule 7): its connections and service
     * go without a word to the clients (the new primary holds them), its copy of the log goes (it may hold records
     * never made durable), and it follows the log afresh from the logger (ER-TCP) or the new primary (ST-TCP).
     */
    private int rejoinAsBackup()
    {
        become(IdleRole.FENCED); // until the log is reopened: a failed reopen leaves the node fenced, holding nothing
        membership.cancelPromotion();
        try
        {
            replicationLog.close();
            replicationLog = null;
            NodeLogDirectory.deleteRecursively(logDirectory.resolve("log"));
            replicationLog = ReplicationLog.open(logDirectory.resolve("log"), config.log().rollCycle());
        }
        catch (final RuntimeException ex)
        {
            fatalError = "could not discard and reopen its log under " + logDirectory + " to rejoin as a backup (" +
                ex.getMessage() + "); free or fix that directory and start the node again";
            say(fatalError);
            return 1;
        }
        become(new BackupRole(ctx, replicationLog));
        rejoining = true;
        rejoinTarget = -1;
        say("rejoined as backup in epoch " + epoch() + " (discarded its log, which may hold records never made durable); " +
            "replaying the log from " + (tapMode ? "the primary" : "the logger"));
        return 1;
    }

    /**
     * A node that rejoined is caught up once it applied the log to where its source's log ended when it rejoined: until
     * then its status says {@code rejoining}.
     */
    private void checkRejoined()
    {
        if (!rejoining)
        {
            return;
        }
        final BackupFollower follower = state == State.BACKUP ? ((BackupRole)role).follower() : null;
        if (null == follower)
        {
            rejoining = state == State.FENCED;
            return;
        }
        if (rejoinTarget < 0)
        {
            final MemberView source = membership.view(tapMode ? membership.primaryId() : currentLoggerId());
            if (null != source && source.heard() && source.alive() && source.nodeId() != nodeId)
            {
                rejoinTarget = source.logPosition();
            }
            return;
        }
        if (follower.appliedPosition() >= rejoinTarget)
        {
            rejoining = false;
            say("caught up as backup: the log replayed to position " + follower.appliedPosition());
        }
    }

    private int currentLoggerId()
    {
        final MemberView current = membership.firstHeard(Role.LOGGER);
        return null == current ? configuredPeerId : current.nodeId();
    }

    public void onMemberSuspected(final int nodeId)
    {
        warn("suspects node " + nameOf(nodeId));
        if (state == State.PRIMARY)
        {
            ((PrimaryRole)role).onMemberSuspected(nodeId, nowNs);
        }
        reannounceVip();
    }

    public void onMemberAlive(final int nodeId)
    {
        say("hears node " + nameOf(nodeId) + " again");
        if (state == State.PRIMARY)
        {
            ((PrimaryRole)role).onMemberAlive(nodeId);
        }
        reannounceVip();
    }

    // ---------------------------------------------------------------------------------------------
    // Logger loss (docs/architecture.md rule 6)
    // ---------------------------------------------------------------------------------------------

    /** Primary, promoting a logger (rule 6; {@link Membership} runs the exchange). */
    public void onPromotingLogger(final int targetId)
    {
        say("promoting backup " + nameOf(targetId) + " to logger");
    }

    /** Primary: the backup asked became the logger; the primary role sends it the log it lacks. */
    public void onLoggerPromoted(final MemberView target)
    {
        if (state == State.PRIMARY)
        {
            ((PrimaryRole)role).onLoggerPromoted(target);
        }
    }

    /** Backup: the primary it follows made it the logger ({@link Membership} checked the order). */
    public boolean onPromotedToLogger(final int fromNodeId, final int frameEpoch)
    {
        if (state != State.BACKUP)
        {
            return false;
        }
        // The backup role goes with what it built for a takeover: a logger never takes over.
        final long position = replicationLog.lastPosition();
        startLogger();
        say("promoted to logger by " + nameOf(fromNodeId) + " in epoch " + frameEpoch + " with the log up to position " +
            position);
        return true;
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
            layer.announce(vip);
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

    /** True from a rejoin (a restart with an old log, or a deposition) until caught up. */
    public boolean isRejoining()
    {
        return rejoining;
    }

    /**
     * @return why this node cannot go on, one sentence, or null while it can: the only reason its process exits by
     * itself.
     */
    public String fatalError()
    {
        return fatalError;
    }

    public int epoch()
    {
        return membership.nodeEpoch();
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

    /** @return the replicated service of this node's role (primary, backup, draining candidate), or null. */
    public ReplicatedService replicated()
    {
        return role.replicated();
    }

    public LoggerAgent logger()
    {
        final LoggerRole logger = loggerRole();
        return null == logger ? null : logger.agent();
    }

    /** @return the primary's replicated TCP stack while it serves, else null. */
    public TcpStack stack()
    {
        return role instanceof PrimaryRole primary ? primary.stack() : null;
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
        return reporter.status();
    }

    /**
     * @return what this node says of itself and of the others, for its management endpoint's {@code /status} and
     * {@code /metrics}. Made on request on the node's thread (it reads the membership), never on the duty cycle's
     * steady path.
     */
    public NodeReport report()
    {
        return reporter.report();
    }

    /** The role held now; a deposed primary's until the rejoin. */
    NodeRole role()
    {
        return role;
    }

    /** The source's log end when this node rejoined, -1 until heard. */
    long rejoinTarget()
    {
        return rejoinTarget;
    }

    long nowNs()
    {
        return nowNs;
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
        logKeeper.close();
        // A logger's role closes the log with its agent; any other leaves it to the node.
        final boolean logClosedByRole = role instanceof LoggerRole;
        role.close();
        role = IdleRole.FENCED;
        if (!logClosedByRole && null != replicationLog)
        {
            replicationLog.close();
        }
        replicationLog = null;
        port.close();
        if (null != replicationPort)
        {
            replicationPort.close();
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** A control-plane event, never one per frame (docs/architecture.md, "Threading"). */
    private void say(final String message)
    {
        log.info(message);
    }

    /** A control-plane event an operator should look at. */
    private void warn(final String message)
    {
        log.warn(message);
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
}
