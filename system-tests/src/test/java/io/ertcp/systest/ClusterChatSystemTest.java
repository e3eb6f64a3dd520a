package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;
import io.ertcp.test.Requirements;
import io.ertcp.test.StatusRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user's own service in a namespace cluster: the chat room of examples/own-service, loaded from its jar by the
 * cluster file, with three kernel clients (Python sockets in the client's namespace) chatting while the primary is
 * killed with kill -9. Every member hears every line, in the same order as every other member, each once.
 */
class ClusterChatSystemTest extends NamespaceClusterTest
{
    private static final int PORT = 7000;
    private static final int MEMBERS = 3;
    private static final int LINES = 150;

    private static final Path JAR = Requirements.root().resolve("examples/own-service/target/chat.jar").toAbsolutePath();

    ClusterChatSystemTest()
    {
        super("chat", (shared, dir) -> shared.serviceClass("com.example.chat.ChatService", JAR).servicePort(PORT)
            .serviceOption("room", "lobby"), Tool.PYTHON3);
    }

    @Override
    void prepare()
    {
        assertTrue(Files.isRegularFile(JAR), "examples/own-service is built before the system tests: " + JAR);
    }

    @Test
    @Timeout(200)
    void threeKernelClientsChatThroughAKillAndHearTheSameLinesInTheSameOrder() throws Exception
    {
        cluster.runHealed(this::chatThroughAKill);
    }

    private void chatThroughAKill(final ClusterNamespaces.Roles roles) throws Exception
    {
        final Path script = workDir.resolve("chat-client.py");
        try (var in = Objects.requireNonNull(getClass().getResourceAsStream("/chat-client.py")))
        {
            Files.write(script, in.readAllBytes());
        }
        final String attempt = Long.toString(System.nanoTime() % 100_000);
        final List<Process> clients = new ArrayList<>();
        final List<Path> heard = new ArrayList<>();
        final List<Path> logs = new ArrayList<>();
        for (int m = 0; m < MEMBERS; m++)
        {
            final String name = "m-" + attempt + "-" + m;
            heard.add(workDir.resolve(name + ".heard"));
            logs.add(workDir.resolve(name + ".log"));
            clients.add(cluster.client().start(logs.getLast(), "python3", script.toString(), ClusterNamespaces.VIP,
                Integer.toString(PORT), name, Integer.toString(MEMBERS), Integer.toString(LINES),
                heard.getLast().toString()));
        }
        // Once every member is in the room and talking, 150 lines 20 ms apart take at least 3 s: the kill lands
        // mid-chat.
        final long joinDeadline = System.nanoTime() + 60_000_000_000L;
        while (read(logs).lines().filter(l -> l.endsWith(" talking")).count() < MEMBERS)
        {
            assertTrue(System.nanoTime() < joinDeadline, "the members did not all join:\n" + read(logs) + cluster.outputs());
            Thread.sleep(50);
        }
        Thread.sleep(1000);
        for (final Process client : clients)
        {
            assertTrue(client.isAlive(), "a client finished before the kill:\n" + read(logs) + cluster.outputs());
        }
        cluster.kill(roles.primary());
        final ClusterNamespaces.Takeover takeover = cluster.awaitTakeover(roles, Duration.ofSeconds(30));
        for (final Process client : clients)
        {
            assertTrue(client.waitFor(150, TimeUnit.SECONDS), "a client did not finish:\n" + read(logs) + cluster.outputs());
        }
        System.out.println(read(logs) + takeover.line());
        final java.util.regex.Matcher restored = java.util.regex.Pattern.compile("(\\d+) connection\\(s\\) restored")
            .matcher(takeover.line());
        assertTrue(restored.find() && Integer.parseInt(restored.group(1)) >= MEMBERS,
            "the members' connections were restored at the takeover: " + takeover.line());
        for (final Process client : clients)
        {
            assertEquals(0, client.exitValue(), "every client heard every line:\n" + read(logs) + cluster.outputs());
        }

        final List<String> first = chatLines(heard.getFirst());
        assertEquals(MEMBERS * LINES, first.size(), "every line of every member, heard once");
        assertEquals(MEMBERS * LINES, new HashSet<>(first).size(), "no line twice: " + first);
        for (final Path other : heard)
        {
            assertEquals(first, chatLines(other), "every member heard the lines in the same order: " + other);
        }
        for (int m = 0; m < MEMBERS; m++)
        {
            final String name = "m-" + attempt + "-" + m;
            final List<String> own = first.stream().filter(l -> l.startsWith(name + ": ")).toList();
            for (int i = 0; i < LINES; i++)
            {
                assertEquals(name + ": line " + name + " " + i, own.get(i), "each member's lines in the order it said them");
            }
        }
        final Set<String> states = new HashSet<>();
        StatusRow.parse(cluster.statusText()).values().forEach(row -> states.add(row.state()));
        assertTrue(states.contains("primary"), "a primary after the takeover: " + states);
    }

    private static List<String> chatLines(final Path heard) throws Exception
    {
        return Files.readString(heard, StandardCharsets.UTF_8).lines().filter(l -> l.contains(": line ")).toList();
    }

    private static String read(final List<Path> logs) throws Exception
    {
        final StringBuilder text = new StringBuilder();
        for (final Path log : logs)
        {
            if (Files.exists(log))
            {
                text.append(Files.readString(log));
            }
        }
        return text.toString();
    }
}
