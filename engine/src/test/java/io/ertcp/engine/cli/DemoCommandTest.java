package io.ertcp.engine.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ertcp demo --in-process}: the whole failover story in this JVM, on simulated time.
 */
@Timeout(120)
class DemoCommandTest
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String output()
    {
        return out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void inProcessTheBackupTakesOverAndEveryByteComesBack()
    {
        assertEquals(0, run("demo", "--in-process", "--bytes", "16m"), output());
        final String text = output();
        assertTrue(text.contains("[backup] elected primary for epoch 2"), text);
        assertTrue(text.contains("[backup] took over as primary in epoch 2"), text);
        assertTrue(text.contains("the primary stops dead"), text);
        assertTrue(text.contains("(no byte back for "), "the stall shows in the progress:\n" + text);
        assertTrue(text.contains("longest stall "), text);
        assertTrue(text.contains("every byte intact (16777216 bytes), and the connection closed normally"), text);
        assertFalse(text.contains("BYTES DIFFER"), text);
        final String sent = text.lines().filter(l -> l.contains("sha256 sent")).findFirst().orElseThrow().replaceAll(".* ", "");
        final String received = text.lines().filter(l -> l.contains("sha256 received")).findFirst().orElseThrow().replaceAll(".* ", "");
        assertEquals(sent, received, text);
        assertTrue(text.lines().anyMatch(l -> l.matches("\\s+backup\\s+primary\\s+2\\s.*")), "after: backup is primary in epoch 2\n" + text);
        assertTrue(text.lines().anyMatch(l -> l.matches("\\s+primary\\s+down\\s.*killed")), text);
    }

    @Test
    void inProcessStTcpTheBackupTakesOverFromItsTapAndEveryByteComesBack()
    {
        assertEquals(0, run("demo", "--in-process", "--mode", "st-tcp", "--bytes", "16m"), output());
        final String text = output();
        assertTrue(text.contains("an ST-TCP cluster of real nodes (primary, backup, witness;"), text);
        assertTrue(text.contains("[witness] started as witness"), text);
        assertTrue(text.contains("[backup] elected primary for epoch 2"), text);
        assertTrue(text.contains("the primary stops dead"), text);
        assertTrue(text.contains("longest stall "), text);
        assertTrue(text.contains("every byte intact (16777216 bytes), and the connection closed normally"), text);
        assertFalse(text.contains("BYTES DIFFER"), text);
        assertFalse(text.contains("logger"), "no logger in st-tcp:\n" + text);
        assertTrue(text.lines().anyMatch(l -> l.matches("\\s+backup\\s+primary\\s+2\\s.*")), "after: backup is primary in epoch 2\n" + text);
        assertTrue(text.lines().anyMatch(l -> l.matches("\\s+primary\\s+down\\s.*killed")), text);
        assertTrue(text.lines().anyMatch(l -> l.matches("\\s+witness\\s+witness\\s.*")), text);
    }

    @Test
    void anUnknownModeOrDriverIsRefused()
    {
        assertEquals(2, run("demo", "--mode", "paxos"));
        assertEquals(2, run("demo", "--driver", "carrier-pigeon"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown mode 'paxos'"), output());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown driver 'carrier-pigeon'"), output());
    }

    @Test
    void helpTellsTheStory()
    {
        assertEquals(0, run("demo", "--help"));
        assertTrue(output().startsWith("Usage: ./ertcp demo"), output());
        assertTrue(output().contains("kills the"), output());
        assertTrue(output().contains("--mode"), output());
    }

    @Test
    void theClusterFileParses()
    {
        final var config = io.ertcp.engine.cluster.config.ClusterConfig.parse(
            DemoCommand.clusterYaml("demo", "dpdk", java.nio.file.Path.of("/tmp/x"), "200ms"));
        assertEquals(3, config.nodes().size());
        assertEquals("dpdk", config.node("backup").driver().text());
        assertTrue(config.warnings().isEmpty(), config.warnings().toString());
        final var st = io.ertcp.engine.cluster.config.ClusterConfig.parse(
            DemoCommand.clusterYaml("demo", "af-packet", java.nio.file.Path.of("/tmp/x"), "200ms", true));
        assertEquals(io.ertcp.engine.cluster.config.ClusterMode.ST_TCP, st.mode());
        assertEquals(io.ertcp.engine.cluster.config.Role.WITNESS, st.node("witness").role());
        assertTrue(st.warnings().isEmpty(), st.warnings().toString());
    }
}
