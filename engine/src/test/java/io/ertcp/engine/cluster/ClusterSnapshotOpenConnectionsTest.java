package io.ertcp.engine.cluster;

import io.ertcp.engine.replication.replica.Replica;
import io.ertcp.engine.service.KvService;
import io.ertcp.log.SnapshotStore;
import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshots with connections open (docs/architecture.md "Snapshots"), on a whole in-process ER-TCP cluster (and an
 * ST-TCP one) serving kv whose log rolls every second, is kept one second and snapshots every 50 records. Three kv
 * clients connect and keep their connections open throughout, as redis-cli sessions and connection pools do; one
 * leaves half a command (the inline "GET s0:bef") in kv's hands. Two of them go on writing (SET, INCR) until
 * retention has deleted the log holding the three OPENs (the logger's in ER-TCP, the primary's in ST-TCP), which only
 * snapshots holding the open connections allow. backup1 is then restarted with an empty log: the OPENs are nowhere in
 * the cluster's logs, so it can only have the connections from its snapshot. It loads the snapshot, applies only the
 * log after it, and shadows the three connections as the primary holds them. The primary is killed and backup1
 * takes over: the same three connections carry on, the half command completed ("ore\r\n") is answered, GETs of keys
 * set before and after the snapshot return their values, and every INCR counted once: every answer each client
 * received, from the first to the last, is exactly what it asked for, nothing lost or doubled, and no connection was
 * reset.
 * <p>
 * Before snapshots held connections, the primary logged no SNAPSHOT while a connection was open: none is taken here,
 * retention keeps the whole log, and the test fails at its first assertion. The seed is printed; rerun one with
 * -Dertcp.seed=N.
 */
class ClusterSnapshotOpenConnectionsTest
{
    private static final int SESSIONS = 3;

    /** A kv client that keeps its connection open and sends what the test tells it to, when it tells it. */
    static final class Session implements TcpService
    {
        private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        /** What the client expects back, answer by answer. */
        final StringBuilder expected = new StringBuilder();
        private byte[] pending = new byte[0];
        private int written;
        Connection connection;
        boolean closed;
        CloseReason reason;

        void send(final String commands, final String answers)
        {
            sent.writeBytes(commands.getBytes(StandardCharsets.US_ASCII));
            pending = sent.toByteArray();
            expected.append(answers);
            flush();
        }

        private void flush()
        {
            if (null != connection && written < pending.length)
            {
                written += connection.write(new UnsafeBuffer(pending), written, pending.length - written);
            }
        }

        String text()
        {
            return received.toString(StandardCharsets.US_ASCII);
        }

        boolean answered()
        {
            return text().contentEquals(expected);
        }

        public String name()
        {
            return "session";
        }

        public void onOpen(final Connection connection)
        {
            this.connection = connection;
            flush();
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
            connection.shutdownOutput();
        }

        public void onWritable(final Connection connection)
        {
            flush();
        }

        public void onClosed(final Connection connection, final CloseReason reason)
        {
            closed = true;
            this.reason = reason;
        }
    }

    private static long seed()
    {
        final long seed = Long.getLong("ertcp.seed", System.nanoTime());
        System.out.println("ClusterSnapshotOpenConnectionsTest seed " + seed + " (rerun with -Dertcp.seed=" + seed + ")");
        return seed;
    }

    private static int snapshotFiles(final Path directory) throws Exception
    {
        if (!Files.isDirectory(directory))
        {
            return 0;
        }
        try (var files = Files.list(directory))
        {
            return (int)files.filter(p -> p.getFileName().toString().endsWith(".snap")).count();
        }
    }

    /** The replica a node holds for a session's connection (the client's port names it), or null. */
    private static Replica replicaOf(final ClusterNode node, final Session session)
    {
        final Replica[] found = new Replica[1];
        node.replicated().forEach(replica ->
        {
            if (replica.remotePort() == session.connection.localPort())
            {
                found[0] = replica;
            }
        });
        return found[0];
    }

    /** Where the node's log starts, as its last retention line says (1 before any). */
    private static long firstPosition(final InProcessCluster cluster, final String node)
    {
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\[" + node +
            "\\] retention deleted \\d+ roll cycle file\\(s\\) before position \\d+; the log starts at (\\d+)")
            .matcher(cluster.events());
        long first = 1;
        while (m.find())
        {
            first = Long.parseLong(m.group(1));
        }
        return first;
    }

    private static void awaitAnswers(final InProcessCluster cluster, final Session[] sessions, final String what)
    {
        assertTrue(cluster.runUntil(() ->
        {
            for (final Session session : sessions)
            {
                if (!session.answered())
                {
                    return false;
                }
            }
            return true;
        }, 10_000_000_000L), what + ": " + java.util.Arrays.stream(sessions)
            .map(s -> "got '" + s.text() + "' expected '" + s.expected + "'").toList() + "; seed " + cluster.seed + "\n" +
            cluster.events());
    }

    @Test
    void kvClientsKeepTheirConnectionsOpenAcrossASnapshotARejoinFromItAndAFailoverToTheRejoinedNode() throws Exception
    {
        final long seed = seed();
        try (InProcessCluster cluster = InProcessCluster.erTcpEdited(seed, "kv",
            template -> ClusterSnapshotTest.snapshotsEvery(template, 50)))
        {
            run(cluster, seed, "logger");
        }
    }

    /**
     * The same in ST-TCP (primary, backup1, a witness, a hub): the rejoined backup's tap learns the connections from
     * the snapshot (their OPENs are in no log), fills their DATA_REF records from the client's frames and hands the
     * restored connections what it tapped past the log at the takeover.
     */
    @Test
    void theSameInStTcpWhereTheRejoinedBackupsTapLearnsTheConnectionsFromTheSnapshot() throws Exception
    {
        final long seed = seed();
        try (InProcessCluster cluster = InProcessCluster.stTcpEdited(seed, "kv",
            template -> ClusterSnapshotTest.snapshotsEvery(template, 50)))
        {
            run(cluster, seed, "primary");
        }
    }

    /**
     * @param source the node whose log feeds a rejoining backup: the logger in ER-TCP, the primary in ST-TCP.
     */
    private static void run(final InProcessCluster cluster, final long seed, final String source) throws Exception
    {
        {
            cluster.awaitReady("backup1");
            final ClusterNode primary = cluster.node("primary");
            final Path snapshots = cluster.directory.resolve("backup1").resolve("snapshots");

            final Session[] sessions = new Session[SESSIONS];
            for (int i = 0; i < SESSIONS; i++)
            {
                sessions[i] = new Session();
                assertNotNull(cluster.client.stack.connect(cluster.client.ip, cluster.client.vip, KvService.DEFAULT_PORT,
                    sessions[i]));
                sessions[i].send("SET s" + i + ":before before-" + i + "\r\nINCR n" + i + "\r\n", "+OK\r\n:1\r\n");
            }
            awaitAnswers(cluster, sessions, "the first SETs");
            // Half a command, left with kv's session for this connection (an inline GET waits for its CRLF).
            sessions[0].send("GET s0:bef", "");
            final Replica first = replicaOf(primary, sessions[0]);
            assertTrue(cluster.runUntil(() -> first.inputOffset() == sessions[0].sent.size(), 1_000_000_000L),
                cluster.events());
            final long opened = primary.replicated().appliedPosition(); // every OPEN lies before this

            // Sessions 1 and 2 write on until retention deleted the log before the snapshots, OPENs and all.
            final int[] incrs = new int[SESSIONS];
            java.util.Arrays.fill(incrs, 1);
            final Session[] writers = {sessions[1], sessions[2]};
            final long end = System.currentTimeMillis() + 60_000;
            int round = 0;
            while (!(firstPosition(cluster, source) > opened && snapshotFiles(snapshots) == SnapshotStore.KEEP) &&
                System.currentTimeMillis() < end)
            {
                for (int w = 0; w < writers.length; w++)
                {
                    final int i = w + 1;
                    final StringBuilder commands = new StringBuilder();
                    final StringBuilder answers = new StringBuilder();
                    for (int k = 0; k < 10; k++)
                    {
                        commands.append("SET s").append(i).append(':').append(round).append(':').append(k)
                            .append(" v").append(round).append("\r\n");
                        answers.append("+OK\r\n");
                    }
                    commands.append("INCR n").append(i).append("\r\n");
                    answers.append(':').append(++incrs[i]).append("\r\n");
                    writers[w].send(commands.toString(), answers.toString());
                }
                awaitAnswers(cluster, writers, "round " + round);
                round++;
                cluster.runUntil(() -> false, 20_000_000L); // retention's time is the cluster's
                Thread.sleep(20); // the log's roll cycles are wall time
            }
            cluster.runUntil(() -> false, 1_500_000_000L);
            final long sourceFirst = firstPosition(cluster, source);
            assertTrue(sourceFirst > opened, "with three connections open all along, " + source + "'s retention " +
                "deleted the log holding their OPENs (it starts at " + sourceFirst + ", the OPENs lie before " + opened + "): snapshots were " +
                "taken with them open; seed " + seed + "\n" + cluster.events());
            assertTrue(cluster.events().contains("[backup1] snapshot at position"), cluster.events());
            assertEquals(SESSIONS, primary.replicated().connectionCount(), "the three connections are open");

            // backup1 restarted: its log discarded, its snapshots kept; the OPENs are in no log any more.
            cluster.kill("backup1");
            final long[] onDisk = SnapshotStore.open(snapshots).positions();
            final long newest = onDisk[onDisk.length - 1];
            assertTrue(newest > opened && newest >= sourceFirst - 1, "the newest snapshot (" + newest + ") lies after the " +
                "OPENs and where " + source + "'s log starts (" + sourceFirst + ")");
            final ClusterNode rejoined = cluster.start("backup1");
            assertTrue(cluster.events().contains("[backup1] loaded the snapshot at position " + newest), cluster.events());
            assertTrue(cluster.events().contains(SESSIONS + " open connection(s))"), cluster.events());
            final long target = primary.replicated().appliedPosition();
            assertTrue(cluster.runUntil(() -> rejoined.replicated().appliedPosition() >= target &&
                rejoined.replicated().appliedPosition() == primary.replicated().appliedPosition(), 20_000_000_000L),
                "the rejoined backup caught up to " + target + "; seed " + seed + "\n" + cluster.events());
            assertEquals(rejoined.replicated().appliedPosition() - newest, rejoined.replicated().recordsApplied(),
                "it applied only the records after its snapshot");
            assertEquals(0, rejoined.replicated().unknownConnectionRecords(), "every record named a connection it holds");
            for (final Session session : sessions)
            {
                final Replica onPrimary = replicaOf(primary, session);
                final Replica shadow = replicaOf(rejoined, session);
                assertNotNull(shadow, "backup1 shadows the connection of client port " + session.connection.localPort());
                assertEquals(onPrimary.toString(), shadow.toString());
                assertEquals(onPrimary.id(), shadow.id());
            }
            assertEquals(((KvService)primary.replicated().service()).contentDigest(),
                ((KvService)rejoined.replicated().service()).contentDigest());

            // The primary dies (once the rejoined backup has heard it, so it can suspect it); the rejoined backup takes
            // the same connections over.
            assertTrue(cluster.runUntil(() -> rejoined.membership().view(1).heard(), 1_000_000_000L), cluster.events());
            cluster.runUntil(() -> false, 100_000_000L);
            cluster.kill("primary");
            assertTrue(cluster.runUntil(() -> cluster.primary() == rejoined, 2_000_000_000L), cluster.events());
            sessions[0].send("ore\r\n", "$8\r\nbefore-0\r\n");
            for (int i = 0; i < SESSIONS; i++)
            {
                sessions[i].send("GET s" + i + ":before\r\nINCR n" + i + "\r\n",
                    "$8\r\nbefore-" + i + "\r\n:" + (++incrs[i]) + "\r\n");
            }
            final int last = round - 1;
            for (int i = 1; i < SESSIONS; i++)
            {
                final String value = "v" + last;
                sessions[i].send("GET s" + i + ":" + last + ":9\r\nGET s" + i + ":0:0\r\n",
                    "$" + value.length() + "\r\n" + value + "\r\n$2\r\nv0\r\n");
            }
            awaitAnswers(cluster, sessions, "after the failover, on the connections opened before the snapshot");
            for (final Session session : sessions)
            {
                assertEquals(session.expected.toString(), session.text(), "every answer once, in order; seed " + seed);
                assertFalse(session.closed, "still open");
            }
            assertEquals(0, cluster.client.stack.counters().connectionsReset.get(), "no reset; seed " + seed);

            for (final Session session : sessions)
            {
                session.send("QUIT\r\n", "+OK\r\n");
            }
            assertTrue(cluster.runUntil(() -> java.util.Arrays.stream(sessions).allMatch(s -> s.closed), 5_000_000_000L),
                cluster.events());
            for (final Session session : sessions)
            {
                assertEquals(session.expected.toString(), session.text());
                assertEquals(CloseReason.CLOSED, session.reason);
            }
        }
    }
}
