package io.ertcp.engine.cluster.config;

import io.ertcp.engine.agent.ThreadingMode;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import io.ertcp.engine.service.ServiceCatalogue;
import io.ertcp.engine.service.ServiceJar;
import io.ertcp.engine.tcp.CongestionControlAlgorithm;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionEndEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.MappingStartEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads a cluster file into a {@link ClusterConfig}: first each value on its own (syntax, types,
 * ranges, unknown keys), then the rules between values (roles against the mode, durability against
 * the backups, addresses against the VIP). Every problem is collected with its line; any problem
 * refuses the file. The YAML is read as a node tree, not bound to objects, so that every problem
 * can name its line and no YAML tag can construct anything.
 */
final class ClusterFileReader
{
    static final List<String> TOP_KEYS = List.of("cluster", "mode", "service", "vip", "durability",
        "failure-detection", "log", "tcp", "security", "security.key-file", "replication-mtu", "nodes", "management");
    static final List<String> SERVICE_KEYS = List.of("name", "port", "root", "idle-timeout-ms", "lower",
        "perturbation", "trials", "integrity", "class", "jar", "options");
    /** The keys of a built-in service's own options, in {@link #SERVICE_KEYS}: the catalogue's. */
    private static final List<String> BUILT_IN_OPTION_KEYS = ServiceCatalogue.ALL_OPTIONS.stream()
        .map(ServiceCatalogue.Option::key).toList();
    static final List<String> VIP_KEYS = List.of("address", "mac", "gateway");
    static final List<String> DETECTION_KEYS = List.of("heartbeat-interval", "suspect-timeout", "fencing-hook");
    static final List<String> LOG_KEYS = List.of("dir", "retention", "roll-cycle", "file", "snapshot-every-records",
        "snapshot-every");
    static final List<String> SECURITY_KEYS = List.of("key-file");
    static final List<String> MANAGEMENT_KEYS = List.of("port");
    static final List<String> TCP_KEYS = List.of("congestion", "buffer-kib", "max-connections", "nagle");
    static final List<String> NODE_KEYS = List.of("name", "role", "rank", "driver", "interface", "eal", "mac",
        "address", "threading", "slow-ns-per-record", "pci", "port-id", "replication-interface", "replication-pci",
        "replication-port-id", "replication-mac");

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    /**
     * How deep collections may nest: a cluster file needs four (the file, {@code nodes}, a node, a service's
     * {@code options}); far deeper input would overflow the YAML composer's stack, so it is refused first.
     */
    static final int MAX_DEPTH = 16;

    private final Problems problems = new Problems();
    private final String source;

    private String clusterName;
    private ClusterMode mode;
    private ServiceConfig service;
    private Ipv4Address.Cidr vip;
    private long vipMac = -1;
    private OptionalInt gateway = OptionalInt.empty();
    private Durability durability;
    private long heartbeatNs = FailureDetection.DEFAULT_HEARTBEAT_INTERVAL_NS;
    private long suspectNs = -1;
    private Optional<String> fencingHook = Optional.empty();
    private Path logDir = LogConfig.DEFAULT_DIR;
    private long retentionNs = LogConfig.DEFAULT_RETENTION_NS;
    private String rollCycle = LogConfig.DEFAULT_ROLL_CYCLE;
    private Optional<Path> logFile = Optional.empty();
    private long snapshotEveryRecords;
    private long snapshotEveryNs;
    private CongestionControlAlgorithm congestion = CongestionControlAlgorithm.CUBIC;
    private int bufferKib = TcpOptions.DEFAULT_BUFFER_KIB;
    private int maxConnections = TcpOptions.DEFAULT_MAX_CONNECTIONS;
    private Boolean nagle;
    private Security security;
    private int managementPort = Management.DEFAULT_PORT;
    private int replicationMtu = ClusterConfig.DEFAULT_REPLICATION_MTU;
    private final List<NodeConfig> nodes = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    private YamlSection top;
    private YamlSection vipSection;
    private YamlSection detectionSection;
    private Node nodesNode;
    /** Set when a node could not be read: the rules between roles would then report phantoms. */
    private boolean nodeUnreadable;

    private ClusterFileReader(final String source)
    {
        this.source = source;
    }

    static ClusterConfig read(final String text, final String source)
    {
        return new ClusterFileReader(source).read(text);
    }

    private ClusterConfig read(final String text)
    {
        final Optional<Node> root;
        try
        {
            final LoadSettings settings = LoadSettings.builder().setLabel(source).setAllowDuplicateKeys(true).build();
            checkDepth(settings, text);
            root = new Compose(settings).composeString(text);
        }
        catch (final MarkedYamlEngineException ex)
        {
            final int line = ex.getProblemMark().map(mark -> mark.getLine() + 1).orElse(0);
            problems.add(line, "the file is not valid YAML (" + ex.getProblem() + "): mend the syntax there.");
            throw new ClusterConfigException(source, problems.sentences());
        }
        catch (final YamlEngineException ex)
        {
            problems.add(0, "the file is not valid YAML (" + ex.getMessage() + "): mend the syntax.");
            throw new ClusterConfigException(source, problems.sentences());
        }
        if (root.isEmpty() || !(root.get() instanceof final MappingNode mapping))
        {
            problems.add(root.orElse(null), "the file is not a cluster file: it must be a YAML mapping with the keys " +
                String.join(", ", TOP_KEYS) + " (see examples/cluster-namespaces.yaml).");
            throw new ClusterConfigException(source, problems.sentences());
        }
        top = new YamlSection("the cluster file", mapping, TOP_KEYS, problems);

        readTop();
        readService();
        readVip();
        readDetection();
        readLog();
        readTcp();
        readSecurity();
        readManagement();
        readNodes();
        checkRoles();
        checkDurability();
        checkNodeAddresses();
        checkReplicationInterfaces();

        if (!problems.isEmpty())
        {
            throw new ClusterConfigException(source, problems.sentences());
        }
        final boolean nagleOn = nagle != null ? nagle : !service.name().equals("netpipe");
        return new ClusterConfig(clusterName, mode, service,
            new VirtualAddress(vip, vipMac, gateway),
            durability,
            new FailureDetection(heartbeatNs, suspectNs, fencingHook),
            new LogConfig(logDir, retentionNs, rollCycle, logFile, snapshotEveryRecords, snapshotEveryNs),
            new TcpOptions(congestion, bufferKib, maxConnections, nagleOn),
            security, nodes, warnings, new Management(managementPort), replicationMtu);
    }

    /**
     * Walk the file's events (the parser does not recurse) and refuse it at the first collection nested deeper than
     * {@link #MAX_DEPTH}, naming the top-level key it lies under.
     */
    private void checkDepth(final LoadSettings settings, final String text)
    {
        // Per open collection: whether it is a mapping, and how many keys and values it has seen.
        final boolean[] mapping = new boolean[MAX_DEPTH + 1];
        final int[] items = new int[MAX_DEPTH + 1];
        int depth = 0;
        String topKey = null;
        for (final Event event : new Parse(settings).parseString(text))
        {
            if (event instanceof ScalarEvent || event instanceof AliasEvent || event instanceof CollectionStartEvent)
            {
                if (depth == 1 && mapping[1] && items[1] % 2 == 0 && event instanceof final ScalarEvent key)
                {
                    topKey = key.getValue();
                }
                if (depth > 0)
                {
                    items[depth]++;
                }
            }
            if (event instanceof CollectionStartEvent)
            {
                if (depth == MAX_DEPTH)
                {
                    final int line = event.getStartMark().map(mark -> mark.getLine() + 1).orElse(0);
                    problems.add(line, (null == topKey ? "the file" : "'" + topKey + "'") + " nests collections more " +
                        "than " + MAX_DEPTH + " deep (a cluster file needs 4): remove the extra nesting from here on " +
                        "(see examples/cluster-namespaces.yaml).");
                    throw new ClusterConfigException(source, problems.sentences());
                }
                depth++;
                mapping[depth] = event instanceof MappingStartEvent;
                items[depth] = 0;
            }
            else if (event instanceof CollectionEndEvent)
            {
                depth--;
            }
        }
    }

    private void readTop()
    {
        clusterName = name(top, "cluster", "the cluster", "demo");
        final String modeText = top.text("mode", true, "er-tcp");
        if (modeText != null)
        {
            mode = ClusterMode.byText(modeText);
            if (mode == null)
            {
                problems.add(top.value("mode"), "mode '" + modeText + "' is unknown: choose er-tcp or st-tcp.");
            }
        }
        final String durabilityText = top.text("durability", false, "logger");
        if (durabilityText != null)
        {
            durability = parse(top, "durability", durabilityText, Durability::parse);
        }
        else if (mode != null)
        {
            durability = mode == ClusterMode.ER_TCP ? Durability.LOGGER : Durability.BACKUP;
        }
        readReplicationMtu();
    }

    /** {@code replication-mtu}: the replication channel's frames, 1500 bytes or a jumbo size the ports carry. */
    private void readReplicationMtu()
    {
        final String text = top.text("replication-mtu", false, Integer.toString(ClusterConfig.DEFAULT_REPLICATION_MTU));
        if (null == text)
        {
            return;
        }
        long value = -1;
        try
        {
            value = Long.parseLong(text.replace("_", ""));
        }
        catch (final NumberFormatException ignore)
        {
            // the sentence below
        }
        if (value < ReplicationFrameFlyweight.MIN_MTU || value > ReplicationFrameFlyweight.MAX_MTU)
        {
            problems.add(top.value("replication-mtu"), "replication-mtu '" + text + "' is not a frame size from " +
                ReplicationFrameFlyweight.MIN_MTU + " to " + ReplicationFrameFlyweight.MAX_MTU + " bytes: write " +
                ClusterConfig.DEFAULT_REPLICATION_MTU + " for plain Ethernet, or 9000 where every node's port and " +
                "the switch between them carry jumbo frames.");
            return;
        }
        replicationMtu = (int)value;
    }

    private void readService()
    {
        final YamlSection section = top.section("service", "service", SERVICE_KEYS, true);
        if (section == null)
        {
            return;
        }
        if (section.has("class") || section.has("jar") || section.has("options"))
        {
            readServiceClass(section);
            return;
        }
        final String name = section.text("name", true, "echo");
        if (name == null)
        {
            return;
        }
        final ServiceCatalogue.Entry entry = ServiceCatalogue.byName(name).orElse(null);
        if (entry == null)
        {
            problems.add(section.value("name"), "service '" + name + "' is unknown: choose one of " +
                String.join(", ", ServiceCatalogue.NAMES) + ".");
            return;
        }
        final long port = number(section, "port", entry.defaultPort(), 1, 65535);
        final Map<String, String> options = new LinkedHashMap<>();
        for (final ServiceCatalogue.Option each : ServiceCatalogue.ALL_OPTIONS)
        {
            final String key = each.key();
            if (!section.has(key))
            {
                continue;
            }
            final ServiceCatalogue.Option option = entry.option(key).orElse(null);
            if (option == null)
            {
                problems.add(section.at(key), "service '" + key + "' does not apply to the " + name +
                    " service: drop it (" + ServiceCatalogue.whoTakesWhat() + ").");
                continue;
            }
            final String value = section.text(key, false, "1");
            if (value == null)
            {
                continue;
            }
            if (option.kind() == ServiceCatalogue.Kind.FLAG)
            {
                if (bool(section, key) != null)
                {
                    options.put(key, value);
                }
            }
            else if (option.kind() == ServiceCatalogue.Kind.PATH ||
                number(section, key, 0, option.min(), Integer.MAX_VALUE) >= 0)
            {
                options.put(key, value);
            }
        }
        service = new ServiceConfig(name, (int)port, options);
    }

    /**
     * A user's service: {@code class}, {@code jar}, {@code port} and its own {@code options}. The class is loaded and
     * checked here (nothing of it runs), so that a wrong path or name is refused with its line before a node starts.
     */
    private void readServiceClass(final YamlSection section)
    {
        if (section.has("name"))
        {
            problems.add(section.at("name"), "service gives both a built-in 'name' and a 'class': keep name for a " +
                "built-in service, or class and jar for your own.");
        }
        for (final String key : BUILT_IN_OPTION_KEYS)
        {
            if (section.has(key))
            {
                problems.add(section.at(key), "service '" + key + "' is an option of a built-in service: put your " +
                    "service's own options under options:, such as options: {" + key + ": ...}.");
            }
        }
        final String className = section.text("class", true, "com.example.ChatService");
        final String jarText = section.text("jar", true, "/opt/chat/chat.jar");
        final long port = section.has("port") ? number(section, "port", -1, 1, 65535) : -1;
        if (!section.has("port"))
        {
            problems.add(section.node(), "service lacks 'port': a service of your own has no default port, so add " +
                "one, such as port: 7000.");
        }
        final Map<String, String> options = new LinkedHashMap<>();
        final Node optionsNode = section.value("options");
        if (optionsNode != null)
        {
            if (!(optionsNode instanceof final MappingNode mapping))
            {
                problems.add(optionsNode, "service options is not a section: write each option as key: value " +
                    "indented below it.");
            }
            else
            {
                for (final var tuple : mapping.getValue())
                {
                    if (!(tuple.getKeyNode() instanceof final org.snakeyaml.engine.v2.nodes.ScalarNode key) ||
                        !(tuple.getValueNode() instanceof final org.snakeyaml.engine.v2.nodes.ScalarNode value))
                    {
                        problems.add(tuple.getKeyNode(), "service options hold plain key: value pairs only: write " +
                            "lists and sections as one text value the service parses.");
                    }
                    else if (options.put(key.getValue(), value.getValue()) != null)
                    {
                        problems.add(key, "service options give '" + key.getValue() + "' twice: keep one.");
                    }
                }
            }
        }
        if (className == null || jarText == null || port < 0)
        {
            return;
        }
        final Path jar = Path.of(jarText);
        try
        {
            ServiceJar.load(jar, className);
        }
        catch (final ServiceJar.LoadException ex)
        {
            problems.add(section.value(ex.part() == ServiceJar.Part.JAR ? "jar" : "class"), ex.getMessage());
            return;
        }
        service = new ServiceConfig(className, (int)port, options, Optional.of(jar));
    }

    private void readVip()
    {
        vipSection = top.section("vip", "vip", VIP_KEYS, true);
        if (vipSection == null)
        {
            return;
        }
        final String address = vipSection.text("address", true, "10.80.0.100/24");
        if (address != null)
        {
            if (address.indexOf('/') < 0)
            {
                problems.add(vipSection.value("address"), "vip address '" + address + "' has no prefix length: " +
                    "write it as A.B.C.D/NN, such as " + address + "/24.");
            }
            else
            {
                vip = parse(vipSection, "address", address, Ipv4Address::parseCidr);
                if (vip != null)
                {
                    checkHostAddress(vipSection.value("address"), "vip address", vip);
                }
            }
        }
        final String mac = vipSection.text("mac", true, "02:00:00:00:00:64");
        if (mac != null)
        {
            final Long parsed = parse(vipSection, "mac", mac, MacAddress::parse);
            if (parsed != null)
            {
                if (MacAddress.isGroup(parsed))
                {
                    problems.add(vipSection.value("mac"), "vip mac " + mac + " is a multicast or broadcast address: " +
                        "use a unicast one (first octet even), such as 02:00:00:00:00:64.");
                }
                else
                {
                    vipMac = parsed;
                    if (((parsed >>> 40) & 0x02) == 0)
                    {
                        warnings.add("vip mac " + mac + " is not locally administered: a vendor's address may " +
                            "clash with a real NIC; prefer one starting 02:.");
                    }
                }
            }
        }
        final String gatewayText = vipSection.text("gateway", false, "10.80.0.1");
        if (gatewayText != null)
        {
            final Integer parsed = parse(vipSection, "gateway", gatewayText, Ipv4Address::parse);
            if (parsed != null)
            {
                if (vip != null && !vip.contains(parsed))
                {
                    problems.add(vipSection.value("gateway"), "vip gateway " + gatewayText + " is not on " + vip +
                        ": give a gateway inside the VIP's prefix.");
                }
                else if (vip != null && parsed == vip.address())
                {
                    problems.add(vipSection.value("gateway"), "vip gateway " + gatewayText + " is the VIP itself: " +
                        "give the router's address.");
                }
                gateway = OptionalInt.of(parsed);
            }
        }
    }

    private void readDetection()
    {
        detectionSection = top.section("failure-detection", "failure-detection", DETECTION_KEYS, false);
        if (detectionSection == null)
        {
            suspectNs = FailureDetection.DEFAULT_SUSPECT_HEARTBEATS * heartbeatNs;
            return;
        }
        final Long heartbeat = duration(detectionSection, "heartbeat-interval");
        if (heartbeat != null)
        {
            if (heartbeat < FailureDetection.MIN_HEARTBEAT_INTERVAL_NS)
            {
                problems.add(detectionSection.value("heartbeat-interval"), "failure-detection heartbeat-interval " +
                    Durations.format(heartbeat) + " is too short: use 100us or more.");
            }
            heartbeatNs = heartbeat;
        }
        final Long suspect = duration(detectionSection, "suspect-timeout");
        suspectNs = suspect != null ? suspect : FailureDetection.DEFAULT_SUSPECT_HEARTBEATS * heartbeatNs;
        if (suspect != null && suspect <= heartbeatNs)
        {
            problems.add(detectionSection.value("suspect-timeout"), "failure-detection suspect-timeout " +
                Durations.format(suspect) + " is not longer than the heartbeat-interval " + Durations.format(heartbeatNs) +
                ": make it several heartbeats, such as " + Durations.format(5 * heartbeatNs) + ".");
        }
        else if (suspect != null && suspect < 3 * heartbeatNs)
        {
            warnings.add("failure-detection suspect-timeout " + Durations.format(suspect) + " is under three heartbeats: " +
                "one lost heartbeat frame may start a takeover.");
        }
        final String hook = detectionSection.text("fencing-hook", false, "/usr/local/bin/fence-primary");
        fencingHook = Optional.ofNullable(hook);
    }

    private void readLog()
    {
        final YamlSection section = top.section("log", "log", LOG_KEYS, false);
        if (section == null)
        {
            return;
        }
        final String dir = section.text("dir", false, "/var/lib/ertcp");
        if (dir != null)
        {
            logDir = Path.of(dir);
        }
        final Long retention = duration(section, "retention");
        if (retention != null)
        {
            if (retention < 1_000_000_000L)
            {
                problems.add(section.value("retention"), "log retention " + Durations.format(retention) +
                    " is under a second: keep roll cycles at least 1s, such as 1h.");
            }
            retentionNs = retention;
        }
        final String cycle = section.text("roll-cycle", false, "hourly");
        if (cycle != null)
        {
            if (io.ertcp.log.ReplicationLog.ROLL_CYCLE_NAMES.contains(cycle))
            {
                rollCycle = cycle;
            }
            else
            {
                problems.add(section.value("roll-cycle"), "log roll-cycle '" + cycle + "' is not one of " +
                    String.join(", ", io.ertcp.log.ReplicationLog.ROLL_CYCLE_NAMES) + ": use hourly (seconds is for tests).");
            }
        }
        final String file = section.text("file", false, "node.log");
        if (file != null)
        {
            try
            {
                logFile = Optional.of(Path.of(file));
            }
            catch (final java.nio.file.InvalidPathException ex)
            {
                problems.add(section.value("file"), "log file '" + file + "' is not a path (" + ex.getReason() +
                    "): give a file name such as node.log.");
            }
        }
        readSnapshotKeys(section);
    }

    /** {@code log.snapshot-every-records} and {@code log.snapshot-every}: when service snapshots are taken. */
    private void readSnapshotKeys(final YamlSection section)
    {
        if (section.has("snapshot-every-records"))
        {
            snapshotEveryRecords = Math.max(0, number(section, "snapshot-every-records", 1_000_000L, 1, 1_000_000_000_000L));
        }
        final Long every = duration(section, "snapshot-every");
        if (every != null)
        {
            if (every < 1_000_000L)
            {
                problems.add(section.value("snapshot-every"), "log snapshot-every " + Durations.format(every) +
                    " is under a millisecond: a snapshot copies the whole service state, so take one at most every few " +
                    "seconds, such as 10m.");
            }
            snapshotEveryNs = every;
        }
    }

    /**
     * {@code security: {key-file: PATH}} or {@code security.key-file: PATH}, or {@code security: none}. A file without
     * it is refused: an unauthenticated channel is one any host on the LAN can take down, so it must be chosen.
     */
    private void readSecurity()
    {
        final String fix = "make a key with ./ertcp keygen /etc/ertcp/cluster.key, copy it to every node and add " +
            "security: {key-file: /etc/ertcp/cluster.key} (or security: none for an unauthenticated channel, benchmarks only).";
        final Node value = top.value("security");
        final Node dotted = top.value("security.key-file");
        if (null != dotted)
        {
            if (null != value)
            {
                problems.add(dotted, "the cluster file gives both security and security.key-file: keep one.");
                return;
            }
            final String path = top.text("security.key-file", true, "/etc/ertcp/cluster.key");
            if (null != path)
            {
                security = new Security(Optional.of(Path.of(path)));
            }
            return;
        }
        if (null == value)
        {
            problems.add(top.node(), "the cluster file has no security section: " + fix);
            return;
        }
        if (value instanceof final org.snakeyaml.engine.v2.nodes.ScalarNode scalar)
        {
            if (scalar.getValue().trim().equals("none"))
            {
                security = Security.NONE;
                warnings.add("security: none: the replication channel is not authenticated, so any host on its LAN " +
                    "can stop the cluster; make a key with ./ertcp keygen FILE and name it in security.key-file.");
            }
            else
            {
                problems.add(value, "security '" + scalar.getValue() + "' is not a section or none: " + fix);
            }
            return;
        }
        final YamlSection section = top.section("security", "security", SECURITY_KEYS, false);
        if (null == section)
        {
            return;
        }
        final String path = section.text("key-file", true, "/etc/ertcp/cluster.key");
        if (null != path)
        {
            security = new Security(Optional.of(Path.of(path)));
        }
    }

    private void readTcp()
    {
        final YamlSection section = top.section("tcp", "tcp", TCP_KEYS, false);
        if (section == null)
        {
            return;
        }
        final String algorithm = section.text("congestion", false, "cubic");
        if (algorithm != null)
        {
            switch (algorithm)
            {
                case "cubic" -> congestion = CongestionControlAlgorithm.CUBIC;
                case "newreno" -> congestion = CongestionControlAlgorithm.NEWRENO;
                default -> problems.add(section.value("congestion"), "tcp congestion '" + algorithm +
                    "' is unknown: choose cubic or newreno.");
            }
        }
        bufferKib = (int)number(section, "buffer-kib", TcpOptions.DEFAULT_BUFFER_KIB, 1, 1 << 20);
        maxConnections = (int)number(section, "max-connections", TcpOptions.DEFAULT_MAX_CONNECTIONS, 1, 1 << 24);
        if (section.has("nagle"))
        {
            nagle = bool(section, "nagle");
        }
    }

    /**
     * {@code management: {port: N}}: the port of every node's management endpoint on its own address.
     */
    private void readManagement()
    {
        final YamlSection section = top.section("management", "management", MANAGEMENT_KEYS, false);
        if (section != null)
        {
            managementPort = (int)number(section, "port", Management.DEFAULT_PORT, 1, 65535);
        }
    }

    private void readNodes()
    {
        nodesNode = top.value("nodes");
        if (nodesNode == null)
        {
            problems.add(top.node(), "the cluster file lacks 'nodes': list each node with name, role, driver and interface.");
            return;
        }
        if (!(nodesNode instanceof final SequenceNode list) || list.getValue().isEmpty())
        {
            problems.add(nodesNode, "'nodes' is not a list of nodes: write each as '- name: ...' with role, driver and interface.");
            return;
        }
        final Map<String, Node> names = new HashMap<>();
        final Map<Long, String> macs = new HashMap<>();
        final Map<Integer, String> ranks = new HashMap<>();
        int index = 0;
        for (final Node item : list.getValue())
        {
            index++;
            if (!(item instanceof final MappingNode mapping))
            {
                problems.add(item, "node " + index + " is not a mapping: write it as '- name: ...' with role, driver and interface.");
                continue;
            }
            final NodeConfig node = readNode(index, mapping, names, macs, ranks);
            if (node != null)
            {
                nodes.add(node);
            }
            else
            {
                nodeUnreadable = true;
            }
        }
    }

    private NodeConfig readNode(
        final int index,
        final MappingNode mapping,
        final Map<String, Node> names,
        final Map<Long, String> macs,
        final Map<Integer, String> ranks)
    {
        final YamlSection probe = new YamlSection("node " + index, mapping, NODE_KEYS, new Problems());
        final String rawName = probe.text("name", false, "");
        final String where = rawName != null ? "node '" + rawName + "'" : "node " + index;
        final YamlSection section = new YamlSection(where, mapping, NODE_KEYS, problems);
        final String name = name(section, "name", where, "primary");
        if (name != null && names.putIfAbsent(name, mapping) != null)
        {
            problems.add(section.value("name"), "node name '" + name + "' is used twice (first on line " +
                line(names.get(name)) + "): give each node its own name.");
        }

        Role role = null;
        final String roleText = section.text("role", true, "backup");
        if (roleText != null)
        {
            role = Role.byText(roleText);
            if (role == null)
            {
                problems.add(section.value("role"), where + " has unknown role '" + roleText +
                    "': choose primary, logger, backup or witness.");
            }
        }

        OptionalInt rank = OptionalInt.empty();
        if (section.has("rank"))
        {
            final long value = number(section, "rank", -1, 0, 1000);
            if (role == Role.LOGGER || role == Role.WITNESS)
            {
                problems.add(section.at("rank"), where + " is a " + role.text() + " and has a rank: drop it " +
                    "(ranks order the primary and backups for takeover).");
            }
            else if (value >= 0)
            {
                rank = OptionalInt.of((int)value);
                final String other = ranks.putIfAbsent((int)value, name);
                if (other != null)
                {
                    problems.add(section.value("rank"), where + " has rank " + value + ", as node '" + other +
                        "' has: give each backup its own rank.");
                }
            }
        }
        else if (role == Role.BACKUP)
        {
            problems.add(mapping, where + " is a backup without a rank: add rank: N (the lowest takes over first).");
        }
        else if (role == Role.PRIMARY)
        {
            rank = OptionalInt.of(0);
            final String other = ranks.putIfAbsent(0, name);
            // a second primary is reported once, by checkRoles, not again for its rank
            if (other != null && nodes.stream().noneMatch(node -> node.role() == Role.PRIMARY))
            {
                problems.add(mapping, where + " is the primary and takes rank 0, which node '" + other +
                    "' has: give that backup a rank of 1 or more.");
            }
        }

        Driver driver = null;
        final String driverText = section.text("driver", true, "af-packet");
        if (driverText != null)
        {
            driver = Driver.byText(driverText);
            if (driver == null)
            {
                problems.add(section.value("driver"), where + " has unknown driver '" + driverText +
                    "': choose dpdk or af-packet.");
            }
        }
        final boolean dpdkPort = section.has("pci") || section.has("port-id");
        final String iface = dpdkPort ? dpdkPort(section, where, driver, "") : section.text("interface", true, "eth0");
        final Optional<String> pci = pci(section, "", dpdkPort && null != iface);
        final OptionalInt portId = portId(section, "", dpdkPort && null != iface);
        final String eal = section.text("eal", false, "\"-l 1 -a 0000:03:00.0\"");
        if (eal != null && driver == Driver.AF_PACKET)
        {
            problems.add(section.at("eal"), where + " gives eal arguments with the af-packet driver: drop eal, " +
                "or use driver: dpdk.");
        }

        final OptionalLong mac = uniqueMac(section, "mac", "02:00:00:00:00:01", "interface's",
            "' has: give each node its own MAC.", where, name, macs);

        Optional<Ipv4Address.Cidr> address = Optional.empty();
        final String addressText = section.text("address", false, "10.80.0.11/24");
        if (addressText != null)
        {
            final Ipv4Address.Cidr parsed = parse(section, "address", addressText,
                text -> Ipv4Address.parseCidr(text.indexOf('/') < 0 && vip != null ? text + "/" + vip.prefixLength() : text));
            if (parsed != null)
            {
                address = Optional.of(parsed);
            }
        }

        ThreadingMode threading = ThreadingMode.SHARED;
        final String threadingText = section.text("threading", false, "shared");
        if (threadingText != null)
        {
            if (threadingText.equals("dedicated"))
            {
                threading = ThreadingMode.DEDICATED;
            }
            else if (!threadingText.equals("shared"))
            {
                problems.add(section.value("threading"), where + " has threading '" + threadingText +
                    "': choose shared or dedicated.");
            }
        }

        long slowNs = 0;
        if (section.has("slow-ns-per-record"))
        {
            slowNs = number(section, "slow-ns-per-record", 0, 0, 1_000_000_000L);
            if (role != null && role != Role.BACKUP)
            {
                problems.add(section.at("slow-ns-per-record"), where + " is a " + role.text() +
                    " and has slow-ns-per-record: drop it (only a backup may be made slow on purpose).");
            }
        }

        final Optional<NodeConfig.Replication> replication =
            replication(section, where, name, driver, iface, pci, portId, macs);

        if (name == null || role == null || driver == null || iface == null)
        {
            return null;
        }
        return new NodeConfig(name, role, rank, driver, iface, Optional.ofNullable(eal), mac, address, threading,
            Math.max(0, slowNs), line(mapping), pci, portId, replication);
    }

    /**
     * A dpdk node that names its port by PCI address ({@code pci}) or DPDK port id ({@code port-id}) instead of a Linux
     * interface: only with driver dpdk, one of the two, no interface beside it. The same for its replication port with
     * {@code prefix} "replication-" ({@code replication-pci}, {@code replication-port-id}).
     *
     * @return "" (the node has no Linux interface of its own), or null with a problem.
     */
    private String dpdkPort(final YamlSection section, final String where, final Driver driver, final String prefix)
    {
        final String pciKey = prefix + "pci";
        final String portIdKey = prefix + "port-id";
        final String interfaceKey = prefix + "interface";
        final String key = section.has(pciKey) ? pciKey : portIdKey;
        boolean ok = true;
        if (driver == Driver.AF_PACKET)
        {
            problems.add(section.at(key), where + " names a DPDK port with " + key + " but has driver af-packet: use " +
                "driver: dpdk, or give af-packet a Linux interface with " + interfaceKey + ": and drop " + key + ".");
            ok = false;
        }
        if (section.has(pciKey) && section.has(portIdKey))
        {
            problems.add(section.at(portIdKey), where + " gives both " + pciKey + " and " + portIdKey + ": keep one (" +
                pciKey + " names the NIC, " + portIdKey + " the N-th port EAL finds).");
            ok = false;
        }
        if (section.has(interfaceKey))
        {
            problems.add(section.at(interfaceKey), where + " gives " + interfaceKey + " beside " + key + ": drop " +
                interfaceKey + " (a NIC bound to vfio-pci has no Linux interface), or drop " + key + " to drive the " +
                "interface through net_af_packet.");
            ok = false;
        }
        if (section.has(pciKey))
        {
            final String text = section.text(pciKey, false, "0000:03:00.0");
            if (null == text)
            {
                return null;
            }
            if (!io.ertcp.engine.port.DpdkPort.isPciAddress(text))
            {
                problems.add(section.value(pciKey), where + " " + pciKey + " '" + text + "' is not a PCI address: " +
                    "write it as DDDD:BB:DD.F, such as 0000:03:00.0 (dpdk-devbind.py --status lists the NICs).");
                ok = false;
            }
        }
        else if (number(section, portIdKey, 0, 0, 1023) < 0)
        {
            ok = false;
        }
        return ok ? "" : null;
    }

    /** The PCI address of {@code prefix + "pci"} in DPDK's form, when {@code valid}. */
    private static Optional<String> pci(final YamlSection section, final String prefix, final boolean valid)
    {
        return valid && section.has(prefix + "pci") ?
            Optional.of(io.ertcp.engine.port.DpdkPort.pciAddress(section.text(prefix + "pci", false, "0000:03:00.0"))) :
            Optional.empty();
    }

    /** The port id of {@code prefix + "port-id"}, when {@code valid}. */
    private OptionalInt portId(final YamlSection section, final String prefix, final boolean valid)
    {
        return valid && section.has(prefix + "port-id") ?
            OptionalInt.of((int)number(section, prefix + "port-id", 0, 0, 1023)) : OptionalInt.empty();
    }

    /**
     * A node's replication port (docs/cluster-file.md, "A separate replication interface"): a
     * {@code replication-interface}, or with driver dpdk a {@code replication-pci} or {@code replication-port-id},
     * never the node's own port; and its {@code replication-mac}.
     *
     * @return empty when the node has none, or with a problem.
     */
    private Optional<NodeConfig.Replication> replication(final YamlSection section, final String where,
        final String name, final Driver driver, final String iface, final Optional<String> pci,
        final OptionalInt portId, final Map<Long, String> macs)
    {
        final boolean dpdkPort = section.has("replication-pci") || section.has("replication-port-id");
        if (!dpdkPort && !section.has("replication-interface"))
        {
            if (section.has("replication-mac"))
            {
                problems.add(section.at("replication-mac"), where + " has replication-mac without " +
                    "replication-interface: add replication-interface, or drop replication-mac (the channel then " +
                    "uses mac).");
            }
            return Optional.empty();
        }
        final String replicationIface = dpdkPort ? dpdkPort(section, where, driver, "replication-") :
            section.text("replication-interface", false, "eth1");
        final Optional<String> replicationPci = pci(section, "replication-", dpdkPort && null != replicationIface);
        final OptionalInt replicationPortId = portId(section, "replication-", dpdkPort && null != replicationIface);
        final String key = dpdkPort ? (section.has("replication-pci") ? "replication-pci" : "replication-port-id") :
            "replication-interface";
        if (null != replicationIface && !replicationIface.isEmpty() && replicationIface.equals(iface) ||
            replicationPci.isPresent() && replicationPci.equals(pci) ||
            replicationPortId.isPresent() && replicationPortId.equals(portId))
        {
            final String same = replicationPci.orElseGet(() -> replicationPortId.isPresent() ?
                Integer.toString(replicationPortId.getAsInt()) : replicationIface);
            final String own = dpdkPort ? key.substring("replication-".length()) : "interface";
            problems.add(section.value(key), where + " has " + key + " " + same + ", its " + own + " too: name " +
                "another " + (dpdkPort ? "port" : "interface") + " (a VLAN or NIC of its own), or drop " + key +
                " to run the channel on the " + own + ".");
        }
        final OptionalLong replicationMac = section.has("replication-mac") ?
            replicationMac(section, where, name, macs) : OptionalLong.empty();
        if (null == replicationIface)
        {
            return Optional.empty();
        }
        return Optional.of(new NodeConfig.Replication(replicationIface, replicationPci, replicationPortId,
            replicationMac));
    }

    /** A node's MAC on its replication interface: unicast, not the virtual MAC, unique among every MAC of the file. */
    private OptionalLong replicationMac(final YamlSection section, final String where, final String name,
        final Map<Long, String> macs)
    {
        return uniqueMac(section, "replication-mac", "02:00:00:00:01:01", "replication interface's",
            "' has a mac: give each interface of each node its own MAC.", where, name, macs);
    }

    /**
     * The MAC a node's {@code key} gives, if any: unicast, not the virtual MAC, unique among every MAC of the file
     * (noted in {@code macs}); each of those problems one sentence.
     *
     * @param ownInterface whose MAC is used without the key, for the advice.
     * @param duplicate    the sentence's end after the other node's name, when the MAC is taken.
     */
    private OptionalLong uniqueMac(final YamlSection section, final String key, final String example,
        final String ownInterface, final String duplicate, final String where, final String name,
        final Map<Long, String> macs)
    {
        final String text = section.text(key, false, example);
        final Long parsed = text == null ? null : parse(section, key, text, MacAddress::parse);
        if (parsed == null)
        {
            return OptionalLong.empty();
        }
        if (MacAddress.isGroup(parsed))
        {
            problems.add(section.value(key), where + " " + key + " " + text + " is a multicast address: use a " +
                "unicast one, or drop " + key + " to use the " + ownInterface + ".");
        }
        else if (parsed == vipMac)
        {
            problems.add(section.value(key), where + " " + key + " " + text + " is the virtual MAC: give the node " +
                "its own, or drop " + key + " to use the " + ownInterface + ".");
        }
        else
        {
            final String other = macs.putIfAbsent(parsed, name);
            if (other != null)
            {
                problems.add(section.value(key), where + " has " + key + " " + text + ", as node '" + other + duplicate);
            }
        }
        return OptionalLong.of(parsed);
    }

    /**
     * A node without a replication interface speaks on its interface: where others have one, that interface must
     * reach their replication LAN (a logger or witness may live on the replication LAN alone); a warning, since the
     * LANs may be joined.
     */
    private void checkReplicationInterfaces()
    {
        final List<String> with = nodes.stream().filter(n -> n.replication().isPresent()).map(NodeConfig::name).toList();
        final List<String> without = nodes.stream().filter(n -> n.replication().isEmpty()).map(NodeConfig::name).toList();
        if (!with.isEmpty() && !without.isEmpty())
        {
            warnings.add("node(s) " + String.join(", ", with) + " run the replication channel on a replication-interface " +
                "and " + String.join(", ", without) + " on their interface: those interfaces must be on the replication " +
                "LAN (give each node replication-interface to keep the channel off the clients' LAN).");
        }
    }

    /** The roles a mode allows, and a majority for every takeover (docs/architecture.md rule 4). */
    private void checkRoles()
    {
        if (nodesNode == null || mode == null || nodeUnreadable)
        {
            return;
        }
        final Node at = top.at("nodes");
        final List<NodeConfig> primaries = byRole(Role.PRIMARY);
        final List<NodeConfig> loggers = byRole(Role.LOGGER);
        final List<NodeConfig> backups = byRole(Role.BACKUP);
        final List<NodeConfig> witnesses = byRole(Role.WITNESS);
        if (primaries.isEmpty())
        {
            problems.add(at, "no node is the primary: give exactly one node role: primary.");
        }
        for (final NodeConfig extra : primaries.subList(Math.min(1, primaries.size()), primaries.size()))
        {
            problems.add(extra.line(), "node '" + extra.name() + "' is a second primary (after '" +
                primaries.getFirst().name() + "'): make it a backup with a rank.");
        }
        if (mode == ClusterMode.ER_TCP)
        {
            if (loggers.isEmpty())
            {
                problems.add(at, "mode er-tcp has no logger: give one node role: logger, or use mode: st-tcp.");
            }
            for (final NodeConfig extra : loggers.subList(Math.min(1, loggers.size()), loggers.size()))
            {
                problems.add(extra.line(), "node '" + extra.name() + "' is a second logger: make it a backup " +
                    "(a backup is promoted when the logger is lost).");
            }
            for (final NodeConfig witness : witnesses)
            {
                problems.add(witness.line(), "node '" + witness.name() + "' is a witness in mode er-tcp, where " +
                    "the logger already votes: drop it, or make it a backup.");
            }
        }
        else
        {
            for (final NodeConfig logger : loggers)
            {
                problems.add(logger.line(), "node '" + logger.name() + "' is a logger in mode st-tcp, which has " +
                    "none (the backup confirms): make it a backup or a witness, or use mode: er-tcp.");
            }
            if (backups.isEmpty())
            {
                problems.add(at, "mode st-tcp has no backup: give one node role: backup with a rank.");
            }
            for (final NodeConfig extra : backups.subList(Math.min(1, backups.size()), backups.size()))
            {
                problems.add(extra.line(), "node '" + extra.name() + "' is a second backup in mode st-tcp, which " +
                    "runs one (the backup that taps the client and confirms): make it a witness, or use mode: er-tcp " +
                    "for several backups.");
            }
            if (primaries.size() == 1 && backups.size() == 1 && witnesses.isEmpty() && loggers.isEmpty() &&
                fencingHook.isEmpty())
            {
                problems.add(at, "a primary and one backup alone have no majority, so a takeover could " +
                    "split the brain: add a node with role: witness, or set failure-detection fencing-hook.");
            }
        }
    }

    private void checkDurability()
    {
        if (durability == null || mode == null)
        {
            return;
        }
        final Node at = top.has("durability") ? top.value("durability") : top.value("mode");
        if (mode == ClusterMode.ER_TCP && durability.kind() == Durability.Kind.BACKUP)
        {
            problems.add(at, "durability backup is for mode st-tcp: use logger or logger+K in er-tcp.");
        }
        else if (mode == ClusterMode.ST_TCP && durability.kind() != Durability.Kind.BACKUP)
        {
            problems.add(at, "durability " + durability + " needs a logger, which mode st-tcp has none of: " +
                "use durability: backup.");
        }
        else if (durability.kind() == Durability.Kind.LOGGER_PLUS && nodesNode != null && !nodeUnreadable)
        {
            final int backups = byRole(Role.BACKUP).size();
            if (durability.backups() > backups)
            {
                problems.add(at, "durability " + durability + " asks for " + durability.backups() +
                    " backups but the cluster has " + backups + ": lower K to " + backups + " or add backups.");
            }
        }
    }

    private void checkNodeAddresses()
    {
        final Map<Integer, String> seen = new HashMap<>();
        for (final NodeConfig node : nodes)
        {
            if (node.address().isEmpty())
            {
                continue;
            }
            final Ipv4Address.Cidr address = node.address().get();
            final String text = Ipv4Address.format(address.address());
            if (vip != null && address.address() == vip.address())
            {
                problems.add(node.line(), "node '" + node.name() + "' address " + text + " is the VIP: give the " +
                    "node its own address.");
            }
            else if (vip != null && !vip.contains(address.address()))
            {
                problems.add(node.line(), "node '" + node.name() + "' address " + text + " is not on the VIP's " +
                    "prefix " + vip + ": give an address inside it.");
            }
            else if (gateway.isPresent() && gateway.getAsInt() == address.address())
            {
                problems.add(node.line(), "node '" + node.name() + "' address " + text + " is the gateway's: " +
                    "give the node its own address.");
            }
            final String other = seen.putIfAbsent(address.address(), node.name());
            if (other != null)
            {
                problems.add(node.line(), "node '" + node.name() + "' has address " + text + ", as node '" + other +
                    "' has: give each node its own address.");
            }
        }
    }

    private void checkHostAddress(final Node at, final String what, final Ipv4Address.Cidr cidr)
    {
        final int host = cidr.address() & ~cidr.netmask();
        final int first = cidr.address() >>> 24;
        if (first == 0 || first >= 224 || first == 127)
        {
            problems.add(at, what + " " + cidr + " is not a unicast host address: use one such as 10.80.0.100/24.");
        }
        else if (cidr.prefixLength() < 31 && (host == 0 || host == ~cidr.netmask()))
        {
            problems.add(at, what + " " + cidr + " is the network or broadcast address of its prefix: " +
                "use a host address inside it.");
        }
    }

    private List<NodeConfig> byRole(final Role role)
    {
        return nodes.stream().filter(node -> node.role() == role).toList();
    }

    private String name(final YamlSection section, final String key, final String where, final String example)
    {
        final String name = section.text(key, true, example);
        if (name != null && !NAME.matcher(name).matches())
        {
            problems.add(section.value(key), where + " name '" + name + "' is not usable: use letters, digits, " +
                "'.', '-' and '_' (it names a log directory), such as " + example + ".");
            return null;
        }
        return name;
    }

    private Long duration(final YamlSection section, final String key)
    {
        final String text = section.text(key, false, "10ms");
        if (text == null)
        {
            return null;
        }
        final Long ns = parse(section, key, text, Durations::parseNs);
        if (ns != null && ns <= 0)
        {
            problems.add(section.value(key), section.where() + " " + key + " must be longer than zero: write " +
                "a duration such as 10ms.");
            return null;
        }
        return ns;
    }

    /** A whole number in range; the default when absent; -1, with a problem, when wrong. */
    private long number(final YamlSection section, final String key, final long defaultValue, final long min, final long max)
    {
        final String text = section.text(key, false, Long.toString(Math.max(min, 1)));
        if (text == null)
        {
            return section.has(key) ? -1 : defaultValue;
        }
        try
        {
            final long value = Long.parseLong(text.replace("_", ""));
            if (value >= min && value <= max)
            {
                return value;
            }
        }
        catch (final NumberFormatException ignore)
        {
            // fall through to the sentence
        }
        problems.add(section.value(key), section.where() + " " + key + " '" + text + "' is not a whole number from " +
            min + " to " + max + ": write one such as " + Math.max(min, defaultValue) + ".");
        return -1;
    }

    private Boolean bool(final YamlSection section, final String key)
    {
        final String text = section.text(key, false, "true");
        if (text == null)
        {
            return null;
        }
        if (text.equals("true") || text.equals("false"))
        {
            return Boolean.valueOf(text);
        }
        problems.add(section.value(key), section.where() + " " + key + " '" + text + "' is not true or false: write one of them.");
        return null;
    }

    /** Applies a parser whose errors are one sentence, turning them into problems at the value's line. */
    private <T> T parse(final YamlSection section, final String key, final String text, final Function<String, T> parser)
    {
        try
        {
            return parser.apply(text);
        }
        catch (final IllegalArgumentException | ArithmeticException ex)
        {
            final String reason = ex.getMessage() == null ? "'" + text + "' is out of range" : ex.getMessage();
            problems.add(section.value(key), section.where() + " " + key + ": " + reason + (reason.endsWith(".") ? "" : "."));
            return null;
        }
    }

    private static int line(final Node node)
    {
        return node.getStartMark().map(mark -> mark.getLine() + 1).orElse(0);
    }
}
