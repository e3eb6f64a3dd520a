package io.ertcp.engine.cluster;

import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A service of a user's own, loaded from its jar as a cluster file names it (examples/own-service's chat room, whose
 * class is not on this test's classpath), in a whole in-process ER-TCP cluster: several clients chat while the
 * primary is killed, and every client sees the same lines in the same order, each line once. The seed is printed;
 * rerun one with -Dertcp.seed=N.
 */
class ClusterChatTest
{
    private static final int PORT = 7000;
    private static final int CLIENTS = 3;
    private static final int LINES_EACH = 60;

    @Test
    void everyClientSeesTheSameLinesInTheSameOrderAcrossTheKillOfThePrimary()
    {
        final long seed = Long.getLong("ertcp.seed", System.nanoTime());
        System.out.println("ClusterChatTest seed " + seed + " (rerun with -Dertcp.seed=" + seed + ")");
        final Path jar = Path.of(System.getProperty("ertcp.example.chat.jar", "examples/own-service/target/chat.jar"));
        assertTrue(Files.isRegularFile(jar), "examples/own-service is built before the engine's tests: " + jar);
        assertThrows(() -> Class.forName("com.example.chat.ChatService"));

        try (InProcessCluster cluster = InProcessCluster.erTcpEdited(seed, "echo", template -> template
            .serviceClass("com.example.chat.ChatService", jar.toAbsolutePath()).servicePort(PORT).serviceOption("room", "test")))
        {
            cluster.awaitReady("backup1");
            final List<ChatClient> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++)
            {
                final ChatClient client = new ChatClient("c" + i);
                clients.add(client);
                cluster.client.stack.connect(cluster.client.ip, cluster.client.vip, PORT, client);
                // One joins after the other, so that every later line reaches all of them.
                assertTrue(cluster.runUntil(() -> client.received().contains("* welcome to test"), 5_000_000_000L),
                    "client " + i + " joined; seed " + seed + "\n" + cluster.events());
            }
            assertTrue(cluster.runUntil(() -> clients.getFirst().received().contains("guest" + CLIENTS + " joined"),
                5_000_000_000L), cluster.events());

            final Random random = new Random(seed);
            final int total = CLIENTS * LINES_EACH;
            boolean killed = false;
            while (clients.stream().anyMatch(c -> c.chatLines().size() < total))
            {
                final ChatClient speaker = clients.get(random.nextInt(CLIENTS));
                speaker.sayNext(LINES_EACH);
                final long stepsBefore = 1 + random.nextInt(40);
                for (long s = 0; s < stepsBefore; s++)
                {
                    cluster.step();
                }
                if (!killed && clients.getLast().chatLines().size() >= total / 3)
                {
                    cluster.kill("primary");
                    killed = true;
                }
                assertTrue(cluster.now[0] < 120_000_000_000L, "the chat finished in simulated time; seed " + seed +
                    "\n" + clients.stream().map(c -> c.name + " " + c.chatLines().size()).toList() + "\n" + cluster.events());
            }
            assertTrue(killed, "the primary died mid-chat");

            final List<String> first = clients.getFirst().chatLines();
            final Set<String> distinct = new HashSet<>(first);
            assertEquals(total, first.size(), "every line once; seed " + seed);
            assertEquals(total, distinct.size(), "no line twice; seed " + seed);
            for (final ChatClient client : clients)
            {
                assertEquals(first, client.chatLines(), client.name + " saw the same lines in the same order; seed " + seed);
                assertEquals(0, client.resets, client.name + " was never reset; seed " + seed);
                int last = -1;
                for (final String line : first)
                {
                    if (line.contains(" " + client.name + " "))
                    {
                        final int n = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
                        assertEquals(last + 1, n, "a client's own lines keep its order; seed " + seed);
                        last = n;
                    }
                }
                assertEquals(LINES_EACH - 1, last, "seed " + seed);
            }
            final ClusterNode primary = cluster.primary();
            assertNotEquals(null, primary, cluster.events());
            assertEquals(2, primary.epoch(), "backup1 took over; seed " + seed + "\n" + cluster.events());
        }
    }

    private static void assertThrows(final org.junit.jupiter.api.function.Executable executable)
    {
        org.junit.jupiter.api.Assertions.assertThrows(ClassNotFoundException.class, executable,
            "the chat class must come from its jar alone, not from the test's classpath");
    }

    /** A member of the room: says numbered lines when told, keeps everything it hears. */
    private static final class ChatClient implements TcpService
    {
        final String name;
        private final StringBuilder received = new StringBuilder();
        private final UnsafeBuffer out = new UnsafeBuffer(new byte[0]);
        private Connection connection;
        private byte[] pending = new byte[0];
        private int pendingOffset;
        private int said;
        int resets;

        ChatClient(final String name)
        {
            this.name = name;
        }

        String received()
        {
            return received.toString();
        }

        /** The room's chat lines this client heard (not the notices), in the order it heard them. */
        List<String> chatLines()
        {
            final List<String> lines = new ArrayList<>();
            for (final String line : received.toString().split("\n", -1))
            {
                if (line.startsWith("guest") && line.contains(": line "))
                {
                    lines.add(line.substring(line.indexOf(": ") + 2));
                }
            }
            return lines;
        }

        void sayNext(final int limit)
        {
            if (said < limit && pendingOffset == pending.length && null != connection)
            {
                pending = ("line " + name + " " + said++ + "\n").getBytes(StandardCharsets.US_ASCII);
                pendingOffset = 0;
                pump();
            }
        }

        private void pump()
        {
            if (pendingOffset < pending.length)
            {
                out.wrap(pending);
                pendingOffset += connection.write(out, pendingOffset, pending.length - pendingOffset);
            }
        }

        public String name()
        {
            return "chat-client";
        }

        public void onOpen(final Connection connection)
        {
            this.connection = connection;
        }

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            received.append(buffer.getStringWithoutLengthAscii(offset, length));
            return length;
        }

        public void onPeerClosed(final Connection connection)
        {
        }

        public void onWritable(final Connection connection)
        {
            pump();
        }

        public void onClosed(final Connection connection, final CloseReason reason)
        {
            if (reason == CloseReason.RESET)
            {
                resets++;
            }
            this.connection = null;
        }
    }
}
