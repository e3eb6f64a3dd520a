package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;
import io.ertcp.test.NetNs;
import io.ertcp.test.Requirements;
import io.ertcp.test.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Safe starts in namespaces (docs/architecture.md, "Safe starts"), each refusal with its one sentence: a node refuses
 * an interface its kernel holds an IPv4 address on; a member started with another cluster file is named by the others
 * and {@code ./ertcp status} is unhealthy until it agrees; a second node process on a log directory a live one holds
 * is refused with that one's pid. The primary and the logger start first; the backup is the node the test starts
 * wrongly, once per way.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeSafeStartSystemTest
{
    private Path workDir;
    private ClusterNamespaces cluster;

    @BeforeAll
    void setUp() throws Exception
    {
        Requirements.assumeRootAndNetns();
        workDir = Files.createTempDirectory("ertcp-safe-start");
        cluster = ClusterNamespaces.create(workDir, "ecs-safe", template -> template.service("echo"));
        cluster.start("primary").awaitOutput("primary in epoch 1, serving", Duration.ofSeconds(60));
        cluster.start("logger").awaitOutput("started as logger", Duration.ofSeconds(60));
    }

    @AfterAll
    void tearDown()
    {
        if (cluster != null)
        {
            cluster.closeKeepingOutputs(getClass());
        }
        else if (workDir != null)
        {
            Shell.run("rm", "-rf", workDir.toString());
        }
    }

    /** {@code ./ertcp node} for the backup in its namespace, run to its end: a refusal is quick. */
    private Shell.Result nodeRunToItsEnd(final Path clusterFile)
    {
        return cluster.namespace("backup").run(Duration.ofSeconds(90), "env", "ERTCP_NO_BUILD=1", "ERTCP_HEAP=128m",
            Requirements.root().resolve("ertcp").toString(), "node", "--config", clusterFile.toString(), "--name",
            "backup");
    }

    @Test
    @Order(1)
    @Timeout(120)
    void anInterfaceWithAKernelAddressIsRefusedWithOneSentence()
    {
        final NetNs backup = cluster.namespace("backup");
        backup.exec("ip", "addr", "add", "10.80.0.13/24", "dev", "eth0");
        try
        {
            final Shell.Result refused = nodeRunToItsEnd(cluster.config());
            final String said = refused.stdout() + refused.stderr();
            assertEquals(2, refused.exitCode(), said);
            assertTrue(said.contains("ertcp node: interface eth0 has the kernel IPv4 address 10.80.0.13/24, so the " +
                "host's kernel answers there beside the node"), said);
            assertTrue(said.contains("or pass --allow-kernel-address to use it anyway."), said);
            assertFalse(said.contains("\tat "), "no stack trace: " + said);
        }
        finally
        {
            backup.exec("ip", "addr", "flush", "dev", "eth0");
        }
    }

    @Test
    @Order(2)
    @Timeout(180)
    void aMemberOnAnotherClusterFileIsNamedAndTheClusterIsUnhealthy() throws Exception
    {
        final String file = Files.readString(cluster.config());
        final String edited = file.replaceFirst("max-connections: \\d+", "max-connections: 999");
        assertNotEquals(file, edited, "the cluster file has a tcp max-connections to change:\n" + file);
        final Path other = workDir.resolve("other-cluster.yaml");
        Files.writeString(other, edited);

        cluster.start("backup", other).awaitOutput("started as backup", Duration.ofSeconds(60));
        cluster.node("primary").awaitOutput("node 'backup' runs a different cluster file (digest ",
            Duration.ofSeconds(60));
        assertTrue(cluster.node("primary").output().contains("): give every node the same file and restart the one " +
            "that differs."), cluster.node("primary").output());
        cluster.node("logger").awaitOutput("node 'backup' runs a different cluster file", Duration.ofSeconds(30));
        cluster.node("backup").awaitOutput("node 'primary' runs a different cluster file", Duration.ofSeconds(30));

        Shell.Result status = cluster.statusOverNetwork();
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!status.stdout().contains("backup runs another cluster file") && System.nanoTime() < deadline)
        {
            Thread.sleep(500);
            status = cluster.statusOverNetwork();
        }
        assertEquals(1, status.exitCode(), status.stdout() + status.stderr());
        assertTrue(status.stdout().contains("backup runs another cluster file than the other members (the digests " +
            "in their heartbeats differ): give every node the same file"), status.stdout());
        assertTrue(status.stdout().contains("backup backup e1") && status.stdout().contains("OTHER-CLUSTER-FILE"),
            status.stdout());
    }

    @Test
    @Order(3)
    @Timeout(120)
    void aSecondNodeOnALogDirectoryALiveOneHoldsIsRefusedWithItsPid()
    {
        assertTrue(cluster.node("backup").process().isAlive(), "the backup of the previous test runs");
        final Shell.Result refused = nodeRunToItsEnd(cluster.config());
        final String said = refused.stdout() + refused.stderr();
        assertEquals(2, refused.exitCode(), said);
        assertTrue(said.contains("ertcp node: node 'backup' already runs on "), said);
        assertTrue(said.matches("(?s).* in process \\d+: stop that one first \\(a second node on the same log would " +
            "corrupt it\\), or give this one another name or log.dir in .*"), said);
        assertFalse(said.contains("\tat "), "no stack trace: " + said);
        assertTrue(cluster.node("backup").process().isAlive(), "the first backup still runs");
    }
}
