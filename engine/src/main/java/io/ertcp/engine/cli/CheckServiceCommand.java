package io.ertcp.engine.cli;

import io.ertcp.engine.check.DeterminismCheck;
import io.ertcp.engine.check.Workload;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code ertcp check-service}: is a service deterministic enough to replicate? Runs {@link DeterminismCheck}.
 */
final class CheckServiceCommand implements Command
{
    private final PrintStream out;

    CheckServiceCommand(final PrintStream out)
    {
        this.out = out;
    }

    public String name()
    {
        return "check-service";
    }

    public String summary()
    {
        return "check that a service (built in or your own jar) gives the same output from the same events";
    }

    public String help()
    {
        return """
            Usage: ./ertcp check-service --service NAME [--root DIR] [options]
                   ./ertcp check-service --service-class CLASS --service-jar JAR [--service-options K=V,...] [options]

            A replicated service must give the same output from the same events on every node
            (docs/writing-a-service.md). This runs fresh instances of the service side by side, in
            this process, over seeded workloads of several clients, and compares what they wrote,
            byte by byte. Each round makes one schedule of events (opens, the clients' bytes in
            pieces, acknowledgements, closes and resets, the clock moving) and compares:
              replay         the same events twice: the output must match byte for byte, each byte
                             written while handling the same event (a clock, randomness, static
                             state or identity-hash order fails here);
              splits         each arrival cut into other pieces: every connection's output must
                             match (how bytes are cut into onData calls differs between nodes);
              snapshot       for a SnapshotService: the same events, the service snapshotted half
                             way (shared state and each open connection's) and a fresh instance
                             loaded from it carrying on, as a node that rejoins from a snapshot:
                             the output must match byte for byte, event for event;
              interleavings  for a service whose connections are independent
                             (sharesStateAcrossConnections() false): the connections' events in
                             another order, with other send buffers; every connection's output
                             must match (retention rebuilds a connection from its own log alone).
            Even rounds give the clients small send buffers, so that writes are refused and output
            waits for onWritable. The first difference is reported with the connection, the output
            byte, what each run wrote and the event it was handling.

            Exit status: 0 every round agreed, 1 a difference (reported), 2 a usage mistake.

            Options:
              --service NAME               a built-in service: echo, discard, netpipe, http, kv
              --root DIR                   http: the directory it serves
              --service-class CLASS        your service's class, in --service-jar
              --service-jar JAR            the jar that holds it
              --service-options K=V,...    the options its constructor gets
              --workload W                 what the clients send: bytes, lines, resp, http or netpipe
                                           (default: the service's protocol for a built-in one,
                                           lines for your own)
              --rounds N                   schedules to run (default 20)
              --seed N                     the first round's seed; round r uses N + r - 1 (default 1)
              --connections N              clients in each schedule (default 8)
              --help                       this text
            """;
    }

    public int run(final String[] argv)
    {
        final Set<String> withValue = new HashSet<>(ServiceChoice.OPTIONS);
        withValue.addAll(Set.of("root", "workload", "rounds", "seed", "connections"));
        final Args args = Args.parse(name(), argv, withValue, Set.of());
        final List<String> builtInOptions = new ArrayList<>();
        if (args.has("root"))
        {
            builtInOptions.add("--root");
            builtInOptions.add(args.get("root", null));
        }
        final ServiceChoice choice = ServiceChoice.of(args, builtInOptions);
        final Workload workload = args.has("workload") ?
            PortCommand.parse(() -> Workload.named(args.get("workload", null))) : Workload.forService(choice.name());
        final DeterminismCheck.Settings settings = PortCommand.parse(() -> new DeterminismCheck.Settings(
            args.getLong("seed", 1), (int)args.getLong("rounds", 20), (int)args.getLong("connections", 8), workload));
        PortCommand.parse(() -> choice.factory().get());

        out.println("check-service: " + choice.name() + ", " + settings.rounds() + " rounds from seed " +
            settings.seed() + ", " + settings.connections() + " connections each, workload " +
            workload.name().toLowerCase());
        final DeterminismCheck.Report report = DeterminismCheck.check(choice.name(), choice.factory(), settings);
        int round = 0;
        final StringBuilder line = new StringBuilder();
        for (final DeterminismCheck.Result result : report.results())
        {
            if (result.round() != round)
            {
                flush(line);
                round = result.round();
                line.append("round ").append(round).append(" (seed ").append(result.seed()).append("):");
            }
            line.append(' ').append(result.check()).append(' ').append(switch (result.outcome())
            {
                case PASSED -> "ok";
                case SKIPPED -> "skipped";
                case FAILED -> "DIFFERS";
            });
            if (result.outcome() == DeterminismCheck.Outcome.FAILED)
            {
                line.append("\n  ").append(result.detail().replace("\n", "\n  "));
            }
        }
        flush(line);
        final DeterminismCheck.Result skipped = report.results().stream()
            .filter(r -> r.outcome() == DeterminismCheck.Outcome.SKIPPED).findFirst().orElse(null);
        if (skipped != null)
        {
            out.println("interleavings skipped: " + skipped.detail());
        }
        if (report.passed())
        {
            out.printf("%s passed: every comparison agreed (%,d output bytes compared)%n", choice.name(),
                report.compared());
            return 0;
        }
        final DeterminismCheck.Result failure = report.firstFailure();
        out.println(choice.name() + " is not deterministic: its " + failure.check() + " comparison differed in round " +
            failure.round() + " (rerun it alone with --seed " + failure.seed() + " --rounds 1); a replicated " +
            "service reads nothing but its callbacks: see docs/writing-a-service.md");
        return 1;
    }

    private void flush(final StringBuilder line)
    {
        if (!line.isEmpty())
        {
            out.println(line);
            line.setLength(0);
        }
    }
}
