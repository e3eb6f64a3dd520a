package io.ertcp.engine.cluster;

import io.ertcp.engine.replication.replica.PrimaryReplication;
import io.ertcp.engine.testing.EchoSource;
import io.ertcp.engine.testing.Seeds;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11 item 3: an ER-TCP primary copies a client's bytes once, from TCP's receive buffer into the DATA record in
 * its sender's window, and the record's frames, its retransmissions and the primary's own log copy all come from
 * there. What the backup takes over from is then the logger's copy of those very bytes: after the primary is killed
 * mid-stream, every byte the client sent comes back from the new primary, regenerated from the log.
 */
class DataRecordInWindowTest
{
    @Test
    void aStreamsRecordsAreBuiltInTheWindowAndTheTakeoverReplaysThemBitForBit()
    {
        final long seed = Seeds.seed(DataRecordInWindowTest.class);
        try (InProcessCluster cluster = new InProcessCluster(seed, "echo", 1, null))
        {
            cluster.awaitReady("backup1");
            final PrimaryReplication primary = replication(cluster.node("primary"));
            final long inWindowBefore = primary.dataRecordsInWindow();
            final long apartBefore = primary.dataRecordsStagedApart();

            final byte[] data = Seeds.bytes(seed, 3 << 20);
            final EchoSource source = cluster.streamThrough(data, 1 << 20, 20_000_000_000L);
            final long inWindow = primary.dataRecordsInWindow() - inWindowBefore;
            assertTrue(inWindow >= (1 << 20) / ClusterNode.maxDataPerRecord(1500),
                "a MiB echoed is at least 67 full DATA records, each built in the window: " + inWindow +
                "; seed " + seed);
            assertEquals(0, primary.dataRecordsStagedApart() - apartBefore,
                "one connection: none gathered apart and copied again; seed " + seed);

            cluster.kill("primary");
            cluster.assertIntact(source, data.length);
        }
    }

    /**
     * Several connections in one receive burst: one builds its record in the window, the others gather theirs apart;
     * every other record (the others' DATA, a new connection's OPEN, a TIME) is published after the one being built,
     * never over it.
     */
    @Test
    void connectionsThatShareABurstTakeTurnsAndEveryStreamSurvivesATakeover()
    {
        final long seed = Seeds.seed(DataRecordInWindowTest.class);
        try (InProcessCluster cluster = new InProcessCluster(seed, "echo", 1, null))
        {
            cluster.awaitReady("backup1");
            final PrimaryReplication primary = replication(cluster.node("primary"));
            final long inWindowBefore = primary.dataRecordsInWindow();
            final long apartBefore = primary.dataRecordsStagedApart();

            final EchoSource[] sources = new EchoSource[4];
            final byte[][] data = new byte[sources.length][];
            for (int i = 0; i < 3; i++)
            {
                data[i] = Seeds.bytes(seed + i, 1 << 20);
                sources[i] = cluster.echo(data[i]);
            }
            assertTrue(cluster.runUntil(() -> sources[0].verified >= 256 << 10, 20_000_000_000L),
                "the first streams are under way; seed " + seed);
            // A connection opens while the others stream: its OPEN lands in bursts whose record is being built.
            data[3] = Seeds.bytes(seed + 3, 1 << 20);
            sources[3] = cluster.echo(data[3]);
            assertTrue(cluster.runUntil(() -> sources[3].verified >= 256 << 10, 20_000_000_000L),
                "the late stream is under way; seed " + seed);
            assertTrue(primary.dataRecordsInWindow() - inWindowBefore > 0, "some built in the window; seed " + seed);
            assertTrue(primary.dataRecordsStagedApart() - apartBefore > 0,
                "some gathered apart, their burst's window room taken; seed " + seed);

            cluster.kill("primary");
            for (int i = 0; i < sources.length; i++)
            {
                cluster.assertIntact(sources[i], data[i].length);
            }
        }
    }

    private static PrimaryReplication replication(final ClusterNode node)
    {
        return assertInstanceOf(PrimaryRole.class, node.role(), "the node serves as primary").replication();
    }
}
