package io.ertcp.engine.cli;

import io.ertcp.engine.cluster.NodeStatus;
import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.replication.channel.ClusterKey;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.stream.Stream;

/**
 * The demo as root ({@link DemoCommand}): a bridge namespace and one namespace per node and for the client
 * (ertcp-demo-PID-*), the nodes as {@code ./ertcp node} processes from a generated cluster file, the client as
 * {@code ./ertcp stream} on the kernel's TCP; it kills the serving node's JVM mid-stream and prints the nodes' lines
 * and the client's result. One namespace demo: everything it made is in its fields, and {@link #cleanup} removes it,
 * once.
 */
final class DemoNamespaces
{
    private final PrintStream out;
    /** The chosen mode's nodes. */
    private final String[] nodeNames;
    private final boolean stTcp;
    private final String driver;
    private final long bytes;
    private final long killAfterMs;
    private final Path root = Path.of(System.getProperty("ertcp.root", ".")).toAbsolutePath();
    private final String prefix = "ertcp-demo-" + ProcessHandle.current().pid();
    private final String lan = prefix + "-lan";
    private final String clientNs = prefix + "-client";
    private final List<String> namespaces = new CopyOnWriteArrayList<>();
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final List<Thread> pipes = new CopyOnWriteArrayList<>();
    private final Map<String, List<String>> nodeLines = new LinkedHashMap<>();
    private volatile long streamStartNs;
    /**
     * The node that serves now: the primary of the file until a node says it took over (a false suspicion under
     * load can move the role before the planned kill, and the demo must kill whoever holds it).
     */
    private volatile String serving = "primary";
    /** "took over as primary" lines so far, from any node. */
    private final java.util.concurrent.atomic.AtomicInteger takeovers = new java.util.concurrent.atomic.AtomicInteger();
    private Path directory;
    private boolean cleaned;
    private volatile boolean interrupted;

    DemoNamespaces(final PrintStream out, final String[] nodeNames, final boolean stTcp, final String driver,
        final long bytes, final long killAfterMs)
    {
        this.out = out;
        this.nodeNames = nodeNames;
        this.stTcp = stTcp;
        this.driver = driver;
        this.bytes = bytes;
        this.killAfterMs = killAfterMs;
    }

    private String ns(final String node)
    {
        return prefix + "-" + node;
    }

    int run() throws Exception
    {
        if (driver.equals("dpdk") && !Files.exists(Path.of(System.getProperty("ertcp.native.dir",
            root.resolve("native-dpdk/target/native").toString()), "libertcp_dpdk.so")))
        {
            throw new CliException("--driver dpdk needs the DPDK shim, which is not built: apt-get install -y " +
                "libdpdk-dev dpdk pkg-config, then ./ertcp build; or use --driver af-packet");
        }
        removeStale();
        final Thread hook = new Thread(() ->
        {
            interrupted = true;
            out.println();
            out.println("demo: interrupted: stopping the nodes and the client, removing the namespaces");
            cleanup();
        }, "ertcp-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try
        {
            return demo();
        }
        finally
        {
            cleanup();
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException ignore)
            {
                // shutting down already: the hook runs cleanup, which is done
            }
        }
    }

    private int demo() throws Exception
    {
        directory = Files.createTempDirectory("ertcp-demo");
        final Path file = directory.resolve("cluster.yaml");
        ClusterKey.generate(DemoCommand.keyFileBeside(directory.resolve("log")), false);
        Files.writeString(file, DemoCommand.clusterYaml("demo", driver, directory.resolve("log"), "200ms", stTcp));
        out.printf("demo: an %s cluster on this machine: namespaces %s-{lan,%s,client}, " +
            "a bridge in %s%s; driver %s; echo on %s:7%n", stTcp ? "ST-TCP" : "ER-TCP", prefix, String.join(",", nodeNames),
            lan, stTcp ? " that floods every frame (ageing_time 0: the backup taps the client's)" : "", driver, DemoCommand.VIP);
        out.println("demo: cluster file " + file + " (10 ms heartbeats, suspect after 200 ms; the channel " +
            "authenticated with the fresh key " + DemoCommand.keyFileBeside(directory.resolve("log")) + ")");
        out.println("demo: live lines from the nodes and the client; times are seconds since the client connected");
        buildNetwork(file);

        out.println();
        out.println("demo: starting the nodes: ip netns exec " + prefix + "-NAME ./ertcp node --config " + file +
            " --name NAME");
        final Map<String, Process> nodes = new LinkedHashMap<>();
        // The primary first, until it says it started: a backup that started alone would find no primary and,
        // with the logger, elect itself. Then the other two together: a node takes seconds to start (its JVM,
        // the EAL, the log), most of the demo's time before the stream, and neither needs the other to be up.
        final List<String> all = List.of(nodeNames);
        for (final List<String> together : List.of(all.subList(0, 1), all.subList(1, all.size())))
        {
            for (final String name : together)
            {
                nodes.put(name, startNode(name, file));
            }
            for (final String name : together)
            {
                if (!awaitLine(name, "[" + name + "] started as", nodes.get(name), 30_000))
                {
                    if (interrupted)
                    {
                        return 130;
                    }
                    out.println("demo: the " + name + " did not start; what it said:");
                    nodeLines.get(name).forEach(line -> out.println("  " + name + " | " + line));
                    return 1;
                }
            }
        }
        if (!awaitCluster(file, nodes, 60_000))
        {
            if (interrupted)
            {
                return 130;
            }
            out.println("demo: the cluster did not come up; what the nodes said:");
            nodeLines.forEach((name, lines) -> lines.forEach(line -> out.println("  " + name + " | " + line)));
            return 1;
        }
        out.println();
        out.println("demo: ./ertcp status --config " + file);
        status(file);

        out.println();
        out.printf("demo: the client (the kernel's TCP in %s, %s) streams %.0f MiB through echo: ./ertcp stream " +
            "--connect %s:7 --bytes %d%n", clientNs, DemoCommand.CLIENT_IP, bytes / 1048576.0, DemoCommand.VIP, bytes);
        final List<String> result = new CopyOnWriteArrayList<>();
        final Process stream = spawn(List.of("ip", "netns", "exec", clientNs, root.resolve("ertcp").toString(), "stream",
            "--connect", DemoCommand.VIP + ":7", "--bytes", Long.toString(bytes), "--report-ms", "250", "--idle-timeout-s", "20"));
        final Thread streamReader = pipe(stream, line ->
        {
            if (streamStartNs == 0 && line.startsWith("stream: "))
            {
                streamStartNs = System.nanoTime(); // connected: the stream's clock and the demo's agree from here
            }
            if (!result.isEmpty() || (line.startsWith("stream: ") && line.contains(" bytes sent, ")))
            {
                result.add(line);
            }
            else
            {
                say("client", line);
            }
        });

        while (stream.isAlive() && (streamStartNs == 0 || System.nanoTime() < streamStartNs + killAfterMs * 1_000_000L))
        {
            Thread.sleep(20);
        }
        final String victim = serving;
        final Process primary = nodes.get(victim);
        final int takeoversBefore = takeovers.get();
        final boolean killed = stream.isAlive();
        if (killed && stTcp)
        {
            // What the backup rebuilt from its tap (and fetched) so far: the status shows it.
            say("demo", "./ertcp status just before the kill:");
            status(file);
        }
        final long killedAtNs = System.nanoTime();
        if (killed)
        {
            say("demo", "kill -9 " + primary.pid() + " (the primary's JVM" +
                (victim.equals("primary") ? ")" : ": the " + victim + ", which took over before the planned kill)"));
            primary.descendants().forEach(ProcessHandle::destroyForcibly);
            primary.destroyForcibly();
        }
        else
        {
            say("demo", "the stream ended before the kill: use more --bytes or a shorter --kill-after-ms");
        }
        final boolean finished = stream.waitFor(180, TimeUnit.SECONDS);
        streamReader.join(5_000);
        if (!finished)
        {
            say("demo", "the client is still streaming after 3 minutes: stopping it");
            stream.destroyForcibly();
        }
        if (interrupted)
        {
            return 130;
        }
        // So that ./ertcp status shows the killed primary as down: its status file 1.2 s old at least. The
        // stream mostly outlasts the kill by far more; then there is nothing to wait for.
        final long sinceKillMs = (System.nanoTime() - killedAtNs) / 1_000_000;
        if (killed && sinceKillMs < 1_200)
        {
            Thread.sleep(1_200 - sinceKillMs);
        }
        out.println();
        out.println("demo: ./ertcp status --config " + file);
        status(file);

        out.println();
        out.println("demo: the client's result:");
        result.forEach(line -> out.println("  " + line.replaceFirst("^stream: ", "")));
        final boolean tookOver = takeovers.get() > takeoversBefore && !serving.equals(victim);
        final boolean intact = finished && stream.exitValue() == 0 &&
            result.stream().anyMatch(line -> line.contains("every byte intact"));
        out.println("demo: " + (killed && tookOver && intact ? "the backup took over and the client saw a stall, " +
            "no reset, every byte intact" : !tookOver ? "NO TAKEOVER" : "THE STREAM DID NOT SURVIVE"));
        return killed && tookOver && intact ? 0 : 1;
    }

    private void buildNetwork(final Path file)
    {
        final ClusterConfig config = NodeCommand.load(file.toString());
        final List<NamespaceLan.Member> members = new ArrayList<>(NamespaceLan.nodes(config, name -> name,
            name -> "v-" + name, false));
        members.add(NamespaceLan.Member.client("client", "v-client", DemoCommand.CLIENT_IP + "/24"));
        NamespaceLan.build(new NamespaceLan.Host()
        {
            public String namespace(final String hint)
            {
                final String ns = ns(hint);
                try
                {
                    add(ns);
                    sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
                    sh("ip", "-n", ns, "link", "set", "lo", "up");
                }
                catch (final IOException ex)
                {
                    throw new CliException("demo: could not make the namespace " + ns + ": " + ex.getMessage());
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    throw new CliException("interrupted: what the demo made is being removed");
                }
                return ns;
            }

            public void run(final String... command)
            {
                try
                {
                    sh(command);
                }
                catch (final IOException ex)
                {
                    throw new CliException("demo: '" + String.join(" ", command) + "' failed: " + ex.getMessage());
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    throw new CliException("interrupted: what the demo made is being removed");
                }
            }
        }, "lan", stTcp, members);
    }

    /** Make a namespace, unless cleanup has begun (then nothing new may be made: it would outlive the demo). */
    private synchronized void add(final String ns) throws IOException, InterruptedException
    {
        refuseAfterCleanup();
        namespaces.add(ns);
        sh("ip", "netns", "add", ns);
    }

    private void refuseAfterCleanup()
    {
        if (cleaned)
        {
            throw new CliException("interrupted: what the demo made is being removed");
        }
    }

    private Process startNode(final String name, final Path file) throws IOException
    {
        final List<String> lines = new CopyOnWriteArrayList<>();
        nodeLines.put(name, lines);
        final Process process = spawn(List.of("ip", "netns", "exec", ns(name), root.resolve("ertcp").toString(), "node",
            "--config", file.toString(), "--name", name));
        pipe(process, logged ->
        {
            // The node's log lines without their time and level: the demo gives its own times.
            final String line = LogLineLayout.message(logged);
            lines.add(line);
            if (line.contains("took over as primary"))
            {
                serving = name;
                takeovers.incrementAndGet();
            }
            if (line.startsWith("[") || line.startsWith("warning") || line.startsWith("ertcp"))
            {
                say("node", line);
            }
        });
        return process;
    }

    private boolean awaitLine(final String name, final String text, final Process process, final long timeoutMs)
        throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline)
        {
            if (nodeLines.get(name).stream().anyMatch(line -> line.contains(text)))
            {
                return true;
            }
            if (!process.isAlive())
            {
                Thread.sleep(200); // its last words
                return false;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private boolean awaitCluster(final Path file, final Map<String, Process> nodes, final long timeoutMs)
        throws InterruptedException
    {
        final ClusterConfig config = NodeCommand.load(file.toString());
        final long deadline = System.currentTimeMillis() + timeoutMs;
        long settledSinceMs = 0;
        while (System.currentTimeMillis() < deadline)
        {
            if (nodes.values().stream().anyMatch(p -> !p.isAlive()))
            {
                return false;
            }
            final long nowMs = System.currentTimeMillis();
            boolean ready = true;
            for (final String name : nodeNames)
            {
                Optional<NodeStatus> status;
                try
                {
                    status = NodeStatus.read(config.log().dirOf(name));
                }
                catch (final IOException ex)
                {
                    status = Optional.empty();
                }
                ready &= status.isPresent() && nowMs - status.get().writtenAtMs() < 500 &&
                    (name.equals("primary") ? status.get().role().equals("primary") : status.get().primary().equals("primary"));
            }
            if (ready && settledSinceMs == 0)
            {
                settledSinceMs = nowMs;
            }
            else if (!ready)
            {
                settledSinceMs = 0;
            }
            if (ready && nowMs - settledSinceMs >= 1_000)
            {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private void status(final Path file)
    {
        final java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        try
        {
            new StatusCommand(new PrintStream(text, true, StandardCharsets.UTF_8)).run(new String[]{"--config", file.toString(), "--local"});
        }
        catch (final Exception ex)
        {
            out.println("  (status failed: " + ex.getMessage() + ")");
        }
        text.toString(StandardCharsets.UTF_8).lines().forEach(line -> out.println("  " + line));
    }

    /** One live line: from the client's connection on, with the seconds since then. */
    private void say(final String who, final String line)
    {
        synchronized (out)
        {
        final long since = System.nanoTime() - streamStartNs;
            out.printf("  %9s  %-6s  %s%n", streamStartNs == 0 ? "" : String.format("%6.2f s", since / 1e9), who, line);
            out.flush();
        }
    }

    private synchronized Process spawn(final List<String> command) throws IOException
    {
        refuseAfterCleanup();
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("ERTCP_NO_BUILD", "1");
        final Process process = builder.start();
        processes.add(process);
        return process;
    }

    private Thread pipe(final Process process, final java.util.function.Consumer<String> onLine)
    {
        final Thread pipe = Thread.ofPlatform().daemon().name("ertcp-demo-pipe-" + process.pid()).start(() ->
        {
            try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while (null != (line = reader.readLine()))
                {
                    onLine.accept(line);
                }
            }
            catch (final IOException ignore)
            {
                // the process is gone
            }
        });
        pipes.add(pipe);
        return pipe;
    }

    /**
     * EAL makes /var/run/dpdk/ertcp-PID-N for each port and removes it on a clean close; a node killed with -9 (the
     * primary) leaves it behind, empty. Remove those of this demo's processes.
     */
    private void removeDpdkRuntimeDirectories(final long pid)
    {
        final Path base = Path.of("/var/run/dpdk");
        if (!Files.isDirectory(base))
        {
            return;
        }
        try (Stream<Path> entries = Files.list(base))
        {
            entries.filter(p -> p.getFileName().toString().startsWith("ertcp-" + pid + "-")).forEach(p ->
            {
                try
                {
                    Files.deleteIfExists(p);
                }
                catch (final IOException ignore)
                {
                    // not empty: not ours to judge
                }
            });
        }
        catch (final IOException ignore)
        {
            // nothing to tidy
        }
    }

    /** Remove namespaces left by earlier demos whose process is gone (killed with kill -9, say). */
    private void removeStale() throws IOException, InterruptedException
    {
        final java.util.regex.Pattern name = java.util.regex.Pattern.compile("^(ertcp-demo-(\\d+)-\\S+)");
        for (final String line : sh(false, "ip", "netns", "list"))
        {
            final Matcher m = name.matcher(line);
            if (m.find() && ProcessHandle.of(Long.parseLong(m.group(2))).isEmpty())
            {
                sh(false, "ip", "netns", "del", m.group(1));
            }
        }
    }

    void cleanup()
    {
        synchronized (this)
        {
            if (cleaned)
            {
                return;
            }
            cleaned = true;
        }
        // SIGTERM first, so that a node closes its port (and DPDK its runtime directory); SIGKILL what lingers.
        for (final Process process : processes)
        {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
        }
        for (final Process process : processes)
        {
            try
            {
                if (!process.waitFor(5, TimeUnit.SECONDS))
                {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
            catch (final InterruptedException ignore)
            {
                Thread.currentThread().interrupt();
            }
            removeDpdkRuntimeDirectories(process.pid());
        }
        for (final Thread pipe : pipes)
        {
            try
            {
                pipe.join(2_000); // the last lines of what was killed, before the end
            }
            catch (final InterruptedException ignore)
            {
                Thread.currentThread().interrupt();
            }
        }
        for (final String ns : namespaces)
        {
            try
            {
                sh(false, "ip", "netns", "del", ns);
            }
            catch (final IOException | InterruptedException ignore)
            {
                // not there
            }
        }
        if (null != directory)
        {
            DemoCommand.deleteRecursively(directory);
        }
        out.println("demo: processes stopped, namespaces removed");
        out.flush();
    }

    private static List<String> sh(final String... command) throws IOException, InterruptedException
    {
        return sh(true, command);
    }

    /** Run a command and return what it printed; with {@code check}, refuse with a sentence when it fails. */
    private static List<String> sh(final boolean check, final String... command) throws IOException, InterruptedException
    {
        return Shell.run("demo", check, command);
    }
}
