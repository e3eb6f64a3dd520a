package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.lan.MemorySwitch;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.testing.EchoSource;
import io.ertcp.engine.testing.Seeds;
import io.ertcp.service.CloseReason;
import org.junit.jupiter.api.Test;

import java.io.PrintStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster file's {@code replication-mtu} (issue 11 item 4): a whole ER-TCP cluster on a LAN that carries jumbo
 * frames replicates a stream in frames of up to 9,000 bytes, every byte echoed and every backup holding the log; a
 * node whose port cannot carry the frames refuses to start with one sentence.
 */
class ClusterReplicationMtuTest
{
    @Test
    void aStreamIsReplicatedInJumboFramesBitForBit()
    {
        final long seed = Long.getLong("ertcp.seed", System.nanoTime());
        try (InProcessCluster cluster = InProcessCluster.erTcpEdited(seed, "echo", 1, template -> template.replicationMtu(9000)))
        {
            final int[] largest = new int[1];
            final long[] replicationFrames = new long[1];
            cluster.lan.observer((from, to, buffer, offset, length) ->
            {
                if ((buffer.getShort(offset + EthernetFlyweight.ETHER_TYPE_OFFSET, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF) ==
                    EthernetFlyweight.ETHER_TYPE_REPLICATION)
                {
                    largest[0] = Math.max(largest[0], length);
                    replicationFrames[0]++;
                }
            });
            cluster.awaitReady("backup1");

            final byte[] data = Seeds.bytes(seed, 2 << 20);
            final EchoSource source = cluster.echo(data);
            assertTrue(cluster.runUntil(() -> source.verified == data.length, 20_000_000_000L),
                "verified " + source.verified + "; seed " + seed + "\n" + cluster.events());
            assertTrue(cluster.runUntil(() -> source.closed &&
                cluster.node("backup1").appliedPosition() == cluster.node("logger").logPosition(), 20_000_000_000L),
                "closed and the backup caught up; seed " + seed);
            assertEquals(CloseReason.CLOSED, source.reason);
            assertEquals(9000 + EthernetFlyweight.HEADER_LENGTH, largest[0], "full jumbo frames, sealed; seed " + seed);
            assertTrue(replicationFrames[0] < 2 * 2 * data.length / 8000,
                "about one frame per 8.9 KB per hop, not per 1.4 KB: " + replicationFrames[0]);
        }
    }

    @Test
    void aNodeWhosePortCannotCarryTheMtuRefusesToStart() throws Exception
    {
        final Path directory = Files.createTempDirectory("ertcp-mtu");
        final ClusterConfig config = InProcessCluster.template("echo", 1, directory).replicationMtu(9000).securityNone()
            .config();
        final MemoryPort port = new MemorySwitch(() -> 0L, 1, new Counters(256)).newPort("primary", 0x0200_0000_0011L);
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> new ClusterNode(
            config, "primary", port, config.service().factory(), () -> 0L, new Counters(4096),
            new PrintStream(new ByteArrayOutputStream())));
        assertEquals("replication-mtu 9000 needs frames of 9014 bytes, but the port memory:primary carries at most " +
            "1514: lower replication-mtu to 1500 in the cluster file.", refused.getMessage());
    }
}
