package io.ertcp.engine.cluster;

import io.ertcp.engine.service.KvService;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshots keep cluster time (docs/architecture.md "Snapshots" and "Cluster time"), on a whole in-process ER-TCP
 * cluster serving kv with snapshots every 10 records: two keys are set with PX, then more keys until a snapshot lies
 * after them; a backup restarted empty loads it and replays only the log after it, so it learns of the two keys from
 * the snapshot alone (that retention then deletes the log before the snapshots is ClusterSnapshotTest's). The key
 * with the shorter PX then expires on the rejoined backup at the very log position, and the very cluster time, at
 * which it expires on the primary (its timer came back with the snapshot), and after the primary is killed the
 * rejoined backup, now primary, answers TIME and PTTL of the other key with the deadline the first primary gave.
 * The seed is printed; rerun one with -Dertcp.seed=N.
 */
class ClusterSnapshotExpiryTest
{
    /** The key that expires while the test watches, and the one whose deadline survives a failover. */
    private static final long SHORT_PX_MS = 1_000;
    private static final long LONG_PX_MS = 600_000;

    private static long seed()
    {
        final long seed = Long.getLong("ertcp.seed", System.nanoTime());
        System.out.println("ClusterSnapshotExpiryTest seed " + seed + " (rerun with -Dertcp.seed=" + seed + ")");
        return seed;
    }

    private static ClusterFaultsTest.Script send(final InProcessCluster cluster, final String commands)
    {
        final ClusterFaultsTest.Script script = new ClusterFaultsTest.Script(commands);
        cluster.client.stack.connect(cluster.client.ip, cluster.client.vip, 6379, script);
        return script;
    }

    /** One connection that sets a batch of keys and quits. */
    private static void setKeys(final InProcessCluster cluster, final int batch)
    {
        final StringBuilder commands = new StringBuilder();
        for (int i = 0; i < 20; i++)
        {
            commands.append("SET key:").append(batch).append(':').append(i).append(" value\r\n");
        }
        final ClusterFaultsTest.Script script = send(cluster, commands.append("QUIT\r\n").toString());
        assertTrue(cluster.runUntil(() -> script.closed, 10_000_000_000L), "batch " + batch + "\n" + cluster.events());
    }

    /** The positions of the snapshot files a node wrote, newest last (listed: opening the store deletes a temporary file). */
    private static long[] snapshotPositions(final Path directory) throws Exception
    {
        if (!Files.isDirectory(directory))
        {
            return new long[0];
        }
        final Pattern name = Pattern.compile("snapshot-(\\d+)\\.snap");
        try (var files = Files.list(directory))
        {
            return files.map(p -> name.matcher(p.getFileName().toString())).filter(Matcher::matches)
                .mapToLong(m -> Long.parseLong(m.group(1))).sorted().toArray();
        }
    }

    private static long newestSnapshot(final Path directory) throws Exception
    {
        final long[] positions = snapshotPositions(directory);
        return 0 == positions.length ? 0 : positions[positions.length - 1];
    }

    /**
     * @return the key's deadline in cluster ms, as a client works it out from one request of TIME and PTTL.
     */
    private static long deadlineSeenByAClient(final InProcessCluster cluster, final String key, final long seed)
    {
        final ClusterFaultsTest.Script script = send(cluster, "TIME\r\nPTTL " + key + "\r\nQUIT\r\n");
        final Pattern answer = Pattern.compile("\\*2\r\n\\$\\d+\r\n(\\d+)\r\n\\$\\d+\r\n(\\d+)\r\n:(\\d+)\r\n\\+OK\r\n");
        assertTrue(cluster.runUntil(() -> answer.matcher(script.text()).matches() && script.closed, 5_000_000_000L),
            "TIME and PTTL answered: " + script.text() + "; seed " + seed + "\n" + cluster.events());
        final Matcher m = answer.matcher(script.text());
        assertTrue(m.matches());
        return Long.parseLong(m.group(1)) * 1000 + Long.parseLong(m.group(2)) / 1000 + Long.parseLong(m.group(3));
    }

    @Test
    void aKeySetWithPxBeforeTheSnapshotExpiresAtTheSameLogPositionOnABackupLoadedFromIt() throws Exception
    {
        final long seed = seed();
        // Each node's kv notes [position, keys expired, cluster time, epoch] whenever a key expires.
        final WatchedKv.ByNode byNode = new WatchedKv.ByNode(KvService::expiredKeys);
        try (InProcessCluster cluster = byNode.of(InProcessCluster.withServicesEdited(seed, "kv",
            template -> ClusterSnapshotTest.snapshotsEvery(template, 10), byNode.services())))
        {
            assertTrue(cluster.runUntil(() -> null != cluster.primary() && cluster.node("backup1").membership().view(1).heard(),
                1_000_000_000L), cluster.events());
            final ClusterNode primary = cluster.node("primary");
            final Path snapshots = cluster.directory.resolve("backup1").resolve("snapshots");

            final ClusterFaultsTest.Script set = send(cluster,
                "SET short v PX " + SHORT_PX_MS + "\r\nSET long v PX " + LONG_PX_MS + "\r\nQUIT\r\n");
            assertTrue(cluster.runUntil(() -> set.closed, 5_000_000_000L), cluster.events());
            assertEquals("+OK\r\n+OK\r\n+OK\r\n", set.text());
            final long setPosition = primary.replicated().appliedPosition();
            final long setAtNs = cluster.now[0];
            final long deadlineBefore = deadlineSeenByAClient(cluster, "long", seed);

            // More keys until the primary applied a SNAPSHOT record after the SET, then backup1's snapshot file there.
            int batch = 0;
            while (primary.replicated().snapshotPosition() <= setPosition && batch < 200)
            {
                setKeys(cluster, batch++);
            }
            final long end = System.currentTimeMillis() + 30_000;
            while (newestSnapshot(snapshots) <= primary.replicated().snapshotPosition() - 1 && System.currentTimeMillis() < end)
            {
                cluster.runUntil(() -> false, 100_000L); // the file is the snapshot thread's: wall time, little cluster time
                Thread.sleep(5);
            }
            final long elapsedMs = (cluster.now[0] - setAtNs) / 1_000_000L;
            System.out.println("ClusterSnapshotExpiryTest: " + batch + " batches, " + elapsedMs + " ms of cluster time " +
                "from the SET to the restart");
            assertTrue(elapsedMs < SHORT_PX_MS - 300, "the short key is still far from its deadline: " + elapsedMs +
                " ms of cluster time since it was set; seed " + seed);

            // backup1 restarted: its log discarded, its snapshots kept.
            cluster.kill("backup1");
            final long newest = newestSnapshot(snapshots);
            assertTrue(newest > setPosition, "the newest snapshot (" + newest + ") lies after the SET (" + setPosition + ")");
            final ClusterNode rejoined = cluster.start("backup1");
            assertTrue(cluster.events().contains("[backup1] loaded the snapshot at position " + newest), cluster.events());
            final long target = primary.replicated().appliedPosition();
            assertTrue(cluster.runUntil(() -> rejoined.replicated().appliedPosition() >= target, 20_000_000_000L),
                "seed " + seed + "\n" + cluster.events());
            assertEquals(rejoined.replicated().appliedPosition() - newest, rejoined.replicated().recordsApplied(),
                "it applied only the records after its snapshot");
            assertEquals(primary.replicated().clock().timeNs(), rejoined.replicated().clock().timeNs(), "the same cluster time");
            assertEquals(primary.replicated().clock().nextDeadlineNs(), rejoined.replicated().clock().nextDeadlineNs(),
                "the same pending expiry timer");
            assertEquals(2, byNode.get("backup1").kv.expiringKeys(), "both keys came back with their deadlines");
            assertEquals(byNode.get("primary").kv.contentDigest(), byNode.get("backup1").kv.contentDigest(),
                "the same keys, values and deadlines");

            // The short key expires: on the primary and on the rejoined backup at the same position and cluster time.
            final WatchedKv onPrimary = byNode.get("primary");
            final WatchedKv onRejoined = byNode.get("backup1");
            final long expiredBefore = onPrimary.kv.expiredKeys();
            assertTrue(cluster.runUntil(() -> onPrimary.kv.expiredKeys() > expiredBefore &&
                rejoined.replicated().appliedPosition() >= primary.replicated().appliedPosition() &&
                !onRejoined.changes.isEmpty(), 3 * SHORT_PX_MS * 1_000_000L),
                "the short key expired on both; seed " + seed + "\n" + cluster.events());
            final WatchedKv.Change expiry = onPrimary.changes.getLast();
            assertTrue(expiry.position() > newest, "it expired after the snapshot");
            assertTrue(expiry.timeMs() >= (setAtNs + InProcessCluster.WALL_BASE_NS) / 1_000_000L + SHORT_PX_MS - 1,
                "not before its deadline: " + WatchedKv.text(onPrimary.changes));
            assertEquals(WatchedKv.text(List.of(expiry)), WatchedKv.text(onRejoined.changes),
                "(position, keys expired, cluster time, epoch) of the expiry, on the primary and on the backup loaded from " +
                    "its snapshot; seed " + seed);
            assertEquals(onPrimary.kv.contentDigest(), onRejoined.kv.contentDigest());

            // The rejoined backup takes over: the long key's deadline is the one the first primary gave.
            cluster.kill("primary");
            assertTrue(cluster.runUntil(() -> cluster.primary() == rejoined, 2_000_000_000L), cluster.events());
            assertEquals(deadlineBefore, deadlineSeenByAClient(cluster, "long", seed),
                "TIME plus PTTL give the long key's deadline unchanged by the snapshot and the failover; seed " + seed);
        }
    }
}
