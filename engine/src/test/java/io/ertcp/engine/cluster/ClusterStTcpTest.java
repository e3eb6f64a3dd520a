package io.ertcp.engine.cluster;

import io.ertcp.engine.port.impair.ImpairmentSpec;
import io.ertcp.engine.tcp.CloseReason;
import io.ertcp.engine.testing.EchoSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.Random;

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
    private static long seed()
    {
        final long seed = Long.getLong("ertcp.seed", System.nanoTime());
        System.out.println("ClusterStTcpTest seed " + seed + " (rerun with -Dertcp.seed=" + seed + ")");
        return seed;
    }

    private static void awaitReady(final InProcessCluster cluster)
    {
        assertTrue(cluster.runUntil(() -> null != cluster.primary() && cluster.node("backup1").membership().view(1).heard(),
            1_000_000_000L), cluster.events());
    }

    private static void assertIntact(final InProcessCluster cluster, final EchoSource source, final int length, final long seed)
    {
        assertTrue(cluster.runUntil(() -> source.closed, 60_000_000_000L),
            "the stream finished: verified " + source.verified + "; seed " + seed + "\n" + cluster.events());
        assertEquals(length, source.verified, "every byte came back; seed " + seed);
        assertEquals(CloseReason.CLOSED, source.reason, "closed normally; seed " + seed);
        assertEquals(0, cluster.client.stack.counters().connectionsReset.get(), "no reset; seed " + seed);
    }

    private static long counter(final ClusterNode node, final String label)
    {
        final long[] value = {-1};
        node.counters().forEach((name, v) ->
        {
            if (name.equals(label))
            {
                value[0] = v;
            }
        });
        return value[0];
    }

    @ParameterizedTest
    @ValueSource(longs = {10_000, 200_000, 700_000})
    void echoSurvivesTheKillOfThePrimary(final long killAfterBytes)
    {
        final long seed = seed();
        final byte[] data = new byte[1 << 20];
        new Random(seed).nextBytes(data);
        try (InProcessCluster cluster = InProcessCluster.stTcp(seed, "echo", Map.of(), null))
        {
            awaitReady(cluster);
            final EchoSource source = new EchoSource(data);
            cluster.client.stack.connect(cluster.client.ip, cluster.client.vip, 7, source);
            assertTrue(cluster.runUntil(() -> source.verified >= killAfterBytes, 20_000_000_000L),
                "progress before the kill; seed " + seed + "\n" + cluster.events());
            final ClusterNode backup = cluster.node("backup1");
            assertTrue(counter(backup, "backup records-tapped") > 0, "the backup rebuilt DATA records from its tap");
            assertEquals(0, counter(cluster.node("primary"), "primary records-fetched"), "a perfect LAN: nothing fetched");

            cluster.kill("primary");
            assertIntact(cluster, source, data.length, seed);
            final ClusterNode primary = cluster.primary();
            assertNotNull(primary, cluster.events());
            assertEquals(backup, primary, cluster.events());
            assertEquals(2, primary.epoch(), cluster.events());
        }
    }
}
