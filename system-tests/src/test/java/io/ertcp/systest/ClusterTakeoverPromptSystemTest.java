package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;
import io.ertcp.test.NetNs;
import io.ertcp.test.Shell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ER-TCP takeover prompt (TakeoverPrompt) against a real Linux client: the primary dies holding a 32 KiB
 * request it never logged (its JVM is stopped with SIGSTOP before the client sends, so the client's frames reach a
 * frozen primary, then killed with SIGKILL), and the client, whose route says rto_min 1500 ms, resends the request
 * right after the takeover instead of at its retransmission timeout; every echoed byte is the byte sent.
 */
class ClusterTakeoverPromptSystemTest extends NamespaceClusterTest
{
    /** The client's minimum RTO: far beyond the takeover, so that its timer cannot be what resends. */
    private static final long RTO_MIN_MS = 1500;
    private static final String CLIENT = """
        import hashlib, os, socket, sys, time
        size, warm, go = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
        s = socket.create_connection((sys.argv[4], 7), timeout=30)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sent, back = hashlib.sha256(), hashlib.sha256()
        def ping(msg):
            s.sendall(msg); sent.update(msg)
            got = bytearray()
            while len(got) < len(msg):
                r = s.recv(len(msg) - len(got))
                if not r: raise SystemExit("connection closed")
                got += r
            back.update(got)
            if bytes(got) != msg: raise SystemExit("echo differs from the request")
        for i in range(warm): ping(os.urandom(size))
        print("ready", flush=True)
        while not os.path.exists(go): time.sleep(0.005)
        t = time.time()
        ping(os.urandom(size))
        print("request %.6f %.6f" % (t, time.time()), flush=True)
        for i in range(warm): ping(os.urandom(size))
        print("sha256 %s %s" % (sent.hexdigest(), back.hexdigest()), flush=True)
        """;

    ClusterTakeoverPromptSystemTest()
    {
        super("prompt", (shared, dir) -> shared.service("echo"), Tool.PYTHON3, Tool.TCPDUMP);
    }

    @Test
    @Timeout(240)
    void theClientResendsTheUnloggedRequestRightAfterTheTakeover() throws Exception
    {
        final NetNs client = cluster.client();
        client.exec("ip", "route", "replace", "10.80.0.0/24", "dev", "eth0", "src", ClusterNamespaces.CLIENT_IP,
            "rto_min", RTO_MIN_MS + "ms");
        final ClusterNamespaces.Roles roles = cluster.roles();
        final Path script = workDir.resolve("prompt_client.py");
        Files.writeString(script, CLIENT);
        final Path go = workDir.resolve("go");
        final Path clientLog = workDir.resolve("client.out");
        final Path dump = workDir.resolve("tcpdump.txt");
        final Process tcpdump = client.start(dump, "tcpdump", "-i", "eth0", "-nn", "-tt", "-l",
            "tcp and src host " + ClusterNamespaces.CLIENT_IP + " and dst port 7 and greater 100");
        final Process python = client.start(clientLog, "python3", script.toString(), "32768", "20", go.toString(),
            ClusterNamespaces.VIP);
        try
        {
            awaitLine(clientLog, "ready", python, Duration.ofSeconds(60));
            final long pid = cluster.node(roles.primary()).process().pid();
            // Frozen, the primary's AF_PACKET ring takes the request's frames and nothing logs them.
            Shell.run("kill", "-STOP", Long.toString(pid)).requireOk();
            Files.writeString(go, "");
            Thread.sleep(300);
            cluster.kill(roles.primary());
            final ClusterNamespaces.Takeover takeover = cluster.awaitTakeover(roles, Duration.ofSeconds(30));
            // An upper bound on the takeover: awaitTakeover returns once the status shows the new primary.
            final double takeoverSeenAt = System.currentTimeMillis() / 1000.0;
            assertTrue(python.waitFor(60, TimeUnit.SECONDS), "the client finished:\n" + Files.readString(clientLog) +
                cluster.outputs());
            assertEquals(0, python.exitValue(), "the client's exit status:\n" + Files.readString(clientLog) + cluster.outputs());
            final String out = Files.readString(clientLog);
            final String[] request = line(out, "request ").split(" ");
            final double sentAt = Double.parseDouble(request[1]);
            final double echoedAt = Double.parseDouble(request[2]);
            final String[] sha = line(out, "sha256 ").split(" ");
            assertEquals(sha[1], sha[2], "every echoed byte is the byte sent (sha256 of all requests and of all echoes)");

            final Map<String, Long> counters = cluster.counters(roles.backup());
            System.out.println(roles.backup() + "'s takeover prompt: " + counters.entrySet().stream()
                .filter(e -> e.getKey().startsWith("tcp takeover") || e.getKey().equals("tcp connections-restored")).toList());
            assertTrue(counters.getOrDefault("tcp takeover-sack-prompts", 0L) >= 1, "the new primary SACKed the client's last segment: " + counters);

            // The client's data segments from the request on, as tcpdump stamped them: the request's first segment,
            // lost to the frozen primary (and perhaps resent into it as a tail-loss probe), is resent after the
            // takeover once the prompt reaches the client.
            Thread.sleep(500);
            final String frames = Files.readString(dump);
            final double resentAt = lastResendOfFirst(frames, sentAt);
            final double waitedMs = (echoedAt - sentAt) * 1000;
            System.out.printf("request sent at %.3f; its first segment last resent after %.0f ms, the takeover seen " +
                    "(status) after %.0f ms, the echo complete after %.0f ms (the client's RTO is at least %d ms); %s%n",
                sentAt, (resentAt - sentAt) * 1000, (takeoverSeenAt - sentAt) * 1000, waitedMs, RTO_MIN_MS, takeover.line());
            assertTrue(resentAt > 0, "the client resent the request's first segment:\n" + frames);
            assertTrue((resentAt - sentAt) * 1000 < RTO_MIN_MS - 200, "the first segment was resent " +
                (resentAt - sentAt) * 1000 + " ms after the send, not at the client's RTO\n" + frames);
            // Sent, then the SIGSTOP wait (300 ms), the suspicion (400 ms) and the election: well under the RTO, with
            // a margin for this loaded machine.
            assertTrue(waitedMs < RTO_MIN_MS - 200, "the request came back after " + waitedMs + " ms, not at the client's " +
                RTO_MIN_MS + " ms RTO\n" + frames + cluster.outputs());
        }
        finally
        {
            python.destroyForcibly();
            tcpdump.destroyForcibly();
        }
    }

    /**
     * When the client last sent the request's first segment: the first data segment at or after {@code sentAt}
     * (tcpdump's {@code -tt} lines read {@code TIME IP ... seq A:B, ...}), and the latest repeat of its range, or -1
     * when it was never sent again.
     */
    static double lastResendOfFirst(final String frames, final double sentAt)
    {
        String first = null;
        double last = -1;
        for (final String frame : frames.lines().toList())
        {
            final int at = frame.indexOf(" seq ");
            if (at < 0)
            {
                continue;
            }
            final double time = Double.parseDouble(frame.substring(0, frame.indexOf(' ')));
            final String range = frame.substring(at + 5, frame.indexOf(',', at));
            if (time < sentAt - 0.001)
            {
                continue;
            }
            if (first == null)
            {
                first = range;
            }
            else if (first.equals(range))
            {
                last = time;
            }
        }
        return last;
    }

    private static String line(final String text, final String prefix)
    {
        return text.lines().filter(l -> l.startsWith(prefix)).findFirst()
            .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in:\n" + text));
    }

    private static void awaitLine(final Path log, final String text, final Process process, final Duration timeout)
        throws Exception
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(log) || !Files.readString(log).contains(text))
        {
            if (System.nanoTime() > deadline || !process.isAlive())
            {
                throw new AssertionError("the client did not say '" + text + "':\n" +
                    (Files.exists(log) ? Files.readString(log) : ""));
            }
            Thread.sleep(20);
        }
    }
}
