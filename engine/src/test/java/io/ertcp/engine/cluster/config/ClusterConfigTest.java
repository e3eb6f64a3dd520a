package io.ertcp.engine.cluster.config;

import io.ertcp.engine.agent.ThreadingMode;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.tcp.CongestionControlAlgorithm;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterConfigTest
{
    private static final Path EXAMPLES = Path.of(System.getProperty("ertcp.root", ".."), "examples");

    /** The smallest valid ER-TCP file but for its security; each rule's test breaks it in one place. */
    private static final String MINIMAL = ClusterFiles.MINIMAL;

    /**
     * {@link #MINIMAL} as an ST-TCP cluster of a primary and one backup, serving kv: the logger's four lines gone, so
     * the nodes are lines 8-17 and a line added at the end is line 18.
     */
    private static final String ST_TCP_TWO = MINIMAL.replace("cluster: test", "cluster: st")
        .replace("mode: er-tcp", "mode: st-tcp").replace("name: echo", "name: kv")
        .replace("  - name: l\n    role: logger\n    driver: af-packet\n    interface: veth-l\n", "");

    /** Every file here is authenticated with this key file unless it says otherwise (the key is not read by parse). */
    private static final String SECURITY = "security:\n  key-file: /etc/ertcp/test.key\n";

    /** Parse a file, with {@link #SECURITY} appended (lines keep their numbers) when it has nodes and no security. */
    private static ClusterConfig parse(final String yaml)
    {
        return ClusterConfig.parse(yaml.contains("\nnodes:") && !yaml.contains("security") ? yaml + SECURITY : yaml);
    }

    @Nested
    class SecuritySection
    {
        @Test
        void keyFileInASection()
        {
            assertEquals(Path.of("/etc/ertcp/test.key"), parse(MINIMAL).security().keyFile().orElseThrow());
        }

        @Test
        void keyFileAsADottedKey()
        {
            final ClusterConfig config = parse(MINIMAL + "security.key-file: keys/c.key\n");
            assertEquals(Path.of("keys/c.key"), config.security().keyFile().orElseThrow());
            assertTrue(config.security().authenticated());
        }

        @Test
        void noneRunsUnauthenticatedWithAWarning()
        {
            final ClusterConfig config = parse(MINIMAL + "security: none\n");
            assertFalse(config.security().authenticated());
            assertEquals(1, config.warnings().size());
            assertTrue(config.warnings().getFirst().startsWith("security: none: the replication channel is not authenticated"),
                config.warnings().getFirst());
        }

        @Test
        void aFileWithoutSecurityIsRefusedWithHowToMakeAKey()
        {
            final ClusterConfigException ex = assertThrows(ClusterConfigException.class, () -> ClusterConfig.parse(MINIMAL));
            assertEquals(List.of("line 1: the cluster file has no security section: make a key with ./ertcp keygen " +
                "/etc/ertcp/cluster.key, copy it to every node and add security: {key-file: /etc/ertcp/cluster.key} " +
                "(or security: none for an unauthenticated channel, benchmarks only)."), ex.problems());
        }

        @Test
        void anythingElseIsRefused()
        {
            final ClusterConfigException ex = assertThrows(ClusterConfigException.class,
                () -> ClusterConfig.parse(MINIMAL + "security: off\n"));
            assertTrue(ex.problems().getFirst().contains("security 'off' is not a section or none"), ex.getMessage());
            final ClusterConfigException missing = assertThrows(ClusterConfigException.class,
                () -> ClusterConfig.parse(MINIMAL + "security:\n  keyfile: x\n"));
            assertTrue(missing.getMessage().contains("did you mean 'key-file'?"), missing.getMessage());
        }
    }

    @Nested
    class Examples
    {
        @Test
        void namespaceExampleGivesTheModel()
        {
            final ClusterConfig config = ClusterConfig.load(EXAMPLES.resolve("cluster-namespaces.yaml"));
            assertEquals("demo", config.name());
            assertEquals(ClusterMode.ER_TCP, config.mode());
            assertEquals("echo", config.service().name());
            assertEquals(7, config.service().port());
            assertEquals(Ipv4Address.parseCidr("10.80.0.100/24"), config.vip().address());
            assertEquals(MacAddress.parse("02:00:00:00:00:64"), config.vip().mac());
            assertTrue(config.vip().gateway().isEmpty());
            assertEquals(Durability.LOGGER, config.durability());
            assertEquals(10_000_000L, config.detection().heartbeatIntervalNs());
            assertEquals(50_000_000L, config.detection().suspectTimeoutNs());
            assertEquals(Path.of("/tmp/ertcp-log/backup"), config.log().dirOf("backup"));
            assertEquals(new TcpOptions(CongestionControlAlgorithm.CUBIC, 256, 10_000, true), config.tcp());
            assertEquals(List.of("primary", "logger", "backup"), config.nodes().stream().map(NodeConfig::name).toList());
            assertEquals("primary", config.primary().name());
            assertEquals("logger", config.logger().orElseThrow().name());
            final NodeConfig backup = config.node("backup");
            assertEquals(Role.BACKUP, backup.role());
            assertEquals(1, backup.rank().getAsInt());
            assertEquals(Driver.AF_PACKET, backup.driver());
            assertEquals("eth0", backup.iface());
            assertEquals(MacAddress.parse("02:00:00:00:00:13"), backup.mac().getAsLong());
            assertEquals(Ipv4Address.parseCidr("10.80.0.13/24"), backup.address().orElseThrow());
            assertEquals(ThreadingMode.SHARED, backup.threading());
            assertEquals(2, config.majority());
            assertTrue(config.warnings().isEmpty());
        }

        @Test
        void stTcpExampleGivesTheModel()
        {
            final ClusterConfig config = ClusterConfig.load(EXAMPLES.resolve("cluster-st-tcp.yaml"));
            assertEquals(ClusterMode.ST_TCP, config.mode());
            assertEquals(Durability.BACKUP, config.durability());
            assertEquals("http", config.service().name());
            assertEquals(80, config.service().port());
            assertEquals(List.of("--port", "80", "--root", "/srv/www"), config.service().factoryOptions());
            assertEquals(Ipv4Address.parse("10.80.0.1"), config.vip().gateway().getAsInt());
            assertEquals(50_000_000L, config.detection().suspectTimeoutNs());
            assertTrue(config.logger().isEmpty());
            assertEquals(Role.WITNESS, config.node("witness").role());
            assertTrue(config.node("witness").rank().isEmpty());
            assertEquals(List.of("backup"), config.backups().stream().map(NodeConfig::name).toList());
        }
    }

    @Nested
    class Defaults
    {
        @Test
        void minimalFileTakesTheDefaults()
        {
            final ClusterConfig config = parse(MINIMAL);
            assertEquals(Durability.LOGGER, config.durability());
            assertEquals(FailureDetection.DEFAULT_HEARTBEAT_INTERVAL_NS, config.detection().heartbeatIntervalNs());
            assertEquals(5 * FailureDetection.DEFAULT_HEARTBEAT_INTERVAL_NS, config.detection().suspectTimeoutNs());
            assertTrue(config.detection().fencingHook().isEmpty());
            assertEquals(LogConfig.DEFAULT_DIR, config.log().dir());
            assertEquals(3_600_000_000_000L, config.log().retentionNs());
            assertEquals("hourly", config.log().rollCycle());
            assertEquals(new TcpOptions(CongestionControlAlgorithm.CUBIC, 256, 100_000, true), config.tcp());
            assertEquals(0, config.primary().rank().getAsInt());
            assertTrue(config.primary().mac().isEmpty());
            assertEquals(ThreadingMode.SHARED, config.primary().threading());
            assertEquals(0, config.node("b").slowNsPerRecord());
        }

        @Test
        void suspectTimeoutFollowsAGivenHeartbeat()
        {
            final ClusterConfig config = parse(MINIMAL + """
                failure-detection:
                  heartbeat-interval: 1ms
                """);
            assertEquals(1_000_000L, config.detection().heartbeatIntervalNs());
            assertEquals(5_000_000L, config.detection().suspectTimeoutNs());
        }

        @Test
        void netpipeRunsWithoutNagleAsServeDoes()
        {
            final ClusterConfig config = parse(MINIMAL.replace("name: echo", "name: netpipe\n  integrity: true"));
            assertFalse(config.tcp().nagle());
            assertEquals(List.of("--port", "5002", "--integrity"), config.service().factoryOptions());
        }

        @Test
        void everyNodeKeyIsRead()
        {
            final ClusterConfig config = parse(MINIMAL.replace("""
                    rank: 1
                    driver: af-packet
                    interface: veth-b
                """, """
                    rank: 1
                    driver: dpdk
                    interface: 0000:03:00.0
                    eal: "-l 2 -a 0000:03:00.0"
                    threading: dedicated
                    slow-ns-per-record: 20000
                """));
            final NodeConfig backup = config.node("b");
            assertEquals(Driver.DPDK, backup.driver());
            assertEquals("-l 2 -a 0000:03:00.0", backup.eal().orElseThrow());
            assertEquals(ThreadingMode.DEDICATED, backup.threading());
            assertEquals(20_000, backup.slowNsPerRecord());
        }
    }

    @Nested
    class Values
    {
        @Test
        void durationsTakeUnits()
        {
            assertEquals(10_000_000L, Durations.parseNs("10ms"));
            assertEquals(500_000L, Durations.parseNs("500us"));
            assertEquals(500_000L, Durations.parseNs("500µs"));
            assertEquals(7L, Durations.parseNs("7ns"));
            assertEquals(2_000_000_000L, Durations.parseNs("2s"));
            assertEquals(120_000_000_000L, Durations.parseNs("2m"));
            assertEquals(3_600_000_000_000L, Durations.parseNs("1h"));
            assertEquals("10ms", Durations.format(10_000_000L));
            assertEquals("1500us", Durations.format(1_500_000L));
        }

        @Test
        void durationsWithoutAUnitAreRefused()
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Durations.parseNs("10"));
            assertEquals("'10' has no unit: write it as 10ms (units ns, us, ms, s, m, h)", ex.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Durations.parseNs("10 fortnights"));
            assertThrows(IllegalArgumentException.class, () -> Durations.parseNs("ms"));
        }

        @Test
        void durabilityRules()
        {
            assertEquals(Durability.LOGGER, Durability.parse("logger"));
            assertEquals(new Durability(Durability.Kind.LOGGER_PLUS, 2), Durability.parse("logger+2"));
            assertEquals("logger+2", Durability.parse("logger+2").toString());
            assertThrows(IllegalArgumentException.class, () -> Durability.parse("logger+0"));
            assertThrows(IllegalArgumentException.class, () -> Durability.parse("quorum"));
        }

        @Test
        void quorumWithinTheBackupsIsAccepted()
        {
            final ClusterConfig config = parse(MINIMAL.replace("mode: er-tcp", "mode: er-tcp\ndurability: logger+1"));
            assertEquals(1, config.durability().backups());
        }

        @Test
        void nodeAddressWithoutPrefixTakesTheVips()
        {
            final ClusterConfig config = parse(MINIMAL.replace("interface: veth-p", "interface: veth-p\n    address: 10.80.0.11"));
            assertEquals(Ipv4Address.parseCidr("10.80.0.11/24"), config.primary().address().orElseThrow());
        }

        @Test
        void unknownNodeNameNamesTheNodes()
        {
            final ClusterConfigException ex = assertThrows(ClusterConfigException.class,
                () -> parse(MINIMAL).node("backup-9"));
            assertEquals(List.of("there is no node 'backup-9': choose one of p, l, b."), ex.problems());
        }

        @Test
        void aVendorVirtualMacIsAWarning()
        {
            final ClusterConfig config = parse(MINIMAL.replace("mac: 02:00:00:00:00:64", "mac: 00:1b:21:00:00:64"));
            assertEquals(1, config.warnings().size());
            assertTrue(config.warnings().getFirst().contains("not locally administered"));
        }
    }

    @Nested
    class Refusals
    {
        @Test
        void misspeltKeySuggestsTheRightOne()
        {
            refused(MINIMAL.replace("rank: 1", "rnak: 1"),
                "line 17: node 'b' is a backup without a rank: add rank: N (the lowest takes over first).",
                "line 19: node 'b' has an unknown key 'rnak': did you mean 'rank'?");
        }

        @Test
        void replicationMtuDefaultsTo1500AndTakesAJumboSize()
        {
            assertEquals(1500, parse(MINIMAL).replicationMtu());
            assertEquals(9000, parse(MINIMAL + "replication-mtu: 9000\n").replicationMtu());
            assertEquals(1280, parse(MINIMAL + "replication-mtu: 1280\n").replicationMtu());
            assertTrue(parse(MINIMAL).digest() != parse(MINIMAL + "replication-mtu: 9000\n").digest(),
                "members with different MTUs do not run the same cluster");
        }

        @Test
        void replicationMtuOutsideTheFrameSizesIsRefusedWithWhatToWrite()
        {
            final String sentence = "line 22: replication-mtu '%s' is not a frame size from 1280 to 9216 bytes: write " +
                "1500 for plain Ethernet, or 9000 where every node's port and the switch between them carry jumbo frames.";
            refused(MINIMAL + "replication-mtu: 1000\n", sentence.formatted("1000"));
            refused(MINIMAL + "replication-mtu: 65536\n", sentence.formatted("65536"));
            refused(MINIMAL + "replication-mtu: jumbo\n", sentence.formatted("jumbo"));
        }

        @Test
        void unknownTopLevelKeyListsTheKeys()
        {
            refused(MINIMAL + "colour: blue\n",
                "line 22: the cluster file has an unknown key 'colour': the keys here are cluster, mode, service, vip, " +
                    "durability, failure-detection, log, tcp, security, security.key-file, replication-mtu, nodes, management.");
        }

        @Test
        void missingRequiredFields()
        {
            refused(MINIMAL.replace("cluster: test\n", "").replace("    interface: veth-l\n", ""),
                "line 1: the cluster file lacks 'cluster': add it, such as cluster: demo.",
                "line 12: node 'l' lacks 'interface': add it, such as interface: eth0.");
        }

        @Test
        void repeatedKey()
        {
            refused(MINIMAL.replace("mode: er-tcp", "mode: er-tcp\nmode: st-tcp"),
                "line 3: the cluster file gives 'mode' twice: keep one.");
        }

        @Test
        void badAddressesAndMacs()
        {
            refused(MINIMAL.replace("10.80.0.100/24", "10.80.0.300/24").replace("02:00:00:00:00:64", "02:00:00:00:64")
                    .replace("interface: veth-p", "interface: veth-p\n    mac: 02:zz:00:00:00:11"),
                "line 6: vip address: '10.80.0.300' is not an IPv4 address: each part is 0 to 255.",
                "line 7: vip mac: '02:00:00:00:64' is not a MAC address: write six hex octets such as 02:00:00:00:00:01.",
                "line 13: node 'p' mac: '02:zz:00:00:00:11' is not a MAC address: write six hex octets such as 02:00:00:00:00:01.");
        }

        @Test
        void vipWithoutPrefixOrOnTheNetworkAddress()
        {
            refused(MINIMAL.replace("10.80.0.100/24", "10.80.0.100"),
                "line 6: vip address '10.80.0.100' has no prefix length: write it as A.B.C.D/NN, such as 10.80.0.100/24.");
            refused(MINIMAL.replace("10.80.0.100/24", "10.80.0.0/24"),
                "line 6: vip address 10.80.0.0/24 is the network or broadcast address of its prefix: use a host address inside it.");
        }

        @Test
        void multicastVirtualMac()
        {
            refused(MINIMAL.replace("mac: 02:00:00:00:00:64", "mac: 01:00:5e:00:00:01"),
                "line 7: vip mac 01:00:5e:00:00:01 is a multicast or broadcast address: use a unicast one (first octet even), such as 02:00:00:00:00:64.");
        }

        @Test
        void gatewayOffThePrefix()
        {
            refused(MINIMAL.replace("mac: 02:00:00:00:00:64", "mac: 02:00:00:00:00:64\n  gateway: 10.81.0.1"),
                "line 8: vip gateway 10.81.0.1 is not on 10.80.0.100/24: give a gateway inside the VIP's prefix.");
        }

        @Test
        void badDurations()
        {
            refused(MINIMAL + """
                failure-detection:
                  heartbeat-interval: 10
                  suspect-timeout: 5 parsecs
                """,
                "line 23: failure-detection heartbeat-interval: '10' has no unit: write it as 10ms (units ns, us, ms, s, m, h).",
                "line 24: failure-detection suspect-timeout: '5 parsecs' has an unknown unit 'parsecs': use ns, us, ms, s, m or h.");
        }

        @Test
        void heartbeatNotShorterThanSuspicion()
        {
            refused(MINIMAL + """
                failure-detection:
                  heartbeat-interval: 50ms
                  suspect-timeout: 50ms
                """,
                "line 24: failure-detection suspect-timeout 50ms is not longer than the heartbeat-interval 50ms: make it several heartbeats, such as 250ms.");
        }

        @Test
        void duplicateNamesMacsAndRanks()
        {
            refused(MINIMAL.replace("name: l", "name: p").replace("interface: veth-p", "interface: veth-p\n    mac: 02:00:00:00:00:11")
                    .replace("rank: 1", "rank: 0\n    mac: 02:00:00:00:00:11"),
                "line 14: node name 'p' is used twice (first on line 9): give each node its own name.",
                "line 20: node 'b' has rank 0, as node 'p' has: give each backup its own rank.",
                "line 21: node 'b' has mac 02:00:00:00:00:11, as node 'p' has: give each node its own MAC.");
        }

        @Test
        void notExactlyOnePrimary()
        {
            refused(MINIMAL.replace("role: primary", "role: backup\n    rank: 2"),
                "line 8: no node is the primary: give exactly one node role: primary.");
            refused(MINIMAL.replace("role: backup\n    rank: 1", "role: primary"),
                "line 17: node 'b' is a second primary (after 'p'): make it a backup with a rank.");
        }

        @Test
        void erTcpWithoutALogger()
        {
            refused(MINIMAL.replace("role: logger", "role: backup\n    rank: 2"),
                "line 8: mode er-tcp has no logger: give one node role: logger, or use mode: st-tcp.");
        }

        @Test
        void witnessInErTcp()
        {
            refused(MINIMAL.replace("role: backup\n    rank: 1", "role: witness"),
                "line 17: node 'b' is a witness in mode er-tcp, where the logger already votes: drop it, or make it a backup.");
        }

        @Test
        void stTcpWithALoggerOrWithoutABackup()
        {
            refused(MINIMAL.replace("mode: er-tcp", "mode: st-tcp"),
                "line 13: node 'l' is a logger in mode st-tcp, which has none (the backup confirms): make it a backup or a witness, or use mode: er-tcp.");
            refused(ST_TCP_TWO.replace("role: backup\n    rank: 1", "role: witness"),
                "line 8: mode st-tcp has no backup: give one node role: backup with a rank.");
        }

        @Test
        void stTcpRunsOneBackup()
        {
            refused(ST_TCP_TWO + """
                  - name: b2
                    role: backup
                    rank: 2
                    driver: af-packet
                    interface: veth-b2
                """,
                "line 18: node 'b2' is a second backup in mode st-tcp, which runs one (the backup that taps the client and confirms): make it a witness, or use mode: er-tcp for several backups.");
        }

        @Test
        void twoNodeStTcpNeedsAWitnessOrAFencingHook()
        {
            refused(ST_TCP_TWO,
                "line 8: a primary and one backup alone have no majority, so a takeover could split the brain: add a node with role: witness, or set failure-detection fencing-hook.");
            final ClusterConfig fenced = parse(ST_TCP_TWO + """
                failure-detection:
                  fencing-hook: /usr/local/bin/fence-primary
                """);
            assertEquals("/usr/local/bin/fence-primary", fenced.detection().fencingHook().orElseThrow());
        }

        @Test
        void anUnknownRollCycle()
        {
            refused(MINIMAL + "log:\n  roll-cycle: daily\n",
                "line 23: log roll-cycle 'daily' is not one of hourly, 10min, 5min, seconds: use hourly (seconds is for tests).");
            assertEquals("5min", parse(MINIMAL + "log:\n  roll-cycle: 5min\n").log().rollCycle());
        }

        @Test
        void snapshotKeys()
        {
            final ClusterConfig both = parse(MINIMAL + "log:\n  snapshot-every-records: 100_000\n  snapshot-every: 10m\n");
            assertEquals(100_000L, both.log().snapshotEveryRecords());
            assertEquals(600_000_000_000L, both.log().snapshotEveryNs());
            assertTrue(both.log().snapshots());
            assertFalse(parse(MINIMAL).log().snapshots(), "no snapshots unless asked for");
            refused(MINIMAL + "log:\n  snapshot-every-records: 0\n",
                "line 23: log snapshot-every-records '0' is not a whole number from 1 to 1000000000000: write one such as 1000000.");
            refused(MINIMAL + "log:\n  snapshot-every: 100us\n",
                "line 23: log snapshot-every 100us is under a millisecond: a snapshot copies the whole service state, so " +
                    "take one at most every few seconds, such as 10m.");
        }

        @Test
        void durabilityAgainstTheMode()
        {
            refused(MINIMAL.replace("mode: er-tcp", "mode: er-tcp\ndurability: logger+2"),
                "line 3: durability logger+2 asks for 2 backups but the cluster has 1: lower K to 1 or add backups.");
            refused(MINIMAL.replace("mode: er-tcp", "mode: er-tcp\ndurability: backup"),
                "line 3: durability backup is for mode st-tcp: use logger or logger+K in er-tcp.");
            refused(ST_TCP_TWO.replace("mode: st-tcp", "mode: st-tcp\ndurability: logger") + "failure-detection:\n  fencing-hook: x\n",
                "line 3: durability logger needs a logger, which mode st-tcp has none of: use durability: backup.");
        }

        @Test
        void unknownServiceDriverModeAndRole()
        {
            refused(MINIMAL.replace("name: echo", "name: ftp").replace("driver: af-packet\n    interface: veth-p", "driver: pcap\n    interface: veth-p")
                    .replace("role: logger", "role: scribe"),
                "line 4: service 'ftp' is unknown: choose one of echo, discard, netpipe, http, kv.",
                "line 11: node 'p' has unknown driver 'pcap': choose dpdk or af-packet.",
                "line 14: node 'l' has unknown role 'scribe': choose primary, logger, backup or witness.");
            refused(MINIMAL.replace("mode: er-tcp", "mode: er"), "line 2: mode 'er' is unknown: choose er-tcp or st-tcp.");
        }

        @Test
        void optionsThatDoNotApply()
        {
            refused(MINIMAL.replace("name: echo", "name: echo\n  root: /srv")
                    .replace("interface: veth-p", "interface: veth-p\n    eal: \"-l 1\"\n    slow-ns-per-record: 5"),
                "line 5: service 'root' does not apply to the echo service: drop it (root and idle-timeout-ms are for http; lower, perturbation, trials and integrity for netpipe).",
                "line 14: node 'p' gives eal arguments with the af-packet driver: drop eal, or use driver: dpdk.",
                "line 15: node 'p' is a primary and has slow-ns-per-record: drop it (only a backup may be made slow on purpose).");
        }

        @Test
        void nodeAddressesAgainstTheVip()
        {
            refused(MINIMAL.replace("interface: veth-p", "interface: veth-p\n    address: 10.80.0.100/24")
                    .replace("interface: veth-l", "interface: veth-l\n    address: 10.90.0.12/24"),
                "line 9: node 'p' address 10.80.0.100 is the VIP: give the node its own address.",
                "line 14: node 'l' address 10.90.0.12 is not on the VIP's prefix 10.80.0.100/24: give an address inside it.");
        }

        @Test
        void tcpRanges()
        {
            refused(MINIMAL + "tcp:\n  congestion: bbr\n  buffer-kib: 0\n  max-connections: lots\n",
                "line 23: tcp congestion 'bbr' is unknown: choose cubic or newreno.",
                "line 24: tcp buffer-kib '0' is not a whole number from 1 to 1048576: write one such as 256.",
                "line 25: tcp max-connections 'lots' is not a whole number from 1 to 16777216: write one such as 100000.");
        }

        @Test
        void moreSpareConnectionsThanTheTableHolds()
        {
            refused(MINIMAL + "tcp:\n  max-connections: 10\n  spare-connections: 11\n",
                "line 24: tcp spare-connections 11 is more than max-connections 10: a node never builds more " +
                    "connections than its table holds, so lower it to at most 10.");
            refused(MINIMAL + "tcp:\n  spare-connections: -1\n",
                "line 23: tcp spare-connections '-1' is not a whole number from 0 to 16777216: write one such as 0.");
        }

        @Test
        void notYamlAtAll()
        {
            final ClusterConfigException ex = assertThrows(ClusterConfigException.class,
                () -> parse("cluster: [unclosed\n"));
            assertEquals(1, ex.problems().size());
            assertTrue(ex.problems().getFirst().contains("is not valid YAML"), ex.getMessage());
            refused("- just\n- a list\n",
                "line 1: the file is not a cluster file: it must be a YAML mapping with the keys cluster, mode, service, " +
                    "vip, durability, failure-detection, log, tcp, security, security.key-file, replication-mtu, nodes, management (see examples/cluster-namespaces.yaml).");
        }

        @Test
        void everyProblemIsReportedAtOnceInFileOrder()
        {
            final ClusterConfigException ex = assertThrows(ClusterConfigException.class, () -> parse(MINIMAL
                .replace("mode: er-tcp", "mode: er-tcp\ndurability: logger+3")
                .replace("mac: 02:00:00:00:00:64", "mac: ff:ff:ff:ff:ff:ff")
                .replace("rank: 1", "rank: 1\n    threading: invoker")
                .replace("driver: af-packet\n    interface: veth-l", "drvier: af-packet\n    interface: veth-l")));
            // logger+3 is not judged while the logger cannot be read: its role would count wrong
            assertEquals(4, ex.problems().size(), ex.getMessage());
            assertTrue(ex.getMessage().startsWith("the cluster file has 4 problems:"), ex.getMessage());
            final List<Integer> lines = ex.problems().stream()
                .map(problem -> Integer.parseInt(problem.substring(5, problem.indexOf(':'))))
                .toList();
            assertEquals(lines.stream().sorted().toList(), lines);
        }

        private static void refused(final String yaml, final String... expected)
        {
            final ClusterConfigException ex = assertThrows(ClusterConfigException.class, () -> parse(yaml));
            assertEquals(List.of(expected), ex.problems(), ex.getMessage());
        }
    }

    @Nested
    class ReplicationInterface
    {
        private static final String ALL = MINIMAL
            .replace("interface: veth-p", "interface: veth-p\n    replication-interface: rep-p\n    replication-mac: 02:00:00:00:01:11")
            .replace("interface: veth-l", "interface: veth-l\n    replication-interface: rep-l")
            .replace("interface: veth-b", "interface: veth-b\n    replication-interface: rep-b");

        @Test
        void eachNodeMayRunTheChannelOnAnInterfaceOfItsOwn()
        {
            final ClusterConfig config = parse(ALL);
            final NodeConfig p = config.node("p");
            assertEquals("rep-p", p.replication().orElseThrow().iface());
            assertEquals("rep-p", p.replication().orElseThrow().portName());
            assertEquals(MacAddress.parse("02:00:00:00:01:11"), p.replication().orElseThrow().mac().getAsLong());
            assertEquals(MacAddress.parse("02:00:00:00:01:11"), p.channelMac().getAsLong(), "the channel's frames come from it");
            assertTrue(config.node("l").channelMac().isEmpty(), "learnt from the replication interface's first heartbeat");
            assertEquals(List.of(), config.warnings());

            final NodeConfig plain = parse(MINIMAL.replace("interface: veth-p", "interface: veth-p\n    mac: 02:00:00:00:00:11"))
                .node("p");
            assertTrue(plain.replication().isEmpty());
            assertEquals(MacAddress.parse("02:00:00:00:00:11"), plain.channelMac().getAsLong(), "without one, the node's mac");
            assertFalse(ConfigDigest.of(parse(ALL)) == ConfigDigest.of(parse(MINIMAL)), "the digest sees the interface");
        }

        @Test
        void someNodesWithoutOneIsAWarning()
        {
            final ClusterConfig config = parse(MINIMAL.replace("interface: veth-l", "interface: veth-l\n    replication-interface: rep-l"));
            assertEquals(List.of("node(s) l run the replication channel on a replication-interface and p, b on their " +
                "interface: those interfaces must be on the replication LAN (give each node replication-interface to " +
                "keep the channel off the clients' LAN)."), config.warnings());
        }

        @Test
        void badOnesAreRefused()
        {
            refused(MINIMAL
                    .replace("interface: veth-p", "interface: veth-p\n    mac: 02:00:00:00:00:11\n    replication-interface: veth-p")
                    .replace("interface: veth-l", "interface: veth-l\n    replication-mac: 02:00:00:00:01:12")
                    .replace("interface: veth-b", "interface: veth-b\n    replication-interface: rep-b\n    replication-mac: 02:00:00:00:00:11"),
                "line 14: node 'p' has replication-interface veth-p, its interface too: name another interface (a VLAN or NIC of its own), or drop replication-interface to run the channel on the interface.",
                "line 19: node 'l' has replication-mac without replication-interface: add replication-interface, or drop replication-mac (the channel then uses mac).",
                "line 26: node 'b' has replication-mac 02:00:00:00:00:11, as node 'p' has a mac: give each interface of each node its own MAC.");
            refused(ALL.replace("replication-mac: 02:00:00:00:01:11", "replication-mac: 03:00:00:00:01:11"),
                "line 14: node 'p' replication-mac 03:00:00:00:01:11 is a multicast address: use a unicast one, or drop replication-mac to use the replication interface's.");
        }

        private static void refused(final String yaml, final String... expected)
        {
            final ClusterConfigException ex = assertThrows(ClusterConfigException.class, () -> parse(yaml));
            assertEquals(List.of(expected), ex.problems(), ex.getMessage());
        }
    }
}
