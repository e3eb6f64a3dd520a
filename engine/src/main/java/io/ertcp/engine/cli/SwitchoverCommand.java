package io.ertcp.engine.cli;

import io.ertcp.engine.cluster.NodeStatus;
import io.ertcp.engine.cluster.SwitchoverRequest;
import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.NodeConfig;
import io.ertcp.engine.cluster.config.Role;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Optional;
import java.util.Set;

/**
 * {@code ertcp switchover}: move the primary to a backup on purpose, through the running primary's node directory
 * ({@link SwitchoverRequest}), and wait until the status files show the new primary.
 */
final class SwitchoverCommand implements Command
{
    private final PrintStream out;

    SwitchoverCommand(final PrintStream out)
    {
        this.out = out;
    }

    public String name()
    {
        return "switchover";
    }

    public String summary()
    {
        return "move the primary to a caught-up backup on purpose (maintenance), without a failure";
    }

    public String help()
    {
        return """
            Usage: ./ertcp switchover --config FILE [--to NAME] [--timeout-s N]

            Asks the running primary to hand over: it holds its replies to clients back (their
            input still goes into the log), waits until no client segment came for 1 ms and the
            logger confirmed all it logged (up to 2 s), and says LEAVE naming the backup, which
            stands for election at once, drains what it lacks, and takes the VIP and every
            connection at the sequence numbers the clients expect. Clients see a pause of
            milliseconds, not a failure detection. The old primary then rejoins as a backup by
            itself. Run it where the primary's log.dir is (its machine): the request is the file
            log.dir/PRIMARY/switchover. It waits until the status files show the new primary
            (./ertcp status) and prints how long that took.

            SIGTERM on a primary does the same, to its best-ranked backup, and the process then
            exits; SIGTERM on a logger or backup makes it say LEAVE, so that the primary stops
            waiting for it at once.

            Exit status: 0 switched over, 1 it did not complete in time, 2 a usage mistake (no
            primary running, NAME not a backup that runs).

            Options:
              --config FILE    the cluster file
              --to NAME        the backup to hand over to (default: the primary's best-ranked backup alive)
              --timeout-s N    how long to wait for the new primary (default 10)
              --help           this text
            """;
    }

    public int run(final String[] argv) throws Exception
    {
        final Args args = Args.parse(name(), argv, Set.of("config", "to", "timeout-s"), Set.of());
        final ClusterConfig config = NodeCommand.load(args.require("config"));
        final String target = args.get("to", null);
        final long timeoutMs = args.getLong("timeout-s", 10) * 1000;
        if (timeoutMs <= 0)
        {
            throw new CliException("--timeout-s must be at least 1, not " + timeoutMs / 1000);
        }
        final NodeStatus primary = runningPrimary(config).orElseThrow(() -> new CliException("no primary is running " +
            "by the status files under " + config.log().dir() + " (./ertcp status shows the cluster); run this where " +
            "the primary's log.dir is"));
        if (null != target)
        {
            final NodeConfig node = config.nodes().stream().filter(n -> n.name().equals(target)).findFirst()
                .orElseThrow(() -> new CliException("the cluster file has no node " + target));
            final Optional<NodeStatus> status = fresh(config, target);
            if (node.role() == Role.LOGGER || node.role() == Role.WITNESS || status.isEmpty() ||
                !status.get().role().equals("backup"))
            {
                throw new CliException(target + " is not a running backup (" + status.map(s -> "it is " + s.role())
                    .orElse("no fresh status") + "): hand over to a backup that runs and follows the log");
            }
        }
        final long startMs = System.currentTimeMillis();
        SwitchoverRequest.write(config.log().dirOf(primary.node()), target);
        out.println("asked " + primary.node() + " (primary in epoch " + primary.epoch() + ") to hand over to " +
            (null == target ? "its best-ranked backup" : target));
        while (System.currentTimeMillis() - startMs < timeoutMs)
        {
            for (final NodeConfig node : config.nodes())
            {
                final Optional<NodeStatus> status = fresh(config, node.name());
                if (status.isPresent() && status.get().role().equals("primary") && status.get().epoch() > primary.epoch() &&
                    !node.name().equals(primary.node()) && (null == target || node.name().equals(target)))
                {
                    out.printf("switched over: %s is primary in epoch %d, %d ms after the request (as the status " +
                        "files show it, written every 100 ms)%n", node.name(), status.get().epoch(),
                        System.currentTimeMillis() - startMs);
                    return 0;
                }
            }
            Thread.sleep(10);
        }
        out.println("the switchover did not complete within " + timeoutMs / 1000 + " s: ./ertcp status shows where " +
            "the cluster stands, and " + primary.node() + "'s output says why");
        return 1;
    }

    private static Optional<NodeStatus> runningPrimary(final ClusterConfig config)
    {
        for (final NodeConfig node : config.nodes())
        {
            final Optional<NodeStatus> status = fresh(config, node.name());
            if (status.isPresent() && status.get().role().equals("primary"))
            {
                return status;
            }
        }
        return Optional.empty();
    }

    private static Optional<NodeStatus> fresh(final ClusterConfig config, final String name)
    {
        try
        {
            return NodeStatus.read(config.log().dirOf(name))
                .filter(s -> System.currentTimeMillis() - s.writtenAtMs() <= StatusCommand.STALE_MS);
        }
        catch (final IOException ex)
        {
            return Optional.empty();
        }
    }
}
