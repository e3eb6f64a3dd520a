package io.ertcp.engine.cli;

import io.ertcp.engine.agent.AgentHost;
import io.ertcp.engine.cluster.ClusterNode;
import io.ertcp.engine.cluster.NodeDirectoryLock;
import io.ertcp.engine.cluster.NodeStartException;
import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.ClusterConfigException;
import io.ertcp.engine.cluster.config.NodeConfig;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.port.KernelAddressCheck;
import io.ertcp.engine.port.PacketPort;
import io.ertcp.service.TcpService;
import org.agrona.concurrent.SystemNanoClock;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code ertcp node}: one member of a cluster, as the cluster file names it.
 */
final class NodeCommand implements Command
{
    /** Exit status of a primary that was deposed: restart it and it rejoins as a backup. */
    static final int EXIT_DEPOSED = 3;

    private static final String ALLOW_KERNEL_ADDRESS = "allow-kernel-address";

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
                                [--allow-kernel-address]

            Prints its counters on SIGHUP (kill -HUP PID).

            Runs the node NAME of the cluster FILE in the role the file gives it, on the interface
            the file names (run it inside that interface's network namespace). Every node of a
            cluster runs with the same file. See docs/cluster-file.md for the file and
            examples/cluster-namespaces.yaml for a commented example.

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

            The node prints one line per event (role changes, suspicions, takeovers) and writes its
            status to log.dir/NAME/status for ./ertcp status. It refuses to start while another process runs
            the same node (log.dir/NAME/lock holds its pid), and refuses an interface (or replication-interface)
            that has a kernel IPv4 address or carries the machine's default route. Exit status 3: this node was primary
            and another took over (it stops serving at once); restart it to rejoin as a backup.

            A node with replication-interface in the cluster file runs the replication channel on that
            interface alone and refuses channel frames on its interface (docs/cluster-file.md).

            Options:
              --config FILE            the cluster file
              --name NAME              which node of it to run
              --stats-interval-ms N    also print counters every N ms
              --duration-s N           stop by itself after N seconds
              --allow-kernel-address   use the interface even though the host's kernel has an address or the
                                       default route on it
              --help                   this text
            """;
    }

    public int run(final String[] argv) throws Exception
    {
        final Args args = Args.parse(name(), argv, Set.of("config", "name", "stats-interval-ms", "duration-s"),
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
        config.warnings().forEach(warning -> out.println("warning: " + warning));
        if (!args.has(ALLOW_KERNEL_ADDRESS))
        {
            KernelAddressCheck.refusal(self.iface(), "--" + ALLOW_KERNEL_ADDRESS).ifPresent(refusal ->
            {
                throw new CliException(refusal);
            });
            self.replicationIface().flatMap(iface -> KernelAddressCheck.refusal(iface, "--" + ALLOW_KERNEL_ADDRESS))
                .ifPresent(refusal ->
                {
                    throw new CliException(refusal);
                });
        }
        try (NodeDirectoryLock ignored = lock(config, nodeName, file))
        {
            return run(args, config, nodeName, self);
        }
    }

    private int run(final Args args, final ClusterConfig config, final String nodeName, final NodeConfig self)
        throws Exception
    {
        final Supplier<TcpService> services = PortCommand.parse(() -> config.service().factory());

        final Counters counters = new Counters(8192);
        final PacketPort[] ports = Ports.openNode(self.driver().text(), self.iface(), self.replicationIface().orElse(null),
            self.eal().orElse(null), counters);
        final PacketPort port = ports[0];
        final ClusterNode node;
        try
        {
            node = new ClusterNode(config, nodeName, port, ports[1], services, new SystemNanoClock(), counters, out);
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

        final long statsIntervalMs = args.getLong("stats-interval-ms", 0);
        final long durationMs = args.getLong("duration-s", 0) * 1000;
        final Shutdown shutdown = new Shutdown();
        final java.util.concurrent.atomic.AtomicBoolean printRequested = new java.util.concurrent.atomic.AtomicBoolean();
        ServeCommand.installHangupHandler(printRequested);
        final long startMs = System.currentTimeMillis();
        long lastStatsMs = startMs;
        int status = 0;
        try (AgentHost ignored = AgentHost.start(self.threading(), Throwable::printStackTrace, node))
        {
            while (!shutdown.awaitFor(50))
            {
                final long nowMs = System.currentTimeMillis();
                if (node.isFenced())
                {
                    status = EXIT_DEPOSED;
                    break;
                }
                if (printRequested.getAndSet(false) || (statsIntervalMs > 0 && nowMs - lastStatsMs >= statsIntervalMs))
                {
                    lastStatsMs = nowMs;
                    printCounters(counters);
                }
                if (durationMs > 0 && nowMs - startMs >= durationMs)
                {
                    break;
                }
            }
        }
        finally
        {
            shutdown.done();
        }
        return status;
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
