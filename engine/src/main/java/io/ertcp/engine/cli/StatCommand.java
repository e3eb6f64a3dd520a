package io.ertcp.engine.cli;

import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.LogConfig;
import io.ertcp.engine.cluster.config.NodeConfig;
import io.ertcp.engine.counters.CountersFile;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ertcp stat}: a node's counters read from its memory-mapped counters file by another process, as Aeron's
 * AeronStat reads its CnC file.
 */
final class StatCommand implements Command
{
    private final PrintStream out;

    StatCommand(final PrintStream out)
    {
        this.out = out;
    }

    public String name()
    {
        return "stat";
    }

    public String summary()
    {
        return "print a node's counters from its memory-mapped counters file, once or every second";
    }

    public String help()
    {
        return """
            Usage: ./ertcp stat [--config FILE] [--watch] [--count N] [--all] [NAME]
                   ./ertcp stat --file PATH [--watch] [--count N] [--all]

            Every ./ertcp node keeps its counters (frames, TCP segments, records sent, NAKs, refused
            replication frames, ...) in a memory-mapped file, log.dir/NAME/counters, that it updates in
            place. This command maps that file read-only from another process and prints the counters
            that are not zero, with the node's pid and whether it still runs: no signal, no port, no
            pause of the node. A dead node's file keeps its last values.

            Without NAME, every node of the cluster file that has a counters file on this machine.
            Without --config, log.dir is ertcp-log (the cluster file's default).

            Options:
              --config FILE   the cluster file (for log.dir and the node names)
              --file PATH     one counters file by its path
              --watch         print again every second, each counter with its change since the last print
              --count N       with --watch: stop after N prints (default: until Ctrl-C)
              --all           print the counters at zero too
              --help          this text
            """;
    }

    public int run(final String[] argv) throws Exception
    {
        final List<String> options = new ArrayList<>(Arrays.asList(argv));
        String nodeName = null;
        if (!options.isEmpty() && !options.getLast().startsWith("--") &&
            (options.size() == 1 || !Set.of("--config", "--file", "--count").contains(options.get(options.size() - 2))))
        {
            nodeName = options.removeLast();
        }
        final Args args = Args.parse(name(), options.toArray(String[]::new), Set.of("config", "file", "count"),
            Set.of("watch", "all"));
        final List<Path> files = new ArrayList<>();
        if (args.has("file"))
        {
            if (null != nodeName || args.has("config"))
            {
                throw new CliException("--file names one counters file: give it without --config or NAME");
            }
            files.add(Path.of(args.require("file")));
        }
        else
        {
            final ClusterConfig config = args.has("config") ? NodeCommand.load(args.require("config")) : null;
            final Path logDir = null == config ? LogConfig.DEFAULT_DIR : config.log().dir();
            if (null != nodeName)
            {
                if (null != config)
                {
                    try
                    {
                        config.node(nodeName);
                    }
                    catch (final RuntimeException ex)
                    {
                        throw new CliException(ex.getMessage());
                    }
                }
                files.add(logDir.resolve(nodeName).resolve(NodeCommand.COUNTERS_FILE));
            }
            else if (null != config)
            {
                for (final NodeConfig node : config.nodes())
                {
                    final Path file = config.log().dirOf(node.name()).resolve(NodeCommand.COUNTERS_FILE);
                    if (java.nio.file.Files.isRegularFile(file))
                    {
                        files.add(file);
                    }
                }
                if (files.isEmpty())
                {
                    throw new CliException("no node of " + args.require("config") + " has a counters file under " +
                        logDir + " on this machine: start one with ./ertcp node, or name the file with --file");
                }
            }
            else
            {
                throw new CliException("stat needs a node: give NAME (its counters are in ertcp-log/NAME/counters), " +
                    "--config FILE for every node of a cluster, or --file PATH");
            }
        }
        final List<CountersFile> opened = new ArrayList<>();
        try
        {
            for (final Path file : files)
            {
                try
                {
                    opened.add(CountersFile.open(file));
                }
                catch (final IOException ex)
                {
                    throw new CliException(ex.getMessage());
                }
            }
            final boolean watch = args.has("watch");
            final long count = args.getLong("count", watch ? Long.MAX_VALUE : 1);
            final boolean all = args.has("all");
            final List<Map<String, Long>> previous = new ArrayList<>();
            opened.forEach(ignored -> previous.add(null));
            for (long n = 0; n < count; n++)
            {
                if (n > 0)
                {
                    Thread.sleep(1_000);
                }
                if (watch)
                {
                    out.println("--- " + Instant.now());
                }
                for (int i = 0; i < opened.size(); i++)
                {
                    previous.set(i, print(opened.get(i), previous.get(i), all));
                }
                out.flush();
            }
        }
        finally
        {
            opened.forEach(CountersFile::close);
        }
        return 0;
    }

    private Map<String, Long> print(final CountersFile file, final Map<String, Long> previous, final boolean all)
    {
        // Counters of the same label (a second TCP stack after a takeover) are shown summed, in first-seen order.
        final Map<String, Long> now = new LinkedHashMap<>();
        file.forEach((label, value) -> now.merge(label, value, Long::sum));
        out.printf("%s (pid %d, %s, started %s)%n", file.file(), file.pid(),
            file.writerAlive() ? "running" : "not running: its last values", Instant.ofEpochMilli(file.startMs()));
        now.forEach((label, value) ->
        {
            if (value == 0 && !all)
            {
                return;
            }
            if (null == previous)
            {
                out.printf("  %-48s %14d%n", label, value);
            }
            else
            {
                out.printf("  %-48s %14d %+12d/s%n", label, value, value - previous.getOrDefault(label, 0L));
            }
        });
        return now;
    }
}
