package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.TcpOptions;
import io.ertcp.engine.testing.Seeds;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a planned switchover's successor does in the duty cycle in which it takes over (docs/architecture.md, "Leaving
 * on purpose"), timed on this machine's clock and counted in bytes the thread allocates, over a series of switchovers
 * in one in-process ER-TCP cluster at the cluster file's default TCP sizes (100,000 connections, 256 KiB buffers): a
 * ping-pong client on one connection, the two nodes alternating, each old primary restarted to rejoin as a backup.
 * <p>
 * Simulated time stands still inside a duty cycle, so the time printed is the duty cycle's own CPU work (wall time on
 * this thread), what the client waits for on top of the protocol's floor. The first two takeovers (each node's first,
 * in a JVM whose JIT has not compiled the path) are left out of the figures and of the check.
 */
class ClusterTakeoverWorkTest
{
    private static final int SWITCHOVERS = 12;

    @Test
    void aSwitchoverTakeoverFindsItsStackBuiltAndAllocatesLittle()
    {
        final long seed = Seeds.seed(ClusterTakeoverWorkTest.class);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        try (InProcessCluster cluster = InProcessCluster.erTcpEdited(seed, "echo",
            t -> t.bufferKib(TcpOptions.DEFAULT_BUFFER_KIB).maxConnections(TcpOptions.DEFAULT_MAX_CONNECTIONS)))
        {
            final List<long[]> takeovers = new ArrayList<>();
            cluster.stepper = (name, node) ->
            {
                final ClusterNode.State before = node.state();
                final long bytes = threads.getCurrentThreadAllocatedBytes();
                final long startNs = System.nanoTime();
                node.doWork();
                final long tookNs = System.nanoTime() - startNs;
                if (before != ClusterNode.State.PRIMARY && node.state() == ClusterNode.State.PRIMARY)
                {
                    takeovers.add(new long[] {tookNs, threads.getCurrentThreadAllocatedBytes() - bytes});
                }
            };
            assertTrue(cluster.runUntil(() -> null != cluster.primary() && cluster.node("backup1").membership().view(1).heard(),
                1_000_000_000L), cluster.events());
            takeovers.clear(); // the first primary's start
            final ClusterLeaveTest.PingPong client = new ClusterLeaveTest.PingPong(64, () -> cluster.now[0]);
            cluster.client.stack.connect(cluster.client.ip, cluster.client.vip, 7, client);
            assertTrue(cluster.runUntil(() -> client.replies >= 100, 5_000_000_000L), cluster.events());

            String from = "primary";
            String to = "backup1";
            for (int i = 0; i < SWITCHOVERS; i++)
            {
                // The backup must have the connection and be ready (caught up, its standby built) before it is named.
                final ClusterNode successor = cluster.node(to);
                assertTrue(cluster.runUntil(() -> successor.state() == ClusterNode.State.BACKUP &&
                    successor.connectionCount() == 1, 3_000_000_000L), cluster.events());
                cluster.runUntil(() -> false, 200_000_000L);
                final ClusterNode old = cluster.node(from);
                old.requestStop(to);
                assertTrue(cluster.runUntil(old::hasLeft, 3_000_000_000L), cluster.events());
                cluster.kill(from);
                assertTrue(cluster.runUntil(() -> successor.state() == ClusterNode.State.PRIMARY, 1_000_000_000L),
                    cluster.events());
                final long replies = client.replies;
                assertTrue(cluster.runUntil(() -> client.replies >= replies + 50, 2_000_000_000L), cluster.events());
                cluster.start(from); // rejoins as a backup
                final String swap = from;
                from = to;
                to = swap;
            }
            assertEquals(SWITCHOVERS, takeovers.size(), cluster.events());
            final StringBuilder line = new StringBuilder("takeover duty cycle (ms, KiB allocated):");
            for (final long[] t : takeovers)
            {
                line.append(String.format(" %.2f/%d", t[0] / 1e6, t[1] >> 10));
            }
            final long[] times = takeovers.stream().skip(2).mapToLong(t -> t[0]).sorted().toArray();
            final long[] bytes = takeovers.stream().skip(2).mapToLong(t -> t[1]).sorted().toArray();
            System.out.println(line);
            System.out.printf("takeover duty cycle after the first two: p50 %.2f ms, max %.2f ms; allocated p50 %d KiB, " +
                "max %d KiB%n", times[times.length / 2] / 1e6, times[times.length - 1] / 1e6, bytes[bytes.length / 2] >> 10,
                bytes[bytes.length - 1] >> 10);
            // Built ahead by the backup, the stack's tables (9 MB at 100,000 connections) and the connection's 512 KiB
            // of buffers are not allocated here; what is left is the takeover's line and a few small objects.
            assertTrue(bytes[bytes.length - 1] < 64 * 1024, "a warm takeover allocates little: " + line);
        }
    }
}
