package io.ertcp.engine.cli;

import io.ertcp.engine.cluster.ClusterNode;
import io.ertcp.engine.cluster.NodeStatus;
import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.ClusterMode;
import io.ertcp.engine.cluster.config.ClusterTemplate;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.lan.MemorySwitch;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.Ipv4Flyweight;
import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.net.NetCounters;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.replication.channel.ClusterKey;
import io.ertcp.engine.service.ServiceFactory;
import io.ertcp.engine.tcp.TcpConfig;
import io.ertcp.engine.tcp.TcpStack;
import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.stream.Stream;

/**
 * {@code ertcp demo}: an ER-TCP (or, with {@code --mode st-tcp}, an ST-TCP) cluster on this one machine, a client
 * streaming through it, and the primary killed mid-stream. As root the cluster is real processes in network namespaces joined by a bridge and the client is the
 * kernel's TCP ({@code ./ertcp stream}); otherwise (or with {@code --in-process}) it is real {@link ClusterNode}s on an
 * in-memory LAN on simulated time with an ertcp client. Either way it shows progress, the takeover, the client's
 * stall, and that every byte came back intact. In ST-TCP the nodes are primary, backup and witness, and the LAN floods
 * every frame (a bridge with {@code ageing_time 0}, or a hub {@link MemorySwitch}) so that the backup taps the
 * client's.
 */
final class DemoCommand implements Command
{
    private static final String VIP = "10.77.0.100";
    private static final String CLIENT_IP = "10.77.0.2";
    private static final String[] NODES = {"primary", "logger", "backup"};
    private static final String[] ST_TCP_NODES = {"primary", "backup", "witness"};
    private static final long DEFAULT_BYTES = 256L << 20;
    private static final long DEFAULT_IN_PROCESS_BYTES = 64L << 20;

    private final PrintStream out;
    /** The chosen mode's nodes: {@link #NODES} or {@link #ST_TCP_NODES}. */
    private String[] nodeNames = NODES;
    private boolean stTcp;

    DemoCommand(final PrintStream out)
    {
        this.out = out;
    }

    public String name()
    {
        return "demo";
    }

    public String summary()
    {
        return "a whole ER-TCP (or ST-TCP) cluster on this machine: stream through it, kill the primary, check every byte";
    }

    public String help()
    {
        return """
            Usage: ./ertcp demo [--in-process] [--driver af-packet|dpdk] [--bytes N] [--kill-after-ms N]
                                [--mode er-tcp|st-tcp]

            Builds a whole ER-TCP cluster on this machine (primary, logger, backup; echo service on
            10.77.0.100:7, 10 ms heartbeats), streams data through it from a client, kills the
            primary mid-stream and shows live what happens: the client's progress, the backup's
            election and takeover, the client's stall, and that every byte came back intact.

            With --mode st-tcp the cluster is ST-TCP instead: primary, backup and a witness that
            only votes; no logger. The LAN floods every frame (as root a bridge with ageing_time 0,
            in process a hub), so the backup taps the client's bytes off it and the primary sends
            it only ordering records; the backup confirms and takes over when the primary dies.

            As root: a bridge namespace and one namespace per node and for the client
            (ertcp-demo-PID-*), the nodes as ./ertcp node processes from a generated cluster file,
            the client as ./ertcp stream on the kernel's TCP (256 MiB by default). It prints
            ./ertcp status before and after, kill -9s the primary's JVM after 2 s of streaming,
            prints the nodes' lines as they come, then the client's result: longest stall, sha256
            of what was sent and what came back, intact or not. Everything it made is removed at
            the end, on failure and on Ctrl-C too.

            Otherwise (or with --in-process): the same story in this process, on simulated time:
            real cluster nodes (Chronicle Queue logs in a temporary directory) on an in-memory
            LAN, an ertcp client streaming 64 MiB through echo; the primary stops dead at 40% of
            the stream. Deterministic: the same run every time.

            Exit status 0 only when a backup took over and every byte came back intact.

            Options:
              --in-process       skip the namespaces even as root
              --driver D         the nodes' driver as root: af-packet (default) or dpdk (DPDK's
                                 net_af_packet on each node's veth, EAL with a file prefix per process)
              --bytes N          how much to stream (suffixes k, m, g)
              --kill-after-ms N  as root: kill the primary N ms after the client connected (default 2000)
              --mode M           er-tcp (the default) or st-tcp
              --help             this text
            """;
    }

    public int run(final String[] argv) throws Exception
    {
        final Args args = Args.parse(name(), argv, Set.of("driver", "bytes", "kill-after-ms", "mode"), Set.of("in-process"));
        final String mode = args.get("mode", "er-tcp");
        if (!mode.equals("er-tcp") && !mode.equals("st-tcp"))
        {
            throw new CliException("unknown mode '" + mode + "': choose er-tcp or st-tcp");
        }
        stTcp = mode.equals("st-tcp");
        nodeNames = stTcp ? ST_TCP_NODES : NODES;
        final String driver = args.get("driver", "af-packet");
        if (!driver.equals("af-packet") && !driver.equals("dpdk"))
        {
            throw new CliException("unknown driver '" + driver + "': choose " + Ports.DRIVERS);
        }
        final boolean namespaces = !args.has("in-process") && isRoot() && Files.isExecutable(Path.of("/usr/sbin/ip"));
        final long bytes = args.has("bytes") ? StreamCommand.parseBytes(args.require("bytes")) :
            namespaces ? DEFAULT_BYTES : DEFAULT_IN_PROCESS_BYTES;
        final long killAfterMs = args.getLong("kill-after-ms", 2000);
        if (namespaces)
        {
            return new Namespaces(driver, bytes, killAfterMs).run();
        }
        if (args.has("driver"))
        {
            out.println("demo: --driver is for the namespace demo as root; in process the nodes share an in-memory LAN");
        }
        return inProcess(bytes);
    }

    static String clusterYaml(final String name, final String driver, final Path logDir, final String suspect)
    {
        return clusterYaml(name, driver, logDir, suspect, false);
    }

    /**
     * The demo's cluster file, from {@link ClusterTemplate}: ER-TCP (primary .11, logger .12, backup .13) or ST-TCP
     * (primary .11, backup .13, witness .15; no logger, durability backup), echo, 10 ms heartbeats. Authenticated with
     * the key {@link #keyFileBeside} the log, which the caller makes.
     */
    static String clusterYaml(final String name, final String driver, final Path logDir, final String suspect,
        final boolean stTcp)
    {
        return new ClusterTemplate().name(name).mode(stTcp ? ClusterMode.ST_TCP : ClusterMode.ER_TCP)
            .vip(VIP + "/24").heartbeat("10ms").suspectTimeout(suspect).logDir(logDir).keyFile(keyFileBeside(logDir))
            .driver(driver).text();
    }

    /** The demo's cluster key: a fresh one per demo, beside its log directory. */
    static Path keyFileBeside(final Path logDir)
    {
        return logDir.resolveSibling("cluster.key");
    }

    // ---------------------------------------------------------------------------------------------
    // In process, on simulated time
    // ---------------------------------------------------------------------------------------------

    private static final long STEP_NS = 20_000;

    private int inProcess(final long bytes) throws IOException
    {
        final long startRealNs = System.nanoTime();
        final long[] now = {1_000_000_000L};
        final long[] streamStart = {0};
        final Path directory = Files.createTempDirectory("ertcp-demo");
        out.printf("demo: in process, on simulated time: an %s cluster of real nodes (%s; " +
            "logs in %s) on an in-memory %s, and an ertcp client streaming %.0f MiB through echo on %s:7%n",
            stTcp ? "ST-TCP" : "ER-TCP", String.join(", ", nodeNames), directory,
            stTcp ? "LAN that floods every frame (a hub: the backup taps the client's bytes off it)" : "LAN",
            bytes / 1048576.0, VIP);
        out.println("demo: 10 ms heartbeats, suspect after 50 ms; times are simulated seconds since the stream began");
        final PrintStream events = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8)
        {
            public void println(final String line)
            {
                DemoCommand.this.out.printf("  %7.3f s  node    %s%n", (now[0] - streamStart[0]) / 1e9, line);
            }
        };
        final Map<String, ClusterNode> nodes = new LinkedHashMap<>();
        try
        {
            ClusterKey.generate(keyFileBeside(directory.resolve("log")), false);
            final ClusterConfig config = ClusterConfig.parse(clusterYaml("demo", "af-packet", directory.resolve("log"), "50ms",
                stTcp));
            final MemorySwitch lan = new MemorySwitch(() -> now[0], 42, new Counters(256)).hub(stTcp);
            streamStart[0] = now[0];
            for (final String name : nodeNames)
            {
                final long mac = config.node(name).mac().orElseThrow();
                nodes.put(name, new ClusterNode(new ClusterNode.Context().config(config).nodeName(name)
                    .port(lan.newPort(name, mac)).serviceFactory(() -> ServiceFactory.byName("echo", List.of()).service())
                    .clock(() -> now[0]).counters(new Counters(4096)).log(events)));
            }
            final long clientMac = MacAddress.parse("02:00:00:00:00:02");
            final MemoryPort clientPort = lan.newPort("client", clientMac);
            final Counters clientCounters = new Counters(512);
            final int clientIp = Ipv4Address.parse(CLIENT_IP);
            final Ipv4Layer clientLayer = new Ipv4Layer(clientMac, new Ipv4Address.Cidr(clientIp, 24),
                FrameOutput.of(clientPort), new NetCounters(clientCounters, "client"));
            final TcpStack client = new TcpStack(new TcpConfig().isnSecretSeed(42), clientLayer, clientCounters);
            clientLayer.register(Ipv4Flyweight.PROTOCOL_TCP, client);

            final Runnable step = () ->
            {
                now[0] += STEP_NS;
                for (final ClusterNode node : nodes.values())
                {
                    node.doWork();
                }
                clientLayer.nowNs(now[0]);
                clientPort.receive(clientLayer, 64);
                client.doWork(now[0]);
                clientPort.flush();
            };
            final long settleEnd = now[0] + 2_000_000_000L;
            while (now[0] < settleEnd && !(nodes.get("primary").state() == ClusterNode.State.PRIMARY && allHeard(nodes)))
            {
                step.run();
            }
            for (int i = 0; i < 25_000; i++)
            {
                step.run(); // half a simulated second of heartbeats: every node has heard every other
            }
            out.println();
            out.println("demo: the cluster before (as ./ertcp status shows it):");
            printStatus(nodes, List.of());

            out.println();
            out.println("demo: the client connects and streams; progress every 10 ms (simulated)");
            streamStart[0] = now[0];
            final Source source = new Source(bytes, 1, now);
            client.connect(clientIp, Ipv4Address.parse(VIP), 7, source);
            final List<String> dead = new ArrayList<>();
            final long reportNs = 10_000_000L;
            long nextReport = now[0] + reportNs;
            long lastArrivalNs = now[0];
            long lastReported = 0;
            long lastProgressNs = now[0];
            long lastVerified = 0;
            while (!source.closed && now[0] - lastProgressNs < 30_000_000_000L)
            {
                step.run();
                if (source.verified != lastVerified)
                {
                    lastArrivalNs = now[0];
                    lastVerified = source.verified;
                    lastProgressNs = now[0];
                }
                if (dead.isEmpty() && source.verified >= bytes * 2 / 5)
                {
                    out.printf("  %7.3f s  demo    the primary stops dead (as kill -9): no more duty cycles, its port " +
                        "gone; %.1f MiB echoed so far%n", (now[0] - streamStart[0]) / 1e9, source.verified / 1048576.0);
                    nodes.remove("primary").close();
                    dead.add("primary");
                }
                if (now[0] >= nextReport)
                {
                    final long waitingMs = (now[0] - lastArrivalNs) / 1_000_000;
                    out.printf("  %7.3f s  client  echoed %7.1f MiB of %.0f MiB  %6.1f MB/s%s%n",
                        (now[0] - streamStart[0]) / 1e9, source.verified / 1048576.0, bytes / 1048576.0,
                        (source.verified - lastReported) / (reportNs / 1e9) / 1e6,
                        waitingMs >= 2 * reportNs / 1_000_000 ? "  (no byte back for " + waitingMs + " ms)" : "");
                    lastReported = source.verified;
                    nextReport += reportNs;
                }
            }
            final double seconds = (now[0] - streamStart[0]) / 1e9;
            source.stalls.end(now[0], source.written > source.verified);
            out.printf("  %7.3f s  client  the connection closed (%s)%n", seconds,
                null == source.reason ? "not yet" : source.reason.name().toLowerCase(java.util.Locale.ROOT));

            out.println();
            out.println("demo: the cluster after:");
            printStatus(nodes, dead);

            out.println();
            out.println("demo: the client's result:");
            out.printf("  %d bytes sent, %d echoed back in %.2f simulated s (%.1f MB/s each way)%n",
                source.written, source.verified, seconds, source.verified / seconds / 1e6);
            out.println("  " + source.stalls.describe(3) + " (simulated time)");
            out.println("  sha256 sent     " + StreamCommand.hex(source.sentDigest));
            out.println("  sha256 received " + StreamCommand.hex(source.receivedDigest));
            final ClusterNode backup = nodes.get("backup");
            if (stTcp && null != backup)
            {
                out.printf("  the backup rebuilt %d DATA records from the client's frames it tapped off the LAN, and sent %d " +
                    "fetches for what its tap missed%n", counter(backup, "backup records-tapped"), counter(backup, "backup fetches-sent"));
            }
            final boolean tookOver = null != backup && backup.state() == ClusterNode.State.PRIMARY;
            final boolean intact = source.firstDifference < 0 && source.verified == bytes && source.reason == CloseReason.CLOSED;
            if (intact)
            {
                out.println("  every byte intact (" + bytes + " bytes), and the connection closed normally: never a reset");
            }
            else if (source.firstDifference >= 0)
            {
                out.println("  BYTES DIFFER: the first differing byte is at offset " + source.firstDifference);
            }
            else
            {
                out.println("  NOT INTACT: " + source.verified + " of " + bytes + " bytes came back; the connection " +
                    (null == source.reason ? "is still open" : "ended " + source.reason));
            }
            out.printf("demo: %s; %.1f s of real time%n", tookOver ? "the backup took over and the client never noticed " +
                "beyond the stall" : "NO TAKEOVER", (System.nanoTime() - startRealNs) / 1e9);
            return tookOver && intact ? 0 : 1;
        }
        finally
        {
            nodes.values().forEach(ClusterNode::close);
            deleteRecursively(directory);
        }
    }

    private static long counter(final ClusterNode node, final String label)
    {
        return node.counters().value(label, 0);
    }

    /** Every node has heard every other one (node ids are the file's order, from 1). */
    private boolean allHeard(final Map<String, ClusterNode> nodes)
    {
        for (final ClusterNode node : nodes.values())
        {
            for (int id = 1; id <= nodeNames.length; id++)
            {
                if (id != node.membership().nodeId() && !node.membership().view(id).heard())
                {
                    return false;
                }
            }
        }
        return true;
    }

    private void printStatus(final Map<String, ClusterNode> nodes, final List<String> dead)
    {
        out.printf("  %-8s %-9s %5s %10s %10s %6s  %s%n", "NODE", "STATE", "EPOCH", "LOG", "APPLIED", "CONNS", "PRIMARY");
        for (final String name : nodeNames)
        {
            final ClusterNode node = nodes.get(name);
            if (null == node)
            {
                out.printf("  %-8s %-9s %5s %10s %10s %6s  %s%n", name, "down", "-", "-", "-", "-",
                    dead.contains(name) ? "killed" : "");
                continue;
            }
            final NodeStatus s = node.status();
            out.printf("  %-8s %-9s %5d %10d %10d %6d  %s%n", name, s.role(), s.epoch(), s.logPosition(), s.applied(),
                s.connections(), s.primary().isEmpty() || s.primary().equals(name) ? "" : "follows " + s.primary());
        }
    }

    /** The in-process client's service: writes the seeded stream, checks the echo, closes when it all came back. */
    private static final class Source implements TcpService
    {
        private final long bytes;
        private final long[] now;
        private final StreamCommand.Pattern pattern;
        private final byte[] block = new byte[64 * 1024];
        private final UnsafeBuffer blockView = new UnsafeBuffer(block);
        private final byte[] got = new byte[64 * 1024];
        private final byte[] expected = new byte[64 * 1024];
        final MessageDigest sentDigest = StreamCommand.sha256();
        final MessageDigest receivedDigest = StreamCommand.sha256();
        final StreamCommand.StallMeter stalls;
        long written;
        long verified;
        long firstDifference = -1;
        boolean closed;
        CloseReason reason;

        Source(final long bytes, final long seed, final long[] now)
        {
            this.bytes = bytes;
            this.now = now;
            this.pattern = new StreamCommand.Pattern(seed);
            this.stalls = new StreamCommand.StallMeter(now[0]);
        }

        public String name()
        {
            return "stream";
        }

        public void onOpen(final Connection connection)
        {
            pump(connection);
        }

        private void pump(final Connection connection)
        {
            while (written < bytes)
            {
                // Offer a whole block even when the buffer is full: a write that accepts less is what earns onWritable.
                final int length = (int)Math.min(block.length, bytes - written);
                pattern.fill(block, 0, written, length);
                final int accepted = connection.write(blockView, 0, length);
                sentDigest.update(block, 0, accepted);
                written += accepted;
                if (accepted < length)
                {
                    return;
                }
            }
        }

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            stalls.arrived(now[0], written > verified);
            for (int done = 0; done < length; )
            {
                final int n = Math.min(got.length, length - done);
                buffer.getBytes(offset + done, got, 0, n);
                receivedDigest.update(got, 0, n);
                if (firstDifference < 0)
                {
                    final int checkable = (int)Math.max(0, Math.min(n, bytes - verified));
                    pattern.fill(expected, 0, verified, checkable);
                    final int mismatch = java.util.Arrays.mismatch(got, 0, checkable, expected, 0, checkable);
                    firstDifference = mismatch >= 0 ? verified + mismatch : checkable < n ? verified + checkable : -1;
                }
                verified += n;
                done += n;
            }
            if (verified >= written)
            {
                stalls.idle(now[0]);
            }
            if (verified == bytes)
            {
                connection.shutdownOutput();
            }
            return length;
        }

        public void onPeerClosed(final Connection connection)
        {
        }

        public void onWritable(final Connection connection)
        {
            pump(connection);
        }

        public void onClosed(final Connection connection, final CloseReason reason)
        {
            closed = true;
            this.reason = reason;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // As root: namespaces, processes, the kernel's TCP
    // ---------------------------------------------------------------------------------------------

    /** One namespace demo: everything it made is in its fields, and {@link #cleanup} removes it, once. */
    private final class Namespaces
    {
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

        Namespaces(final String driver, final long bytes, final long killAfterMs)
        {
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
            ClusterKey.generate(keyFileBeside(directory.resolve("log")), false);
            Files.writeString(file, clusterYaml("demo", driver, directory.resolve("log"), "200ms", stTcp));
            out.printf("demo: an %s cluster on this machine: namespaces %s-{lan,%s,client}, " +
                "a bridge in %s%s; driver %s; echo on %s:7%n", stTcp ? "ST-TCP" : "ER-TCP", prefix, String.join(",", nodeNames),
                lan, stTcp ? " that floods every frame (ageing_time 0: the backup taps the client's)" : "", driver, VIP);
            out.println("demo: cluster file " + file + " (10 ms heartbeats, suspect after 200 ms; the channel " +
                "authenticated with the fresh key " + keyFileBeside(directory.resolve("log")) + ")");
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
                "--connect %s:7 --bytes %d%n", clientNs, CLIENT_IP, bytes / 1048576.0, VIP, bytes);
            final List<String> result = new CopyOnWriteArrayList<>();
            final Process stream = spawn(List.of("ip", "netns", "exec", clientNs, root.resolve("ertcp").toString(), "stream",
                "--connect", VIP + ":7", "--bytes", Long.toString(bytes), "--report-ms", "250", "--idle-timeout-s", "20"));
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
            members.add(NamespaceLan.Member.client("client", "v-client", CLIENT_IP + "/24"));
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
                deleteRecursively(directory);
            }
            out.println("demo: processes stopped, namespaces removed");
            out.flush();
        }
    }

    private static void deleteRecursively(final Path directory)
    {
        try (Stream<Path> paths = Files.walk(directory))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ignore)
        {
            // a temporary directory
        }
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

    private static boolean isRoot()
    {
        return Shell.isRoot();
    }
}
