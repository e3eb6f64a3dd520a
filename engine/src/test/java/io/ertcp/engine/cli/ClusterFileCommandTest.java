package io.ertcp.engine.cli;

import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.ClusterMode;
import io.ertcp.engine.cluster.config.Durability;
import io.ertcp.engine.cluster.config.NodeConfig;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./ertcp cluster-file}: the file it prints is one a node reads, for the topology its options describe; a
 * topology that makes no good file is refused with a sentence.
 */
class ClusterFileCommandTest
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String output()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anErTcpFileWithTwoBackupsAndAKey()
    {
        assertEquals(0, run("cluster-file", "--backups", "2", "--service", "netpipe", "--lower", "1024",
            "--perturbation", "0", "--vip", "10.81.0.100/24", "--vip-mac", "02:00:00:00:81:64",
            "--suspect-timeout", "400ms", "--log-dir", "/tmp/eb log", "--key-file", "/etc/ertcp/cluster.key"), stderr());
        final ClusterConfig config = ClusterConfig.parse(output());
        assertEquals(ClusterMode.ER_TCP, config.mode());
        assertEquals(List.of("primary", "logger", "backup1", "backup2"), config.nodes().stream().map(NodeConfig::name).toList());
        assertEquals("netpipe", config.service().name());
        assertEquals(Map.of("lower", "1024", "perturbation", "0"), config.service().options());
        assertEquals(400_000_000L, config.detection().suspectTimeoutNs());
        assertEquals(Path.of("/tmp/eb log"), config.log().dir());
        assertEquals(Optional.of(Path.of("/etc/ertcp/cluster.key")), config.security().keyFile());
        assertEquals("10.81.0.13/24", config.node("backup1").address().orElseThrow().toString());
        assertTrue(config.warnings().isEmpty(), config.warnings().toString());
    }

    @Test
    void anStTcpFileWithAWitness()
    {
        assertEquals(0, run("cluster-file", "--mode", "st-tcp", "--service", "http", "--root", "/srv/www",
            "--numbered-backups", "--security", "none"), stderr());
        final ClusterConfig config = ClusterConfig.parse(output());
        assertEquals(List.of("primary", "backup1", "witness"), config.nodes().stream().map(NodeConfig::name).toList());
        assertEquals(Durability.BACKUP, config.durability());
        assertEquals(Map.of("root", "/srv/www"), config.service().options());
        assertTrue(output().contains("security: none"), output());
    }

    @Test
    void aDpdkFileByPciWithJumboReplicationAndALogFile()
    {
        assertEquals(0, run("cluster-file", "--driver", "dpdk", "--pci", "0000:03:00.0", "--eal", "-l 1",
            "--replication-mtu", "9000", "--management-port", "9100", "--log-file", "node.log", "--key-file",
            "/etc/ertcp/cluster.key"), stderr());
        final ClusterConfig config = ClusterConfig.parse(output());
        assertEquals(Optional.of("0000:03:00.0"), config.node("logger").pci());
        assertEquals(9000, config.replicationMtu());
        assertEquals(9100, config.management().port());
        assertEquals(Optional.of(Path.of("node.log")), config.log().file());
        out.reset();
        assertEquals(0, run("cluster-file", "--driver", "dpdk", "--port-id", "0", "--no-addresses", "--security",
            "none"), stderr());
        assertEquals(java.util.OptionalInt.of(0), ClusterConfig.parse(output()).node("primary").portId());
        assertEquals(Optional.empty(), ClusterConfig.parse(output()).node("backup").address());
    }

    @Test
    void aBadTopologyIsRefusedWithASentence()
    {
        assertEquals(2, run("cluster-file", "--service", "echo"));
        assertTrue(stderr().contains("choose the replication channel's security: --key-file FILE"), stderr());
        err.reset();
        assertEquals(2, run("cluster-file", "--service", "kv", "--root", "/srv", "--security", "none"));
        assertTrue(stderr().contains("--root does not apply to the kv service: it takes only --port"), stderr());
        err.reset();
        assertEquals(2, run("cluster-file", "--mode", "st-tcp", "--no-witness", "--security", "none"));
        assertTrue(stderr().contains("a primary and one backup alone have no majority"), stderr());
        err.reset();
        assertEquals(2, run("cluster-file", "--pci", "0000:03:00.0", "--interface", "eth1", "--security", "none"));
        assertTrue(stderr().contains("give one of --interface IF, --pci ADDR and --port-id N"), stderr());
        err.reset();
        assertEquals(2, run("cluster-file", "--replication-mtu", "100000", "--security", "none"));
        assertTrue(stderr().contains("replication-mtu '100000' is not a frame size from 1280 to 9216 bytes"), stderr());
    }

    @Test
    void helpNamesTheServicesAndTheirOptions()
    {
        assertEquals(0, run("cluster-file", "--help"));
        assertTrue(output().startsWith("Usage: ./ertcp cluster-file"), output());
        assertTrue(output().contains("echo, discard, netpipe, http, kv"), output());
        assertTrue(output().contains("--root DIR"), output());
        assertTrue(output().contains("--integrity"), output());
    }
}
