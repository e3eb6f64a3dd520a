package io.ertcp.engine.cli;

import io.ertcp.engine.cluster.config.ClusterTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input to {@code ./ertcp node} and {@code ./ertcp status} that used to end in a stack trace: each is one sentence on
 * stderr naming the file, the key and the fix, and exit status 2.
 */
class NodeCommandSentencesTest
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path directory;

    private int run(final String... args)
    {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    /**
     * primary, logger and backup on an interface that does not exist, no MACs and no addresses, with the test's service
     * and log settings.
     */
    private Path clusterFile(final java.util.function.UnaryOperator<ClusterTemplate> settings) throws IOException
    {
        final Path file = directory.resolve("cluster.yaml");
        Files.writeString(file, settings.apply(new ClusterTemplate().name("cli").logDir(directory.resolve("log"))
            .securityNone().macs(false).addresses(false).iface("ertcp-nope0")).text());
        return file;
    }

    private void oneSentence(final String expected)
    {
        final String text = err();
        assertEquals(expected + System.lineSeparator(), text);
        assertFalse(text.contains("\tat "), text);
    }

    @Test
    void aMissingHttpRootNamesTheFileAndKey() throws IOException
    {
        final Path file = clusterFile(t -> t.service("http").serviceOption("root", directory.resolve("www").toString()));
        assertEquals(2, run("node", "--config", file.toString(), "--name", "backup"));
        oneSentence("ertcp node: service.root " + directory.resolve("www") + " in " + file + " is not a directory on " +
            "this machine: create it with the files to serve, point service.root at one, or drop service.root for the " +
            "built-in page.");
    }

    @Test
    void aReplicationInterfaceWithAKernelAddressIsRefusedAsTheInterfaceIs() throws IOException
    {
        // lo holds 127.0.0.1 in every namespace that has it up; ertcp-nope0 holds nothing.
        final Path file = clusterFile(t -> t.replicationInterface("lo"));
        assertEquals(2, run("node", "--config", file.toString(), "--name", "backup"));
        final String text = err();
        assertTrue(text.startsWith("ertcp node: interface lo has the kernel IPv4 address 127.0.0.1"), text);
        assertTrue(text.endsWith("or pass --allow-kernel-address to use it anyway." + System.lineSeparator()), text);
        assertFalse(text.contains("\tat "), text);
    }

    @Test
    void aLogFileThatIsADirectoryNamesTheKey() throws IOException
    {
        Files.createDirectories(directory.resolve("log/backup/node.log"));
        final Path file = clusterFile(t -> t.logFile(Path.of("node.log")));
        assertEquals(2, run("node", "--config", file.toString(), "--name", "backup"));
        oneSentence("ertcp node: the log file " + directory.resolve("log/backup/node.log") + " is a directory: give " +
            "log.file in " + file + " a file this user may write, or drop it to log to stdout.");
    }

    @Test
    void aLogFileOptionUnderAFileNamesTheOption() throws IOException
    {
        final Path blocker = Files.writeString(directory.resolve("blocker"), "x");
        final Path file = clusterFile(t -> t);
        assertEquals(2, run("node", "--config", file.toString(), "--name", "backup", "--log-file",
            blocker.resolve("node.log").toString()));
        oneSentence("ertcp node: the log file " + blocker.resolve("node.log") + " lies under " + blocker + ", which is " +
            "a file, not a directory: give --log-file a file this user may write, or drop it to log to stdout.");
    }

    @Test
    void aLogDirThatIsAFileNamesTheKey() throws IOException
    {
        Files.writeString(directory.resolve("log"), "not a directory");
        final Path file = clusterFile(t -> t);
        assertEquals(2, run("node", "--config", file.toString(), "--name", "backup"));
        oneSentence("ertcp node: log.dir in " + file + " leads through " + directory.resolve("log") + ", which is a file, " +
            "not a directory: point log.dir at a directory, or move that file away.");
    }

    @Test
    void aDeeplyNestedClusterFileIsOneSentence() throws IOException
    {
        final Path file = directory.resolve("deep.yaml");
        Files.writeString(file, "cluster: " + "[".repeat(50_000) + "]".repeat(50_000) + "\n");
        assertEquals(2, run("status", "--config", file.toString()));
        oneSentence("ertcp status: " + file + ": line 1: 'cluster' nests collections more than 16 deep (a cluster " +
            "file needs 4): remove the extra nesting from here on (see examples/cluster-namespaces.yaml).");
        assertEquals(2, run("node", "--config", file.toString(), "--name", "backup"));
        assertTrue(err().lines().allMatch(line -> line.contains("nests collections more than 16 deep")), err());
    }

    @Test
    void theStTcpExamplesHttpRootIsNamedWhenItIsMissing()
    {
        final Path example = Path.of(System.getProperty("ertcp.root", ".."), "examples", "cluster-st-tcp.yaml");
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isDirectory(Path.of("/srv/www")), "/srv/www exists here");
        // The example names /etc/ertcp/demo.key, which need not exist: the service is checked before the key is read.
        final int status = run("node", "--config", example.toString(), "--name", "backup");
        assertEquals(2, status, err());
        assertTrue(err().startsWith("ertcp node: service.root /srv/www in " + example + " is not a directory"), err());
        assertEquals(1, err().lines().count(), err());
    }
}
