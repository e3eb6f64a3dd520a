package io.ertcp.engine.cluster.config;

import io.ertcp.engine.agent.ThreadingMode;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.service.ServiceCatalogue;
import io.ertcp.engine.tcp.CongestionControlAlgorithm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A cluster's topology, told in a few settings, turned into a {@link ClusterConfig} and its file: what
 * {@code ./ertcp cluster-file}, the demo, the test harnesses and the benches build their cluster files from, instead of
 * each writing YAML by hand. Every setting has the reader's default; {@link #config()} builds the records, writes them
 * with {@link ClusterFileWriter} and reads the text back with the cluster file reader, so a template that would make a
 * bad file is refused with the reader's sentences, and what the caller gets is exactly what a node will read.
 *
 * <p>The nodes, unless {@link #members} names them: the primary, in er-tcp the logger, the backups ranked 1..N, and in
 * st-tcp a witness (unless a fencing hook replaces its vote). Each node is a host number on the VIP's prefix (primary
 * .11, logger .12, backups .13 on, the witness .15) and a MAC that is the virtual MAC with the host number's digits as
 * its last octet (host 11, 02:00:00:00:00:11 beside the virtual 02:00:00:00:00:64).
 */
public final class ClusterTemplate
{
    /** The witness's host number: after the logger and room for three backups (st-tcp runs one). */
    public static final int WITNESS_HOST = 15;

    /**
     * One node of the topology.
     *
     * @param rank  its takeover rank, or -1 for none (logger, witness).
     * @param host  its host number on the VIP's prefix, which gives its address and MAC.
     * @param iface its interface, or null for the template's {@link #iface}.
     */
    public record Member(String name, Role role, int rank, int host, String iface)
    {
    }

    private String name = "demo";
    private ClusterMode mode = ClusterMode.ER_TCP;
    private int backups = 1;
    private boolean numberedBackups;
    private boolean witness = true;
    private String service = "echo";
    private int servicePort = -1;
    private final Map<String, String> serviceOptions = new LinkedHashMap<>();
    private Path serviceJar;
    private Ipv4Address.Cidr vip = Ipv4Address.parseCidr("10.80.0.100/24");
    private long vipMac = MacAddress.parse("02:00:00:00:00:64");
    private OptionalInt gateway = OptionalInt.empty();
    private Durability durability;
    private long heartbeatNs = FailureDetection.DEFAULT_HEARTBEAT_INTERVAL_NS;
    private long suspectNs = -1;
    private Optional<String> fencingHook = Optional.empty();
    /** The log section as set so far: the reader's defaults unless told otherwise. */
    private LogConfig log = new LogConfig(LogConfig.DEFAULT_DIR, LogConfig.DEFAULT_RETENTION_NS,
        LogConfig.DEFAULT_ROLL_CYCLE);
    /** The tcp section as set so far; its nagle is {@link #nagle}'s, settled when the service is known. */
    private TcpOptions tcp = new TcpOptions(CongestionControlAlgorithm.CUBIC, TcpOptions.DEFAULT_BUFFER_KIB,
        TcpOptions.DEFAULT_MAX_CONNECTIONS, true);
    private Boolean nagle;
    private int spareConnections = TcpOptions.DEFAULT_SPARE_CONNECTIONS;
    private Security security;
    private int replicationMtu = ClusterConfig.DEFAULT_REPLICATION_MTU;
    private int managementPort = Management.DEFAULT_PORT;
    private Driver driver = Driver.AF_PACKET;
    private String iface = "eth0";
    private String replicationIface;
    private Optional<String> pci = Optional.empty();
    private OptionalInt portId = OptionalInt.empty();
    private Optional<String> eal = Optional.empty();
    private boolean macs = true;
    private boolean addresses = true;
    private ThreadingMode threading = ThreadingMode.SHARED;
    private List<Member> members;

    public ClusterTemplate name(final String name)
    {
        this.name = name;
        return this;
    }

    public ClusterTemplate mode(final ClusterMode mode)
    {
        this.mode = mode;
        return this;
    }

    /** {@code er-tcp} or {@code st-tcp}. */
    public ClusterTemplate mode(final String text)
    {
        final ClusterMode parsed = ClusterMode.byText(text);
        if (parsed == null)
        {
            throw new IllegalArgumentException("mode '" + text + "' is unknown: choose er-tcp or st-tcp");
        }
        return mode(parsed);
    }

    public ClusterMode mode()
    {
        return mode;
    }

    /** How many backups (er-tcp, default 1; st-tcp runs exactly one). */
    public ClusterTemplate backups(final int backups)
    {
        if (backups < 0 || backups > 9)
        {
            throw new IllegalArgumentException("--backups must be from 0 to 9, not " + backups);
        }
        this.backups = backups;
        return this;
    }

    /** Name a single backup {@code backup1}, as several are named, instead of {@code backup}. */
    public ClusterTemplate numberedBackups(final boolean numbered)
    {
        this.numberedBackups = numbered;
        return this;
    }

    /** In st-tcp, whether a witness votes (the default); without one the file needs a fencing hook. */
    public ClusterTemplate witness(final boolean witness)
    {
        this.witness = witness;
        return this;
    }

    /** A built-in service of {@link ServiceCatalogue}, with its default port unless {@link #servicePort} says. */
    public ClusterTemplate service(final String name)
    {
        this.service = name;
        this.serviceJar = null;
        return this;
    }

    /** A user's service: its class in a jar (every node needs the jar at that path); it needs a port. */
    public ClusterTemplate serviceClass(final String className, final Path jar)
    {
        this.service = className;
        this.serviceJar = jar;
        return this;
    }

    public ClusterTemplate servicePort(final int port)
    {
        this.servicePort = port;
        return this;
    }

    /** One of the service's own options, as the cluster file writes it ({@code root}, {@code /srv/www}). */
    public ClusterTemplate serviceOption(final String key, final String value)
    {
        serviceOptions.put(key, value);
        return this;
    }

    /** The VIP as {@code A.B.C.D/NN}: the nodes' addresses are on its prefix. */
    public ClusterTemplate vip(final String cidr)
    {
        if (cidr.indexOf('/') < 0)
        {
            throw new IllegalArgumentException("the VIP '" + cidr + "' has no prefix length: write it as " + cidr + "/24");
        }
        this.vip = Ipv4Address.parseCidr(cidr);
        return this;
    }

    public ClusterTemplate vipMac(final String mac)
    {
        this.vipMac = MacAddress.parse(mac);
        return this;
    }

    public ClusterTemplate gateway(final String address)
    {
        this.gateway = OptionalInt.of(Ipv4Address.parse(address));
        return this;
    }

    /** {@code logger}, {@code logger+K} or {@code backup}; without it, the mode's default. */
    public ClusterTemplate durability(final String rule)
    {
        this.durability = Durability.parse(rule);
        return this;
    }

    /** Such as {@code 10ms}. */
    public ClusterTemplate heartbeat(final String duration)
    {
        this.heartbeatNs = Durations.parseNs(duration);
        return this;
    }

    /** Such as {@code 400ms}; without it, five heartbeats. */
    public ClusterTemplate suspectTimeout(final String duration)
    {
        this.suspectNs = Durations.parseNs(duration);
        return this;
    }

    public ClusterTemplate fencingHook(final String command)
    {
        this.fencingHook = Optional.of(command);
        return this;
    }

    public ClusterTemplate logDir(final Path dir)
    {
        this.log = new LogConfig(dir, log.retentionNs(), log.rollCycle(), log.file(), log.snapshotEveryRecords(),
            log.snapshotEveryNs());
        return this;
    }

    public ClusterTemplate retention(final String duration)
    {
        this.log = new LogConfig(log.dir(), Durations.parseNs(duration), log.rollCycle(), log.file(),
            log.snapshotEveryRecords(), log.snapshotEveryNs());
        return this;
    }

    public ClusterTemplate rollCycle(final String cycle)
    {
        this.log = new LogConfig(log.dir(), log.retentionNs(), cycle, log.file(), log.snapshotEveryRecords(),
            log.snapshotEveryNs());
        return this;
    }

    /** The file each node appends its log lines to instead of stdout; a relative one lies in DIR/NODE. */
    public ClusterTemplate logFile(final Path file)
    {
        this.log = new LogConfig(log.dir(), log.retentionNs(), log.rollCycle(), Optional.of(file),
            log.snapshotEveryRecords(), log.snapshotEveryNs());
        return this;
    }

    /** {@code log.snapshot-every-records}: a service snapshot is due this many records after the last (0: never by count). */
    public ClusterTemplate snapshotEveryRecords(final long records)
    {
        this.log = new LogConfig(log.dir(), log.retentionNs(), log.rollCycle(), log.file(), records, log.snapshotEveryNs());
        return this;
    }

    /** {@code log.snapshot-every}: a service snapshot is due this long after the last. */
    public ClusterTemplate snapshotEvery(final String duration)
    {
        this.log = new LogConfig(log.dir(), log.retentionNs(), log.rollCycle(), log.file(), log.snapshotEveryRecords(),
            Durations.parseNs(duration));
        return this;
    }

    public ClusterTemplate congestion(final CongestionControlAlgorithm algorithm)
    {
        this.tcp = new TcpOptions(algorithm, tcp.bufferKib(), tcp.maxConnections(), tcp.nagle());
        return this;
    }

    public ClusterTemplate bufferKib(final int kib)
    {
        this.tcp = new TcpOptions(tcp.congestion(), kib, tcp.maxConnections(), tcp.nagle());
        return this;
    }

    public ClusterTemplate maxConnections(final int connections)
    {
        this.tcp = new TcpOptions(tcp.congestion(), tcp.bufferKib(), connections, tcp.nagle());
        return this;
    }

    /** Connections each node keeps built ahead for opens to come ({@code tcp.spare-connections}). */
    public ClusterTemplate spareConnections(final int connections)
    {
        this.spareConnections = connections;
        return this;
    }

    /** Nagle on or off; without it, on except for netpipe (as {@code ./ertcp serve}). */
    public ClusterTemplate nagle(final boolean on)
    {
        this.nagle = on;
        return this;
    }

    /** The cluster key file every node reads ({@code ./ertcp keygen} makes one). */
    public ClusterTemplate keyFile(final Path file)
    {
        this.security = new Security(Optional.of(file));
        return this;
    }

    /** {@code security: none}: the channel unauthenticated, for benchmarks. */
    public ClusterTemplate securityNone()
    {
        this.security = Security.NONE;
        return this;
    }

    /** The replication channel's frame size after the Ethernet header (default 1500; 9000 on jumbo-frame ports). */
    public ClusterTemplate replicationMtu(final int mtu)
    {
        this.replicationMtu = mtu;
        return this;
    }

    /** The port of every node's management endpoint ({@code GET /status}, {@code GET /metrics}; default 9464). */
    public ClusterTemplate managementPort(final int port)
    {
        this.managementPort = port;
        return this;
    }

    /** {@code af-packet} (the default) or {@code dpdk}, for every node. */
    public ClusterTemplate driver(final String text)
    {
        final Driver parsed = Driver.byText(text);
        if (parsed == null)
        {
            throw new IllegalArgumentException("driver '" + text + "' is unknown: choose dpdk or af-packet");
        }
        this.driver = parsed;
        return this;
    }

    /** Every node's interface unless its {@link Member} names one (default eth0, a namespace's veth end). */
    public ClusterTemplate iface(final String iface)
    {
        this.iface = iface;
        return this;
    }

    /**
     * dpdk: every node's NIC by its PCI address, bound to vfio-pci (each node on its own machine), instead of an
     * interface.
     */
    public ClusterTemplate pci(final String address)
    {
        this.pci = Optional.of(address);
        this.portId = OptionalInt.empty();
        return this;
    }

    /** dpdk: every node's port as the N-th port EAL finds with {@link #eal}'s arguments, instead of an interface. */
    public ClusterTemplate portId(final int id)
    {
        this.portId = OptionalInt.of(id);
        this.pci = Optional.empty();
        return this;
    }

    public ClusterTemplate eal(final String arguments)
    {
        this.eal = Optional.of(arguments);
        return this;
    }

    /**
     * Every node's replication channel on a Linux interface of its own ({@code replication-interface}), on a LAN apart
     * from the clients'; with MACs in the file, each node's {@link #replicationMac} there.
     */
    public ClusterTemplate replicationInterface(final String iface)
    {
        this.replicationIface = iface;
        return this;
    }

    /** A member's MAC on the replication LAN: its own with the fifth octet 01 (02:00:00:00:01:11 for 0x11). */
    public long replicationMac(final Member member)
    {
        return mac(member) | 0x0100L;
    }

    /** Whether the file gives each node's MAC (the default); without, nodes use their interfaces' and learn others'. */
    public ClusterTemplate macs(final boolean inFile)
    {
        this.macs = inFile;
        return this;
    }

    /**
     * Whether the file gives each node its own address (the default), where it serves its management endpoint; without,
     * a node has none and {@code ./ertcp status} reads the nodes' status files.
     */
    public ClusterTemplate addresses(final boolean inFile)
    {
        this.addresses = inFile;
        return this;
    }

    public ClusterTemplate threading(final ThreadingMode mode)
    {
        this.threading = mode;
        return this;
    }

    /** The nodes by hand, in file order, instead of the standard ones. */
    public ClusterTemplate members(final List<Member> nodes)
    {
        this.members = List.copyOf(nodes);
        return this;
    }

    /** The nodes, in file order: {@link #members(List)}'s, or the standard ones for the mode and backups. */
    public List<Member> members()
    {
        if (members != null)
        {
            return members;
        }
        final List<Member> standard = new ArrayList<>();
        standard.add(new Member("primary", Role.PRIMARY, 0, 11, null));
        if (mode == ClusterMode.ER_TCP)
        {
            standard.add(new Member("logger", Role.LOGGER, -1, 12, null));
        }
        for (int i = 1; i <= backups; i++)
        {
            standard.add(new Member(backups == 1 && !numberedBackups ? "backup" : "backup" + i, Role.BACKUP, i, 12 + i,
                null));
        }
        if (mode == ClusterMode.ST_TCP && witness && fencingHook.isEmpty())
        {
            standard.add(new Member("witness", Role.WITNESS, -1, WITNESS_HOST, null));
        }
        return standard;
    }

    /** A member's address on the VIP's prefix. */
    public Ipv4Address.Cidr address(final Member member)
    {
        return new Ipv4Address.Cidr((vip.address() & vip.netmask()) | member.host(), vip.prefixLength());
    }

    /** A member's MAC: the virtual MAC with the host number's decimal digits as its last octet (11 gives 0x11). */
    public long mac(final Member member)
    {
        final int octet = member.host() < 100 ? Integer.parseInt(Integer.toString(member.host()), 16) : member.host();
        return (vipMac & ~0xFFL) | (octet & 0xFF);
    }

    /**
     * The cluster as a node reads it.
     *
     * @throws ClusterConfigException with the reader's sentences when the topology makes no good cluster file.
     * @throws IllegalStateException  when no security was chosen ({@link #keyFile} or {@link #securityNone}).
     */
    public ClusterConfig config()
    {
        return ClusterConfig.parse(ClusterFileWriter.write(build()));
    }

    /** The commented cluster file, checked by reading it back. */
    public String text()
    {
        return ClusterFileWriter.write(config());
    }

    private ClusterConfig build()
    {
        if (security == null)
        {
            throw new IllegalStateException("choose the cluster's security: a key file (./ertcp keygen FILE) or none");
        }
        final ServiceConfig serviceConfig;
        if (serviceJar != null)
        {
            serviceConfig = new ServiceConfig(service, servicePort, serviceOptions, Optional.of(serviceJar));
        }
        else
        {
            final int port = servicePort > 0 ? servicePort :
                ServiceCatalogue.byName(service).map(ServiceCatalogue.Entry::defaultPort).orElse(-1);
            serviceConfig = new ServiceConfig(service, port, serviceOptions);
        }
        final List<NodeConfig> nodes = new ArrayList<>();
        for (final Member member : members())
        {
            final boolean dpdkPort = pci.isPresent() || portId.isPresent();
            nodes.add(new NodeConfig(member.name(), member.role(),
                member.rank() >= 0 ? OptionalInt.of(member.rank()) : OptionalInt.empty(), driver,
                dpdkPort ? "" : member.iface() != null ? member.iface() : iface, eal,
                macs ? OptionalLong.of(mac(member)) : OptionalLong.empty(),
                addresses ? Optional.of(address(member)) : Optional.empty(), threading, 0, 0, pci, portId,
                replicationIface == null ? Optional.empty() : Optional.of(new NodeConfig.Replication(replicationIface,
                    macs ? OptionalLong.of(replicationMac(member)) : OptionalLong.empty()))));
        }
        return new ClusterConfig(name, mode, serviceConfig, new VirtualAddress(vip, vipMac, gateway),
            durability != null ? durability : mode == ClusterMode.ER_TCP ? Durability.LOGGER : Durability.BACKUP,
            new FailureDetection(heartbeatNs, suspectNs > 0 ? suspectNs : FailureDetection.DEFAULT_SUSPECT_HEARTBEATS * heartbeatNs,
                fencingHook),
            log,
            new TcpOptions(tcp.congestion(), tcp.bufferKib(), tcp.maxConnections(),
                nagle != null ? nagle : !service.equals("netpipe"), spareConnections),
            security, nodes, List.of(), new Management(managementPort), replicationMtu);
    }
}
