package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.ClusterMode;
import io.ertcp.engine.cluster.config.ConfigAgreement;
import io.ertcp.engine.cluster.config.NodeConfig;
import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.cluster.management.ManagementEndpoint;
import io.ertcp.engine.cluster.management.NodeReport;
import io.ertcp.engine.cluster.management.PrometheusText;
import io.ertcp.engine.cluster.management.StatusJson;
import io.ertcp.engine.cluster.management.TextOut;
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
import io.ertcp.engine.port.FrameFlags;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.port.PacketPort;
import io.ertcp.engine.replication.backup.BackupFollower;
import io.ertcp.engine.replication.channel.ChannelCounters;
import io.ertcp.engine.replication.channel.ClusterKey;
import io.ertcp.engine.replication.channel.FrameAuthenticator;
import io.ertcp.engine.replication.channel.ReceiverSettings;
import io.ertcp.engine.replication.channel.RecordSender;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import io.ertcp.engine.replication.channel.SealingOutput;
import io.ertcp.engine.replication.logger.LogFeed;
import io.ertcp.engine.replication.logger.LoggerAgent;
import io.ertcp.engine.replication.primary.LogPublisher;
import io.ertcp.engine.replication.replica.PrimaryReplication;
import io.ertcp.engine.replication.replica.ReplicatedService;
import io.ertcp.engine.replication.replica.ServiceSnapshots;
import io.ertcp.engine.replication.tap.TapAssembler;
import io.ertcp.engine.tcp.TcpConfig;
import io.ertcp.engine.tcp.TcpStack;
import io.ertcp.log.DataFlyweight;
import io.ertcp.log.ReplicationLog;
import io.ertcp.log.SnapshotStore;
import io.ertcp.service.SnapshotService;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.status.AtomicCounter;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * One member of an ER-TCP or ST-TCP cluster, in whatever role it holds now, on one thread: the port, the IPv4 layer,
 * the replication channel (EtherType 0x88B5) with heartbeats and votes, and the role's own work.
 * <ul>
 * <li><b>primary</b>: owns the VIP and virtual MAC; a TCP stack whose connections are replicated through
 * {@link PrimaryReplication}; records go to its own log copy and on to the logger ({@link LogPublisher}).</li>
 * <li><b>logger</b>: appends the primary's records to its Chronicle Queue and confirms them ({@link LoggerAgent});
 * feeds every live backup from the log at the backup's own pace; fences off older epochs when it votes.</li>
 * <li><b>backup</b>: follows the logger's feed into its own log copy and its {@link ReplicatedService}, the shadows of
 * every connection; when it wins an election it drains the log to the end the logger reported, then takes over
 * (docs/architecture.md rule 5): epoch change, shadows become live connections, VIP and virtual MAC claimed with a gratuitous ARP.</li>
 * </ul>
 * In ST-TCP there is no logger:
 * <ul>
 * <li><b>primary</b>: sends its records straight to the backup, each DATA record as a DATA_REF ordering record without
 * its bytes, and answers the backup's FETCHes from its own log. Its acknowledgements wait for the backup's
 * confirmation while the backup is in sync, which its heartbeats say. When the backup is lost it says so and waits
 * until a majority heard it (the witness echoes it), or, with two nodes, until the fencing hook cut the backup off;
 * then it runs alone, acknowledging on its own log, until a backup catches up again.</li>
 * <li><b>backup</b>: taps the client's frames to and from the VIP off the LAN ({@link TapAssembler}), rebuilds each
 * DATA record from them (or fetches it), keeps and applies it, confirms. It takes over like an ER-TCP backup, but is
 * elected only while the primary names it in sync.</li>
 * <li><b>witness</b>: heartbeats and votes, nothing else.</li>
 * </ul>
 * A node that starts with a log left by an earlier run of a primary or backup has been restarted: it discards that
 * copy (it may hold records never made durable) and rejoins as a backup, replaying the log from the logger (rule 7).
 * A logger keeps its log: it is the durable copy.
 * <p>
 * A primary that learns of a newer epoch (on a majority's evidence, docs/architecture.md rule 9) has been deposed: it
 * drops the VIP and stops serving at once ({@link State#FENCED} for the rest of that duty cycle), then rejoins as a
 * backup by itself, discarding its log as a restart does (rule 7); its status says {@code rejoining} until it has
 * replayed the log to where it stood when it rejoined. The process goes on; only a fatal error
 * ({@link #fatalError()}) ends it.
 */
public final class ClusterNode implements Agent, Membership.LocalStatus, Membership.Listener, AutoCloseable
{
    /**
     * Input bytes per DATA record before records were sized to the replication MTU (see {@link #maxDataPerRecord}), and
     * still the most an ST-TCP record holds (see {@link #maxDataPerRecord(ClusterMode, int)}).
     */
    public static final int MAX_DATA_PER_RECORD = 8192;
    public static final int MAX_RECORD_LENGTH = 16 * 1024;
    private static final int SLOTS = 256;
    private static final long STATUS_INTERVAL_NS = 100_000_000L;
    /** The most frames read before a suspicion ({@link #drainReceive}): a cluster node's AF_PACKET ring. */
    private static final int DRAIN_LIMIT_FRAMES = 8192;
    /** {@link #stopRequest} when no stop was asked for. */
    private static final int NO_STOP = Integer.MIN_VALUE;
    private static final int DEPARTURE_HOLDING = 1;
    private static final int DEPARTURE_ANNOUNCING = 2;
    private static final int DEPARTURE_LEFT = 3;
    /** LEAVE frames sent, one per duty cycle: the channel is lossy and a LEAVE is never resent after. */
    private static final int LEAVES_SENT = 3;
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
    /** The frames a successor keeps of those passed on to it before it takes over; more are dropped. */
    private static final int RELAY_INBOX_FRAMES = 64;
    /** ST-TCP: how long a DATA_REF the tap cannot fill waits before its record is fetched. */
    private static final long TAP_FETCH_DELAY_NS = 1_000_000L;
    /** ST-TCP: a backup catching up is taken in sync once this few records behind the log's end. */
    private static final long SYNC_SLACK_RECORDS = 256;
    /** Two-node ST-TCP: how long after a failed fencing hook it is run again. */
    private static final long FENCE_RETRY_NS = 1_000_000_000L;
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
    /** With {@link #replicationPort}: its frames, only the channel's (this node's MAC or the group, EtherType 0x88B5). */
    private final FrameHandler replicationHandler = this::onReplicationPortFrame;
    private final AtomicCounter refusedOnClientPort;
    private final AtomicCounter otherOnReplicationPort;
    private final Ipv4Layer layer;
    private final FrameOutput out;
    /** Where the replication channel's frames go: {@link #out} with every frame sealed by {@link #authenticator}. */
    private final FrameOutput channelOut;
    private final FrameAuthenticator authenticator;
    private long refusalsReported;
    private long nextRefusalReportNs;
    private final NanoClock clock;
    /** Read once when this node becomes primary: the cluster time it logs is that instant plus {@link #clock} since. */
    private final EpochNanoClock wallClock;
    /** The replication channel's frame size after the Ethernet header, the cluster file's replication-mtu. */
    private final int mtu;
    /** A logger's and a backup's receiving end of the channel: {@link #SLOTS} records of {@link #MAX_RECORD_LENGTH}. */
    private final ReceiverSettings receiving;
    private final Counters counters;
    private final NodeLog log;
    private final Path logDirectory;
    private final long mac;
    /** Where this node's channel frames come from: {@link #mac}, or its MAC on the replication interface. */
    private final long channelMac;
    /** The service address (VIP), as the frames carry it. */
    private final int vip;
    /** Whose CONFIRMs make a record durable: the logger (ER-TCP) or the backup (ST-TCP). */
    private int peerId;
    private long peerMac;
    private final boolean tapMode;
    private FrameHandler receiveHandler;
    private TapAssembler tap;
    /** ST-TCP primary: acknowledging on its own log, no backup in sync. */
    private boolean alone;
    /** ST-TCP primary: the backup named in sync in heartbeats (0 none). */
    private int syncBackupId;
    /** ST-TCP primary: acknowledgements wait for the backup from this position on (it is catching up past it). */
    private long syncFrom = -1;
    /** ST-TCP primary: the backup was lost; waiting for a majority to hear it, or for the fencing hook. */
    private boolean backupLost;
    /** ST-TCP primary: the backup came back as a new process without its log; it must catch up anew. */
    private boolean backupRestarted;
    private final FencingHook fencingHook;
    private long durablePosition;
    private long nextFenceNs;
    /** ST-TCP primary: where the backup catching up started; it is in step only once it confirmed past it. */
    private long catchUpFrom;
    private ChannelCounters primaryChannelCounters;
    /**
     * Null when the service shares state across connections (kv) and takes no snapshots: then the whole log is kept.
     */
    private final Retention retention;
    /** The service shares state and the cluster file asks for snapshots: SNAPSHOT records bound retention. */
    private final boolean snapshotting;
    /** This node's snapshots of its service (primary and backups), or null (docs/architecture.md rule 7). */
    private final ServiceSnapshots snapshots;
    private AtomicCounter recordsTapped;
    private AtomicCounter tapMisses;
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
    /** The configured logger (ER-TCP) or backup (ST-TCP): whom a primary sends to first. */
    private final int configuredPeerId;
    private final long configuredPeerMac;
    /** Rejoined as a backup (restarted, or deposed) and not yet caught up to {@link #rejoinTarget}. */
    private boolean rejoining;
    /** The source's log end when this node rejoined, -1 until heard. */
    private long rejoinTarget = -1;
    /** Why this node cannot go on (a rejoin that could not discard or reopen its log), or null. */
    private volatile String fatalError;
    private long unconfirmedReported;
    private long nextUnconfirmedReportNs;
    /** The node's own address, where its management endpoint listens; 0 when the file gives it none. */
    private final int managementAddress;
    /** The management endpoint's TCP stack: not replicated, apart from the service's; null without an address. */
    private final TcpStack managementStack;
    private final PrometheusText prometheus = new PrometheusText();

    private State state;
    /** A stop asked for from another thread ({@link #requestStop}): the successor's node id, or NO_STOP. */
    private volatile int stopRequest = NO_STOP;
    /** Where this node is on its way out: 0 serving, then HOLDING (a primary drains), then ANNOUNCING, then LEFT. */
    private int departure;
    private int departureSuccessor = ControlFrames.NO_NODE;
    private long departureDeadlineNs;
    /** While a primary hands over: when the last client segment arrived (or the hold began). */
    private long departureInputNs;
    private int leavesSent;
    /** The LEAVE frames are out (the node then only passes client frames on, {@link #relayMac}, before it has left). */
    private boolean leaveSaid;
    private volatile boolean left;
    /** ER-TCP, a primary after its cut-over: the successor's MAC on the client port it passes frames on to; 0: none. */
    private long relayMac;
    private long relayUntilNs;
    private long relayedFrames;
    private final FrameHandler relayHandler = this::relayClientFrame;
    /** An ER-TCP backup's receive handler: frames passed on to it by a primary handing over go to its inbox. */
    private final FrameHandler erBackupHandler = this::onErBackupFrame;
    /** A successor's inbox of frames passed on to it, {@link #relayInboxSlot} bytes a frame; built with the standby. */
    private org.agrona.concurrent.UnsafeBuffer relayInbox;
    private final int[] relayInboxLengths = new int[RELAY_INBOX_FRAMES];
    private int relayInboxSlot;
    private int relayInboxCount;
    private long relayInboxTaken;
    private ReplicationLog replicationLog;
    private ReplicatedService replicated;
    private BackupFollower follower;
    /** The logger role while this node is logger (ER-TCP), else null. */
    private LoggerRole logger;
    private LogPublisher publisher;
    private PrimaryReplication primary;
    private TcpStack stack;
    /** The replicated stack's output: held back while this primary hands over (see beginDeparture). */
    private HandoverOutput stackOutput;
    private long drainTarget;
    private int electedEpoch;
    private long electedAtNs;
    /**
     * ER-TCP backup: the record sender it would publish through to the current logger if it took over, built ahead
     * (its 8 MiB window is milliseconds to allocate and fault in, on the takeover's path otherwise); null until the
     * logger is heard. A sender holds no position until records are offered, only its epoch, which a takeover raises.
     */
    private RecordSender standbySender;
    /** The logger {@link #standbySender} sends to: its node id and MAC. */
    private int standbyPeerId;
    private long standbyPeerMac;
    /**
     * A backup's standby primary (docs/architecture.md rule 5): the primary's replication, its TCP stack with
     * connections and buffers for as many connections as this backup follows, and its output, built ahead by the
     * backup's duty cycle, so that a takeover activates it and restores connections into memory that is ready; null
     * until the backup's first duty cycle, and once used.
     */
    private PrimaryReplication standbyPrimary;
    private HandoverOutput standbyOutput;
    /** Whether this backup loaded the classes a takeover needs ({@link #loadTakeoverClasses}). */
    private boolean takeoverClassesLoaded;
    /** When the primary's LEAVE was heard (a switchover), for the takeover's line; 0 when it did not leave. */
    private long primaryLeftAtNs;
    private long nowNs;
    /** The log or applied position last seen moving, and when: see {@link #replicationInFlight()}. */
    private long progressPosition = -1;
    private long progressNs;
    private long nextStatusNs;
    private long nextSnapshotReportNs;
    /** A backup loaded from a snapshot has yet to tell its feed where it stands. */
    private boolean announceSnapshot;
    private int previousPrimaryId = -1;

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
        this.wallClock = wallClock;
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
        this.channelMac = null == replicationPort ? mac :
            self.replication().get().mac().orElse(replicationPort.macAddress());
        this.refusedOnClientPort = null == replicationPort ? null : counters.newCounter("channel refused-on-client-port");
        this.otherOnReplicationPort = null == replicationPort ? null :
            counters.newCounter("channel not-channel-on-replication-port");
        this.vip = config.vip().address().address();
        this.tcpConfig = config.tcp().toTcpConfig();
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
        this.receiving = ReceiverSettings.DEFAULT.withSlots(SLOTS).withMaxRecordLength(MAX_RECORD_LENGTH)
            .withNakIntervalNs(1_000_000L).withConfirmIntervalNs(1_000_000L).withMtu(mtu);
        this.out = FrameOutput.of(port);
        this.authenticator = newAuthenticator(config, nodeId, counters);
        this.channelOut = new SealingOutput(null == replicationPort ? out : FrameOutput.of(replicationPort), authenticator);

        this.tapMode = config.mode() == ClusterMode.ST_TCP;
        final NodeConfig peerNode = tapMode ?
            config.backups().stream().findFirst().orElseThrow(() -> new IllegalArgumentException(
                "an st-tcp cluster needs a backup: add a node with role: backup")) :
            config.logger().orElseThrow(() -> new IllegalArgumentException(
                "an er-tcp cluster needs a logger: add a node with role: logger"));
        this.peerId = nodeIdOf(config, peerNode.name());
        this.peerMac = peerNode.channelMac().orElse(0L);
        this.configuredPeerId = peerId;
        this.configuredPeerMac = peerMac;
        final boolean hasWitness = config.nodes().stream().anyMatch(n -> n.role() == Role.WITNESS);
        this.fencingHook = tapMode && !hasWitness ? config.detection().fencingHook()
            .map(hook -> new FencingHook(hook, config.name(), Math.max(30_000_000_000L,
                20 * config.detection().suspectTimeoutNs())))
            .orElse(null) : null;

        final Ipv4Address.Cidr address = self.address().orElse(
            new Ipv4Address.Cidr(vip, config.vip().address().prefixLength()));
        this.layer = new Ipv4Layer(mac, address, out, new NetCounters(counters, port.name()));
        config.vip().gateway().ifPresent(layer::gateway);
        layer.acceptDestination(groupMac(config));
        layer.registerEtherType(EthernetFlyweight.ETHER_TYPE_REPLICATION,
            null == replicationPort ? this::onReplicationFrame : this::refuseOnClientPort);
        layer.register(Ipv4Flyweight.PROTOCOL_TCP, this::onTcp);
        this.receiveHandler = layer;
        this.managementAddress = self.address().map(Ipv4Address.Cidr::address).orElse(0);
        this.managementStack = 0 == managementAddress ? null : newManagementStack();

        this.logDirectory = config.log().dirOf(nodeName);
        this.rejoined = self.role() != Role.LOGGER && self.role() != Role.WITNESS && hasRecords(logDirectory);
        this.rejoining = rejoined;
        if (rejoined)
        {
            // The queue only: the node's directory also holds the lock its process holds (NodeDirectoryLock).
            deleteRecursively(logDirectory.resolve("log"));
        }
        createDirectories(logDirectory);
        this.replicationLog = openLog(logDirectory.resolve("log"), nodeName, config.log().rollCycle());
        final TcpService probe = serviceFactory.get();
        this.snapshotting = config.log().snapshots() && probe instanceof SnapshotService &&
            probe.sharesStateAcrossConnections();
        this.retention = probe.sharesStateAcrossConnections() && !snapshotting ? null :
            new Retention(config.log().retentionNs());
        this.snapshots = snapshotting && self.role() != Role.LOGGER && self.role() != Role.WITNESS ?
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
            membership.syncedCandidatesOnly(peerId);
        }

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
                if (0 == peerMac)
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
            case WITNESS -> state = State.WITNESS;
        }
        say((rejoined ? "rejoined as backup (discarded the log of an earlier run)" : "started as " + startRole.text()) +
            ", node id " + nodeId + ", epoch " + epoch() + ", mac " + MacAddress.format(mac) +
            (null == replicationPort ? "" : ", replication channel on " + replicationPort.name() + " from mac " +
            MacAddress.format(channelMac)) +
            ", log " + logDirectory + (authenticator.authenticated() ? ", replication channel authenticated" :
            ", replication channel not authenticated (security: none)"));
        if (config.log().snapshots() && !snapshotting)
        {
            say("log.snapshot-every-records or log.snapshot-every is set, but service " + probe.name() + " takes no " +
                "snapshots (it is not a SnapshotService that shares state across connections): none are taken");
        }
        reportSnapshots();
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

    /**
     * Refused frames are counted on the hot path; once a second at most the node says how many more there were, so
     * an operator sees an attack or a misconfigured member (another key, another cluster) in the log.
     */
    private void reportRefusals(final long nowNs)
    {
        final long total = authenticator.refusals().total();
        if (total != refusalsReported && nowNs - nextRefusalReportNs >= 0)
        {
            warn("refused " + (total - refusalsReported) + " replication frame(s) since the last report (" +
                authenticator.refusals().summary() + " in all): dropped, not acted on");
            refusalsReported = total;
            nextRefusalReportNs = nowNs + 1_000_000_000L;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Roles
    // ---------------------------------------------------------------------------------------------

    private void startLogger()
    {
        state = State.LOGGER;
        membership.logEpoch(replicationLog.lastEpoch());
        logger = new LoggerRole(nodeId, channelMac, epoch(), receiving, replicationLog,
            LogFeed.Settings.DEFAULT.withMtu(mtu), channelOut, counters, config.durability(), membership,
            config.detection().heartbeatIntervalNs());
    }

    private void startBackup()
    {
        state = State.BACKUP;
        replicated = newReplicatedService(serviceFactory.get(), 0);
        // The service and its cluster clock (time, timers) as they were at the snapshot's position.
        final long snapshotPosition = null == snapshots || replicationLog.lastPosition() != 0 ? 0 :
            snapshots.load(replicated);
        if (snapshotPosition > 0)
        {
            // Rule 7: the service is as it was after the snapshot's position; only the log after it is replayed.
            replicationLog.startAt(snapshotPosition + 1);
            replicated.startFromSnapshot(snapshotPosition);
            announceSnapshot = true;
        }
        else if (null != snapshots && replicationLog.lastPosition() == 0 && snapshots.store().positions().length > 0)
        {
            // None loaded: a snapshot passed over may have left part of its state in the service; start afresh.
            replicated = newReplicatedService(serviceFactory.get(), 0);
        }
        final ChannelCounters channelCounters = new ChannelCounters(counters, "backup");
        if (!tapMode)
        {
            follower = new BackupFollower(nodeId, channelMac, epoch(), replicationLog, replicated, receiving,
                self.slowNsPerRecord(), channelCounters, null);
            relayInboxCount = 0;
            receiveHandler = erBackupHandler;
            return;
        }
        // The tap keeps twice the receive window per connection: the client sends at most a window past what the
        // primary acknowledged, which is at most what this backup confirmed.
        final int tapWindow = org.agrona.BitUtil.findNextPositivePowerOfTwo(
            Math.max(TapAssembler.MIN_WINDOW_BYTES, 2 * tcpConfig.receiveBufferBytes()));
        tap = new TapAssembler(vip, config.service().port(), tapWindow,
            tcpConfig.maxConnections(), counters);
        if (null == recordsTapped)
        {
            recordsTapped = counters.newCounter("backup records-tapped");
            tapMisses = counters.newCounter("backup tap-misses");
        }
        follower = new BackupFollower(nodeId, channelMac, epoch(), replicationLog, replicated, receiving,
            self.slowNsPerRecord(), channelCounters,
            new BackupFollower.Tapping(tap, TAP_FETCH_DELAY_NS, recordsTapped, tapMisses));
        receiveHandler = this::onBackupFrame;
    }

    /**
     * ST-TCP backup: every IPv4 frame to or from the VIP is the tap's (the LAN floods them here); the rest, the
     * replication channel and this node's own address, goes to the IPv4 layer.
     */
    private void onBackupFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        if (null != tap && length >= EthernetFlyweight.HEADER_LENGTH + Ipv4Flyweight.MIN_HEADER_LENGTH &&
            (buffer.getShort(offset + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF) == EthernetFlyweight.ETHER_TYPE_IPV4)
        {
            final int ip = offset + EthernetFlyweight.HEADER_LENGTH;
            if (buffer.getInt(ip + 12, ByteOrder.BIG_ENDIAN) == vip || buffer.getInt(ip + 16, ByteOrder.BIG_ENDIAN) == vip)
            {
                tap.onFrame(buffer, offset, length, flags);
                return;
            }
        }
        layer.onFrame(buffer, offset, length, flags);
    }

    private ReplicatedService newReplicatedService(final long appliedPosition)
    {
        return newReplicatedService(serviceFactory.get(), appliedPosition);
    }

    private ReplicatedService newReplicatedService(final TcpService service, final long appliedPosition)
    {
        final ReplicatedService built = new ReplicatedService(service, tcpConfig.receiveBufferBytes(),
            org.agrona.BitUtil.findNextPositivePowerOfTwo(tcpConfig.sendBufferBytes()), appliedPosition);
        built.snapshotTaker(snapshots);
        return built;
    }

    /**
     * Snapshots: write the pending one once its position is durable (the primary's confirmed position; everything a
     * backup applied came from the durable log), and say what happened to them (docs/architecture.md rule 7).
     */
    private int followSnapshots()
    {
        if (null == snapshots)
        {
            return 0;
        }
        final int work = snapshots.durable(state == State.PRIMARY ? durablePosition : appliedPosition());
        if (nowNs - nextSnapshotReportNs >= 0)
        {
            nextSnapshotReportNs = nowNs + STATUS_INTERVAL_NS;
            reportSnapshots();
        }
        return work;
    }

    private void reportSnapshots()
    {
        if (null != snapshots)
        {
            for (String message = snapshots.poll(); null != message; message = snapshots.poll())
            {
                say(message);
            }
        }
    }

    /**
     * Serve the VIP as primary in {@code epoch}: on a fresh cluster at start, or after winning an election and
     * draining the log (then the replicas the backup built become live connections).
     */
    private void startPrimary(final int newEpoch, final long nowNs)
    {
        // Membership holds the epoch: it moved to newEpoch when it elected this node (or is there at start).
        final int epoch = newEpoch;
        final boolean takeover = null != replicated;
        if (!takeover)
        {
            replicated = newReplicatedService(replicationLog.lastPosition());
        }
        else if (!tapMode)
        {
            followCurrentLogger();
        }
        if (!tapMode)
        {
            publisher = new LogPublisher(replicationLog, takeover ? standbySenderOrNew() : newSenderToLogger());
        }
        else if (!takeover)
        {
            // A fresh cluster: both logs are empty, so the backup is in sync from the first record.
            publisher = new LogPublisher(replicationLog, newSenderToLogger());
            publisher.tapped(1);
            syncBackupId = peerId;
            alone = false;
        }
        else
        {
            // A takeover leaves no backup (this node was it): run alone until one catches up from this log.
            publisher = new LogPublisher(replicationLog, null);
            publisher.tapped(replicationLog.lastPosition() + 1);
            syncBackupId = 0;
            alone = true;
            peerId = -1;
            peerMac = 0;
        }
        // ST-TCP: what the backup tapped past the log is the client's too; the restored connections take it.
        final TapAssembler takeoverTap = takeover ? tap : null;
        tap = null;
        receiveHandler = layer;
        durablePosition = replicationLog.lastPosition();
        if (null == standbyPrimary)
        {
            prepareStandbyPrimary(); // a fresh cluster's first primary, or a takeover before the backup's first cycle
        }
        stackOutput = standbyOutput;
        primary = standbyPrimary;
        standbyPrimary = null;
        standbyOutput = null;
        primary.activate(replicated, publisher, epoch, nowNs, wallClock.nanoTime() - nowNs);
        stack = primary.stack();
        // The VIP's segments reach the stack through onTcp.
        if (snapshotting)
        {
            primary.snapshotEvery(config.log().snapshotEveryRecords(), config.log().snapshotEveryNs(),
                null == snapshots ? () -> false : snapshots::busy);
        }

        int restored = 0;
        if (takeover)
        {
            final MemberView old = previousPrimaryId > 0 ? membership.view(previousPrimaryId) : null;
            if (null != old && old.heard())
            {
                final long elapsedMs = (nowNs - old.lastHeardNs()) / 1_000_000L;
                stack.advanceTimestampClock(old.timestampClockMs() + elapsedMs + 1, nowNs);
            }
            restored = primary.takeOver(replicationLog.lastPosition(), nowNs, null == takeoverTap ? null :
                (clientIp, clientPort, streamOffset, dst, maxLength) ->
                {
                    final int length = (int)Math.min(maxLength,
                        takeoverTap.contiguousFrom(clientIp, clientPort, streamOffset));
                    return length > 0 ? takeoverTap.copy(clientIp, clientPort, streamOffset, dst, 0, length) : 0;
                });
        }
        layer.addAddress(vip, config.vip().mac());
        layer.nowNs(nowNs);
        layer.announce(vip);
        stack.listen(vip, config.service().port(), primary);
        state = State.PRIMARY;
        // What the old primary passed on after its cut-over reaches the restored connections now, before their first
        // segments go: a request among it is answered with them.
        relayInboxTaken = relayInboxCount;
        for (int i = 0; i < relayInboxCount; i++)
        {
            layer.onFrame(relayInbox, i * relayInboxSlot, relayInboxLengths[i], 0);
        }
        relayInboxCount = 0;
        if (takeover)
        {
            // The restored connections' first segments (what the clients have not acknowledged, the prompts) and the
            // gratuitous ARP leave now, before the line below is built: a JVM links a string concatenation the first
            // time it runs (milliseconds), and no client need wait for that.
            primary.confirmed(durablePosition);
            stack.doWork(nowNs);
            port.flush();
            final long servingNs = clock.nanoTime();
            say("took over as primary in epoch " + epoch + ": log drained to " + drainTarget + ", " + restored +
                " connection(s) restored" +
                (primary.tappedInputTaken() > 0 ? ", " + primary.tappedInputTaken() + " client byte(s) taken from the tap" : "") +
                (relayInboxTaken > 0 ? ", " + relayInboxTaken + " client frame(s) passed on by the old primary" : "") +
                (primary.restoreRefusals() > 0 ? " (" + primary.restoreRefusals() +
                " refused: connection table or buffer memory full; raise tcp.max-connections or ERTCP_DIRECT_MEMORY)" : "") +
                ", VIP " + Ipv4Address.format(vip) + " claimed " +
                String.format("%.1f ms", (nowNs - electedAtNs) / 1e6) + " after the election" +
                String.format(" (the takeover itself %.1f ms)", (servingNs - nowNs) / 1e6) +
                (0 != primaryLeftAtNs ? String.format(", %.1f ms after the primary's LEAVE", (servingNs - primaryLeftAtNs) / 1e6) : ""));
            primaryLeftAtNs = 0;
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
        if (stopRequest != NO_STOP && departure < DEPARTURE_ANNOUNCING)
        {
            beginDeparture(nowNs);
        }
        if (departure >= DEPARTURE_ANNOUNCING)
        {
            return announceDeparture();
        }
        if (null != primary)
        {
            primary.nowNs(nowNs);
        }
        int work = port.receive(receiveHandler, 32);
        if (null != replicationPort)
        {
            work += replicationPort.receive(replicationHandler, 32);
        }
        switch (state)
        {
            case PRIMARY ->
            {
                if (tapMode)
                {
                    work += followBackup(nowNs);
                }
                else if (loggerLost)
                {
                    work += promoteLogger(nowNs);
                }
                work += primary.doWork(nowNs);
                work += publisher.doWork(nowNs, channelOut);
                durablePosition = Math.max(durablePosition,
                    alone ? replicationLog.lastPosition() : publisher.confirmedPosition());
                primary.confirmed(durablePosition);
                work += stack.doWork(nowNs);
            }
            case LOGGER -> work += logger.doWork(nowNs);
            case BACKUP ->
            {
                if (announceSnapshot)
                {
                    // The feed is the logger's (ER-TCP) or the primary's own sender (ST-TCP): either learns of the
                    // new incarnation from this CONFIRM and sends on from the snapshot, client traffic or not.
                    final MemberView heardPrimary = tapMode ? membership.firstHeard(Role.PRIMARY) : null;
                    final long feedMac = tapMode ? (null == heardPrimary ? 0 : heardPrimary.mac()) :
                        0 != peerMac ? peerMac : membership.view(peerId).mac();
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
                if (!tapMode && null == standbySender)
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
                work += follower.doWork(nowNs, channelOut);
                final int primaryId = membership.primaryId();
                if (primaryId > 0 && primaryId != nodeId)
                {
                    previousPrimaryId = primaryId;
                }
                if (null != fencingHook)
                {
                    work += fenceThenTakeOver(nowNs);
                }
            }
            case DRAINING ->
            {
                work += follower.doWork(nowNs, channelOut);
                if (follower.appliedPosition() >= drainTarget)
                {
                    follower = null;
                    startPrimary(electedEpoch, nowNs);
                    work++;
                }
            }
            case STARTING ->
            {
                peerMac = membership.view(peerId).mac();
                if (0 != peerMac)
                {
                    startPrimary(Membership.INITIAL_EPOCH, nowNs);
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
            case WITNESS ->
            {
            }
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
            reportRefusals(nowNs);
            reportUnconfirmedEpochs(nowNs);
        }
        work += followSnapshots();
        if (null != retention && null != replicationLog && state != State.WITNESS && retention.due(nowNs))
        {
            work += applyRetention(nowNs);
        }
        if (null != managementStack)
        {
            work += managementStack.doWork(nowNs);
        }
        work += port.flush();
        if (null != replicationPort)
        {
            work += replicationPort.flush();
        }
        if (null != publisher)
        {
            // ER-TCP: the primary's own copy of what it published, written once the frames are on the wire.
            work += publisher.appendPending();
        }
        if (null != replicationLog)
        {
            // After the flush: this cycle's frames are out; the next cycle's appends find their pages faulted in.
            work += replicationLog.pretouch();
        }
        final long progress = null != logger ? logger.lastPosition() : null != follower ? follower.appliedPosition() : 0;
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
            read = port.receive(receiveHandler, 32) + (null == replicationPort ? 0 : replicationPort.receive(replicationHandler, 32));
            frames += read;
            port.flush();
            if (null != replicationPort)
            {
                replicationPort.flush();
            }
            if (null != publisher)
            {
                publisher.appendPending();
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
        else if (null != stack)
        {
            stack.onDatagram(source, destination, buffer, offset, length, nowNs);
            departureInputNs = nowNs; // read only while handing over (beginDeparture)
        }
        else
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
            return !alone && null != publisher && null != publisher.sender() &&
                publisher.confirmedPosition() < publisher.publishedPosition();
        }
        if (state == State.LOGGER && null != logger)
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
     * With a replication interface, the clients' port carries no channel frame: one that arrives there (a host on the
     * clients' LAN replaying or forging, or a member misconfigured onto it) is refused unread and counted.
     */
    private void refuseOnClientPort(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        refusedOnClientPort.increment();
    }

    /**
     * The replication interface's frames: only the channel's, to this node's channel MAC or the cluster's group, go
     * on to {@link #onReplicationFrame}; anything else on that LAN (ARP, IPv6 neighbour discovery, another cluster's
     * unicast) is dropped and counted.
     */
    private void onReplicationPortFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        if (length >= EthernetFlyweight.HEADER_LENGTH &&
            (buffer.getShort(offset + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF) == EthernetFlyweight.ETHER_TYPE_REPLICATION)
        {
            final long destination = ((buffer.getInt(offset, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL) << 16) |
                (buffer.getShort(offset + 4, ByteOrder.BIG_ENDIAN) & 0xFFFFL);
            if (destination == channelMac || destination == groupMac(config))
            {
                onReplicationFrame(buffer, offset, length, flags);
                return;
            }
        }
        otherOnReplicationPort.increment();
    }

    /**
     * Every frame of the replication channel enters here, and only those the {@link #authenticator} verifies go on,
     * without their trailer: no role, epoch or record moves on a frame a member did not send (rule 8).
     */
    private void onReplicationFrame(final DirectBuffer buffer, final int offset, final int frameLength, final int flags)
    {
        final int length = authenticator.verify(buffer, offset, frameLength);
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
            case PRIMARY ->
            {
                if (null != publisher.sender())
                {
                    publisher.sender().onFrame(buffer, offset, length, flags);
                }
            }
            case LOGGER -> logger.onFrame(buffer, offset, length, flags);
            case BACKUP, DRAINING -> follower.onFrame(buffer, offset, length, flags);
            case STARTING, FENCED, WITNESS ->
            {
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Leaving on purpose: SIGTERM and switchover
    // ---------------------------------------------------------------------------------------------

    /**
     * Stop on purpose (SIGTERM, or a switchover), from any thread. A primary first hands over: it holds back what it
     * would send its clients (their input still goes into the log), waits (up to two seconds) until no client segment
     * came for {@link #HANDOVER_QUIET_NS}, the logger confirmed everything it logged and its successor is at most
     * {@link #HANDOVER_SUCCESSOR_LAG_BYTES} behind, and then says LEAVE naming the successor, which stands for election
     * at once. Any other node says LEAVE at once, so
     * that the primary stops waiting for it without a suspicion timeout. {@link #hasLeft} turns true once the LEAVE
     * frames are out and, for an ER-TCP primary, once it passed on to its successor the client frames that still came
     * to it until the successor announced the VIP (at most {@link #HANDOVER_RELAY_LIMIT_NS}); the node then does
     * nothing more and is closed.
     *
     * @param successorName the backup to hand over to, or null for the best-ranked one alive (a primary only).
     * @throws IllegalArgumentException when the successor is not a member that can take over.
     */
    public void requestStop(final String successorName)
    {
        int successor = ControlFrames.NO_NODE;
        if (null != successorName)
        {
            successor = nodeIdOf(config, successorName);
            final MemberView view = successor < 0 || successor == nodeId ? null : membership.view(successor);
            if (null == view || view.role() != Role.BACKUP || !view.alive())
            {
                throw new IllegalArgumentException(successorName + " cannot take over: name a member other than " +
                    self.name() + " that runs as a backup now");
            }
        }
        stopRequest = successor;
    }

    /**
     * @return true once this node said LEAVE (after {@link #requestStop}) and passed on what it had to: it may be
     * closed now.
     */
    public boolean hasLeft()
    {
        return left;
    }

    private void beginDeparture(final long nowNs)
    {
        if (departure == 0)
        {
            departureSuccessor = stopRequest == ControlFrames.NO_NODE ? bestSuccessor() : stopRequest;
            if (state == State.PRIMARY)
            {
                departure = DEPARTURE_HOLDING;
                departureDeadlineNs = nowNs + HANDOVER_DRAIN_LIMIT_NS;
                departureInputNs = nowNs;
                // Clients' input goes on into the log; what the stack would send them is held back. A client that gets
                // no reply sends no new request, so none is in flight, lost, at the cut-over: its last one is in the
                // log and the successor answers it when it takes over. Dropping input instead left that request to
                // the client's retransmission timeout (200 ms or more; one segment cannot be prompted, TakeoverPrompt).
                stackOutput.hold();
                say("handing over to " + (departureSuccessor > 0 ? nameOf(departureSuccessor) : "no backup (none alive)") +
                    ": holding replies back, " + primary.unconfirmedBytes() + " unconfirmed bytes to drain");
            }
            else
            {
                departure = DEPARTURE_ANNOUNCING;
                say("leaving the cluster on purpose (" + roleName() + ")");
                return;
            }
        }
        final MemberView successor = departureSuccessor > 0 ? membership.view(departureSuccessor) : null;
        final boolean drained = nowNs - departureInputNs >= HANDOVER_QUIET_NS &&
            null != publisher && publisher.confirmedPosition() >= publisher.publishedPosition() &&
            (null == successor || successor.logPosition() >= publisher.confirmedPosition() - HANDOVER_SUCCESSOR_LAG_BYTES);
        if (drained || nowNs - departureDeadlineNs >= 0)
        {
            // The cut-over: from here on this node reads no frame (doWork only sends the LEAVEs), so what the logger
            // confirmed is all the client input it took.
            departure = DEPARTURE_ANNOUNCING;
            layer.removeAddress(vip);
            if (!tapMode && departureSuccessor > 0)
            {
                relayMac = clientPortMac(departureSuccessor);
                relayUntilNs = nowNs + HANDOVER_RELAY_LIMIT_NS;
            }
            say("handed over at log position " + (null == publisher ? 0 : publisher.confirmedPosition()) +
                String.format(" after %.1f ms, %d segment(s) to clients held back",
                    (nowNs - (departureDeadlineNs - HANDOVER_DRAIN_LIMIT_NS)) / 1e6, stackOutput.heldSegments()) +
                (drained ? "" : " (not all drained within " + HANDOVER_DRAIN_LIMIT_NS / 1_000_000 + " ms: the " +
                "successor takes what the logger holds)") + "; leaving");
        }
    }

    /**
     * Send the LEAVE frames, one per duty cycle, and nothing else; an ER-TCP primary that handed over also passes the
     * client frames that still come to it on to its successor, until it hears the successor announce the VIP (and
     * {@link #HANDOVER_RELAY_GRACE_NS} more) or for {@link #HANDOVER_RELAY_LIMIT_NS} at most; then the node has left.
     */
    private int announceDeparture()
    {
        int work = 0;
        if (leavesSent < LEAVES_SENT)
        {
            if (membership.sendLeave(channelOut, departureSuccessor))
            {
                leavesSent++;
            }
            work = 1;
        }
        if (0 != relayMac && leavesSent > 0)
        {
            // After the first LEAVE: on one port the successor hears that it is to take over before the frames.
            work += port.receive(relayHandler, 32);
        }
        if (work > 0)
        {
            port.flush();
            if (null != replicationPort)
            {
                replicationPort.flush();
            }
        }
        if (leavesSent == LEAVES_SENT && !leaveSaid)
        {
            leaveSaid = true;
            say("left the cluster" + (departureSuccessor > 0 ? "; " + nameOf(departureSuccessor) +
                " stands for election" : ""));
        }
        if (leaveSaid && !left && (0 == relayMac || nowNs - relayUntilNs >= 0))
        {
            if (relayedFrames > 0)
            {
                say("passed " + relayedFrames + " client frame(s) that came after the cut-over on to " +
                    nameOf(departureSuccessor));
            }
            left = true;
        }
        return work;
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
        if (etherType == EthernetFlyweight.ETHER_TYPE_IPV4 && buffer.getInt(ip + 16, ByteOrder.BIG_ENDIAN) == vip)
        {
            final int at = out.claim(length);
            if (at >= 0)
            {
                out.buffer().putBytes(at, buffer, offset, length);
                txEthernet.wrap(out.buffer(), at).destination(relayMac).source(mac);
                out.commit(at);
                relayedFrames++;
            }
        }
        else if (etherType == EthernetFlyweight.ETHER_TYPE_ARP && buffer.getInt(ip + 14, ByteOrder.BIG_ENDIAN) == vip)
        {
            // The sender's protocol address is the VIP: only its holder, the successor now, says that.
            relayUntilNs = Math.min(relayUntilNs, nowNs + HANDOVER_RELAY_GRACE_NS);
        }
    }

    /**
     * An ER-TCP backup's frames: one to this node's MAC for the VIP was passed on by a primary handing over
     * ({@link #relayClientFrame}) and waits in the inbox for this node's takeover; the rest is the IPv4 layer's.
     */
    private void onErBackupFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        if (length >= EthernetFlyweight.HEADER_LENGTH + Ipv4Flyweight.MIN_HEADER_LENGTH &&
            (buffer.getShort(offset + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF) == EthernetFlyweight.ETHER_TYPE_IPV4 &&
            buffer.getInt(offset + EthernetFlyweight.HEADER_LENGTH + 16, ByteOrder.BIG_ENDIAN) == vip &&
            EthernetFlyweight.readMac(buffer, offset) == mac)
        {
            if (null != relayInbox && relayInboxCount < RELAY_INBOX_FRAMES && length <= relayInboxSlot &&
                !FrameFlags.isTruncated(flags))
            {
                relayInbox.putBytes(relayInboxCount * relayInboxSlot, buffer, offset, length);
                relayInboxLengths[relayInboxCount++] = length;
            }
            return;
        }
        layer.onFrame(buffer, offset, length, flags);
    }

    /** The MAC of a member's client port: its channel's when it has no replication interface, else the file's. */
    private long clientPortMac(final int nodeId)
    {
        final NodeConfig node = config.nodes().get(nodeId - 1);
        return node.replication().isEmpty() ? membership.view(nodeId).mac() : node.mac().orElse(0L);
    }

    /**
     * The classes only a primary uses, loaded and initialised once by a backup, off the takeover: a JVM that first
     * meets them in {@link #startPrimary} loads, verifies and initialises each there, tens of milliseconds in all on
     * a busy machine, while the clients wait (a switchover's pause is meant to be milliseconds).
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
            "org.agrona.DeadlineTimerWheel",
        };
        final ClassLoader loader = ClusterNode.class.getClassLoader();
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

    /**
     * Build {@link #standbyPrimary}: the primary's replication, its TCP stack (at 100,000 connections its tables are
     * some 9 MB of arrays, milliseconds to allocate and zero) and its output, none of which depends on the epoch, the
     * log position or the clock a takeover brings; {@link PrimaryReplication#activate} gives it those.
     */
    private void prepareStandbyPrimary()
    {
        final HandoverOutput handoverOutput = new HandoverOutput(layer);
        standbyOutput = handoverOutput;
        standbyPrimary = new PrimaryReplication(nodeId, maxDataPerRecord(config.mode(), mtu), 8L << 20,
            seam -> new TcpStack(tcpConfig, handoverOutput, counters, seam));
        if (tapMode)
        {
            standbyPrimary.reserveTappedInput();
        }
        else if (null == relayInbox)
        {
            relayInboxSlot = port.maxFrameLength();
            relayInbox = new org.agrona.concurrent.UnsafeBuffer(
                java.nio.ByteBuffer.allocateDirect(RELAY_INBOX_FRAMES * relayInboxSlot));
        }
    }

    /** The backup alive with the lowest rank, ties to the lower node id: who a primary hands over to. */
    private int bestSuccessor()
    {
        final MemberView best = membership.bestHeard(Role.BACKUP);
        return null == best ? ControlFrames.NO_NODE : best.nodeId();
    }

    public void onMemberLeft(final int nodeId)
    {
        say("node " + nameOf(nodeId) + " left on purpose");
        if (nodeId == membership.primaryId())
        {
            primaryLeftAtNs = nowNs;
        }
        onMemberSuspected(nodeId);
        if (loggerLost && nodeId == peerId)
        {
            nextPromotionNs = nowNs; // it said it is gone: no need to give it a chance to speak again
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

    public int syncBackupId()
    {
        return syncBackupId;
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
        // ST-TCP has no logger: the backup holds all it confirmed, and nothing it did not was acknowledged.
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
        if (state == State.LOGGER)
        {
            logger.fence(epoch);
        }
        if (nodeId != this.nodeId)
        {
            relayInboxCount = 0; // passed on for a takeover that is another node's now
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
        stack = null; // onTcp drops the VIP's segments now; the management endpoint stays
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
        stack = null;
        primary = null;
        publisher = null;
        replicated = null;
        follower = null;
        tap = null;
        loggerLost = false;
        promotionTarget = -1;
        alone = false;
        syncBackupId = 0;
        syncFrom = -1;
        backupLost = false;
        backupRestarted = false;
        catchUpFrom = 0;
        peerId = configuredPeerId;
        peerMac = configuredPeerMac;
        receiveHandler = layer;
        try
        {
            replicationLog.close();
            replicationLog = null;
            deleteRecursively(logDirectory.resolve("log"));
            replicationLog = ReplicationLog.open(logDirectory.resolve("log"), config.log().rollCycle());
        }
        catch (final RuntimeException ex)
        {
            fatalError = "could not discard and reopen its log under " + logDirectory + " to rejoin as a backup (" +
                ex.getMessage() + "); free or fix that directory and start the node again";
            say(fatalError);
            return 1;
        }
        startBackup();
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
        if (state != State.BACKUP || null == follower)
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

    /**
     * Frames that claimed a higher epoch without a majority's evidence (rule 9) are counted on the hot path; once a
     * second at most the node says so, unless the epoch was adopted on evidence since (a failover's heartbeats
     * arriving in some order).
     */
    private void reportUnconfirmedEpochs(final long nowNs)
    {
        final long total = membership.counters().unconfirmedEpochFrames.get();
        if (total == unconfirmedReported || nowNs - nextUnconfirmedReportNs < 0)
        {
            return;
        }
        if (membership.unconfirmedEpoch() > membership.epoch())
        {
            say("heard " + (total - unconfirmedReported) + " frame(s) claiming an epoch above its own without a " +
                "majority's evidence (the highest: epoch " + membership.unconfirmedEpoch() + " from " +
                nameOf(membership.unconfirmedEpochFrom()) + "): not followed, still " +
                state.name().toLowerCase(java.util.Locale.ROOT) + " in epoch " + epoch());
            nextUnconfirmedReportNs = nowNs + 1_000_000_000L;
        }
        unconfirmedReported = total;
    }

    public void onMemberSuspected(final int nodeId)
    {
        warn("suspects node " + nameOf(nodeId));
        if (!tapMode && state == State.PRIMARY && nodeId == peerId && !loggerLost && membership.view(nodeId).heard())
        {
            // Only a logger that was heard can be lost: one never heard has not started yet.
            loggerLost = true;
            promotionTarget = -1;
            // Promote only after another suspicion timeout of silence: promoting turns a backup into a logger for
            // good, so a logger that was merely slow (a pause, a busy machine) must have its chance to speak again.
            nextPromotionNs = nowNs + config.detection().suspectTimeoutNs();
            warn("logger " + nameOf(nodeId) + " lost at confirmed position " + primary.confirmedPosition() +
                ": acknowledging nothing new until a backup is promoted to logger");
        }
        reannounceVip();
    }

    public void onMemberAlive(final int nodeId)
    {
        say("hears node " + nameOf(nodeId) + " again");
        if (!tapMode && state == State.PRIMARY && nodeId == peerId && loggerLost)
        {
            loggerLost = false;
            say("logger " + nameOf(nodeId) + " is back" + (promotionTarget < 0 ? " before any promotion" :
                " before " + nameOf(promotionTarget) + " took the role") + ": carrying on with it");
            promotionTarget = -1;
        }
        reannounceVip();
    }

    // ---------------------------------------------------------------------------------------------
    // ST-TCP: the backup in sync, its loss, its return
    // ---------------------------------------------------------------------------------------------

    /**
     * ST-TCP primary, every duty cycle. While a backup is in sync its confirmations release acknowledgements (rule 1
     * with durability: backup). When it is lost, heartbeats name no backup in sync and nothing new is acknowledged
     * until a majority heard that (the witness echoes it, and from then refuses to elect the lost backup, which
     * lacks what comes next) or, with two nodes, the fencing hook cut it off; then this primary runs alone,
     * acknowledging on its own log. A backup heard alive (restarted, or back) is sent the log from where its own
     * ends, and once it is within {@link #SYNC_SLACK_RECORDS} of the end acknowledgements wait for it again; it is
     * named in sync once it has everything acknowledged alone, so it is never elected short of an acknowledged byte.
     */
    private int followBackup(final long nowNs)
    {
        final RecordSender sender = publisher.sender();
        if (null != sender && sender.restartedReceiverHolds() >= 0 && !backupRestarted)
        {
            final long holds = sender.restartedReceiverHolds();
            say("backup " + nameOf(peerId) + " restarted without its log (it holds position " + holds + ")");
            if (alone)
            {
                publisher.retarget(newSenderToLogger(), holds + 1);
                catchUpFrom = holds + 1;
                return 1;
            }
            // What it confirmed before is gone with its process: it is lost as surely as if it had gone quiet.
            backupRestarted = true;
            backupLost = true;
            syncBackupId = 0;
            if (null != fencingHook)
            {
                fencingHook.reset();
                nextFenceNs = nowNs;
            }
            return 1;
        }
        if (!alone)
        {
            final MemberView peer = membership.view(peerId);
            final boolean peerAlive = null != peer && peer.alive() && !backupRestarted;
            if (!backupLost)
            {
                if (!peerAlive)
                {
                    backupLost = true;
                    syncBackupId = 0;
                    warn("backup " + nameOf(peerId) + " lost at confirmed position " + publisher.confirmedPosition() +
                        ": acknowledging nothing new until " + (null == fencingHook ?
                        "a majority has heard it is out of sync" : "the fencing hook has cut it off"));
                    if (null != fencingHook)
                    {
                        fencingHook.reset();
                        fencePeer(nowNs);
                    }
                    return 1;
                }
                if (0 == syncBackupId && publisher.confirmedPosition() >= syncFrom)
                {
                    syncBackupId = peerId;
                    say("backup " + nameOf(peerId) + " is in sync (it holds the log to position " +
                        publisher.confirmedPosition() + ")");
                    return 1;
                }
                return 0;
            }
            if (null == fencingHook)
            {
                if (peerAlive)
                {
                    backupLost = false;
                    syncBackupId = publisher.confirmedPosition() >= syncFrom ? peerId : 0;
                    say("backup " + nameOf(peerId) + " heard again: carrying on with it");
                    return 1;
                }
                if (majorityHeardOutOfSync())
                {
                    runAlone("a majority heard it is out of sync");
                    return 1;
                }
                return 0;
            }
            switch (fencingHook.poll(nowNs))
            {
                case FENCED ->
                {
                    runAlone("the fencing hook cut it off");
                    return 1;
                }
                case FAILED ->
                {
                    fenceAgainLater(nowNs, "; running the hook again in ");
                    return 1;
                }
                case IDLE ->
                {
                    if (nowNs - nextFenceNs >= 0)
                    {
                        fencePeer(nowNs);
                        return 1;
                    }
                    return 0;
                }
                default ->
                {
                    return 0;
                }
            }
        }

        if (null == publisher.sender())
        {
            // Heard means a control frame came from it, which gave its MAC when the file did not.
            final MemberView view = membership.firstHeard(Role.BACKUP);
            if (null != view && 0 != view.mac())
            {
                peerId = view.nodeId();
                peerMac = view.mac();
                final long from = Math.max(1, view.logPosition() + 1);
                publisher.retarget(newSenderToLogger(), from);
                catchUpFrom = from;
                say("backup " + nameOf(peerId) + " joined: sending it the log from position " + from + " (log ends at " +
                    replicationLog.lastPosition() + ")");
                return 1;
            }
            return 0;
        }
        final MemberView peer = membership.view(peerId);
        if (null == peer || !peer.alive())
        {
            warn("backup " + nameOf(peerId) + " lost while catching up at position " + publisher.confirmedPosition());
            publisher.retarget(null, 1);
            peerId = -1;
            peerMac = 0;
            return 1;
        }
        // What the backup holds: what it said it had when it joined, or what it confirmed since. It is in step once
        // within the slack of the log's end and past where it joined (or it joined holding everything, an empty log
        // included): a small log must not count as caught up before the backup confirmed anything.
        final long last = replicationLog.lastPosition();
        final long holds = Math.max(catchUpFrom - 1, publisher.confirmedPosition());
        if (holds >= last - SYNC_SLACK_RECORDS && holds >= Math.min(last, catchUpFrom))
        {
            syncFrom = replicationLog.lastPosition();
            alone = false;
            // In step: its tap now sees the client's bytes before it needs them.
            publisher.tapped(syncFrom + 1);
            say("backup " + nameOf(peerId) + " caught up to position " + holds +
                ": acknowledgements wait for it again after position " + syncFrom);
            return 1;
        }
        return 0;
    }

    private void fencePeer(final long nowNs)
    {
        fencingHook.start(nameOf(peerId), MacAddress.format(peerMac), nowNs);
    }

    /**
     * The fencing hook failed: say so (its failure, then {@code what}, then when) and run it again
     * {@link #FENCE_RETRY_NS} later.
     */
    private void fenceAgainLater(final long nowNs, final String what)
    {
        warn(fencingHook.failure() + what + FENCE_RETRY_NS / 1_000_000_000L + " s");
        fencingHook.reset();
        nextFenceNs = nowNs + FENCE_RETRY_NS;
    }

    /**
     * @return true when this primary and enough members to make a majority say no backup is in sync: members of
     * this epoch heard since, echoing it.
     */
    private boolean majorityHeardOutOfSync()
    {
        return membership.majorityHeardOutOfSync(peerId, epoch());
    }

    private void runAlone(final String why)
    {
        backupRestarted = false;
        warn("running without a backup from position " + replicationLog.lastPosition() + ": backup " + nameOf(peerId) +
            " lost and " + why + "; a backup that rejoins catches up from this log");
        alone = true;
        backupLost = false;
        syncBackupId = 0;
        publisher.retarget(null, 1);
        peerId = -1;
        peerMac = 0;
    }

    /**
     * Two-node ST-TCP backup with a fencing hook: once it suspects the primary (and the primary named it in sync),
     * run the hook against the primary and take over when it reports the primary cut off; a failed hook is run
     * again {@link #FENCE_RETRY_NS} later, and no takeover happens meanwhile.
     */
    private int fenceThenTakeOver(final long nowNs)
    {
        if (!membership.suspectsPrimary() || membership.knownSyncBackup() != nodeId || previousPrimaryId <= 0)
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
                warn("suspects primary " + nameOf(previousPrimaryId) + ": running the fencing hook before taking over");
                fencingHook.start(nameOf(previousPrimaryId),
                    MacAddress.format(membership.view(previousPrimaryId).mac()), nowNs);
                return 1;
            }
            case FENCED ->
            {
                fencingHook.reset();
                say("the fencing hook cut " + nameOf(previousPrimaryId) + " off");
                membership.takeOverAfterFencing();
                return 1;
            }
            case FAILED ->
            {
                fenceAgainLater(nowNs, ": not taking over; trying again in ");
                return 1;
            }
            default ->
            {
                return 0;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Retention
    // ---------------------------------------------------------------------------------------------

    /**
     * Delete the roll cycles nobody has needed for the retention time: not the oldest live connection's OPEN (a
     * backup rebuilds each live connection from it; with snapshots, not the log after the oldest snapshot a node may
     * load, which holds every connection open there), not what a peer has yet to confirm, not what a live member's
     * log still lacks (it may be promoted, or serve a backup). A member that rejoins empty after that is told where
     * the log starts (BASE) and starts there.
     */
    private int applyRetention(final long nowNs)
    {
        long needed = replicationLog.lastPosition() + 1;
        // With snapshots, a connection open at the snapshot floor is in that snapshot (docs/architecture.md
        // "Snapshots", Retention) and one opened after it has its OPEN after it: the floor bounds them all.
        if (null != replicated && !snapshotting)
        {
            needed = Math.min(needed, replicated.oldestOpenPosition());
        }
        if (null != logger)
        {
            needed = Math.min(needed, snapshotting ? logger.feedsNeededPosition() : logger.neededPosition());
        }
        if (null != publisher && state == State.PRIMARY)
        {
            needed = Math.min(needed, publisher.neededPosition());
        }
        for (int i = 0; i < membership.memberCount(); i++)
        {
            final MemberView view = membership.member(i);
            if (view.nodeId() != nodeId && view.alive() && view.heard() &&
                (view.role() == Role.BACKUP || view.role() == Role.LOGGER))
            {
                needed = Math.min(needed, view.logPosition() + 1);
            }
        }
        if (snapshotting)
        {
            needed = Math.min(needed, snapshotFloor() + 1);
        }
        final long keepFrom = retention.keepFrom(nowNs, needed);
        if (keepFrom <= 1)
        {
            return 0;
        }
        final int deleted = replicationLog.retainFrom(keepFrom);
        if (deleted > 0)
        {
            say("retention deleted " + deleted + " roll cycle file(s) before position " + keepFrom + "; the log starts at " +
                replicationLog.firstPosition());
        }
        return deleted;
    }

    /**
     * The oldest snapshot a node may still load (docs/architecture.md rule 7): the older of the two newest SNAPSHOT
     * records this log took since it opened (every replica snapshots there), and of the two newest this node holds
     * itself; 0 while there are fewer than two, so the whole log is kept until there is one to fall back on.
     */
    private long snapshotFloor()
    {
        long floor = replicationLog.snapshotRecordPosition(SnapshotStore.KEEP - 1);
        if (null != snapshots && null == logger)
        {
            floor = Math.min(floor, snapshots.oldestKept());
        }
        return floor;
    }

    // ---------------------------------------------------------------------------------------------
    // Logger loss (docs/architecture.md rule 6)
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
            final MemberView best = membership.bestHeard(Role.BACKUP);
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
            peerId = target.nodeId();
            peerMac = target.mac();
            publisher.retarget(newSenderToLogger(), from);
            loggerLost = false;
            promotionTarget = -1;
            say("node " + nameOf(peerId) + " is the logger now; sending it the log from position " + from);
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
            channelOut.commit(at);
            return 1;
        }
        return 0;
    }

    private void onPromoteLogger(final int fromNodeId, final int frameEpoch, final int targetId)
    {
        // Only the primary this node follows, in this node's own epoch (rule 9): the order moves no epoch.
        if (targetId != nodeId || state != State.BACKUP || fromNodeId != membership.primaryId() ||
            frameEpoch != membership.epoch())
        {
            return;
        }
        if (null != membership.firstHeard(Role.LOGGER))
        {
            // This node still hears a logger: the primary's suspicion is its own (a pause, a lost frame), and
            // a second logger would cost the cluster a backup for nothing. The primary hears the logger again.
            return;
        }
        follower = null;
        replicated = null;
        standbyPrimary = null; // a logger never takes over
        standbyOutput = null;
        receiveHandler = layer;
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
        final MemberView current = membership.firstHeard(Role.LOGGER);
        if (null != current)
        {
            peerId = current.nodeId();
            peerMac = current.mac();
        }
    }

    /** ER-TCP backup: build {@link #standbySender} once the live logger's MAC is known. */
    private void prepareStandbySender()
    {
        // Heard means a control frame came from it, which gave its MAC when the file did not.
        final MemberView view = membership.firstHeard(Role.LOGGER);
        if (null != view && 0 != view.mac())
        {
            final int savedPeerId = peerId;
            final long savedPeerMac = peerMac;
            peerId = view.nodeId();
            peerMac = view.mac();
            standbySender = newSenderToLogger();
            standbyPeerId = peerId;
            standbyPeerMac = peerMac;
            peerId = savedPeerId;
            peerMac = savedPeerMac;
        }
    }

    /**
     * A takeover's sender to the logger it follows now ({@link #peerId}): the standby one when it was built for that
     * logger, raised to this epoch, else a new one. The standby is used once.
     */
    private RecordSender standbySenderOrNew()
    {
        final RecordSender standby = standbySender;
        standbySender = null;
        if (null != standby && standbyPeerId == peerId && standbyPeerMac == peerMac)
        {
            standby.epoch(epoch());
            return standby;
        }
        return newSenderToLogger();
    }

    private RecordSender newSenderToLogger()
    {
        final RecordSender sender = new RecordSender(nodeId, epoch(), channelMac, peerMac, peerId, 8 << 20, 8192, 2_000_000L,
            64, SLOTS, mtu, null == primaryChannelCounters ? primaryChannelCounters = new ChannelCounters(counters, "primary") :
            primaryChannelCounters);
        if (tapMode)
        {
            // The backup's copy is the durable one: a CONFIRM from a process that restarted since is no confirmation.
            sender.detectReceiverRestarts();
        }
        return sender;
    }

    /**
     * Claim a control frame to the cluster's group with an empty payload.
     *
     * @return the offset to commit, or -1 when the port has no room.
     */
    private int claimControl(final int kind, final long position)
    {
        final int length = Math.max(60, EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH);
        final int at = channelOut.claim(length);
        if (at < 0)
        {
            return -1;
        }
        channelOut.buffer().setMemory(at, length, (byte)0);
        txEthernet.wrap(channelOut.buffer(), at).destination(groupMac(config)).source(channelMac)
            .etherType(EthernetFlyweight.ETHER_TYPE_REPLICATION);
        txFrame.wrap(channelOut.buffer(), at + EthernetFlyweight.HEADER_LENGTH)
            .writeHeader(kind, nodeId, epoch(), position, 0);
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

    public ReplicatedService replicated()
    {
        return replicated;
    }

    public LoggerAgent logger()
    {
        return null == logger ? null : logger.agent();
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
            if (tapMode)
            {
                detail.append(alone ? (null == publisher.sender() ? "alone (no backup)" :
                        "alone, backup " + nameOf(peerId) + " catching up at " + publisher.confirmedPosition()) :
                    backupLost ? "backup " + nameOf(peerId) + " lost, waiting to run alone" :
                    0 == syncBackupId ? "backup " + nameOf(peerId) + " syncing" :
                    "backup " + nameOf(peerId) + " in sync").append(", ");
            }
            detail.append("unconfirmed ").append(primary.unconfirmedBytes()).append(" bytes");
        }
        else if (null != follower && null != follower.tap())
        {
            detail.append("tapped ").append(recordsTapped.get()).append(" fetched ").append(tapMisses.get());
        }
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
        if (null != follower && null != follower.problem())
        {
            detail.append(detail.isEmpty() ? "" : "; ").append(follower.problem());
        }
        final long unconfirmed = membership.counters().unconfirmedEpochFrames.get();
        if (unconfirmed > 0)
        {
            detail.append(detail.isEmpty() ? "" : "; ").append("unconfirmed epoch claims ").append(unconfirmed)
                .append(" (highest ").append(membership.unconfirmedEpoch()).append(" from ")
                .append(nameOf(membership.unconfirmedEpochFrom())).append(')');
        }
        final List<String> differing = configAgreement.differing();
        if (!differing.isEmpty())
        {
            detail.append(detail.isEmpty() ? "" : "; ").append("another cluster file on ")
                .append(String.join(", ", differing));
        }
        if (rejoining && null != follower)
        {
            detail.append(detail.isEmpty() ? "" : "; ").append("rejoining: applied ").append(follower.appliedPosition())
                .append(rejoinTarget < 0 ? " (source not heard yet)" : " of " + rejoinTarget);
        }
        if (null != fatalError)
        {
            detail.append(detail.isEmpty() ? "" : "; ").append(fatalError);
        }
        final int primaryId = membership.primaryId();
        return new NodeStatus(
            self.name(),
            ProcessHandle.current().pid(),
            rejoining && state == State.BACKUP ? "rejoining" : state.name().toLowerCase(java.util.Locale.ROOT),
            epoch(),
            logPosition(),
            appliedPosition(),
            null == primary ? 0 : primary.confirmedPosition(),
            connectionCount(),
            primaryId > 0 ? nameOf(primaryId) : "",
            detail.toString(),
            System.currentTimeMillis());
    }

    /**
     * @return what this node says of itself and of the others, for its management endpoint's {@code /status} and
     * {@code /metrics}. Made on request on the node's thread (it reads the membership), never on the duty cycle's
     * steady path.
     */
    public NodeReport report()
    {
        final NodeStatus status = status();
        final String role = status.role();
        long lag = -1;
        if (null != primary && state == State.PRIMARY)
        {
            lag = Math.max(0, logPosition() - primary.confirmedPosition());
        }
        else if (state == State.BACKUP || state == State.DRAINING)
        {
            final Role reference = tapMode ? Role.PRIMARY : Role.LOGGER;
            for (int i = 0; i < membership.memberCount(); i++)
            {
                final MemberView view = membership.member(i);
                if (view.nodeId() != nodeId && view.role() == reference && view.alive() && view.heard())
                {
                    lag = Math.max(0, view.logPosition() - appliedPosition());
                }
            }
        }
        final FrameAuthenticator.Refusals refusals = authenticator.refusals();
        final long[] refused = {refusals.tooShort.get(), refusals.wrongCluster.get(), refusals.unknownSender.get(),
            refusals.wrongSourceMac.get(), refusals.replay.get(), refusals.badMac.get(),
            null == refusedOnClientPort ? 0 : refusedOnClientPort.get()};
        final List<NodeReport.Feed> feeds = new java.util.ArrayList<>();
        if (null != logger)
        {
            for (int i = 0; i < logger.feedCount(); i++)
            {
                final LogFeed feed = logger.feed(i);
                feeds.add(new NodeReport.Feed(nameOf(feed.backupNodeId()), feed.confirmedPosition(), feed.lag()));
            }
        }
        final List<String> differing = configAgreement.differing();
        final List<NodeReport.Member> members = new java.util.ArrayList<>();
        for (int i = 0; i < membership.memberCount(); i++)
        {
            final MemberView view = membership.member(i);
            final boolean me = view.nodeId() == nodeId;
            members.add(me ?
                new NodeReport.Member(nameOf(nodeId), true, view.configuredRole().text(), role, true, true, 0, epoch(),
                    status.primary(), logPosition(), appliedPosition(), connectionCount(), false) :
                new NodeReport.Member(nameOf(view.nodeId()), false, view.configuredRole().text(), view.role().text(),
                    view.alive() && view.heard(), view.heard(),
                    view.heard() ? Math.max(0, (nowNs - view.lastHeardNs()) / 1_000_000L) : -1, view.epoch(),
                    view.primaryId() > 0 ? nameOf(view.primaryId()) : "", view.logPosition(), view.appliedPosition(),
                    view.connectionCount(), differing.contains(nameOf(view.nodeId()))));
        }
        return new NodeReport(self.name(), status.pid(), config.name(), config.mode().text(), role, status.epoch(),
            status.primary(), status.logPosition(), status.applied(), status.confirmed(), lag, status.connections(),
            status.detail(), refused, feeds, members, status.writtenAtMs());
    }

    private TcpStack newManagementStack()
    {
        // A few connections with small buffers: a page is written from the endpoint's own buffer as the window opens.
        // The endpoint closes first (one request per connection), so each connection then waits in TIME-WAIT in this
        // table: 2 s there (RFC 6528 ISNs keep an old duplicate out of the next connection) lets a scraper or
        // ./ertcp status ask 30 times a second for good.
        final TcpConfig management = new TcpConfig().maxConnections(64).synBacklog(16)
            .receiveBufferBytes(16 * 1024).sendBufferBytes(64 * 1024).timeWaitNs(2_000_000_000L);
        final TcpStack managementTcp = new TcpStack(management, layer, new Counters(64));
        managementTcp.listen(managementAddress, config.management().port(), new ManagementEndpoint(
            new ManagementEndpoint.Pages()
            {
                public void status(final TextOut out)
                {
                    StatusJson.render(report(), out);
                }

                public void metrics(final TextOut out)
                {
                    prometheus.render(report(), counters, out);
                }
            }));
        return managementTcp;
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
        if (null != snapshots)
        {
            snapshots.close();
        }
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

    /**
     * @throws IllegalArgumentException with one sentence when the queue is not a directory or Chronicle Queue cannot
     * open it (a damaged file left by an earlier run).
     */
    private static ReplicationLog openLog(final Path queue, final String nodeName, final String rollCycle)
    {
        if (Files.exists(queue) && !Files.isDirectory(queue))
        {
            throw new IllegalArgumentException("the replication log " + queue + " (log.dir/" + nodeName + "/log) is a " +
                "file, not a directory: move that file away, or point log.dir at another directory.");
        }
        try
        {
            return ReplicationLog.open(queue, rollCycle);
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalArgumentException("the replication log " + queue + " (log.dir/" + nodeName + "/log) cannot " +
                "be opened (" + ex.getMessage() + "): it is damaged or not a Chronicle queue; move it aside and start " +
                "again (a primary or backup then rejoins from the logger, a logger starts an empty log).", ex);
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
