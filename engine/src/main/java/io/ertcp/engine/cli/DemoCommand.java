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

import java.io.IOException;
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
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code ertcp demo}: an ER-TCP (or, with {@code --mode st-tcp}, an ST-TCP) cluster on this one machine, a client
 * streaming through it, and the primary killed mid-stream. As root the cluster is real processes in network namespaces joined by a bridge and the client is the
 * kernel's TCP ({@code ./ertcp stream}); otherwise (or with {@code --in-process}) it is real {@link ClusterNode}s on an
 * in-memory LAN on simulated time with an ertcp client. Either way it shows progress, the takeover, the client's
 * stall, and that every byte came back intact. In ST-TCP the nodes are primary, backup and witness, and the LAN floods
 * every frame (a bridge with {@code ageing_time 0}, or a hub {@link MemorySwitch}) so that the backup taps the
 * client's.
 * <p>
 * This class is the command and the in-process demo; the namespace demo as root is {@link DemoNamespaces}.
 */
final class DemoCommand implements Command
{
    static final String VIP = "10.77.0.100";
    static final String CLIENT_IP = "10.77.0.2";
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
            return new DemoNamespaces(out, nodeNames, stTcp, driver, bytes, killAfterMs).run();
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

    static void deleteRecursively(final Path directory)
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

    private static boolean isRoot()
    {
        return Shell.isRoot();
    }
}
