package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.ClusterTemplate;
import io.ertcp.engine.testing.EchoSource;
import io.ertcp.engine.testing.Seeds;
import io.ertcp.service.CloseReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention on a whole in-process ER-TCP cluster whose log rolls every second and is kept one: once many short
 * connections have come and gone, every node deletes the cycles no live connection needs; a backup that then
 * restarts empty is told where the logger's log starts, starts there, rebuilds the live connection and takes it
 * over. The kv service (state shared by every connection) keeps its whole log. The seed is printed; rerun one with
 * -Dertcp.seed=N.
 * <p>
 * Each test takes seconds (a minute or two on a loaded machine); ten minutes means it hangs, and it fails then with
 * that message instead of holding CI until its own limit. The test runs in a thread of its own so that a duty cycle
 * that never returns cannot keep it from failing.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClusterRetentionTest
{
    private static ClusterTemplate shortRetention(final ClusterTemplate template)
    {
        // Every short connection leaves a TIME-WAIT entry behind on one side or the other: room for them all.
        return template.retention("1s").rollCycle("seconds").maxConnections(8192);
    }

    /** Short echo connections, one after another, for a few seconds of wall time (the log's cycles are wall time). */
    private static int churn(final InProcessCluster cluster, final long seed, final long wallMs)
    {
        final Random random = new Random(seed);
        final long end = System.currentTimeMillis() + wallMs;
        int connections = 0;
        while (System.currentTimeMillis() < end)
        {
            final byte[] data = new byte[16 * 1024];
            random.nextBytes(data);
            final EchoSource source = new EchoSource(data);
            // Each closed connection leaves a TIME-WAIT entry in the client's table: the pause keeps them few enough.
            assertTrue(null != cluster.client.stack.connect(cluster.client.ip, cluster.client.vip, 7, source),
                "the client's table has room after " + connections + " connections");
            if (!cluster.runUntil(() -> source.closed, 5_000_000_000L))
            {
                final StringBuilder client = new StringBuilder();
                cluster.client.port.counters();
                clientCounters(cluster, client);
                throw new AssertionError("short connection " + connections + " stuck: opened " + source.opened +
                    " verified " + source.verified + "; client " + client + "\n" + cluster.events());
            }
            assertEquals(data.length, source.verified);
            connections++;
            pause();
        }
        // Let the nodes see the connections closed for longer than the retention time (simulated).
        cluster.runUntil(() -> false, 1_500_000_000L);
        return connections;
    }

    private static void clientCounters(final InProcessCluster cluster, final StringBuilder text)
    {
        final var counters = cluster.client.stack.counters();
        for (final var field : counters.getClass().getFields())
        {
            try
            {
                final Object value = field.get(counters);
                if (value instanceof org.agrona.concurrent.status.AtomicCounter counter && counter.get() != 0)
                {
                    text.append(field.getName()).append('=').append(counter.get()).append(' ');
                }
            }
            catch (final IllegalAccessException ignore)
            {
                // public fields
            }
        }
    }

    /** A hundred connections a second of wall time are plenty to fill several one-second cycles. */
    private static void pause()
    {
        try
        {
            Thread.sleep(8);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void oldCyclesGoAndABackupThatRejoinsEmptyStartsWhereTheLogStartsAndTakesOver()
    {
        final long seed = Seeds.seed(ClusterRetentionTest.class);
        try (InProcessCluster cluster = InProcessCluster.erTcpEdited(seed, "echo", ClusterRetentionTest::shortRetention))
        {
            cluster.awaitReady("backup1");
            final int connections = churn(cluster, seed, 3_500);
            final ClusterNode logger = cluster.node("logger");
            // One more short connection: the check after the churn sees every earlier one closed.
            churn(cluster, seed + 1, 1_100);
            final long loggerFirst = logger.logger().log().firstPosition();
            assertTrue(loggerFirst > 1, "the logger deleted old cycles after " + connections + " connections\n" + cluster.events());
            assertTrue(cluster.node("primary").replicated() != null);
            assertTrue(cluster.events().contains("[backup1] retention deleted"), cluster.events());

            final byte[] data = Seeds.bytes(seed, 8 << 20);
            final EchoSource source = cluster.streamThrough(data, 200_000, 20_000_000_000L);
            // Held mid-way while the backup restarts and catches up: at 8 MiB in a few ms of simulated time, the
            // stream would otherwise end before a slow rejoin (a loaded machine) rebuilt its connection.
            source.pause();

            cluster.kill("backup1");
            final ClusterNode rejoined = cluster.start("backup1");
            // It lags the stream: a takeover drains the rest of the log from the logger.
            assertTrue(cluster.runUntil(() -> rejoined.replicated().connectionCount() == 1, 20_000_000_000L),
                "the rejoined backup started at the logger's first position and rebuilt the live connection; seed " + seed +
                "\n" + cluster.events());
            assertTrue(rejoined.replicated().appliedPosition() > loggerFirst);
            assertTrue(source.verified < data.length, "the kill comes mid-stream; seed " + seed);

            cluster.kill("primary");
            source.resume();
            assertTrue(cluster.runUntil(() -> source.closed && rejoined.state() == ClusterNode.State.PRIMARY, 60_000_000_000L),
                "the stream finished after the takeover: verified " + source.verified + "; seed " + seed + "\n" + cluster.events());
            assertEquals(data.length, source.verified, "seed " + seed);
            assertEquals(CloseReason.CLOSED, source.reason, "seed " + seed);
            assertEquals(0, cluster.client.stack.counters().connectionsReset.get(), "seed " + seed);
            assertEquals(ClusterNode.State.PRIMARY, rejoined.state(), cluster.events());
        }
    }

    @Test
    void aServiceWhoseConnectionsShareStateKeepsTheWholeLog()
    {
        final long seed = Seeds.seed(ClusterRetentionTest.class);
        try (InProcessCluster cluster = InProcessCluster.erTcpEdited(seed, "kv", ClusterRetentionTest::shortRetention))
        {
            cluster.awaitReady("backup1");
            final long end = System.currentTimeMillis() + 3_000;
            int round = 0;
            while (System.currentTimeMillis() < end)
            {
                final ClusterFaultsTest.Script script = new ClusterFaultsTest.Script("INCR counter\r\nQUIT\r\n");
                cluster.client.stack.connect(cluster.client.ip, cluster.client.vip, 6379, script);
                assertTrue(cluster.runUntil(() -> script.closed, 5_000_000_000L), cluster.events());
                round++;
                pause();
            }
            cluster.runUntil(() -> false, 1_500_000_000L);
            assertEquals(1, cluster.node("logger").logger().log().firstPosition(), "kv keeps every record after " + round);
            assertTrue(!cluster.events().contains("retention deleted"), cluster.events());
        }
    }
}
