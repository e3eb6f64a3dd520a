package io.ertcp.engine.cluster;

import io.ertcp.engine.service.KvService;
import io.ertcp.log.SnapshotStore;
import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshots on a whole in-process ER-TCP cluster serving kv (docs/architecture.md rule 7), whose log rolls every
 * second, is kept one second, and snapshots every few thousand records: once many keys were written by connections
 * that came and went, every node has snapshots and retention deleted the log before them; a backup restarted (its
 * log discarded) loads its newest snapshot, is fed only the log after it, and ends with the primary's keys and
 * values; with its newest snapshot torn, it loads the one before, again replays only the log after that, and again
 * ends with the primary's state. The seed is printed; rerun one with -Dertcp.seed=N.
 */
class ClusterSnapshotTest
{
    private static final int KEYS_PER_CONNECTION = 400;

    private static long seed()
    {
        final long seed = Long.getLong("ertcp.seed", System.nanoTime());
        System.out.println("ClusterSnapshotTest seed " + seed + " (rerun with -Dertcp.seed=" + seed + ")");
        return seed;
    }

    static io.ertcp.engine.cluster.config.ClusterTemplate snapshotsEvery(
        final io.ertcp.engine.cluster.config.ClusterTemplate template, final int records)
    {
        return template.retention("1s").rollCycle("seconds").snapshotEveryRecords(records).maxConnections(8192);
    }

    /** One connection that sets its batch of keys and quits. */
    private static void setKeys(final InProcessCluster cluster, final int batch)
    {
        final StringBuilder commands = new StringBuilder();
        for (int i = 0; i < KEYS_PER_CONNECTION; i++)
        {
            final int key = batch * KEYS_PER_CONNECTION + i;
            commands.append("SET key:").append(key).append(" value-").append(key * 31L).append("\r\n");
        }
        commands.append("INCR writes\r\nQUIT\r\n");
        final ClusterFaultsTest.Script script = new ClusterFaultsTest.Script(commands.toString());
        assertNotNull(cluster.client.stack.connect(cluster.client.ip, cluster.client.vip, 6379, script));
        assertTrue(cluster.runUntil(() -> script.closed, 10_000_000_000L), "batch " + batch + "\n" + cluster.events());
        assertEquals(KEYS_PER_CONNECTION + 2, script.answers(), "every SET, the INCR and the QUIT answered");
    }

    /**
     * Batches of keys until {@code done} (the log's cycles are wall time, so this takes seconds), at most a minute,
     * then a quiet second and a half (simulated).
     */
    private static int load(final InProcessCluster cluster, final int firstBatch, final java.util.function.BooleanSupplier done)
    {
        final long end = System.currentTimeMillis() + 60_000;
        int batch = firstBatch;
        while (!done.getAsBoolean() && System.currentTimeMillis() < end)
        {
            setKeys(cluster, batch++);
            pause();
        }
        cluster.runUntil(() -> false, 1_500_000_000L);
        return batch;
    }

    /** The snapshot files a node has written (listed, not opened: opening a store deletes a temporary file). */
    private static int snapshotFiles(final Path directory)
    {
        if (!java.nio.file.Files.isDirectory(directory))
        {
            return 0;
        }
        try (var files = java.nio.file.Files.list(directory))
        {
            return (int)files.filter(p -> p.getFileName().toString().endsWith(".snap")).count();
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private static void pause()
    {
        try
        {
            Thread.sleep(20);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static KvService kv(final ClusterNode node)
    {
        return (KvService)node.replicated().service();
    }

    private static void waitForSnapshotFiles(final InProcessCluster cluster, final Path directory)
    {
        final long end = System.currentTimeMillis() + 10_000;
        while (snapshotFiles(directory) < SnapshotStore.KEEP && System.currentTimeMillis() < end)
        {
            cluster.runUntil(() -> false, 10_000_000L);
        }
    }

    @Test
    void aBackupRestartedAfterRetentionRejoinsFromItsSnapshotAndReplaysOnlyTheTail() throws Exception
    {
        final long seed = seed();
        try (InProcessCluster cluster = InProcessCluster.erTcpEdited(seed, "kv", template -> snapshotsEvery(template, 150)))
        {
            assertTrue(cluster.runUntil(() -> null != cluster.primary() && cluster.node("backup1").membership().view(1).heard(),
                1_000_000_000L), cluster.events());
            final ClusterNode primary = cluster.node("primary");
            final ClusterNode logger = cluster.node("logger");
            final Path snapshots = cluster.directory.resolve("backup1").resolve("snapshots");
            int batch = load(cluster, 0, () -> logger.logger().log().firstPosition() > 1 &&
                snapshotFiles(snapshots) == SnapshotStore.KEEP);
            waitForSnapshotFiles(cluster, snapshots);
            final long loggerFirst = logger.logger().log().firstPosition();
            assertTrue(loggerFirst > 1, "with snapshots, kv's log is no longer kept whole\n" + cluster.events());
            assertTrue(cluster.events().contains("[backup1] snapshot at position"), cluster.events());
            assertTrue(cluster.events().contains("[primary] snapshot at position"), cluster.events());
            final int keys = kv(primary).size();
            assertEquals(batch * KEYS_PER_CONNECTION + 1, keys);

            // Restart: the log is discarded, the snapshots are not.
            cluster.kill("backup1");
            final long[] onDisk = SnapshotStore.open(snapshots).positions();
            final long newest = onDisk[onDisk.length - 1];
            assertTrue(newest >= loggerFirst - 1, "the newest snapshot lies where the logger's log still starts: " +
                newest + " vs " + loggerFirst);
            final ClusterNode rejoined = cluster.start("backup1");
            assertTrue(cluster.events().contains("[backup1] loaded the snapshot at position " + newest), cluster.events());
            final long target = primary.replicated().appliedPosition();
            assertTrue(cluster.runUntil(() -> rejoined.replicated().appliedPosition() >= target, 20_000_000_000L),
                "the rejoined backup caught up to " + target + "; seed " + seed + "\n" + rejoined.status() + "\n" +
                cluster.node("logger").status() + "\n" + cluster.events());
            assertEquals(rejoined.replicated().appliedPosition() - newest, rejoined.replicated().recordsApplied(),
                "it applied only the records after its snapshot");
            assertTrue(rejoined.replicated().recordsApplied() < target / 2, "the tail, not the whole log: " +
                rejoined.replicated().recordsApplied() + " of " + target);
            assertEquals(kv(primary).contentDigest(), kv(rejoined).contentDigest(), "the same keys and values");
            assertEquals(keys, kv(rejoined).size());

            // More writes after the rejoin reach it too.
            setKeys(cluster, batch + 1000);
            final long after = primary.replicated().appliedPosition();
            assertTrue(cluster.runUntil(() -> rejoined.replicated().appliedPosition() >= after, 5_000_000_000L), cluster.events());
            assertEquals(kv(primary).contentDigest(), kv(rejoined).contentDigest());
        }
    }

    @Test
    void aTornNewestSnapshotIsPassedOverForThePreviousOne() throws Exception
    {
        final long seed = seed();
        try (InProcessCluster cluster = InProcessCluster.erTcpEdited(seed, "kv", template -> snapshotsEvery(template, 100)))
        {
            assertTrue(cluster.runUntil(() -> null != cluster.primary() && cluster.node("backup1").membership().view(1).heard(),
                1_000_000_000L), cluster.events());
            final Path snapshots = cluster.directory.resolve("backup1").resolve("snapshots");
            load(cluster, 0, () -> snapshotFiles(snapshots) == SnapshotStore.KEEP);
            waitForSnapshotFiles(cluster, snapshots);
            cluster.kill("backup1");
            final long[] onDisk = SnapshotStore.open(snapshots).positions();
            assertEquals(SnapshotStore.KEEP, onDisk.length);
            final Path newest = SnapshotStore.open(snapshots).fileOf(onDisk[1]);
            try (RandomAccessFile file = new RandomAccessFile(newest.toFile(), "rw"))
            {
                file.setLength(file.length() - 100); // its last bytes never reached the disk
            }

            final ClusterNode rejoined = cluster.start("backup1");
            assertTrue(cluster.events().contains("[backup1] Snapshot " + newest.getFileName() + " should be"),
                "the torn one is reported\n" + cluster.events());
            assertTrue(cluster.events().contains("[backup1] loaded the snapshot at position " + onDisk[0]), cluster.events());
            final ClusterNode primary = cluster.node("primary");
            final long target = primary.replicated().appliedPosition();
            assertTrue(cluster.runUntil(() -> rejoined.replicated().appliedPosition() >= target, 20_000_000_000L),
                "seed " + seed + "\n" + cluster.events());
            assertEquals(target - onDisk[0], rejoined.replicated().recordsApplied(), "only the log after the previous one");
            assertEquals(kv(primary).contentDigest(), kv(rejoined).contentDigest());
        }
    }
}
