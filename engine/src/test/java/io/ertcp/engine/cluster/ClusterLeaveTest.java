package io.ertcp.engine.cluster;

import io.ertcp.engine.testing.EchoSource;
import io.ertcp.engine.testing.Seeds;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nodes that stop on purpose (SIGTERM, a switchover) in a whole in-process ER-TCP cluster while a client streams
 * through echo: a primary hands over to a caught-up backup, which takes over sooner than any suspicion could make it;
 * a logger that leaves is replaced at once. The client gets every byte back once, in order, without a reset.
 */
class ClusterLeaveTest
{
    /** The in-process cluster's suspicion timeout (InProcessCluster.template). */
    private static final long SUSPECT_TIMEOUT_NS = 6_000_000L;

    @Test
    void aSwitchoverHandsThePrimaryToTheNamedBackupSoonerThanASuspicionCould()
    {
        final long seed = Seeds.seed(ClusterLeaveTest.class);
        final byte[] data = Seeds.bytes(seed, 4 << 20);
        try (InProcessCluster cluster = new InProcessCluster(seed, "echo", 2, null))
        {
            cluster.awaitReady("backup2");
            final EchoSource source = cluster.streamThrough(data, 500_000, 20_000_000_000L);

            final ClusterNode old = cluster.node("primary");
            final long requestedNs = cluster.now[0];
            old.requestStop("backup2");
            assertTrue(cluster.runUntil(old::hasLeft, 3_000_000_000L), "the primary handed over; seed " + seed +
                "\n" + cluster.events());
            final long leftNs = cluster.now[0];
            cluster.kill("primary"); // the process exits once it has left
            final ClusterNode successor = cluster.node("backup2");
            assertTrue(cluster.runUntil(() -> successor.state() == ClusterNode.State.PRIMARY, 1_000_000_000L),
                cluster.events());
            final long tookNs = cluster.now[0] - leftNs;
            System.out.printf("switchover: drained in %.2f ms, new primary %.2f ms after the LEAVE%n",
                (leftNs - requestedNs) / 1e6, tookNs / 1e6);
            assertTrue(tookNs < SUSPECT_TIMEOUT_NS, "the named backup took over before any suspicion timeout: " +
                tookNs + " ns; seed " + seed + "\n" + cluster.events());
            assertEquals(2, successor.epoch(), cluster.events());
            assertEquals(ClusterNode.State.BACKUP, cluster.node("backup1").state(), "the other backup follows");
            assertTrue(cluster.events().contains("[backup2] node primary left on purpose"), cluster.events());

            cluster.assertIntact(source, data.length);
        }
    }

    @Test
    void aPrimaryStoppedWithoutASuccessorHandsOverToTheBestRankedBackup()
    {
        final long seed = Seeds.seed(ClusterLeaveTest.class);
        try (InProcessCluster cluster = new InProcessCluster(seed, "echo", 2, null))
        {
            cluster.awaitReady("backup2");
            final ClusterNode old = cluster.node("primary");
            old.requestStop(null);
            assertTrue(cluster.runUntil(old::hasLeft, 3_000_000_000L), cluster.events());
            cluster.kill("primary");
            assertTrue(cluster.runUntil(() -> cluster.node("backup1").state() == ClusterNode.State.PRIMARY,
                SUSPECT_TIMEOUT_NS), "backup1 (rank 1) took over at once; seed " + seed + "\n" + cluster.events());
        }
    }

    @Test
    void aLoggerThatLeavesIsReplacedWithoutWaitingOutTheSuspicionTimeouts()
    {
        final long seed = Seeds.seed(ClusterLeaveTest.class);
        final byte[] data = Seeds.bytes(seed, 2 << 20);
        try (InProcessCluster cluster = new InProcessCluster(seed, "echo", 2, null))
        {
            cluster.awaitReady("backup2");
            final EchoSource source = cluster.streamThrough(data, 300_000, 20_000_000_000L);

            final ClusterNode logger = cluster.node("logger");
            logger.requestStop(null);
            assertTrue(cluster.runUntil(logger::hasLeft, 1_000_000_000L), cluster.events());
            cluster.kill("logger");
            final long leftNs = cluster.now[0];
            assertTrue(cluster.runUntil(() -> cluster.node("backup1").state() == ClusterNode.State.LOGGER,
                1_000_000_000L), cluster.events());
            final long tookNs = cluster.now[0] - leftNs;
            // A logger that falls silent is promoted past after two suspicion timeouts; one that says it left, at once.
            assertTrue(tookNs < SUSPECT_TIMEOUT_NS, "promoted " + tookNs + " ns after the LEAVE; seed " + seed + "\n" +
                cluster.events());
            assertTrue(cluster.runUntil(() -> source.closed, 60_000_000_000L), cluster.events());
            assertEquals(data.length, source.verified, "seed " + seed);
            assertEquals(0, cluster.client.stack.counters().connectionsReset.get(), "seed " + seed);
        }
    }

    @Test
    void aSuccessorThatIsNotABackupIsRefusedWithOneSentence()
    {
        try (InProcessCluster cluster = new InProcessCluster(1, "echo", 1, null))
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> cluster.node("primary").requestStop("logger"));
            assertEquals("logger cannot take over: name a member other than primary that runs as a backup now", ex.getMessage());
        }
    }
}
