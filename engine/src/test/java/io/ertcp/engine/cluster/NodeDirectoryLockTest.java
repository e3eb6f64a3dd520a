package io.ertcp.engine.cluster;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node directory lock against a real second process: refused while it lives, free once it is killed with
 * {@code kill -9}, its stale lock file left behind.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeDirectoryLockTest
{
    @TempDir
    Path directory;

    /** Run in a child JVM: hold the lock until killed. */
    public static void main(final String[] args) throws Exception
    {
        final NodeDirectoryLock lock = NodeDirectoryLock.acquire(Path.of(args[0]), "backup", "cluster.yaml");
        System.out.println("locked");
        System.out.flush();
        Thread.sleep(TimeUnit.MINUTES.toMillis(1));
        lock.close();
    }

    @Test
    void anotherLiveProcessHoldsTheDirectoryUntilItIsKilled() throws Exception
    {
        final Path node = directory.resolve("log").resolve("backup");
        final String java = ProcessHandle.current().info().command().orElseThrow();
        final Process holder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
            NodeDirectoryLockTest.class.getName(), node.toString())).redirectErrorStream(true).start();
        try
        {
            final BufferedReader lines = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", lines.readLine());

            final NodeStartException held = assertThrows(NodeStartException.class,
                () -> NodeDirectoryLock.acquire(node, "backup", "cluster.yaml"));
            assertEquals("node 'backup' already runs on " + node + " in process " + holder.pid() + ": stop that one " +
                "first (a second node on the same log would corrupt it), or give this one another name or log.dir " +
                "in cluster.yaml.", held.getMessage());
        }
        finally
        {
            holder.destroyForcibly(); // SIGKILL: no shutdown hook, the lock file stays
            holder.waitFor(20, TimeUnit.SECONDS);
        }

        assertEquals(Long.toString(holder.pid()), Files.readString(node.resolve("lock")).trim(), "the stale file stays");
        try (NodeDirectoryLock ignored = NodeDirectoryLock.acquire(node, "backup", "cluster.yaml"))
        {
            assertEquals(Long.toString(ProcessHandle.current().pid()), Files.readString(node.resolve("lock")).trim());
        }
        // Closed: the same process may take it again (a restart within one JVM, as the tests do).
        NodeDirectoryLock.acquire(node, "backup", "cluster.yaml").close();
    }

    @Test
    void thisProcessHoldingItIsRefusedToo()
    {
        try (NodeDirectoryLock ignored = NodeDirectoryLock.acquire(directory, "p", "c.yaml"))
        {
            final NodeStartException ex = assertThrows(NodeStartException.class,
                () -> NodeDirectoryLock.acquire(directory, "p", "c.yaml"));
            assertTrue(ex.getMessage().startsWith("node 'p' already runs on " + directory + " in this process: "),
                ex.getMessage());
        }
    }

    @Test
    void aLogDirThatIsAFileIsOneSentence() throws IOException
    {
        final Path file = Files.writeString(directory.resolve("not-a-dir"), "x");
        final NodeStartException ex = assertThrows(NodeStartException.class,
            () -> NodeDirectoryLock.acquire(file.resolve("primary"), "primary", "c.yaml"));
        assertEquals("log.dir in c.yaml leads through " + file + ", which is a file, not a directory: point log.dir " +
            "at a directory, or move that file away.", ex.getMessage());
    }

    @Test
    void aLogDirOnAReadOnlyFileSystemIsOneSentence()
    {
        // /proc/sys is read-only even for root.
        final Path node = Path.of("/proc/sys/ertcp-log/primary");
        final NodeStartException ex = assertThrows(NodeStartException.class,
            () -> NodeDirectoryLock.acquire(node, "primary", "c.yaml"));
        assertTrue(ex.getMessage().startsWith("cannot create the node's log directory " + node + " ("), ex.getMessage());
        assertTrue(ex.getMessage().endsWith("): give log.dir in c.yaml a directory this user may write, or run the " +
            "node as its owner."), ex.getMessage());
    }
}
