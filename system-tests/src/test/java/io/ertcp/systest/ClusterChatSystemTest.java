package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;
import io.ertcp.test.Requirements;
import io.ertcp.test.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
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
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterChatSystemTest
{
    private static final int PORT = 7000;
    private static final int MEMBERS = 3;
    private static final int LINES = 150;

    private Path workDir;
    private ClusterNamespaces cluster;

    @BeforeAll
    void setUp() throws Exception
    {
        Requirements.assumeRootAndNetns();
        Requirements.assumeCommand("python3", "python3");
        final Path jar = Requirements.root().resolve("examples/own-service/target/chat.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "examples/own-service is built before the system tests: " + jar);
        workDir = Files.createTempDirectory("ertcp-cluster-chat");
        cluster = ClusterNamespaces.create(ClusterNamespaces.Mode.ER_TCP, workDir, "ecs-chat",
            t -> t.serviceClass("com.example.chat.ChatService", jar).servicePort(PORT).serviceOption("room", "lobby"));
        cluster.startAll();
    }

    @AfterAll
    void tearDown()
    {
        if (cluster != null)
        {
            cluster.keepOutputs(Path.of("target", "cluster-logs", getClass().getSimpleName()));
            cluster.close();
        }
        if (workDir != null)
        {
            Shell.run("rm", "-rf", workDir.toString());
        }
    }

    @Test
    @Timeout(200)
    void threeKernelClientsChatThroughAKillAndHearTheSameLinesInTheSameOrder() throws Exception
    {
        cluster.heal();
        cluster.retryOnFalseSuspicion(() ->
        {
            chatThroughAKill();
            return null;
        });
    }

    private void chatThroughAKill() throws Exception
    {
        final ClusterNamespaces.Roles roles = cluster.roles();
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
        ClusterNamespaces.parseStatus(cluster.statusText()).values().forEach(row -> states.add(row.state()));
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
