package io.ertcp.engine.cluster.config;

import io.ertcp.engine.agent.ThreadingMode;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import io.ertcp.engine.service.ServiceJars;
import io.ertcp.engine.tcp.CongestionControlAlgorithm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ClusterFileWriter} is the reader's inverse: over many varied configurations (both modes, every built-in
 * service and a user's, every durability, odd paths and hooks that need quoting, optional keys present and absent, a
 * log file, the management port, the replication MTU, dpdk nodes by interface, PCI address or port id),
 * writing a configuration and reading the text back gives the same configuration, and writing that gives the same
 * text. {@link ClusterTemplate} builds the standard topologies from a few settings, through the same writer.
 */
class ClusterFileWriterTest
{
    @TempDir
    Path directory;

    @Test
    void whatIsWrittenReadsBackEqualOverVariedConfigurations()
    {
        final Path jar = ServiceJars.demo(directory);
        for (long seed = 1; seed <= 300; seed++)
        {
            final ClusterConfig config = random(new Random(seed), jar);
            final String text = ClusterFileWriter.write(config);
            final ClusterConfig read;
            try
            {
                read = ClusterConfig.parse(text);
            }
            catch (final ClusterConfigException ex)
            {
                throw new AssertionError("seed " + seed + ": the written file is refused: " + ex.getMessage() + "\n" + text, ex);
            }
            assertEquals(withoutLines(config), withoutLines(read), "seed " + seed + ":\n" + text);
            assertEquals(config.digest(), read.digest(), "seed " + seed);
            assertEquals(text, ClusterFileWriter.write(read), "seed " + seed);
        }
    }

    @Test
    void theFileIsCommented()
    {
        final String text = new ClusterTemplate().keyFile(Path.of("/etc/ertcp/cluster.key")).text();
        assertTrue(text.startsWith("# Cluster 'demo' (er-tcp): 3 nodes."), text);
        assertTrue(text.contains("  name: echo                    # RFC 862: sends back what it receives\n"), text);
        assertTrue(text.contains("    rank: 1                     # the lowest takes over first\n"), text);
    }

    @Test
    void aScalarThatYamlWouldReadOtherwiseIsQuoted()
    {
        assertEquals("/srv/www", ClusterFileWriter.scalar("/srv/www"));
        assertEquals("\"a b\"", ClusterFileWriter.scalar("a b"));
        assertEquals("\"#x\"", ClusterFileWriter.scalar("#x"));
        assertEquals("\"say \\\"hi\\\" \\\\ now\"", ClusterFileWriter.scalar("say \"hi\" \\ now"));
        assertEquals("\"k:\"", ClusterFileWriter.scalar("k:"));
        assertEquals("\"-l 1\"", ClusterFileWriter.scalar("-l 1"));
    }

    @Test
    void theTemplateMakesTheStandardTopologies()
    {
        final ClusterConfig er = new ClusterTemplate().backups(2).keyFile(Path.of("k")).config();
        assertEquals(List.of("primary", "logger", "backup1", "backup2"), er.nodes().stream().map(NodeConfig::name).toList());
        assertEquals("10.80.0.14/24", er.node("backup2").address().orElseThrow().toString());
        assertEquals(OptionalLong.of(0x0200_0000_0014L), er.node("backup2").mac());
        assertEquals(Durability.LOGGER, er.durability());

        final ClusterConfig st = new ClusterTemplate().mode("st-tcp").service("http").serviceOption("root", "/srv/www")
            .vip("10.81.0.100/24").vipMac("02:00:00:00:81:64").securityNone().config();
        assertEquals(List.of("primary", "backup", "witness"), st.nodes().stream().map(NodeConfig::name).toList());
        assertEquals(Durability.BACKUP, st.durability());
        assertEquals(80, st.service().port());
        assertEquals(Map.of("root", "/srv/www"), st.service().options());
        assertEquals("10.81.0.15/24", st.node("witness").address().orElseThrow().toString());
        assertEquals(OptionalLong.of(0x0200_0000_8115L), st.node("witness").mac());

        final ClusterConfig hooked = new ClusterTemplate().mode("st-tcp").fencingHook("true").securityNone().config();
        assertEquals(List.of("primary", "backup"), hooked.nodes().stream().map(NodeConfig::name).toList());

        final ClusterConfigException refused = assertThrows(ClusterConfigException.class,
            () -> new ClusterTemplate().mode("st-tcp").backups(2).securityNone().config());
        assertTrue(refused.getMessage().contains("is a second backup in mode st-tcp"), refused.getMessage());
        assertNotEquals(er.digest(), new ClusterTemplate().backups(2).keyFile(Path.of("other")).config().digest());
    }

    @Test
    void theTemplateSetsWhatMainAddedToTheFile()
    {
        final ClusterTemplate template = new ClusterTemplate().driver("dpdk").pci("3:00.1").eal("-l 2")
            .logFile(Path.of("node.log")).managementPort(9100).replicationMtu(9000).securityNone();
        final ClusterConfig config = template.config();
        assertEquals(Optional.of("0000:03:00.1"), config.node("backup").pci());
        assertEquals("", config.node("backup").iface());
        assertEquals(Optional.of(Path.of("node.log")), config.log().file());
        assertEquals(9100, config.management().port());
        assertEquals(9000, config.replicationMtu());
        final String text = template.text();
        assertTrue(text.contains("    pci: 0000:03:00.1"), text);
        assertTrue(!text.contains("interface:"), text);
        assertTrue(text.contains("management:\n  port: 9100"), text);

        // Snapshots: written, read back, and kept by the log settings made after them.
        final ClusterTemplate snapshotting = new ClusterTemplate().service("kv").snapshotEveryRecords(5000)
            .snapshotEvery("10m").retention("1s").rollCycle("seconds").securityNone();
        assertEquals(5000, snapshotting.config().log().snapshotEveryRecords());
        assertEquals(600_000_000_000L, snapshotting.config().log().snapshotEveryNs());
        assertTrue(snapshotting.text().contains("  snapshot-every-records: 5000"), snapshotting.text());
        assertEquals(0, template.config().log().snapshotEveryRecords(), "none unless asked");
        assertTrue(!text.contains("snapshot-every"), text);

        final ClusterConfig byId = new ClusterTemplate().driver("dpdk").portId(1).eal("--vdev=net_tap0").securityNone()
            .config();
        assertEquals(OptionalInt.of(1), byId.node("primary").portId());
        assertEquals(Optional.empty(), byId.node("primary").pci());

        final ClusterConfigException refused = assertThrows(ClusterConfigException.class,
            () -> new ClusterTemplate().pci("0000:03:00.0").securityNone().config());
        assertTrue(refused.getMessage().contains("names a DPDK port with pci but has driver af-packet"),
            refused.getMessage());
    }

    /** Lines are where the nodes stand in a text, and warnings what the reader says of it: neither is written. */
    private static ClusterConfig withoutLines(final ClusterConfig config)
    {
        return new ClusterConfig(config.name(), config.mode(), config.service(), config.vip(), config.durability(),
            config.detection(), config.log(), config.tcp(), config.security(),
            config.nodes().stream().map(node -> new NodeConfig(node.name(), node.role(), node.rank(), node.driver(),
                node.iface(), node.eal(), node.mac(), node.address(), node.threading(), node.slowNsPerRecord(), 0,
                node.pci(), node.portId(), node.replication())).toList(),
            List.of(), config.management(), config.replicationMtu());
    }

    private static final String[] ODD = {"plain", "two words", "with: colon", "hash # inside", "#lead", "quote\"d",
        "back\\slash", "-dash", "ünïcode", "x,y=z", "true", "123", "null", "~", "a'b"};

    /** A configuration the reader accepts, drawn at random. */
    private static ClusterConfig random(final Random random, final Path jar)
    {
        final boolean st = random.nextBoolean();
        final ClusterMode mode = st ? ClusterMode.ST_TCP : ClusterMode.ER_TCP;
        final int prefix = 16 + random.nextInt(9);
        final int net = (10 << 24) | (random.nextInt(200) << 16);
        final Ipv4Address.Cidr vip = new Ipv4Address.Cidr(net | 100, prefix);

        final ServiceConfig service = switch (random.nextInt(6))
        {
            case 0 -> new ServiceConfig("echo", random.nextBoolean() ? 7 : 1 + random.nextInt(65535), Map.of());
            case 1 -> new ServiceConfig("discard", 9, Map.of());
            case 2 ->
            {
                final Map<String, String> options = new LinkedHashMap<>();
                if (random.nextBoolean())
                {
                    options.put("root", "/srv/" + ODD[random.nextInt(ODD.length)].replace("#", "h"));
                }
                if (random.nextBoolean())
                {
                    options.put("idle-timeout-ms", Integer.toString(random.nextInt(100_000)));
                }
                yield new ServiceConfig("http", 80, options);
            }
            case 3 ->
            {
                final Map<String, String> options = new LinkedHashMap<>();
                if (random.nextBoolean())
                {
                    options.put("lower", Integer.toString(1 + random.nextInt(4096)));
                }
                if (random.nextBoolean())
                {
                    options.put("perturbation", Integer.toString(random.nextInt(4)));
                }
                if (random.nextBoolean())
                {
                    options.put("integrity", Boolean.toString(random.nextBoolean()));
                }
                yield new ServiceConfig("netpipe", 5002, options);
            }
            case 4 -> new ServiceConfig("kv", 6379 + random.nextInt(3), Map.of());
            default ->
            {
                final Map<String, String> options = new LinkedHashMap<>();
                for (int i = random.nextInt(4); i > 0; i--)
                {
                    options.put("k" + i + (random.nextBoolean() ? "-x" : ""), ODD[random.nextInt(ODD.length)]);
                }
                yield new ServiceConfig("demo.GoodService", 7000 + random.nextInt(100), options, Optional.of(jar));
            }
        };

        final List<NodeConfig> nodes = new ArrayList<>();
        final int backups = st ? 1 : random.nextInt(4);
        final boolean witness = st && random.nextBoolean();
        final Optional<String> hook = st && !witness ? Optional.of("/usr/local/bin/fence " + ODD[random.nextInt(ODD.length)]) :
            random.nextInt(4) == 0 ? Optional.of("fence") : Optional.empty();
        int host = 11;
        nodes.add(node(random, "primary", Role.PRIMARY, OptionalInt.of(random.nextInt(3) == 0 ? 0 : 100),
            vip, host++));
        if (!st)
        {
            nodes.add(node(random, "logger-" + random.nextInt(9), Role.LOGGER, OptionalInt.empty(), vip, host++));
        }
        for (int i = 1; i <= backups; i++)
        {
            nodes.add(node(random, "backup." + i, Role.BACKUP, OptionalInt.of(i * 10 + random.nextInt(10)), vip, host++));
        }
        if (witness)
        {
            nodes.add(node(random, "w_" + random.nextInt(9), Role.WITNESS, OptionalInt.empty(), vip, host));
        }

        final Durability durability = st ? Durability.BACKUP : backups > 0 && random.nextBoolean() ?
            new Durability(Durability.Kind.LOGGER_PLUS, 1 + random.nextInt(backups)) : Durability.LOGGER;
        final long heartbeatNs = (100 + random.nextInt(20_000)) * 1_000L;
        return new ClusterConfig(
            "c" + random.nextInt(1000),
            mode,
            service,
            new VirtualAddress(vip, 0x0200_0000_0064L | ((long)random.nextInt(256) << 8),
                random.nextBoolean() ? OptionalInt.of(net | 1) : OptionalInt.empty()),
            durability,
            new FailureDetection(heartbeatNs, heartbeatNs * (3 + random.nextInt(10)), hook),
            new LogConfig(Path.of(random.nextBoolean() ? "/var/lib/ertcp" : "/tmp/" + ODD[random.nextInt(ODD.length)]),
                (1 + random.nextInt(7200)) * 1_000_000_000L, random.nextBoolean() ? "hourly" : "seconds",
                switch (random.nextInt(3))
                {
                    case 0 -> Optional.empty();
                    case 1 -> Optional.of(Path.of("node " + ODD[random.nextInt(ODD.length)].replace("#", "h") + ".log"));
                    default -> Optional.of(Path.of("/var/log/ertcp/node.log"));
                }),
            new TcpOptions(random.nextBoolean() ? CongestionControlAlgorithm.CUBIC : CongestionControlAlgorithm.NEWRENO,
                1 + random.nextInt(1024), 1 + random.nextInt(100_000), random.nextBoolean()),
            random.nextBoolean() ? Security.NONE : new Security(Optional.of(Path.of("/etc/ertcp/" +
                ODD[random.nextInt(ODD.length)] + ".key"))),
            nodes,
            List.of(),
            new Management(random.nextBoolean() ? Management.DEFAULT_PORT : 1 + random.nextInt(65535)),
            random.nextBoolean() ? ClusterConfig.DEFAULT_REPLICATION_MTU :
                ReplicationFrameFlyweight.MIN_MTU + random.nextInt(ReplicationFrameFlyweight.MAX_MTU - ReplicationFrameFlyweight.MIN_MTU + 1));
    }

    private static NodeConfig node(final Random random, final String name, final Role role, final OptionalInt rank,
        final Ipv4Address.Cidr vip, final int host)
    {
        final boolean dpdk = random.nextInt(3) == 0;
        // A dpdk node names its port by a Linux interface (through net_af_packet), a PCI address or a port id.
        final int port = dpdk ? random.nextInt(3) : 0;
        final int ownPortId = random.nextInt(1024);
        return new NodeConfig(name, role, rank, dpdk ? Driver.DPDK : Driver.AF_PACKET,
            port == 0 ? "eth" + random.nextInt(3) : "",
            dpdk && random.nextBoolean() ? Optional.of("-l " + host % 4 + " --file-prefix n" + host) : Optional.empty(),
            random.nextBoolean() ? OptionalLong.of(0x0200_0000_1000L + host) : OptionalLong.empty(),
            random.nextBoolean() ? Optional.of(new Ipv4Address.Cidr((vip.address() & vip.netmask()) | host,
                vip.prefixLength())) : Optional.empty(),
            random.nextBoolean() ? ThreadingMode.SHARED : ThreadingMode.DEDICATED,
            role == Role.BACKUP && random.nextBoolean() ? random.nextInt(1_000_000) : 0,
            0,
            port == 1 ? Optional.of(String.format("%04x:%02x:%02x.%d", random.nextInt(2), random.nextInt(256),
                random.nextInt(32), random.nextInt(8))) : Optional.empty(),
            port == 2 ? OptionalInt.of(ownPortId) : OptionalInt.empty(),
            replication(random, dpdk, host, ownPortId));
    }

    /** A replication port, named as a node's port is but never the node's own one, or none. */
    private static Optional<NodeConfig.Replication> replication(final Random random, final boolean dpdk, final int host,
        final int ownPortId)
    {
        if (random.nextInt(3) != 0)
        {
            return Optional.empty();
        }
        final OptionalLong mac = random.nextBoolean() ? OptionalLong.of(0x0200_0000_2000L + host) : OptionalLong.empty();
        return Optional.of(switch (dpdk ? random.nextInt(3) : 0)
        {
            case 1 -> new NodeConfig.Replication("", Optional.of(String.format("%04x:%02x:%02x.%d", 2 + random.nextInt(2),
                random.nextInt(256), random.nextInt(32), random.nextInt(8))), OptionalInt.empty(), mac);
            case 2 -> new NodeConfig.Replication("", Optional.empty(), OptionalInt.of((ownPortId + 1 + random.nextInt(1023)) % 1024),
                mac);
            default -> new NodeConfig.Replication("rep" + random.nextInt(3), mac);
        });
    }
}
