package io.ertcp.engine.cluster;

import io.ertcp.engine.lan.impair.ImpairmentSpec;
import io.ertcp.engine.testing.EchoSource;
import io.ertcp.engine.testing.Seeds;
import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The other interesting moments of a failure, on a whole in-process cluster (most in both modes, ER-TCP and ST-TCP): a kill while the client's handshake is
 * in flight, while the connection closes, the death of a backup, a shared key-value store across connections, and a
 * failover on a lossy, reordering, duplicating LAN. The client's bytes must come back exactly, and no reset may reach
 * it. The seed is printed; rerun one with -Dertcp.seed=N.
 */
class ClusterFaultsTest
{
    /**
     * The same battery in both modes: ER-TCP (primary, logger, backup1) or ST-TCP (primary, backup1 tapping the
     * client off a flooding LAN, witness).
     */
    private static InProcessCluster cluster(final String mode, final long seed, final String service, final ImpairmentSpec lan)
    {
        if (mode.equals("er-tcp"))
        {
            return new InProcessCluster(seed, service, 1, lan);
        }
        return InProcessCluster.stTcp(seed, service, null == lan ? java.util.Map.of() :
            java.util.Map.of("primary", lan, "backup1", lan, "witness", lan), null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"er-tcp", "st-tcp"})
    void killWhileTheClientsHandshakeIsInFlight(final String mode)
    {
        final long seed = Seeds.seed(ClusterFaultsTest.class);
        final byte[] data = Seeds.bytes(seed, 256 * 1024);
        try (InProcessCluster cluster = cluster(mode, seed, "echo", null))
        {
            cluster.awaitReady("backup1");
            final EchoSource source = cluster.echo(data);
            // The SYN reaches the primary, its OPEN goes to the logger: the primary dies before the handshake is done.
            cluster.step();
            cluster.step();
            assertTrue(!source.opened, "the handshake was not done at the kill");
            cluster.kill("primary");
            cluster.assertIntact(source, data.length);
            assertTookOver(cluster);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"er-tcp", "st-tcp"})
    void killWhileTheConnectionCloses(final String mode)
    {
        final long seed = Seeds.seed(ClusterFaultsTest.class);
        final byte[] data = Seeds.bytes(seed, 512 * 1024);
        try (InProcessCluster cluster = cluster(mode, seed, "echo", null))
        {
            cluster.awaitReady("backup1");
            final EchoSource source = cluster.echo(data);
            // All bytes came back and the client sent its FIN: the primary dies during the close.
            assertTrue(cluster.runUntil(() -> source.verified == data.length, 20_000_000_000L), cluster.events());
            assertTrue(!source.closed, "the close was not done at the kill");
            cluster.kill("primary");
            cluster.assertIntact(source, data.length);
            assertTookOver(cluster);
        }
    }

    @Test
    void nodesWithoutMacsInTheFileLearnThemFromTheWire()
    {
        final long seed = Seeds.seed(ClusterFaultsTest.class);
        final byte[] data = Seeds.bytes(seed, 512 * 1024);
        try (InProcessCluster cluster = new InProcessCluster(seed, "echo", 1, null, false))
        {
            assertTrue(cluster.config.nodes().stream().allMatch(node -> node.mac().isEmpty()));
            cluster.awaitReady("backup1");
            final EchoSource source = cluster.streamThrough(data, 100_000, 20_000_000_000L);
            cluster.kill("primary");
            cluster.assertIntact(source, data.length);
            assertTookOver(cluster);
        }
    }

    @Test
    void withLoggerPlusOneNothingIsConfirmedBeforeTheBackupHasIt()
    {
        final long seed = Seeds.seed(ClusterFaultsTest.class);
        final byte[] data = Seeds.bytes(seed, 1 << 20);
        try (InProcessCluster cluster = new InProcessCluster(seed, "echo", 1, null, true, "logger+1"))
        {
            cluster.awaitReady("backup1");
            final EchoSource source = cluster.echo(data);
            final ClusterNode primary = cluster.node("primary");
            final ClusterNode backup = cluster.node("backup1");
            long checks = 0;
            while (source.verified < 300_000)
            {
                cluster.step();
                assertTrue(primary.status().confirmed() <= backup.appliedPosition(),
                    "the primary's confirmed position " + primary.status().confirmed() + " ran ahead of the backup's " +
                    backup.appliedPosition() + "; seed " + seed);
                assertTrue(++checks < 5_000_000, "no progress; seed " + seed + "\n" + cluster.events());
            }
            assertTrue(primary.status().confirmed() > 0);
            cluster.kill("primary");
            cluster.assertIntact(source, data.length);
            assertTookOver(cluster);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"er-tcp", "st-tcp"})
    void aTimeoutTheServiceAskedForFiresOnTheNewPrimary(final String mode)
    {
        final long seed = Seeds.seed(ClusterFaultsTest.class);
        try (InProcessCluster cluster = cluster(mode, seed, "http\n  idle-timeout-ms: 300", null))
        {
            cluster.awaitReady("backup1");
            final Script client = new Script("GET / HTTP/1.1\r\nHost: ertcp\r\n\r\n");
            cluster.client.stack.connect(cluster.client.ip, cluster.client.vip, 80, client);
            assertTrue(cluster.runUntil(() -> client.text().contains("</html>"), 5_000_000_000L), cluster.events());
            final long answeredAt = cluster.now[0];
            cluster.runUntil(() -> false, 100_000_000L);
            assertTrue(!client.peerClosed, "the idle timeout has not fired before the kill");

            cluster.kill("primary");
            final boolean closedInTime = cluster.runUntil(() -> client.closed, 10_000_000_000L);
            if (!closedInTime)
            {
                cluster.primary().replicated().forEach(r -> System.out.println("replica at failure: " + r + ", client saw FIN " + client.peerClosed + " " + client.text().length()));
            }
            assertTrue(closedInTime, cluster.events());
            assertTrue(client.peerClosed, "the server closed the idle connection");
            assertEquals(CloseReason.CLOSED, client.reason, "seed " + seed);
            assertTrue(cluster.now[0] - answeredAt >= 300_000_000L, "not before the idle timeout");
            assertEquals(0, cluster.client.stack.counters().connectionsReset.get(), "seed " + seed);
            assertTookOver(cluster);
        }
    }

    @Test
    void theDeathOfABackupDisturbsNothing()
    {
        final long seed = Seeds.seed(ClusterFaultsTest.class);
        final byte[] data = Seeds.bytes(seed, 2 << 20);
        try (InProcessCluster cluster = new InProcessCluster(seed, "echo", 2, null))
        {
            cluster.awaitReady("backup2");
            final EchoSource source = cluster.streamThrough(data, 400_000, 20_000_000_000L);
            cluster.kill("backup1");
            cluster.assertIntact(source, data.length);
            assertEquals("primary", cluster.config.nodes().get(cluster.primary().nodeId() - 1).name(),
                "no failover for a backup's death");
            assertEquals(1, cluster.primary().epoch());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"er-tcp", "st-tcp"})
    void aKeyValueStoreSharedByConnectionsIsTheSameAfterTheFailover(final String mode)
    {
        final long seed = Seeds.seed(ClusterFaultsTest.class);
        try (InProcessCluster cluster = cluster(mode, seed, "kv", null))
        {
            cluster.awaitReady("backup1");
            final List<Script> scripts = new ArrayList<>();
            for (int c = 0; c < 8; c++)
            {
                final StringBuilder commands = new StringBuilder();
                for (int i = 0; i < 200; i++)
                {
                    commands.append("INCR counter\r\nSET key").append(c).append(' ').append(i).append("\r\n");
                }
                final Script script = new Script(commands.toString());
                scripts.add(script);
                cluster.client.stack.connect(cluster.client.ip, cluster.client.vip, 6379, script);
            }
            // Kill once some but not all of the commands are answered, so the failover falls in the middle.
            assertTrue(cluster.runUntil(() -> scripts.stream().mapToInt(Script::answers).sum() >= 800, 20_000_000_000L),
                cluster.events());
            cluster.kill("primary");
            assertTrue(cluster.runUntil(() -> scripts.stream().allMatch(s -> s.answers() == 400), 60_000_000_000L),
                "every command answered exactly once; seed " + seed + "\n" + cluster.events());

            final Script check = new Script("GET counter\r\nGET key3\r\n");
            cluster.client.stack.connect(cluster.client.ip, cluster.client.vip, 6379, check);
            assertTrue(cluster.runUntil(() -> check.answers() == 2, 10_000_000_000L), cluster.events());
            assertEquals("$4\r\n1600\r\n$3\r\n199\r\n", check.text(), "seed " + seed);
            assertTookOver(cluster);
            // The counter is shared: every INCR of every connection got its own value, each exactly once.
            final List<Integer> values = new ArrayList<>();
            for (final Script script : scripts)
            {
                final java.util.regex.Matcher matcher = java.util.regex.Pattern.compile(":(\\d+)\r\n").matcher(script.text());
                while (matcher.find())
                {
                    values.add(Integer.parseInt(matcher.group(1)));
                }
                assertEquals(200, script.text().split("\\+OK\r\n", -1).length - 1, "each SET answered once; seed " + seed);
            }
            values.sort(null);
            final List<Integer> expected = new ArrayList<>();
            for (int i = 1; i <= 1600; i++)
            {
                expected.add(i);
            }
            assertEquals(expected, values, "seed " + seed);
            assertEquals(0, cluster.client.stack.counters().connectionsReset.get(), "seed " + seed);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"er-tcp", "st-tcp"})
    void failoverOnALossyReorderingDuplicatingLan(final String mode)
    {
        final long seed = Seeds.seed(ClusterFaultsTest.class);
        final byte[] data = Seeds.bytes(seed, 1 << 20);
        final ImpairmentSpec lan = ImpairmentSpec.parse("loss=1%,delay=50us,reorder=2%,reorder-delay=200us,duplicate=1%");
        try (InProcessCluster cluster = cluster(mode, seed, "echo", lan))
        {
            cluster.awaitReady("backup1");
            final EchoSource source = cluster.streamThrough(data, 300_000, 60_000_000_000L);
            cluster.kill("primary");
            cluster.assertIntact(source, data.length);
            assertTookOver(cluster);
        }
    }

    private static void assertTookOver(final InProcessCluster cluster)
    {
        final ClusterNode primary = cluster.primary();
        assertTrue(null != primary, cluster.events());
        assertEquals("backup1", cluster.config.nodes().get(primary.nodeId() - 1).name(), cluster.events());
        assertEquals(2, primary.epoch(), cluster.events());
    }

    /** Sends a script of commands at once and keeps every byte of the answers. */
    static final class Script implements TcpService
    {
        private final byte[] commands;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private int written;
        boolean peerClosed;
        boolean closed;
        CloseReason reason;

        Script(final String commands)
        {
            this.commands = commands.getBytes(StandardCharsets.US_ASCII);
        }

        String text()
        {
            return received.toString(StandardCharsets.US_ASCII);
        }

        /** RESP answers to these commands are single lines or bulk strings of one line: count the CRLF-ended lines. */
        int answers()
        {
            final String text = text();
            int lines = 0;
            int bulk = 0;
            for (int at = text.indexOf("\r\n"); at >= 0; at = text.indexOf("\r\n", at + 2))
            {
                lines++;
            }
            for (int at = text.indexOf('$'); at >= 0; at = text.indexOf('$', at + 1))
            {
                bulk++;
            }
            return lines - bulk;
        }

        public String name()
        {
            return "script";
        }

        public void onOpen(final Connection connection)
        {
            onWritable(connection);
        }

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            received.writeBytes(bytes);
            return length;
        }

        public void onPeerClosed(final Connection connection)
        {
            peerClosed = true;
            connection.shutdownOutput();
        }

        public void onWritable(final Connection connection)
        {
            written += connection.write(new UnsafeBuffer(commands), written, commands.length - written);
        }

        public void onClosed(final Connection connection, final CloseReason reason)
        {
            closed = true;
            this.reason = reason;
        }
    }
}
