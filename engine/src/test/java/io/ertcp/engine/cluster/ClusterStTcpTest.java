package io.ertcp.engine.cluster;

import io.ertcp.engine.lan.impair.ImpairmentSpec;
import io.ertcp.engine.testing.EchoSource;
import io.ertcp.engine.testing.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failover of a whole in-process ST-TCP cluster (primary, backup, witness or fencing hook) on a LAN that floods every
 * frame, so the backup taps the client's bytes off it and gets only ordering records from the primary. Whatever the
 * moment of the kill, and whatever the tap missed, the client gets every byte back exactly once and never a reset.
 * The seed is printed; rerun one with -Dertcp.seed=N.
 */
class ClusterStTcpTest
{
    private static long counter(final ClusterNode node, final String label)
    {
        return node.counters().value(label, -1);
    }

    @ParameterizedTest
    @ValueSource(longs = {10_000, 200_000, 700_000})
    void echoSurvivesTheKillOfThePrimary(final long killAfterBytes)
    {
        final long seed = Seeds.seed(ClusterStTcpTest.class);
        final byte[] data = Seeds.bytes(seed, 1 << 20);
        try (InProcessCluster cluster = InProcessCluster.stTcp(seed, "echo", Map.of(), null))
        {
            cluster.awaitReady("backup1");
            final EchoSource source = cluster.streamThrough(data, killAfterBytes, 20_000_000_000L);
            final ClusterNode backup = cluster.node("backup1");
            assertTrue(counter(backup, "backup records-tapped") > 0, "the backup rebuilt DATA records from its tap");
            assertEquals(0, counter(cluster.node("primary"), "primary records-fetched"), "a perfect LAN: nothing fetched");
            // Every record was tapped, and none holds more than 8 KiB: one client segment a lossy tap misses costs a
            // fetch of at most that, not of a record that fills 11 replication frames (ClusterNode.maxDataPerRecord).
            assertTrue(counter(backup, "backup records-tapped") >= source.verified / ClusterNode.MAX_DATA_PER_RECORD,
                "ST-TCP DATA records of at most 8 KiB: " + counter(backup, "backup records-tapped") + " records for " +
                source.verified + " bytes echoed; seed " + seed);

            cluster.kill("primary");
            cluster.assertIntact(source, data.length);
            final ClusterNode primary = cluster.primary();
            assertNotNull(primary, cluster.events());
            assertEquals(backup, primary, cluster.events());
            assertEquals(2, primary.epoch(), cluster.events());
        }
    }

    @Test
    void whatTheTapMissesIsFetchedAndTheFailoverStillLosesNothing()
    {
        final long seed = Seeds.seed(ClusterStTcpTest.class);
        final byte[] data = Seeds.bytes(seed, 2 << 20);
        final Map<String, ImpairmentSpec> ingress = Map.of("backup1", ImpairmentSpec.parse("loss=5%,reorder=2%,duplicate=1%"));
        try (InProcessCluster cluster = InProcessCluster.stTcp(seed, "echo", ingress, null))
        {
            cluster.awaitReady("backup1");
            final EchoSource source = cluster.streamThrough(data, 1_000_000, 30_000_000_000L);
            final ClusterNode backup = cluster.node("backup1");
            assertTrue(counter(backup, "backup tap-misses") > 0, "the lossy tap missed bytes; seed " + seed);
            assertTrue(counter(cluster.node("primary"), "primary records-fetched") > 0,
                "the primary answered fetches from its log; seed " + seed);
            assertTrue(counter(backup, "backup records-tapped") > counter(backup, "backup tap-misses"),
                "most records still came off the tap; seed " + seed);

            cluster.kill("primary");
            cluster.assertIntact(source, data.length);
            assertEquals(backup, cluster.primary(), cluster.events());
        }
    }

    @Test
    void theClientsBytesTheBackupTappedPastTheLogAreTakenAtTheTakeover()
    {
        final long seed = Seeds.seed(ClusterStTcpTest.class);
        final byte[] data = Seeds.bytes(seed, 1 << 20);
        try (InProcessCluster cluster = InProcessCluster.stTcp(seed, "echo", Map.of(), null))
        {
            cluster.awaitReady("backup1");
            final EchoSource source = cluster.streamThrough(data, 300_000, 20_000_000_000L);

            // The primary hangs: the client's segments in flight still reach the backup's tap, but the primary never
            // orders them, so they are past the backup's log when it takes over.
            cluster.paused.add("primary");
            cluster.runUntil(() -> false, 2_000_000L);
            cluster.kill("primary");
            cluster.assertIntact(source, data.length);
            final ClusterNode backup = cluster.node("backup1");
            assertEquals(backup, cluster.primary(), cluster.events());
            assertTrue(cluster.events().matches("(?s).*took over as primary in epoch 2: .* client byte\\(s\\) taken from " +
                "the tap.*"), "the tapped bytes past the log were taken at once; seed " + seed + "\n" + cluster.events());
        }
    }

    @Test
    void losingTheBackupLeavesThePrimaryRunningAloneOnceTheWitnessHeardIt()
    {
        final long seed = Seeds.seed(ClusterStTcpTest.class);
        final byte[] data = Seeds.bytes(seed, 2 << 20);
        try (InProcessCluster cluster = InProcessCluster.stTcp(seed, "echo", Map.of(), null))
        {
            cluster.awaitReady("backup1");
            final ClusterNode witness = cluster.node("witness");
            assertTrue(cluster.runUntil(() -> witness.membership().knownSyncBackup() == 2, 1_000_000_000L), cluster.events());
            final EchoSource source = cluster.streamThrough(data, 500_000, 20_000_000_000L);

            cluster.kill("backup1");
            cluster.assertIntact(source, data.length);
            assertEquals(0, witness.membership().knownSyncBackup(), "the witness no longer counts the lost backup in sync");
            assertTrue(cluster.node("primary").status().detail().contains("alone"), cluster.node("primary").status().detail());
            assertTrue(cluster.events().contains("running without a backup"), cluster.events());
        }
    }

    @Test
    void theKilledPrimaryRejoinsCatchesUpAndASecondFailoverGoesBackToIt()
    {
        final long seed = Seeds.seed(ClusterStTcpTest.class);
        final byte[] data = Seeds.bytes(seed, 8 << 20);
        try (InProcessCluster cluster = InProcessCluster.stTcp(seed, "echo", Map.of(), null))
        {
            cluster.awaitReady("backup1");
            final EchoSource source = cluster.streamThrough(data, 300_000, 20_000_000_000L);
            cluster.kill("primary");
            final ClusterNode first = cluster.node("backup1");
            assertTrue(cluster.runUntil(() -> first.state() == ClusterNode.State.PRIMARY && source.verified >= 1_000_000,
                10_000_000_000L), "took over and went on alone; seed " + seed + "\n" + cluster.events());

            final ClusterNode rejoined = cluster.start("primary");
            assertEquals(ClusterNode.State.BACKUP, rejoined.state());
            assertTrue(cluster.runUntil(() -> first.syncBackupId() == rejoined.nodeId(), 30_000_000_000L),
                "the rejoined node caught up from the new primary's log and is in sync; seed " + seed + "\n" + cluster.events());
            final ClusterNode witness = cluster.node("witness");
            assertTrue(cluster.runUntil(() -> witness.membership().knownSyncBackup() == rejoined.nodeId(), 1_000_000_000L));
            assertTrue(source.verified < data.length, "the second kill comes mid-stream; seed " + seed + "\n" + cluster.events());
            // It caught up on whole records (its tap cannot have what passed before it was in step), then taps.
            final long tappedAtSync = counter(rejoined, "backup records-tapped");
            assertTrue(counter(rejoined, "backup tap-misses") < 20,
                "a catching-up backup is sent whole records, not ordering records it must fetch one by one: " +
                counter(rejoined, "backup tap-misses") + " fetched; seed " + seed);
            assertTrue(cluster.runUntil(() -> counter(rejoined, "backup records-tapped") > tappedAtSync + 50, 5_000_000_000L),
                "once in step the rejoined backup taps; seed " + seed + "\n" + cluster.events());

            cluster.kill("backup1");
            cluster.assertIntact(source, data.length);
            assertEquals(ClusterNode.State.PRIMARY, rejoined.state(), cluster.events());
            assertEquals(3, rejoined.epoch(), cluster.events());
        }
    }

    @Test
    void theWitnessNeverElectsABackupThatIsNotInSync()
    {
        final long seed = Seeds.seed(ClusterStTcpTest.class);
        final byte[] data = Seeds.bytes(seed, 1 << 20);
        try (InProcessCluster cluster = InProcessCluster.stTcp(seed, "echo", Map.of(), null))
        {
            cluster.awaitReady("backup1");
            final EchoSource source = cluster.streamThrough(data, 300_000, 20_000_000_000L);
            cluster.kill("backup1");
            final ClusterNode witness = cluster.node("witness");
            assertTrue(cluster.runUntil(() -> witness.membership().knownSyncBackup() == 0, 1_000_000_000L), cluster.events());

            // The backup comes back deaf (nothing reaches it): it never catches up, so it must never be elected.
            cluster.ingress.put("backup1", ImpairmentSpec.parse("loss=100%"));
            final ClusterNode deaf = cluster.start("backup1");
            assertTrue(cluster.runUntil(() -> source.verified >= 600_000, 10_000_000_000L), cluster.events());
            cluster.kill("primary");
            cluster.runUntil(() -> false, 6_000_000_000L);
            assertEquals(ClusterNode.State.BACKUP, deaf.state(), "no takeover by a backup short of acknowledged bytes\n" +
                cluster.events());
            assertTrue(witness.membership().counters().unsyncedCandidatesRefused.get() > 0, cluster.events());
        }
    }

    @Test
    void twoNodesWithAFencingHookTakeOverOnceTheHookCutThePrimaryOff()
    {
        final long seed = Seeds.seed(ClusterStTcpTest.class);
        final byte[] data = Seeds.bytes(seed, 1 << 20);
        try (InProcessCluster cluster = InProcessCluster.stTcp(seed, "echo", Map.of(), "true"))
        {
            cluster.awaitReady("backup1");
            final EchoSource source = cluster.streamThrough(data, 300_000, 20_000_000_000L);
            cluster.kill("primary");
            awaitHook(cluster, "the fencing hook cut primary off");
            cluster.assertIntact(source, data.length);
            assertEquals(cluster.node("backup1"), cluster.primary(), cluster.events());
        }
    }

    @Test
    void twoNodesWhoseFencingHookFailsNeverTakeOver()
    {
        final long seed = Seeds.seed(ClusterStTcpTest.class);
        try (InProcessCluster cluster = InProcessCluster.stTcp(seed, "echo", Map.of(), "false"))
        {
            cluster.awaitReady("backup1");
            final ClusterNode backup = cluster.node("backup1");
            assertTrue(cluster.runUntil(() -> backup.membership().knownSyncBackup() == backup.nodeId(), 1_000_000_000L));
            cluster.kill("primary");
            awaitHook(cluster, "the fencing hook for primary exited with status 1");
            cluster.runUntil(() -> false, 3_000_000_000L);
            assertEquals(ClusterNode.State.BACKUP, backup.state(), cluster.events());
        }
    }

    /**
     * The hook is a real process, which simulated time can outrun (its timeout, 30 s, is simulated too): step a
     * simulated millisecond per real millisecond until the node says {@code outcome}, for at most 20 real seconds.
     */
    private static void awaitHook(final InProcessCluster cluster, final String outcome)
    {
        final long deadline = System.nanoTime() + 20_000_000_000L;
        while (!cluster.events().contains(outcome) && System.nanoTime() < deadline)
        {
            cluster.runUntil(() -> false, 1_000_000L);
            try
            {
                Thread.sleep(1);
            }
            catch (final InterruptedException ex)
            {
                throw new AssertionError(ex);
            }
        }
        assertTrue(cluster.events().contains(outcome), cluster.events());
    }
}
