package io.ertcp.engine.cli;

import io.ertcp.engine.agent.AgentHost;
import io.ertcp.engine.cluster.ClusterNode;
import io.ertcp.engine.cluster.NodeLog;
import io.ertcp.engine.cluster.NodeDirectoryLock;
import io.ertcp.engine.cluster.NodeStartException;
import io.ertcp.engine.cluster.SwitchoverRequest;
import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.ClusterConfigException;
import io.ertcp.engine.cluster.config.NodeConfig;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.port.DpdkPort;
import io.ertcp.engine.port.KernelAddressCheck;
import io.ertcp.engine.port.PacketPort;
import io.ertcp.service.TcpService;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code ertcp node}: one member of a cluster, as the cluster file names it.
 */
final class NodeCommand implements Command
{
    /** Exit status of a node that cannot go on (it says why in one sentence): a fatal error, never a deposition. */
    static final int EXIT_FATAL = 1;
    /** The node's counters, memory-mapped, in log.dir/NAME ({@code ./ertcp stat} reads it). */
    static final String COUNTERS_FILE = "counters";

    private static final String ALLOW_KERNEL_ADDRESS = "allow-kernel-address";

    private static final Logger LOG = LoggerFactory.getLogger(NodeCommand.class);

    private final PrintStream out;

    NodeCommand(final PrintStream out)
    {
        this.out = out;
    }

    public String name()
    {
        return "node";
    }

    public String summary()
    {
        return "run one member of a replicated cluster (primary, logger or backup) from a cluster file";
    }

    public String help()
    {
        return """
            Usage: ./ertcp node --config FILE --name NAME [--stats-interval-ms N] [--duration-s N]
                                [--log-file FILE] [--allow-kernel-address]

            Prints its counters on SIGHUP (kill -HUP PID).

            Runs the node NAME of the cluster FILE in the role the file gives it, on the interface
            the file names (run it inside that interface's network namespace), or with driver dpdk on
            the NIC its pci (a PCI address, bound to vfio-pci) or port-id names. Every node of a
            cluster runs with the same file. See docs/cluster-file.md for the file,
            examples/cluster-namespaces.yaml for a commented example and docs/bare-metal.md for
            separate machines.

              primary   serves the VIP; every connection event is a record sent to the logger, and
                        the client's bytes are acknowledged (and answers sent) only once the logger
                        has them
              logger    appends every record to its Chronicle Queue under log.dir/NAME, confirms,
                        and feeds each backup from the log at the backup's own pace
              backup    follows the log and runs a shadow of every connection; when the primary is
                        gone and a majority agrees, the first backup by rank takes over the VIP and
                        every connection at the sequence numbers the client expects

            A primary or backup that finds a log left by an earlier run was restarted: it discards
            that copy and rejoins as a backup, replaying the log from the logger.

            The node logs one line per event (role changes, suspicions, votes, takeovers, refused
            frames, config warnings), each with its UTC time, level and the node's name, such as
              2026-12-03T08:13:16.123Z WARN  [backup] suspects node primary
            with Chronicle Queue's own warnings among them; to stdout, or to --log-file FILE or the
            cluster file's log.file (appended). Counters print to stdout. It writes its status to
            log.dir/NAME/status for ./ertcp status, and its counters to the memory-mapped
            file log.dir/NAME/counters, which ./ertcp stat reads from another process. A node with an
            address in the file serves GET /status (JSON) and GET /metrics (Prometheus text) on it, at
            management.port (9464 unless the file says otherwise), through its own user-space stack;
            ./ertcp status asks every node there. It refuses to start while another process runs
            the same node (log.dir/NAME/lock holds its pid), and refuses an interface (or
            replication-interface) that has a kernel IPv4 address or carries the machine's
            default route. A primary deposed by an election it did not hear (another node took
            over) stops serving at once and rejoins as a backup by itself; ./ertcp status shows it
            rejoining until it has replayed the log. The node exits by itself only on a fatal
            error, with status 1 and one sentence saying why.

            SIGTERM (or SIGINT) stops it on purpose: a primary first hands over to its best-ranked
            backup (it holds its replies to clients back, drains to the logger for up to 2 s,
            and says LEAVE naming it, which then stands for election at once); any other node says
            LEAVE, so the primary stops waiting for it at once. ./ertcp switchover asks a running
            primary to hand over the same way; it then rejoins as a backup in the same process.

            A node with replication-interface (with dpdk, or replication-pci or
            replication-port-id) in the cluster file runs the whole replication channel on that
            port and refuses, and counts, channel frames on its interface (docs/cluster-file.md);
            its service and management endpoint stay on the interface.

            Options:
              --config FILE            the cluster file
              --name NAME              which node of it to run
              --stats-interval-ms N    also print counters every N ms
              --duration-s N           stop by itself after N seconds
              --log-file FILE          log to FILE (appended) instead of stdout; overrides log.file
              --allow-kernel-address   use the interface even though the host's kernel has an address or the
                                       default route on it
              --help                   this text
            """;
    }

    public int run(final String[] argv) throws Exception
    {
        final Args args = Args.parse(name(), argv, Set.of("config", "name", "stats-interval-ms", "duration-s", "log-file"),
            Set.of(ALLOW_KERNEL_ADDRESS));
        final String file = args.require("config");
        final ClusterConfig config = load(file);
        final String nodeName = args.require("name");
        final NodeConfig self;
        try
        {
            self = config.node(nodeName);
        }
        catch (final ClusterConfigException | IllegalArgumentException ex)
        {
            throw new CliException(ex.getMessage());
        }
        Logs.node(nodeName);
        final Supplier<TcpService> services = services(config, file);
        if (!args.has(ALLOW_KERNEL_ADDRESS))
        {
            // A NIC bound to vfio-pci has no Linux interface; a port named by id may drive net_af_packet ones. The
            // replication port is checked as the port is.
            final java.util.Set<String> interfaces = new java.util.LinkedHashSet<>(
                linuxInterfaces(self.iface(), self.pci().isPresent(), self.portId().isPresent(), self.eal()));
            self.replication().ifPresent(replication -> interfaces.addAll(linuxInterfaces(replication.iface(),
                replication.pci().isPresent(), replication.portId().isPresent(), self.eal())));
            for (final String iface : interfaces)
            {
                KernelAddressCheck.refusal(iface, "--" + ALLOW_KERNEL_ADDRESS).ifPresent(refusal ->
                {
                    throw new CliException(refusal);
                });
            }
        }
        try (NodeDirectoryLock ignored = lock(config, nodeName, file))
        {
            logTo(args, config, nodeName, file);
            config.warnings().forEach(LOG::warn);
            return run(args, config, nodeName, self, services);
        }
        finally
        {
            Logs.toStdout();
        }
    }

    /** The Linux interfaces a node's port drives: none for a NIC by PCI address, the EAL's net_af_packet ones by id. */
    private static java.util.List<String> linuxInterfaces(final String iface, final boolean pci, final boolean portId,
        final java.util.Optional<String> eal)
    {
        return pci ? java.util.List.of() : portId ? DpdkPort.afPacketInterfaces(eal.orElse(null)) :
            java.util.List.of(iface);
    }

    private int run(
        final Args args,
        final ClusterConfig config,
        final String nodeName,
        final NodeConfig self,
        final Supplier<TcpService> services)
        throws Exception
    {
        final long statsIntervalMs = args.getLong("stats-interval-ms", 0);
        final long durationMs = args.getLong("duration-s", 0) * 1000;
        final Shutdown shutdown = new Shutdown();
        final java.util.concurrent.atomic.AtomicBoolean printRequested = new java.util.concurrent.atomic.AtomicBoolean();
        ServeCommand.installHangupHandler(printRequested);
        final long startMs = System.currentTimeMillis();
        try
        {
            while (true)
            {
                // In a file another process reads (./ertcp stat), as Aeron's CnC file; the lock made log.dir/NAME.
                final Counters counters = mappedCounters(config.log().dirOf(nodeName).resolve(COUNTERS_FILE));
                final PacketPort[] ports = Ports.openNode(self.driver().text(),
                    new Ports.Target(self.iface().isEmpty() ? null : self.iface(), self.pci().orElse(null),
                        self.portId().orElse(-1)),
                    self.replication().map(r -> new Ports.Target(r.iface().isEmpty() ? null : r.iface(),
                        r.pci().orElse(null), r.portId().orElse(-1))).orElse(null),
                    self.eal().orElse(null), counters);
                final PacketPort port = ports[0];
                final ClusterNode node;
                try
                {
                    node = new ClusterNode(new ClusterNode.Context().config(config).nodeName(nodeName).port(port)
                        .replicationPort(ports[1]).serviceFactory(services).clock(new SystemNanoClock())
                        .wallClock(new org.agrona.concurrent.SystemEpochNanoClock()).counters(counters)
                        .log(NodeLog.slf4j(nodeName)));
                }
                catch (final IllegalArgumentException ex)
                {
                    port.close();
                    if (null != ports[1])
                    {
                        ports[1].close();
                    }
                    throw new CliException(ex.getMessage());
                }
                final Outcome outcome;
                // Shared: sleep on the port's frames (or park briefly) while records are in flight, never a whole
                // 1 ms park.
                try (AgentHost ignored = AgentHost.start(self.threading(),
                    ex -> LOG.error("the node's duty cycle failed: " + ex, ex),
                    new io.ertcp.engine.agent.NodeIdleStrategy(port, ports[1], node::replicationInFlight), node))
                {
                    outcome = serve(node, config.log().dirOf(nodeName), shutdown, printRequested, counters,
                        statsIntervalMs, durationMs, startMs);
                }
                // The agent has stopped: unmap; a node that rejoins after a switchover makes a fresh file.
                counters.close();
                switch (outcome)
                {
                    case HANDED_OVER ->
                    {
                        // Give the successor the time to be elected and heard as primary: a node rejoining at once
                        // would not know of it yet and could stand in the same election (it drains the whole log).
                        final long settleMs = 2 * config.detection().suspectTimeoutNs() / 1_000_000 + 500;
                        NodeLog.slf4j(nodeName).info("switched over: rejoining as a backup in " + settleMs + " ms");
                        Thread.sleep(settleMs);
                    }
                    case FATAL ->
                    {
                        return EXIT_FATAL;
                    }
                    default ->
                    {
                        return 0;
                    }
                }
            }
        }
        finally
        {
            shutdown.done();
        }
    }

    /** How one run of a node ended. */
    private enum Outcome
    {
        /** Told to stop (a signal, or --duration-s); it left the cluster on purpose first. */
        STOPPED,
        /** A fatal error (said in one sentence): the node cannot go on. */
        FATAL,
        /** A switchover asked it to hand over, and it did: it rejoins as a backup. */
        HANDED_OVER
    }

    private Outcome serve(
        final ClusterNode node,
        final Path nodeDirectory,
        final Shutdown shutdown,
        final java.util.concurrent.atomic.AtomicBoolean printRequested,
        final Counters counters,
        final long statsIntervalMs,
        final long durationMs,
        final long startMs) throws InterruptedException
    {
        long lastStatsMs = startMs;
        while (true)
        {
            final boolean signalled = shutdown.awaitFor(50);
            final long nowMs = System.currentTimeMillis();
            if (signalled || (durationMs > 0 && nowMs - startMs >= durationMs))
            {
                // SIGTERM: a primary hands over to its best-ranked backup, any other node says it leaves, so that
                // nobody waits out a suspicion timeout for it.
                node.requestStop(null);
                awaitLeft(node);
                return Outcome.STOPPED;
            }
            final String fatal = node.fatalError();
            if (null != fatal)
            {
                LOG.error("node " + node.status().node() + " stopped: " + fatal);
                return Outcome.FATAL;
            }
            final java.util.Optional<String> switchover = SwitchoverRequest.take(nodeDirectory);
            if (switchover.isPresent())
            {
                try
                {
                    node.requestStop(switchover.get().isEmpty() ? null : switchover.get());
                }
                catch (final IllegalArgumentException ex)
                {
                    NodeLog.slf4j(node.status().node()).warn("switchover refused: " + ex.getMessage());
                    continue;
                }
                if (awaitLeft(node))
                {
                    return Outcome.HANDED_OVER;
                }
            }
            if (printRequested.getAndSet(false) || (statsIntervalMs > 0 && nowMs - lastStatsMs >= statsIntervalMs))
            {
                lastStatsMs = nowMs;
                printCounters(counters);
            }
        }
    }

    /** Wait for the node to have left (a primary drains for up to two seconds first). */
    private static boolean awaitLeft(final ClusterNode node) throws InterruptedException
    {
        final long deadline = System.nanoTime() + 4_000_000_000L;
        while (!node.hasLeft() && System.nanoTime() - deadline < 0)
        {
            Thread.sleep(2);
        }
        return node.hasLeft();
    }

    /**
     * The node's log goes to {@code --log-file}, else to the cluster file's {@code log.file}, else stays on stdout.
     */
    private static void logTo(final Args args, final ClusterConfig config, final String nodeName, final String file)
    {
        final Path logFile;
        final String origin;
        if (args.has("log-file"))
        {
            logFile = Path.of(args.require("log-file"));
            origin = "--log-file";
        }
        else if (config.log().file().isPresent())
        {
            logFile = config.log().fileOf(nodeName).orElseThrow();
            origin = "log.file in " + file;
        }
        else
        {
            return;
        }
        Logs.check(logFile, origin);
        LOG.info("logging to {}", logFile);
        Logs.toFile(logFile, origin);
    }

    /**
     * The cluster file's service, built once here so that what it lacks on this machine (http's root) is one sentence
     * naming the file and key.
     */
    static Supplier<TcpService> services(final ClusterConfig config, final String file)
    {
        final String root = config.service().jar().isEmpty() && config.service().name().equals("http") ?
            config.service().options().get("root") : null;
        if (null != root && !Files.isDirectory(Path.of(root)))
        {
            throw new CliException("service.root " + root + " in " + file + " is not a directory on this machine: " +
                "create it with the files to serve, point service.root at one, or drop service.root for the " +
                "built-in page.");
        }
        try
        {
            return config.service().factory();
        }
        catch (final java.io.UncheckedIOException ex)
        {
            throw new CliException("the service of " + file + " cannot be built (" + ex.getMessage() + "): " +
                (null == root ? "fix the service section." : "make service.root and its files readable by this user."));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CliException(file + ": " + ex.getMessage());
        }
    }

    private static Counters mappedCounters(final Path file)
    {
        try
        {
            return Counters.mapped(file, 8192);
        }
        catch (final java.io.UncheckedIOException ex)
        {
            throw new CliException(ex.getMessage());
        }
    }

    private static NodeDirectoryLock lock(final ClusterConfig config, final String nodeName, final String file)
    {
        try
        {
            return NodeDirectoryLock.acquire(config.log().dirOf(nodeName), nodeName, file);
        }
        catch (final NodeStartException ex)
        {
            throw new CliException(ex.getMessage());
        }
    }

    static ClusterConfig load(final String file)
    {
        try
        {
            return ClusterConfig.load(Path.of(file));
        }
        catch (final ClusterConfigException ex)
        {
            throw new CliException(ex.getMessage());
        }
    }

    private void printCounters(final Counters counters)
    {
        final StringBuilder sb = new StringBuilder("counters:").append(System.lineSeparator());
        counters.forEach((label, value) ->
        {
            if (value != 0)
            {
                sb.append("  ").append(label).append(' ').append(value).append(System.lineSeparator());
            }
        });
        out.print(sb);
        out.flush();
    }
}
