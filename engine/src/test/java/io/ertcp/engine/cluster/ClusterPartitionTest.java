package io.ertcp.engine.cluster;

import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.testing.EchoSource;
import io.ertcp.engine.testing.Seeds;
import io.ertcp.service.CloseReason;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A partition that heals (docs/architecture.md rules 7 and 9): the primary's cable is cut while a client streams
 * through echo, the backup takes over, the cut is healed. The old primary, which never heard the election, learns of
 * it from a majority's heartbeats, stops serving, rejoins as a backup by itself (its status says rejoining), catches
 * up, and a later failover back to it loses nothing. The seed is printed; rerun one with -Dertcp.seed=N.
 */
class ClusterPartitionTest
{
    @ParameterizedTest
    @ValueSource(strings = {"er-tcp", "st-tcp"})
    void aPrimaryCutOffRejoinsAsABackupWhenHealedAndAFailoverGoesBackToIt(final String mode)
    {
        final long seed = Seeds.seed(ClusterPartitionTest.class);
        final byte[] data = Seeds.bytes(seed, 8 << 20);
        try (InProcessCluster cluster = mode.equals("er-tcp") ? new InProcessCluster(seed, "echo", 1, null) :
            InProcessCluster.stTcp(seed, "echo", Map.of(), null))
        {
            cluster.awaitReady("backup1");
            final EchoSource source = cluster.streamThrough(data, 300_000, 20_000_000_000L);

            final ClusterNode old = cluster.node("primary");
            final ClusterNode backup = cluster.node("backup1");
            final MemoryPort cable = cluster.ports.get("primary");
            cluster.lan.cut(cable, true);
            assertTrue(cluster.runUntil(() -> backup.state() == ClusterNode.State.PRIMARY, 5_000_000_000L),
                "the backup took over from the primary it cannot hear; seed " + seed + "\n" + cluster.events());
            cluster.runUntil(() -> false, 20_000_000L);
            assertEquals(ClusterNode.State.PRIMARY, old.state(), "cut off, the old primary heard nothing of it");
            assertEquals(1, old.membership().epoch());

            cluster.lan.cut(cable, false);
            assertTrue(cluster.runUntil(() -> old.state() == ClusterNode.State.BACKUP, 1_000_000_000L),
                "healed, the old primary learns of epoch 2 and steps down; seed " + seed + "\n" + cluster.events());
            assertEquals("rejoining", old.status().role(), cluster.events());
            assertEquals(2, old.membership().epoch());
            assertEquals(backup.nodeId(), old.membership().primaryId());
            assertTrue(cluster.events().contains("[primary] deposed: node backup1 is primary in epoch 2"), cluster.events());
            assertTrue(cluster.events().contains("[primary] rejoined as backup in epoch 2"), cluster.events());
            assertTrue(cluster.nodes.containsKey("primary"), "the node goes on");
            assertNull(old.fatalError());

            assertTrue(cluster.runUntil(() -> !old.isRejoining(), 30_000_000_000L),
                "the rejoined node replayed the log; seed " + seed + "\n" + old.status() + "\n" + cluster.events());
            assertEquals("backup", old.status().role());
            if (mode.equals("st-tcp"))
            {
                assertTrue(cluster.runUntil(() -> backup.syncBackupId() == old.nodeId() &&
                    cluster.node("witness").membership().knownSyncBackup() == old.nodeId(), 30_000_000_000L),
                    "in sync again, so it may be elected; seed " + seed + "\n" + cluster.events());
            }
            // The failover back under a live stream: the first may be over by now (the LAN is fast), so a second one.
            final byte[] more = new byte[4 << 20];
            new Random(seed + 1).nextBytes(more);
            final EchoSource second = cluster.streamThrough(more, 200_000, 20_000_000_000L);

            cluster.kill("backup1");
            assertTrue(cluster.runUntil(() -> source.closed && second.closed, 60_000_000_000L),
                "finished after the failover back: verified " + source.verified + " and " + second.verified + "; seed " +
                seed + "\n" + cluster.events());
            assertEquals(data.length, source.verified, "every byte came back once; seed " + seed);
            assertEquals(more.length, second.verified, "every byte came back once; seed " + seed);
            assertEquals(CloseReason.CLOSED, source.reason, "seed " + seed);
            assertEquals(CloseReason.CLOSED, second.reason, "seed " + seed);
            assertEquals(0, cluster.client.stack.counters().connectionsReset.get(), "no reset; seed " + seed);
            assertEquals(ClusterNode.State.PRIMARY, old.state(), cluster.events());
            assertEquals(3, old.epoch(), cluster.events());
        }
    }
}
