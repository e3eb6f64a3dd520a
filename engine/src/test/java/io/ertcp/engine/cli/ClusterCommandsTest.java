package io.ertcp.engine.cli;

import io.ertcp.engine.cluster.NodeStatus;
import io.ertcp.engine.cluster.config.ClusterTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./ertcp node} and {@code ./ertcp status}: what they say about a wrong invocation, and the table status draws
 * from the files nodes leave.
 */
class ClusterCommandsTest
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path directory;

    private int run(final String... args)
    {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** primary, logger (st-tcp: witness) and backup, echo, no MACs and no addresses (status reads the files). */
    private Path clusterFile(final String mode) throws IOException
    {
        return clusterFile(mode, "eth0");
    }

    private Path clusterFile(final String mode, final String iface) throws IOException
    {
        final Path file = directory.resolve("cluster.yaml");
        Files.writeString(file, new ClusterTemplate().name("cli").mode(mode).logDir(directory.resolve("log"))
            .securityNone().macs(false).addresses(false).iface(iface).text());
        return file;
    }

    @Test
    void nodeAndStatusAreListed()
    {
        assertEquals(0, run("--help"));
        final String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("  node"), text);
        assertTrue(text.contains("  status"), text);
    }

    @Test
    void aMissingClusterFileIsOneSentence()
    {
        assertEquals(2, run("node", "--config", directory.resolve("nope.yaml").toString(), "--name", "primary"));
        final String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("ertcp node: "), text);
        assertTrue(text.contains("cannot read the cluster file"), text);
        assertEquals(1, text.lines().count(), text);
    }

    @Test
    void anUnknownNodeNameSaysWhichNodesThereAre() throws IOException
    {
        assertEquals(2, run("node", "--config", clusterFile("er-tcp").toString(), "--name", "nobody"));
        final String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("nobody") && text.contains("primary") && text.contains("logger"), text);
    }

    @Test
    void anStTcpNodeGetsAsFarAsItsPortAndSaysWhatIsMissing() throws IOException
    {
        final Path file = clusterFile("st-tcp", "ertcp-nope0");
        assertEquals(2, run("node", "--config", file.toString(), "--name", "witness"));
        final String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("ertcp-nope0"), text);
        assertEquals(1, text.lines().count(), text);
    }

    @Test
    void aNodeRefusesAnInterfaceWithAKernelAddress() throws IOException
    {
        final Path file = clusterFile("er-tcp", "lo");
        org.junit.jupiter.api.Assumptions.assumeFalse(
            io.ertcp.engine.port.KernelAddressCheck.refusal("lo", "--allow-kernel-address").isEmpty(), "lo is down here");
        assertEquals(2, run("node", "--config", file.toString(), "--name", "backup"));
        final String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("ertcp node: interface lo has the kernel IPv4 address 127.0.0.1/8"), text);
        assertTrue(text.contains("or pass --allow-kernel-address to use it anyway."), text);
        assertEquals(1, text.lines().count(), text);
    }

    @Test
    void aSecondNodeOnTheSameLogDirectoryIsRefused() throws IOException
    {
        final Path file = clusterFile("er-tcp", "ertcp-nope0");
        try (io.ertcp.engine.cluster.NodeDirectoryLock ignored = io.ertcp.engine.cluster.NodeDirectoryLock.acquire(
            directory.resolve("log").resolve("backup"), "backup", file.toString()))
        {
            assertEquals(2, run("node", "--config", file.toString(), "--name", "backup"));
        }
        final String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("ertcp node: node 'backup' already runs on " + directory.resolve("log/backup")),
            text);
        assertEquals(1, text.lines().count(), text);
    }

    @Test
    void statusWithoutAnyNodeSaysNoneHasRun() throws IOException
    {
        assertEquals(1, run("status", "--config", clusterFile("er-tcp").toString()));
        final String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(3, text.lines().filter(line -> line.contains("unknown") && line.contains("never started")).count(), text);
    }

    @Test
    void statusShowsRolesEpochsLagAndTheDead() throws IOException
    {
        final Path file = clusterFile("er-tcp");
        final long now = System.currentTimeMillis();
        write("primary", new NodeStatus("primary", 11, "primary", 2, 5000, 5000, 4990, 3, "primary", "unconfirmed 0 bytes", now));
        write("logger", new NodeStatus("logger", 12, "logger", 2, 5000, 0, 0, 0, "primary",
            "feed backup confirmed 4200 lag 800", now));
        write("backup", new NodeStatus("backup", 13, "backup", 1, 4200, 4200, 0, 3, "old", "", now - 5_000));

        assertEquals(1, run("status", "--config", file.toString()), "a backup lost: not healthy");
        final String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.matches("(?s).*\nnot healthy: backup backup is down \\(no address in the cluster file, so no " +
            "management endpoint; its status file is 5\\.\\d s old \\(last heard as backup, pid 13\\)\\)\n"), text);
        final String primary = line(text, "primary ");
        assertTrue(primary.matches("primary\\s+primary\\s+2\\s+5000\\s+5000\\s+10\\s+3\\s+unconfirmed 0 bytes"), primary);
        final String logger = line(text, "logger ");
        assertTrue(logger.contains("feed backup confirmed 4200 lag 800"), logger);
        final String backup = line(text, "backup ");
        assertTrue(backup.matches("backup\\s+down\\s+1\\s+4200\\s+4200.*last heard 5\\.\\d s ago as backup \\(pid 13\\)"), backup);
    }

    @Test
    void stTcpStatusMeasuresTheBackupAgainstThePrimarysLog() throws IOException
    {
        final Path file = clusterFile("st-tcp");
        final long now = System.currentTimeMillis();
        write("primary", new NodeStatus("primary", 11, "primary", 1, 900, 900, 880, 2, "primary",
            "backup backup in sync, unconfirmed 0 bytes", now));
        write("witness", new NodeStatus("witness", 12, "witness", 1, 0, 0, 0, 0, "primary", "", now));
        write("backup", new NodeStatus("backup", 13, "backup", 1, 870, 860, 0, 2, "primary", "tapped 400 fetched 3", now));

        assertEquals(0, run("status", "--config", file.toString()));
        final String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("cluster cli (st-tcp)"), text);
        assertTrue(line(text, "primary ").matches("primary\\s+primary\\s+1\\s+900\\s+900\\s+-\\s+2\\s+backup backup in sync.*"),
            line(text, "primary "));
        assertTrue(line(text, "witness ").matches("witness\\s+witness\\s+1\\s+0\\s+0\\s+-\\s+0\\s+follows primary"),
            line(text, "witness "));
        assertTrue(line(text, "backup ").matches("backup\\s+backup\\s+1\\s+870\\s+860\\s+40\\s+2\\s+follows primary; tapped 400 fetched 3"),
            line(text, "backup "));
    }

    @Test
    void aStatusFileSurvivesARoundTrip() throws IOException
    {
        final NodeStatus status = new NodeStatus("n", 1, "backup", 3, 10, 9, 0, 2, "p", "a detail", 1234);
        status.write(directory);
        assertEquals(Optional.of(status), NodeStatus.read(directory));
        assertEquals(Optional.empty(), NodeStatus.read(directory.resolve("elsewhere")));
    }

    private void write(final String node, final NodeStatus status) throws IOException
    {
        final Path nodeDirectory = directory.resolve("log").resolve(node);
        Files.createDirectories(nodeDirectory);
        status.write(nodeDirectory);
    }

    private static String line(final String text, final String prefix)
    {
        return text.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("(no line for " + prefix + ")\n" + text);
    }
}
