package io.ertcp.engine.cluster;

import io.ertcp.engine.replication.replica.ReplicatedService;
import io.ertcp.engine.testing.EchoSource;
import io.ertcp.engine.testing.Seeds;
import io.ertcp.engine.tcp.TcpStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spare connections ({@code tcp.spare-connections}, docs/architecture.md "Threading") on a whole in-process ER-TCP
 * cluster: in idle duty cycles the primary builds TCP connections with their buffers and replicas ahead, and the
 * backup replicas and standby connections, so that opens after the warm-up take pooled ones and allocate no buffer
 * on the duty cycle; connections that close give theirs back, and the next ones see none of their bytes; and the pool
 * never grows past the connection table.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClusterSpareConnectionsTest
{
    private static final int SPARE = 8;

    private static ReplicatedService replicated(final ClusterNode node)
    {
        return node.role().replicated();
    }

    private static boolean sparesReady(final InProcessCluster cluster)
    {
        final ClusterNode primary = cluster.primary();
        final ClusterNode backup = cluster.node("backup1");
        return null != primary && primary.stack().connectionsPooled() >= SPARE &&
            replicated(primary).replicasPooled() >= SPARE && replicated(backup).replicasPooled() >= SPARE &&
            ((BackupRole)backup.role()).standbyPrimary().stack().connectionsPooled() >= SPARE;
    }

    private static EchoSource[] openAndFinish(final InProcessCluster cluster, final byte fill, final int length)
    {
        final EchoSource[] sources = new EchoSource[SPARE];
        for (int i = 0; i < SPARE; i++)
        {
            final byte[] data = new byte[length];
            Arrays.fill(data, (byte)(fill + i));
            sources[i] = cluster.echo(data);
        }
        for (final EchoSource source : sources)
        {
            cluster.assertIntact(source, length);
        }
        return sources;
    }

    @Test
    void opensAfterTheWarmUpTakePooledBuffersAndNoStaleBytes()
    {
        final long seed = Seeds.seed(ClusterSpareConnectionsTest.class);
        try (InProcessCluster cluster = InProcessCluster.erTcpEdited(seed, "echo",
            t -> t.bufferKib(16).spareConnections(SPARE)))
        {
            cluster.awaitReady("backup1");
            assertTrue(cluster.runUntil(() -> sparesReady(cluster), 1_000_000_000L),
                "every node built its spare connections in idle time; seed " + seed + "\n" + cluster.events());
            final ClusterNode primary = cluster.primary();
            final ClusterNode backup = cluster.node("backup1");
            final TcpStack stack = primary.stack();
            final int built = stack.connectionsBuilt();
            assertTrue(built <= 2 * SPARE, "spares only: " + built + " connections built");

            // Long streams first: each connection's buffers end up full of its own bytes.
            openAndFinish(cluster, (byte)'A', 40_000);
            assertEquals(0, stack.connectionsBuiltOnOpen(), "no TCP connection built on open; seed " + seed);
            assertEquals(0, replicated(primary).replicasBuiltOnOpen(), "no replica built on the primary's open");
            assertEquals(0, replicated(backup).replicasBuiltOnOpen(), "no replica built on the backup's open");

            // Then short ones into the same buffers: a byte of the previous connections would fail the echo check.
            assertTrue(cluster.runUntil(() -> sparesReady(cluster), 1_000_000_000L), "spares ready again");
            openAndFinish(cluster, (byte)'a', 100);
            assertEquals(0, stack.connectionsBuiltOnOpen(), "the second round reused the buffers too");
            assertEquals(0, replicated(primary).replicasBuiltOnOpen());
            assertEquals(0, replicated(backup).replicasBuiltOnOpen());
            assertTrue(stack.connectionsBuilt() <= built + SPARE, "the closed connections' buffers came back: " +
                stack.connectionsBuilt() + " built after two rounds, " + built + " before");
        }
    }

    @Test
    void withoutSparesEachFirstOpenBuildsItsBuffers()
    {
        final long seed = Seeds.seed(ClusterSpareConnectionsTest.class);
        try (InProcessCluster cluster = InProcessCluster.erTcpEdited(seed, "echo", t -> t.bufferKib(16)))
        {
            cluster.awaitReady("backup1");
            cluster.runUntil(() -> false, 50_000_000L);
            openAndFinish(cluster, (byte)'A', 1_000);
            assertEquals(SPARE, cluster.primary().stack().connectionsBuiltOnOpen(), "as before: built on open");
            assertEquals(SPARE, replicated(cluster.primary()).replicasBuiltOnOpen());
        }
    }

    @Test
    void sparesNeverPassTheConnectionTable()
    {
        final long seed = Seeds.seed(ClusterSpareConnectionsTest.class);
        try (InProcessCluster cluster = InProcessCluster.erTcpEdited(seed, "echo",
            t -> t.bufferKib(16).maxConnections(4).spareConnections(4)))
        {
            cluster.awaitReady("backup1");
            cluster.runUntil(() -> false, 100_000_000L);
            assertEquals(4, cluster.primary().stack().connectionsBuilt(), "the table's 4, no more");
            assertEquals(4, cluster.primary().stack().connectionsPooled());
            final EchoSource source = cluster.echo(new byte[1_000]);
            cluster.assertIntact(source, 1_000);
            assertEquals(0, cluster.primary().stack().connectionsBuiltOnOpen());
        }
    }
}
