package io.ertcp.engine.cluster.config;

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

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads a cluster file into a {@link ClusterConfig}: first each value on its own (syntax, types,
 * ranges, unknown keys), then the rules between values (roles against the mode, durability against
 * the backups, addresses against the VIP). Every problem is collected with its line; any problem
 * refuses the file. The YAML is read as a node tree, not bound to objects, so that every problem
 * can name its line and no YAML tag can construct anything.
 */
final class ClusterFileReader extends ValueReader
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
    static final List<String> TCP_KEYS = List.of("congestion", "buffer-kib", "max-connections", "nagle",
        "spare-connections");
    static final List<String> NODE_KEYS = List.of("name", "role", "rank", "driver", "interface", "eal", "mac",
        "address", "threading", "slow-ns-per-record", "pci", "port-id", "replication-interface", "replication-pci",
        "replication-port-id", "replication-mac");

    /**
     * How deep collections may nest: a cluster file needs four (the file, {@code nodes}, a node, a service's
     * {@code options}); far deeper input would overflow the YAML composer's stack, so it is refused first.
     */
    static final int MAX_DEPTH = 16;

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
    private int spareConnections = TcpOptions.DEFAULT_SPARE_CONNECTIONS;
    private Boolean nagle;
    private Security security;
    private int managementPort = Management.DEFAULT_PORT;
    private int replicationMtu = ClusterConfig.DEFAULT_REPLICATION_MTU;
    private final List<NodeConfig> nodes = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    private YamlSection top;
    private YamlSection vipSection;
    private YamlSection detectionSection;
    /** The {@code nodes} list and the rules between the nodes, read once the other sections are. */
    private NodeListReader nodeList;

    private ClusterFileReader(final String source)
    {
        super(new Problems());
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
        nodeList = new NodeListReader(problems, top, mode, vip, vipMac, gateway, fencingHook, nodes, warnings);
        nodeList.readNodes();
        nodeList.checkRoles();
        checkDurability();
        nodeList.checkNodeAddresses();
        nodeList.checkReplicationInterfaces();

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
            new TcpOptions(congestion, bufferKib, maxConnections, nagleOn, spareConnections),
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
        spareConnections = (int)number(section, "spare-connections", TcpOptions.DEFAULT_SPARE_CONNECTIONS, 0, 1 << 24);
        if (section.has("spare-connections") && maxConnections > 0 && spareConnections > maxConnections)
        {
            problems.add(section.value("spare-connections"), "tcp spare-connections " + spareConnections +
                " is more than max-connections " + maxConnections + ": a node never builds more connections than " +
                "its table holds, so lower it to at most " + maxConnections + ".");
        }
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
        else if (durability.kind() == Durability.Kind.LOGGER_PLUS && nodeList.nodesNode != null && !nodeList.nodeUnreadable)
        {
            final int backups = nodeList.byRole(Role.BACKUP).size();
            if (durability.backups() > backups)
            {
                problems.add(at, "durability " + durability + " asks for " + durability.backups() +
                    " backups but the cluster has " + backups + ": lower K to " + backups + " or add backups.");
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

}
