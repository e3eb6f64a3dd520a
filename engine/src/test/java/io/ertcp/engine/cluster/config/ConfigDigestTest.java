package io.ertcp.engine.cluster.config;

import org.junit.jupiter.api.Test;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigDigestTest
{
    private static final String FILE = ClusterFiles.MINIMAL + "security:\n  key-file: /etc/ertcp/cluster.key\n";

    /** The same cluster: comments, other key order, quoting, and defaults stated (port 7, durability, timings). */
    private static final String SAME_MEANING = """
        # the test cluster, written differently
        mode: "er-tcp"
        cluster: test
        durability: logger
        vip: {mac: 02:00:00:00:00:64, address: 10.80.0.100/24}
        service:
          port: 7
          name: echo
        failure-detection:
          heartbeat-interval: 10ms
        tcp:
          congestion: cubic
        security: {key-file: "/etc/ertcp/cluster.key"}
        nodes:
          - {name: p, role: primary, interface: veth-p, driver: af-packet}
          - role: logger
            name: l
            interface: 'veth-l'
            driver: af-packet
          - name: b
            rank: 1
            role: backup
            driver: af-packet
            interface: veth-b
        """;

    private static long digest(final String text)
    {
        return ClusterConfig.parse(text).digest();
    }

    @Test
    void theDigestIsOfTheMeaningNotTheBytes()
    {
        assertEquals(digest(FILE), digest(SAME_MEANING), ConfigDigest.canonical(ClusterConfig.parse(SAME_MEANING)));
    }

    @Test
    void everySettingChangesTheDigest()
    {
        final long base = digest(FILE);
        final List<String[]> changes = List.of(
            new String[]{ "cluster: test", "cluster: other" },
            new String[]{ "name: echo", "name: discard" },
            new String[]{ "name: echo", "name: echo\nport: 8" },
            new String[]{ "address: 10.80.0.100/24", "address: 10.80.0.101/24" },
            new String[]{ "mac: 02:00:00:00:00:64", "mac: 02:00:00:00:00:65" },
            new String[]{ "mode: er-tcp", "mode: er-tcp\ndurability: logger+1" },
            new String[]{ "mode: er-tcp", "mode: er-tcp\nfailure-detection:\n  suspect-timeout: 80ms" },
            new String[]{ "mode: er-tcp", "mode: er-tcp\nlog:\n  dir: /var/lib/ertcp" },
            new String[]{ "mode: er-tcp", "mode: er-tcp\nlog:\n  file: node.log" },
            new String[]{ "mode: er-tcp", "mode: er-tcp\ntcp:\n  buffer-kib: 128" },
            new String[]{ "interface: veth-b", "interface: veth-c" },
            new String[]{ "rank: 1", "rank: 2" },
            new String[]{ "key-file: /etc/ertcp/cluster.key", "key-file: /etc/ertcp/other.key" },
            new String[]{ "interface: veth-b", "interface: veth-b\nmac: 02:00:00:00:00:13" },
            new String[]{ "interface: veth-b", "interface: veth-b\nthreading: dedicated" },
            new String[]{ "driver: af-packet\n    interface: veth-b", "driver: dpdk\npci: 0000:03:00.0" },
            new String[]{ "driver: af-packet\n    interface: veth-b", "driver: dpdk\nport-id: 0" },
            new String[]{ "interface: veth-b", "interface: veth-b\nreplication-interface: rep-b" },
            new String[]{ "driver: af-packet\n    interface: veth-b", "driver: dpdk\ninterface: veth-b\nreplication-pci: 0000:03:00.1" },
            new String[]{ "driver: af-packet\n    interface: veth-b", "driver: dpdk\ninterface: veth-b\nreplication-port-id: 1" });
        for (final String[] change : changes)
        {
            assertNotEquals(base, digest(changed(change)), "'" + change[0] + "' -> '" + change[1] + "' keeps the digest");
        }
        // The replication port's settings one against another, not only against none.
        final String[] replication = { "interface: veth-b", "interface: veth-b\nreplication-interface: rep-b" };
        final List<String[]> replicationChanges = List.of(
            new String[]{ "interface: veth-b", "interface: veth-b\nreplication-interface: rep-c" },
            new String[]{ "interface: veth-b", "interface: veth-b\nreplication-interface: rep-b\nreplication-mac: 02:00:00:00:01:13" });
        for (final String[] change : replicationChanges)
        {
            assertNotEquals(digest(changed(replication)), digest(changed(change)), "'" + change[1] + "' keeps the digest");
        }
        assertNotEquals(digest(changed(new String[]{ "driver: af-packet\n    interface: veth-b", "driver: dpdk\ninterface: veth-b\nreplication-pci: 0000:03:00.1" })),
            digest(changed(new String[]{ "driver: af-packet\n    interface: veth-b", "driver: dpdk\ninterface: veth-b\nreplication-pci: 0000:03:00.2" })));
        assertNotEquals(digest(changed(new String[]{ "driver: af-packet\n    interface: veth-b", "driver: dpdk\ninterface: veth-b\nreplication-port-id: 1" })),
            digest(changed(new String[]{ "driver: af-packet\n    interface: veth-b", "driver: dpdk\ninterface: veth-b\nreplication-port-id: 2" })));
    }

    private static String changed(final String[] change)
    {
        return FILE.replaceFirst(java.util.regex.Pattern.quote(change[0]),
            java.util.regex.Matcher.quoteReplacement(change[1].replace("\n", "\n" + indentOf(FILE, change[0]))));
    }

    @Test
    void theNodesOrderIsPartOfTheMeaning()
    {
        // A node's id is its place in the file: swapping two nodes is another cluster.
        final int l = FILE.indexOf("  - name: l\n");
        final int b = FILE.indexOf("  - name: b\n");
        final int end = FILE.indexOf("security:");
        final String swapped = FILE.substring(0, l) + FILE.substring(b, end) + FILE.substring(l, b) + FILE.substring(end);
        assertNotEquals(FILE, swapped);
        assertNotEquals(digest(FILE), digest(swapped));
    }

    @Test
    void theDigestCoversEverySettingOfTheRecords()
    {
        // A setting added to a record must be added to ConfigDigest.canonical too; this fails until it is.
        assertEquals(List.of("name", "mode", "service", "vip", "durability", "detection", "log", "tcp", "security",
            "nodes", "warnings", "management", "replicationMtu"), components(ClusterConfig.class));
        assertEquals(List.of("keyFile"), components(Security.class));
        assertEquals(List.of("port"), components(Management.class));
        assertEquals(List.of("name", "role", "rank", "driver", "iface", "eal", "mac", "address", "threading",
            "slowNsPerRecord", "line", "pci", "portId", "replication"), components(NodeConfig.class));
        assertEquals(List.of("iface", "pci", "portId", "mac"), components(NodeConfig.Replication.class));
        assertEquals(List.of("heartbeatIntervalNs", "suspectTimeoutNs", "fencingHook"), components(FailureDetection.class));
        assertEquals(List.of("dir", "retentionNs", "rollCycle", "file", "snapshotEveryRecords", "snapshotEveryNs"),
            components(LogConfig.class));
        assertEquals(List.of("congestion", "bufferKib", "maxConnections", "nagle", "spareConnections"),
            components(TcpOptions.class));
        assertEquals(List.of("address", "mac", "gateway"), components(VirtualAddress.class));
        assertEquals(List.of("name", "port", "options", "jar"), components(ServiceConfig.class));
    }

    @Test
    void agreementNamesTheMemberThatDiffersOnceAndWhenItAgreesAgain()
    {
        final ClusterConfig config = ClusterConfig.parse(FILE);
        final ConfigAgreement agreement = new ConfigAgreement(config);
        final long own = config.digest();
        final long other = digest(FILE.replace("rank: 1", "rank: 2"));

        assertNull(agreement.onHeard(2, own), "the logger agrees: nothing to say");
        final String differs = agreement.onHeard(3, other);
        assertEquals("node 'b' runs a different cluster file (digest " + ConfigDigest.format(other) + ", this node's is " +
            ConfigDigest.format(own) + "): give every node the same file and restart the one that differs.", differs);
        assertNull(agreement.onHeard(3, other), "said once, not per heartbeat");
        assertEquals(List.of("b"), agreement.differing());

        assertEquals("node 'b' runs this node's cluster file again.", agreement.onHeard(3, own));
        assertTrue(agreement.differing().isEmpty());
        assertNull(agreement.onHeard(9, other), "an id outside the file is not a member");
    }

    private static List<String> components(final Class<? extends Record> type)
    {
        return Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toList();
    }

    private static String indentOf(final String text, final String line)
    {
        final int at = text.indexOf(line);
        final int start = text.lastIndexOf('\n', at) + 1;
        return text.substring(start, at);
    }
}
