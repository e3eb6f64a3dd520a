package io.ertcp.engine.cluster;

import io.ertcp.engine.service.KvService;
import io.ertcp.engine.testing.Seeds;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kv's expiry on a whole in-process cluster of real nodes on simulated time (docs/architecture.md, "Cluster time"):
 * keys set with EX and PX vanish at the same log position, at the same cluster time, on the primary and the backup;
 * and a failover in the middle of the countdown neither loses an expiry nor moves it past its logged deadline, while
 * a client's {@code TIME} plus {@code PTTL} gives the very same deadline before and after. Each node's store is
 * a {@link WatchedKv} that notes, whenever the number of keys changes, the log position being applied and the
 * cluster time.
 */
class ClusterKvExpiryTest
{
    /** 18 keys with PX 100, 150, ... 950 ms and one with EX 1, all set by one request. */
    private static final int KEYS = 19;

    /** An in-process cluster whose nodes serve kv, each watched for changes of its store's size. */
    private static InProcessCluster start(final WatchedKv.ByNode watched, final long seed, final String mode)
    {
        return watched.of(InProcessCluster.withServices(seed, "kv", mode.equals("st-tcp"), watched.services()));
    }

    private static long[] ttls()
    {
        final long[] ttls = new long[KEYS];
        for (int i = 0; i < KEYS - 1; i++)
        {
            ttls[i] = 100 + 50L * i;
        }
        ttls[KEYS - 1] = 1000;
        return ttls;
    }

    private static String setAll()
    {
        final StringBuilder commands = new StringBuilder();
        final long[] ttls = ttls();
        for (int i = 0; i < KEYS - 1; i++)
        {
            commands.append("SET p").append(i).append(" v PX ").append(ttls[i]).append("\r\n");
        }
        return commands.append("SET e v EX 1\r\n").toString();
    }

    private static ClusterFaultsTest.Script send(final InProcessCluster cluster, final String commands)
    {
        final ClusterFaultsTest.Script script = new ClusterFaultsTest.Script(commands);
        cluster.client.stack.connect(cluster.client.ip, cluster.client.vip, 6379, script);
        return script;
    }

    /**
     * @return the deadline of key e in cluster ms, as a client works it out from one request of TIME and PTTL.
     */
    private static long deadlineSeenByAClient(final InProcessCluster cluster, final long seed)
    {
        final ClusterFaultsTest.Script script = send(cluster, "TIME\r\nPTTL e\r\n");
        final Pattern answer = Pattern.compile("\\*2\r\n\\$\\d+\r\n(\\d+)\r\n\\$\\d+\r\n(\\d+)\r\n:(\\d+)\r\n");
        assertTrue(cluster.runUntil(() -> answer.matcher(script.text()).matches(), 5_000_000_000L),
            "TIME and PTTL answered: " + script.text() + "; seed " + seed + "\n" + cluster.events());
        final Matcher m = answer.matcher(script.text());
        assertTrue(m.matches());
        return Long.parseLong(m.group(1)) * 1000 + Long.parseLong(m.group(2)) / 1000 + Long.parseLong(m.group(3));
    }

    /** Once every node is up, SET every key ({@link #setAll}) and step until each SET was answered. */
    private static void setEveryKey(final InProcessCluster cluster)
    {
        cluster.awaitReady("backup1");
        final ClusterFaultsTest.Script set = send(cluster, setAll());
        assertTrue(cluster.runUntil(() -> set.text().split("\\+OK\r\n", -1).length - 1 == KEYS, 5_000_000_000L),
            cluster.events());
    }

    /**
     * Each drop in the number of keys removed the next keys by deadline: every one of them due (its deadline not
     * after the time), the next one not yet, and none later than {@code latestMs(deadline)} allows.
     */
    private static void assertExpiredOnTime(
        final List<WatchedKv.Change> changes, final long setMs, final java.util.function.LongUnaryOperator latestMs, final String what)
    {
        final long[] deadlines = ttls();
        java.util.Arrays.sort(deadlines);
        int gone = 0;
        int previous = KEYS;
        for (final WatchedKv.Change change : changes)
        {
            if (change.value() >= previous)
            {
                continue;
            }
            final int dropped = previous - (int)change.value();
            previous = (int)change.value();
            final long time = change.timeMs();
            for (int k = gone; k < gone + dropped; k++)
            {
                final long deadline = setMs + deadlines[k];
                assertTrue(deadline <= time, what + ": key " + k + " went at " + time + ", before its deadline " + deadline);
                assertTrue(time <= latestMs.applyAsLong(deadline),
                    what + ": key " + k + " went at " + time + ", " + (time - deadline) + " ms after its deadline");
            }
            gone += dropped;
            if (gone < KEYS)
            {
                assertTrue(setMs + deadlines[gone] > time, what + ": key " + gone + " stayed past its deadline");
            }
        }
        assertEquals(KEYS, gone, what + ": every key expired");
    }

    private static long setTime(final List<WatchedKv.Change> changes)
    {
        for (final WatchedKv.Change change : changes)
        {
            if (change.value() == KEYS)
            {
                return change.timeMs();
            }
        }
        throw new AssertionError("the keys were never all set");
    }

    @ParameterizedTest
    @ValueSource(strings = {"er-tcp", "st-tcp"})
    void keysGoAtTheSameLogPositionOnThePrimaryAndTheBackup(final String mode)
    {
        final long seed = Seeds.seed(ClusterKvExpiryTest.class);
        final WatchedKv.ByNode watched = new WatchedKv.ByNode(KvService::size);
        try (InProcessCluster cluster = start(watched, seed, mode))
        {
            setEveryKey(cluster);
            final WatchedKv primary = watched.get("primary");
            final WatchedKv backup = watched.get("backup1");
            assertTrue(cluster.runUntil(() -> primary.kv.size() == 0 && backup.kv.size() == 0 &&
                backup.node.get().appliedPosition() >= primary.node.get().appliedPosition(), 3_000_000_000L),
                "every key expired on both: primary " + primary.kv.size() + ", backup " + backup.kv.size() + "\n" + cluster.events());

            assertEquals(WatchedKv.text(primary.changes), WatchedKv.text(backup.changes),
                "(position, keys, cluster time, epoch) of every change, primary and backup; seed " + seed);
            final long setMs = setTime(primary.changes);
            assertExpiredOnTime(primary.changes, setMs, deadline -> deadline + 2, "primary");
            assertEquals(KEYS, primary.kv.expiredKeys());
            assertEquals(KEYS, backup.kv.expiredKeys());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"er-tcp", "st-tcp"})
    void aFailoverInTheCountdownNeitherLosesNorPostponesAnExpiry(final String mode)
    {
        final long seed = Seeds.seed(ClusterKvExpiryTest.class);
        final WatchedKv.ByNode watched = new WatchedKv.ByNode(KvService::size);
        try (InProcessCluster cluster = start(watched, seed, mode))
        {
            setEveryKey(cluster);
            final WatchedKv old = watched.get("primary");
            final WatchedKv backup = watched.get("backup1");
            final long setMs = setTime(old.changes);
            final long deadlineBefore = deadlineSeenByAClient(cluster, seed);
            assertEquals(setMs + 1000, deadlineBefore, "the client sees e's deadline as set; seed " + seed);

            // Kill the primary 2 ms before the key with PX 400 is due: its deadline falls while no primary logs time.
            final long killAtNs = (setMs + 398) * 1_000_000L - InProcessCluster.WALL_BASE_NS;
            assertTrue(cluster.runUntil(() -> cluster.now[0] >= killAtNs, 2_000_000_000L), cluster.events());
            cluster.kill("primary");
            assertTrue(cluster.runUntil(() -> cluster.primary() == backup.node.get(), 2_000_000_000L), cluster.events());
            final long takeoverMs = (cluster.now[0] + InProcessCluster.WALL_BASE_NS) / 1_000_000L;
            assertTrue(takeoverMs > setMs + 400, "the failover outlasted the PX 400 key's deadline; seed " + seed);

            final long deadlineAfter = deadlineSeenByAClient(cluster, seed);
            assertEquals(deadlineBefore, deadlineAfter, "TIME plus PTTL give e's deadline unchanged by the failover; seed " + seed);

            assertTrue(cluster.runUntil(() -> backup.kv.size() == 0, 3_000_000_000L), "every key expired on the new primary, " +
                backup.kv.size() + " left; seed " + seed + "\n" + cluster.events());

            // What the backup applied of the old primary's epoch, it applied as the old primary did.
            final List<WatchedKv.Change> epochOne = backup.changes.stream().filter(c -> c.epoch() == 1).toList();
            assertTrue(epochOne.size() >= 2, WatchedKv.text(backup.changes));
            assertEquals(WatchedKv.text(old.changes.subList(0, epochOne.size())), WatchedKv.text(epochOne), "seed " + seed);
            // Each key went at its deadline, or, when that fell in the failover, as soon as the new primary logged time.
            assertExpiredOnTime(backup.changes, setMs, deadline -> Math.max(deadline, takeoverMs) + 2, "backup1");
            assertEquals(KEYS, backup.kv.expiredKeys());
            assertEquals(0, cluster.client.stack.counters().connectionsReset.get(), "seed " + seed);
        }
    }
}
