package io.ertcp.engine.cli;

import io.ertcp.engine.cluster.NodeStatus;
import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.NodeConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code ertcp status}: what each node of a cluster last said about itself.
 */
final class StatusCommand implements Command
{
    /** A status older than this is from a node that stopped writing: dead or hung. */
    static final long STALE_MS = 1_000;

    private final PrintStream out;

    StatusCommand(final PrintStream out)
    {
        this.out = out;
    }

    public String name()
    {
        return "status";
    }

    public String summary()
    {
        return "show each node's role, epoch, log position, lag and connections";
    }

    public String help()
    {
        return """
            Usage: ./ertcp status --config FILE

            Reads the status every node of the cluster FILE writes a few times a second into
            log.dir/NAME/status and shows, per node: its state (primary, logger, backup, witness,
            draining while it takes over, rejoining after a restart or a deposition until it has
            replayed the log, fenced for the moment it stops serving), epoch, the last position of its
            log copy, the last position its service applied, its lag behind the log (the logger's
            in er-tcp, the primary's in st-tcp), its connections, the node it follows as primary,
            and details: the logger's feeds, the st-tcp primary's backup (in sync, syncing, lost,
            or running alone) and the st-tcp backup's records tapped and fetched. A node whose
            status is more than a second old is shown as down, with how long ago it was last heard.

            Run it on the machine that holds log.dir (on one machine, anywhere; no namespace needed).

            Options:
              --config FILE   the cluster file
              --help          this text
            """;
    }

    public int run(final String[] argv) throws Exception
    {
        final Args args = Args.parse(name(), argv, Set.of("config"), Set.of());
        final ClusterConfig config = NodeCommand.load(args.require("config"));
        final long nowMs = System.currentTimeMillis();
        final List<Optional<NodeStatus>> statuses = new ArrayList<>();
        // The log everyone is measured against: the logger's in er-tcp, the primary's own in st-tcp.
        final String reference = config.mode() == io.ertcp.engine.cluster.config.ClusterMode.ST_TCP ? "primary" : "logger";
        long loggerPosition = -1;
        for (final NodeConfig node : config.nodes())
        {
            Optional<NodeStatus> status;
            try
            {
                status = NodeStatus.read(config.log().dirOf(node.name()));
            }
            catch (final IOException ex)
            {
                status = Optional.empty();
            }
            statuses.add(status);
            if (status.isPresent() && status.get().role().equals(reference) && nowMs - status.get().writtenAtMs() <= STALE_MS)
            {
                loggerPosition = status.get().logPosition();
            }
        }

        out.printf("cluster %s (%s), VIP %s, service %s%n", config.name(), config.mode().text(), config.vip(),
            config.service().name());
        out.printf("%-12s %-9s %5s %10s %10s %8s %6s  %s%n",
            "NODE", "STATE", "EPOCH", "LOG", "APPLIED", "LAG", "CONNS", "PRIMARY / DETAIL");
        int up = 0;
        for (int i = 0; i < config.nodes().size(); i++)
        {
            final NodeConfig node = config.nodes().get(i);
            final Optional<NodeStatus> status = statuses.get(i);
            if (status.isEmpty())
            {
                out.printf("%-12s %-9s %5s %10s %10s %8s %6s  %s%n", node.name(), "unknown", "-", "-", "-", "-", "-",
                    "no status in " + config.log().dirOf(node.name()) + " (never started there?)");
                continue;
            }
            final NodeStatus s = status.get();
            final long ageMs = nowMs - s.writtenAtMs();
            if (ageMs > STALE_MS)
            {
                out.printf("%-12s %-9s %5d %10d %10d %8s %6s  %s%n", node.name(), "down", s.epoch(), s.logPosition(),
                    s.applied(), "-", "-", String.format("last heard %.1f s ago as %s (pid %d)", ageMs / 1000.0, s.role(), s.pid()));
                continue;
            }
            up++;
            final boolean measured = !s.role().equals(reference) && !s.role().equals("witness");
            final long lag = !measured || loggerPosition < 0 ? 0 :
                Math.max(0, loggerPosition - (s.role().equals("primary") ? s.confirmed() : s.applied()));
            final String lagText = !measured ? "-" : loggerPosition < 0 ? "?" : Long.toString(lag);
            final String follows = s.primary().isEmpty() || s.primary().equals(s.node()) ? "" : "follows " + s.primary();
            out.printf("%-12s %-9s %5d %10d %10d %8s %6d  %s%s%n", node.name(), s.role(), s.epoch(), s.logPosition(),
                s.applied(), lagText, s.connections(), follows,
                s.detail().isEmpty() ? "" : (follows.isEmpty() ? "" : "; ") + s.detail());
        }
        return up == 0 ? 1 : 0;
    }
}
