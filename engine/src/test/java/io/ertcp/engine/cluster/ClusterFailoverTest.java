package io.ertcp.engine.cluster;

import io.ertcp.engine.testing.EchoSource;
import io.ertcp.engine.testing.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failover of a whole in-process ER-TCP cluster (real nodes, real Chronicle Queue logs, heartbeats, votes, the
 * logger's feeds) while a client streams through echo: whatever the moment of the kill, the client gets every byte
 * back exactly once, in order, and never a reset. The seed is printed; rerun one with -Dertcp.seed=N.
 */
class ClusterFailoverTest
{
    @ParameterizedTest
    @ValueSource(longs = {10_000, 200_000, 700_000})
    void echoSurvivesTheKillOfThePrimary(final long killAfterBytes)
    {
        final long seed = Seeds.seed(ClusterFailoverTest.class);
        final byte[] data = Seeds.bytes(seed, 1 << 20);
        try (InProcessCluster cluster = new InProcessCluster(seed, "echo", 1, null))
        {
            cluster.awaitReady("backup1");
            final EchoSource source = cluster.streamThrough(data, killAfterBytes, 20_000_000_000L);

            cluster.kill("primary");
            cluster.assertIntact(source, data.length);
            final ClusterNode primary = cluster.primary();
            assertNotNull(primary, cluster.events());
            assertEquals("backup1", cluster.config.nodes().get(primary.nodeId() - 1).name());
            assertEquals(2, primary.epoch(), cluster.events());
        }
    }

    @Test
    void theKilledPrimaryRejoinsAsABackupAndASecondFailoverGoesBackToIt()
    {
        final long seed = Seeds.seed(ClusterFailoverTest.class);
        final byte[] data = Seeds.bytes(seed, 16 << 20);
        try (InProcessCluster cluster = new InProcessCluster(seed, "echo", 1, null))
        {
            cluster.awaitReady("backup1");
            final EchoSource source = cluster.streamThrough(data, 300_000, 20_000_000_000L);
            cluster.kill("primary");
            assertTrue(cluster.runUntil(() -> null != cluster.primary(), 5_000_000_000L), cluster.events());

            // As ./ertcp node does: the lock on the node's directory is taken before the node discards its log.
            final java.nio.file.Path nodeDirectory = cluster.config.log().dirOf("primary");
            final ClusterNode rejoined;
            try (NodeDirectoryLock ignored = NodeDirectoryLock.acquire(nodeDirectory, "primary", "the test"))
            {
                rejoined = cluster.start("primary");
                assertTrue(java.nio.file.Files.exists(nodeDirectory.resolve(NodeDirectoryLock.FILE_NAME)),
                    "rejoining discards the log, not the lock beside it");
            }
            assertEquals(ClusterNode.State.BACKUP, rejoined.state());
            final long historyAtRejoin = cluster.node("logger").logPosition();
            assertTrue(cluster.runUntil(() -> rejoined.appliedPosition() >= historyAtRejoin,
                30_000_000_000L), "the rejoined node replayed the log; seed " + seed + "\n" + cluster.events());
            assertTrue(source.verified < data.length, "the second kill comes mid-stream; seed " + seed);

            cluster.kill("backup1");
            cluster.assertIntact(source, data.length);
            assertEquals(ClusterNode.State.PRIMARY, rejoined.state(), cluster.events());
            assertEquals(3, rejoined.epoch(), cluster.events());
        }
    }

    @Test
    void losingTheLoggerPromotesABackupAndTheStreamGoesOn()
    {
        final long seed = Seeds.seed(ClusterFailoverTest.class);
        final byte[] data = Seeds.bytes(seed, 4 << 20);
        try (InProcessCluster cluster = new InProcessCluster(seed, "echo", 2, null))
        {
            cluster.awaitReady("backup2");
            final EchoSource source = cluster.streamThrough(data, 500_000, 20_000_000_000L);

            cluster.kill("logger");
            cluster.assertIntact(source, data.length);
            assertEquals(ClusterNode.State.LOGGER, cluster.node("backup1").state(), cluster.events());
            final ClusterNode backup2 = cluster.node("backup2");
            final ClusterNode newLogger = cluster.node("backup1");
            assertTrue(cluster.runUntil(() -> backup2.appliedPosition() == newLogger.logPosition(), 5_000_000_000L),
                "the other backup follows the new logger; seed " + seed + "\n" + cluster.events());
        }
    }

    @Test
    void afterTheLoggerIsReplacedThePrimaryCanStillFailOver()
    {
        final long seed = Seeds.seed(ClusterFailoverTest.class);
        final byte[] data = Seeds.bytes(seed, 6 << 20);
        try (InProcessCluster cluster = new InProcessCluster(seed, "echo", 3, null))
        {
            cluster.awaitReady("backup3");
            final EchoSource source = cluster.streamThrough(data, 500_000, 20_000_000_000L);
            cluster.kill("logger");
            assertTrue(cluster.runUntil(() -> cluster.node("backup1").state() == ClusterNode.State.LOGGER &&
                source.verified >= 2_000_000, 20_000_000_000L), cluster.events());

            cluster.kill("primary");
            cluster.assertIntact(source, data.length);
            assertEquals(ClusterNode.State.PRIMARY, cluster.node("backup2").state(), cluster.events());
        }
    }
}
