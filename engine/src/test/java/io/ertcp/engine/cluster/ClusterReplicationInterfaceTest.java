package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.ClusterTemplate;
import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.testing.EchoSource;
import io.ertcp.service.CloseReason;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster whose nodes run the replication channel on a replication-interface of their own (docs/cluster-file.md):
 * every channel frame crosses the replication LAN and none the clients' LAN, a failover works over it, and channel
 * frames that show up on a node's clients' port are refused and counted, never acted on.
 */
class ClusterReplicationInterfaceTest
{

    private static long seed()
    {
        final long seed = Long.getLong("ertcp.seed", System.nanoTime());
        System.out.println("ClusterReplicationInterfaceTest seed " + seed + " (rerun with -Dertcp.seed=" + seed + ")");
        return seed;
    }

    /** Every node of the usual file given a replication-interface and a replication-mac 02:00:00:00:01:NN. */
    private static InProcessCluster cluster(final long seed)
    {
        return InProcessCluster.erTcpEdited(seed, "echo", ClusterReplicationInterfaceTest::withReplicationInterfaces);
    }

    private static ClusterTemplate withReplicationInterfaces(final ClusterTemplate template)
    {
        return template.replicationInterface("eth1");
    }

    private static boolean isChannel(final DirectBuffer buffer, final int offset, final int length)
    {
        return length >= EthernetFlyweight.HEADER_LENGTH &&
            (buffer.getShort(offset + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF) == EthernetFlyweight.ETHER_TYPE_REPLICATION;
    }

    private static long counter(final ClusterNode node, final String label)
    {
        return node.counters().value(label, 0);
    }

    @Test
    void theChannelCrossesOnlyTheReplicationLanAndAFailoverWorksOverIt()
    {
        final long seed = seed();
        final byte[] data = new byte[1 << 20];
        new Random(seed).nextBytes(data);
        try (InProcessCluster cluster = cluster(seed))
        {
            final long[] channelOnClientLan = {0};
            final long[] channelOnReplicationLan = {0};
            final long[] otherOnReplicationLan = {0};
            cluster.lan.observer((from, to, buffer, offset, length) ->
                channelOnClientLan[0] += isChannel(buffer, offset, length) ? 1 : 0);
            cluster.replicationLan.observer((from, to, buffer, offset, length) ->
            {
                if (isChannel(buffer, offset, length))
                {
                    channelOnReplicationLan[0]++;
                }
                else
                {
                    otherOnReplicationLan[0]++;
                }
            });
            assertTrue(cluster.runUntil(() -> null != cluster.primary() && cluster.node("backup1").membership().view(1).heard(),
                1_000_000_000L), cluster.events());
            final EchoSource source = new EchoSource(data);
            cluster.client.stack.connect(cluster.client.ip, cluster.client.vip, 7, source);
            assertTrue(cluster.runUntil(() -> source.verified >= 200_000, 20_000_000_000L), cluster.events());
            cluster.kill("primary");
            assertTrue(cluster.runUntil(() -> source.closed, 60_000_000_000L),
                "the stream finished after the kill: verified " + source.verified + "; seed " + seed + "\n" + cluster.events());

            assertEquals(data.length, source.verified, "every byte came back; seed " + seed);
            assertEquals(CloseReason.CLOSED, source.reason);
            assertEquals(0, cluster.client.stack.counters().connectionsReset.get(), "no reset");
            final ClusterNode primary = cluster.primary();
            assertNotNull(primary, cluster.events());
            assertEquals("backup1", cluster.config.nodes().get(primary.nodeId() - 1).name());
            assertEquals(2, primary.epoch(), cluster.events());
            assertTrue(cluster.events().contains("replication channel on memory:backup1 from mac 02:00:00:00:01:21"),
                cluster.events());

            assertEquals(0, channelOnClientLan[0], "channel frames on the clients' LAN");
            assertTrue(channelOnReplicationLan[0] > 1000, "channel frames on the replication LAN: " + channelOnReplicationLan[0]);
            assertEquals(0, otherOnReplicationLan[0], "nothing but the channel on the replication LAN");
        }
    }

    @Test
    void channelFramesOnTheClientPortAreRefusedAndCounted()
    {
        final long seed = seed();
        try (InProcessCluster cluster = cluster(seed))
        {
            final List<byte[]> captured = new ArrayList<>();
            cluster.replicationLan.observer((from, to, buffer, offset, length) ->
            {
                if (captured.size() < 200 && isChannel(buffer, offset, length))
                {
                    final byte[] frame = new byte[length];
                    buffer.getBytes(offset, frame);
                    captured.add(frame);
                }
            });
            assertTrue(cluster.runUntil(() -> null != cluster.primary() && cluster.node("backup1").membership().view(1).heard() &&
                captured.size() == 200, 1_000_000_000L), cluster.events());
            final int epoch = cluster.primary().epoch();

            // A host on the clients' LAN replays what it could have captured of the channel, to the group and to each
            // node's MAC: the same bytes that, on the replication LAN, would be refused only as replays.
            final MemoryPort attacker = cluster.lan.newPort("attacker", 0x0200_0000_0666L);
            for (final byte[] frame : captured)
            {
                final int at = attacker.txClaim(frame.length);
                attacker.txBuffer().putBytes(at, frame);
                attacker.txCommit(frame.length);
                attacker.flush();
            }
            cluster.runUntil(() -> false, 50_000_000L);

            long refused = 0;
            for (final String name : List.of("primary", "logger", "backup1"))
            {
                final ClusterNode node = cluster.node(name);
                refused += counter(node, "channel refused-on-client-port");
                assertEquals(0, node.status().detail().contains("refused frames") ? 1 : 0,
                    name + " never read them (no authentication refusals): " + node.status());
            }
            final long toGroup = captured.stream().filter(frame -> (frame[0] & 1) != 0).count();
            assertTrue(toGroup > 0, "heartbeats to the group among the captured frames");
            // Each frame to the group reaches all three nodes' client ports; those to a node's replication MAC reach
            // none (no node has that MAC on the clients' LAN).
            assertEquals(3 * toGroup, refused, "refused on the client ports, of " + captured.size() + " sent");
            assertEquals("primary", cluster.config.nodes().get(cluster.primary().nodeId() - 1).name());
            assertEquals(epoch, cluster.primary().epoch());
            assertEquals(ClusterNode.State.LOGGER, cluster.node("logger").state());
            assertEquals(ClusterNode.State.BACKUP, cluster.node("backup1").state());
        }
    }

    @Test
    void managementStaysOnTheClientsLanAndASwitchoverLeavesOverTheReplicationLan()
    {
        final long seed = seed();
        try (InProcessCluster cluster = cluster(seed))
        {
            final long[] channelOnClientLan = {0};
            final long[] otherOnReplicationLan = {0};
            final byte[][] heartbeat = new byte[1][];
            cluster.lan.observer((from, to, buffer, offset, length) ->
                channelOnClientLan[0] += isChannel(buffer, offset, length) && !from.name().endsWith("attacker") ? 1 : 0);
            cluster.replicationLan.observer((from, to, buffer, offset, length) ->
            {
                if (!isChannel(buffer, offset, length))
                {
                    otherOnReplicationLan[0]++;
                }
                else if (null == heartbeat[0] && (buffer.getByte(offset) & 1) != 0)
                {
                    heartbeat[0] = new byte[length];
                    buffer.getBytes(offset, heartbeat[0]);
                }
            });
            assertTrue(cluster.runUntil(() -> null != cluster.primary() && cluster.node("backup1").membership().view(1).heard() &&
                null != heartbeat[0], 1_000_000_000L), cluster.events());

            // Five channel frames to the group on the clients' LAN: each node refuses them there, and says so.
            final MemoryPort attacker = cluster.lan.newPort("attacker", 0x0200_0000_0666L);
            for (int i = 0; i < 5; i++)
            {
                final int at = attacker.txClaim(heartbeat[0].length);
                attacker.txBuffer().putBytes(at, heartbeat[0]);
                attacker.txCommit(heartbeat[0].length);
                attacker.flush();
            }
            cluster.runUntil(() -> false, 10_000_000L);

            // The management endpoint answers on the node's own address, on the clients' LAN.
            final String status = ClusterManagementTest.get(cluster, "10.80.0.11", "GET", "/status");
            assertTrue(status.startsWith("HTTP/1.1 200 OK\r\n"), status);
            assertTrue(status.contains("\"role\":\"primary\""), status);
            assertTrue(status.contains("\"on-client-port\":5}"), "the refusals by reason: " + status);
            assertTrue(status.contains("channel frames refused on the client port: 5"), status);
            final String metrics = ClusterManagementTest.get(cluster, "10.80.0.21", "GET", "/metrics");
            assertTrue(metrics.contains("\nertcp_channel_refused_on_client_port_total{node=\"backup1\"} 5\n"), metrics);

            // A switchover: the LEAVE frames cross the replication LAN, and the named backup takes over at once.
            final ClusterNode old = cluster.node("primary");
            old.requestStop("backup1");
            final long leftNs = ClusterLeaveTest.leaveSaid(cluster, "primary");
            final ClusterNode successor = cluster.node("backup1");
            assertTrue(cluster.runUntil(() -> successor.state() == ClusterNode.State.PRIMARY, 1_000_000_000L),
                cluster.events());
            assertTrue(cluster.now[0] - leftNs < 6_000_000L, "sooner than a suspicion timeout: the LEAVE was heard; " +
                "seed " + seed + "\n" + cluster.events());
            assertTrue(cluster.events().contains("[backup1] node primary left on purpose"), cluster.events());
            assertTrue(cluster.runUntil(old::hasLeft, 1_000_000_000L), cluster.events());
            cluster.kill("primary");
            assertTrue(ClusterManagementTest.get(cluster, "10.80.0.21", "GET", "/status").contains("\"role\":\"primary\""));

            assertEquals(0, channelOnClientLan[0], "channel frames the nodes sent on the clients' LAN");
            assertEquals(0, otherOnReplicationLan[0], "management and service traffic on the replication LAN");
        }
    }

    @Test
    void bothPortsArePolledWithoutAllocating()
    {
        final long seed = seed();
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        try (InProcessCluster cluster = cluster(seed))
        {
            final byte[][] heartbeat = new byte[1][];
            cluster.replicationLan.observer((from, to, buffer, offset, length) ->
            {
                if (null == heartbeat[0] && isChannel(buffer, offset, length) && (buffer.getByte(offset) & 1) != 0)
                {
                    heartbeat[0] = new byte[length];
                    buffer.getBytes(offset, heartbeat[0]);
                }
            });
            assertTrue(cluster.runUntil(() -> null != cluster.primary() && cluster.node("backup1").membership().view(1).heard() &&
                null != heartbeat[0], 1_000_000_000L), cluster.events());
            cluster.replicationLan.observer(null);
            final MemoryPort attacker = cluster.lan.newPort("attacker", 0x0200_0000_0666L);
            final org.agrona.concurrent.UnsafeBuffer frame = new org.agrona.concurrent.UnsafeBuffer(heartbeat[0]);
            // Heartbeats on the replication ports, and a channel frame refused on every client port each step. The
            // status file is written every 100 ms (that allocates): the best of rounds shorter than that shows the rest.
            // Stepped here rather than by cluster.step(), whose map iteration allocates an iterator per step.
            final ClusterNode[] nodes = cluster.nodes.values().toArray(new ClusterNode[0]);
            long allocated = Long.MAX_VALUE;
            for (int round = 0; round < 10; round++)
            {
                final long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 1_000; i++)
                {
                    final int at = attacker.txClaim(frame.capacity());
                    attacker.txBuffer().putBytes(at, frame, 0, frame.capacity());
                    attacker.txCommit(frame.capacity());
                    attacker.flush();
                    cluster.now[0] += InProcessCluster.STEP_NS;
                    for (final ClusterNode node : nodes)
                    {
                        node.doWork();
                    }
                }
                if (round >= 3)
                {
                    allocated = Math.min(allocated, threads.getCurrentThreadAllocatedBytes() - before);
                }
            }
            assertEquals(0, allocated, "bytes allocated by 1,000 steps of three nodes on two ports each, best later round");
            assertTrue(counter(cluster.node("logger"), "channel refused-on-client-port") >= 10_000, "the frames were refused");
            assertEquals(ClusterNode.State.PRIMARY, cluster.node("primary").state(), cluster.events());
        }
    }

    @Test
    void anStTcpBackupTapsTheClientsLanWhileTheChannelRunsOnTheReplicationLan()
    {
        final long seed = seed();
        final byte[] data = new byte[1 << 20];
        new Random(seed).nextBytes(data);
        try (InProcessCluster cluster = InProcessCluster.stTcpEdited(seed, "echo",
            ClusterReplicationInterfaceTest::withReplicationInterfaces))
        {
            final long[] channelOnClientLan = {0};
            cluster.lan.observer((from, to, buffer, offset, length) ->
                channelOnClientLan[0] += isChannel(buffer, offset, length) ? 1 : 0);
            assertTrue(cluster.runUntil(() -> null != cluster.primary() && cluster.node("backup1").membership().view(1).heard(),
                1_000_000_000L), cluster.events());
            final EchoSource source = new EchoSource(data);
            cluster.client.stack.connect(cluster.client.ip, cluster.client.vip, 7, source);
            assertTrue(cluster.runUntil(() -> source.verified >= 200_000, 20_000_000_000L), cluster.events());
            final ClusterNode backup = cluster.node("backup1");
            assertTrue(counter(backup, "backup records-tapped") > 0, "the backup rebuilt DATA records from its tap");

            cluster.kill("primary");
            assertTrue(cluster.runUntil(() -> source.closed, 60_000_000_000L),
                "the stream finished after the kill: verified " + source.verified + "; seed " + seed + "\n" + cluster.events());
            assertEquals(data.length, source.verified, "every byte came back; seed " + seed);
            assertEquals(0, cluster.client.stack.counters().connectionsReset.get(), "no reset");
            assertEquals(backup, cluster.primary(), cluster.events());
            assertEquals(0, channelOnClientLan[0], "channel frames on the clients' LAN");
        }
    }
}
