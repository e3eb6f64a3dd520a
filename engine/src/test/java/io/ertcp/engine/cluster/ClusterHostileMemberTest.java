package io.ertcp.engine.cluster;

import io.ertcp.engine.testing.EchoSource;
import io.ertcp.engine.testing.Seeds;
import io.ertcp.service.CloseReason;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A seeded fuzz of the replication channel by a hostile host on the LAN (docs/architecture.md rules 8 and 9): it
 * captures every channel frame and replays, reorders, mutates and forges them (no key), or replays them unchanged
 * (genuine MACs), while a client streams through echo, the primary is killed, and restarted to rejoin with empty
 * replay windows. Nothing it sends moves a role or an epoch: one election (the kill's) in epoch 2, no deposition,
 * no promotion, every node still running, the stream intact. The seed is printed; rerun one with -Dertcp.seed=N.
 */
class ClusterHostileMemberTest
{
    private static boolean run(
        final InProcessCluster cluster, final HostileMember hostile, final BooleanSupplier done, final long limitNs)
    {
        final long end = cluster.now[0] + limitNs;
        while (!done.getAsBoolean())
        {
            if (cluster.now[0] >= end)
            {
                return false;
            }
            cluster.step();
            hostile.step();
        }
        return true;
    }

    @ParameterizedTest
    @EnumSource(HostileMember.Mode.class)
    void nothingTheHostileSendsMovesARoleOrAnEpochAndTheStreamSurvivesTheFailover(final HostileMember.Mode mode)
    {
        final long seed = Seeds.seed(ClusterHostileMemberTest.class);
        final byte[] data = Seeds.bytes(seed, 4 << 20);
        try (InProcessCluster cluster = new InProcessCluster(seed, "echo", 1, null))
        {
            // The hostile replays frames with the members' own source MACs. A learning switch would then send their
            // traffic to it (MAC spoofing: the switch's port security stops that, no frame authentication can), so
            // this LAN floods every frame like a hub and the attack is on the replication channel alone.
            cluster.lan.hub(true);
            final HostileMember hostile = new HostileMember(cluster, mode, seed * 31 + 7, 3);
            assertTrue(run(cluster, hostile, () -> null != cluster.primary() &&
                cluster.node("backup1").membership().view(1).heard(), 1_000_000_000L), cluster.events());
            final EchoSource source = cluster.echo(data);
            assertTrue(run(cluster, hostile, () -> source.verified >= 500_000, 20_000_000_000L),
                "progress under attack: " + source.verified + " bytes back; seed " + seed + "\n" + cluster.events());

            cluster.kill("primary");
            if (mode == HostileMember.Mode.REPLAYS)
            {
                // From now on only frames of epoch 1 are replayed: the old primary's, the logger's following it.
                hostile.stopCapturing();
            }
            final ClusterNode backup = cluster.node("backup1");
            assertTrue(run(cluster, hostile, () -> backup.state() == ClusterNode.State.PRIMARY, 5_000_000_000L),
                "the takeover under attack; seed " + seed + "\n" + cluster.events());
            // Restarted, the old primary's replay windows are empty: replays of every member are new to it once.
            final ClusterNode restarted = cluster.start("primary");
            assertTrue(run(cluster, hostile, () -> source.closed, 60_000_000_000L),
                "the stream finished under attack: verified " + source.verified + "; seed " + seed + "\n" + cluster.events());

            assertEquals(data.length, source.verified, "every byte came back once; seed " + seed);
            assertEquals(CloseReason.CLOSED, source.reason, "seed " + seed);
            assertEquals(0, cluster.client.stack.counters().connectionsReset.get(), "no reset; seed " + seed);
            assertTrue(hostile.sent > 1_000, "the hostile sent " + hostile.sent + " frames");

            final String events = cluster.events();
            assertEquals(ClusterNode.State.PRIMARY, backup.state(), events);
            assertEquals(ClusterNode.State.LOGGER, cluster.node("logger").state(), events);
            assertEquals(ClusterNode.State.BACKUP, restarted.state(), events);
            long won = 0;
        long stood = 0;
            long refused = 0;
            for (final ClusterNode node : cluster.nodes.values())
            {
                assertEquals(2, node.membership().epoch(), node.status() + "\n" + events);
                assertEquals(2, node.epoch(), node.status() + "\n" + events);
                stood += node.membership().counters().electionsStarted.get();
                assertEquals(0, node.membership().counters().deposed.get(), events);
                assertNull(node.fatalError());
                won += node.membership().counters().electionsWon.get();
            }
            assertEquals(1, won, "one election won, the kill's: " + events);
            for (final ClusterNode node : cluster.nodes.values())
            {
                // The ceiling of the next election rose only as far as members' own elections asked.
                assertTrue(node.membership().highestEpoch() <= 1 + stood, "highest epoch known " +
                    node.membership().highestEpoch() + " after " + stood + " election(s) on " + node.status() + "\n" + events);
            }
            assertEquals(3, cluster.nodes.size(), "every node still runs: " + cluster.nodes.keySet());
            assertFalse(events.contains("deposed"), events);
            assertFalse(events.contains("promoted to logger"), events);
            assertEquals(1, count(events, "took over as primary"), events);
            final String reason = mode == HostileMember.Mode.KEYLESS ? "channel refused-bad-mac" : "channel refused-replay";
            assertTrue(counted(cluster, reason) > 0, "the hostile's frames were refused: " + reason + "; seed " + seed);
        }
    }

    private static long counted(final InProcessCluster cluster, final String label)
    {
        final long[] total = {0};
        for (final ClusterNode node : cluster.nodes.values())
        {
            node.counters().forEach((name, value) ->
            {
                if (name.equals(label))
                {
                    total[0] += value;
                }
            });
        }
        return total[0];
    }

    private static int count(final String text, final String what)
    {
        int count = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1))
        {
            count++;
        }
        return count;
    }
}
