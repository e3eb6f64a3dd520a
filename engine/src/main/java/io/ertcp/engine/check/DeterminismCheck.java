package io.ertcp.engine.check;

import io.ertcp.service.CloseReason;
import io.ertcp.service.SnapshotService;
import io.ertcp.service.TcpService;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Whether a service is deterministic enough to replicate (docs/writing-a-service.md, "Checking a service"): it runs
 * fresh instances of the service side by side over seeded workloads and compares what they wrote, byte by byte.
 * Each round makes one schedule of events and runs up to four comparisons:
 * <ol>
 *   <li><b>replay</b>: the same events twice, one run after the other. Every node replays the same log, so the
 *       output must match byte for byte, written during the same event. A service that reads a clock, draws random
 *       numbers, iterates in identity-hash order or keeps state in static fields fails here.</li>
 *   <li><b>splits</b>: the same events with each arrival cut into other pieces, back to back. How a stream is cut
 *       into {@code onData} calls can differ between nodes (a receive buffer wraps at another place), so every
 *       connection's output must match.</li>
 *   <li><b>interleavings</b>, for a service that says its connections are independent
 *       ({@code sharesStateAcrossConnections()} false): the connections' events in another order across
 *       connections, with other send buffers and acknowledgements. A node then rebuilds one connection from its own
 *       part of the log (retention dropped the rest), so every connection's output must match. A service whose
 *       connections share state is skipped here: every node sees its one log order.</li>
 *   <li><b>snapshot</b>, for a {@link SnapshotService}: the same events, with the service snapshotted half way
 *       through (its shared state and each open connection's, connections in whatever state) and a fresh instance
 *       loaded from it carrying on, as a node that rejoins from a snapshot does (docs/architecture.md "Snapshots").
 *       The output must match byte for byte, each byte written during the same event. Done before interleavings,
 *       which a service that shares state skips.</li>
 * </ol>
 * Odd rounds give the clients small send buffers and partial acknowledgements, so that writes are refused and
 * output waits for {@code onWritable} (the same in both runs of a comparison). Every run gives the service cluster
 * time as a node does ({@link CheckRun}: a {@code ServiceClock} from a start drawn from the round's seed, moved
 * between events, its timers fired at their deadlines), so a service that uses {@code ClusterClock} and timers is
 * checked with them, and one that reads the wall clock instead still fails the replay.
 */
public final class DeterminismCheck
{
    /**
     * @param seed        the first round's seed; round r uses {@code seed + r}.
     * @param rounds      how many schedules.
     * @param connections clients per schedule.
     * @param workload    what the clients send.
     */
    public record Settings(long seed, int rounds, int connections, Workload workload)
    {
        public Settings
        {
            Objects.requireNonNull(workload, "workload");
            if (rounds < 1 || rounds > 10_000)
            {
                throw new IllegalArgumentException("--rounds must be from 1 to 10000, not " + rounds);
            }
            if (connections < 1 || connections > 1_000)
            {
                throw new IllegalArgumentException("--connections must be from 1 to 1000, not " + connections);
            }
        }
    }

    /** How one comparison of one round came out. */
    public enum Outcome
    {
        PASSED, FAILED, SKIPPED
    }

    /**
     * @param round   from 1.
     * @param seed    the round's seed.
     * @param check   replay, splits, snapshot or interleavings.
     * @param outcome what came of it.
     * @param detail  for a failure, the report of the first difference (several lines); for a skip, why; else empty.
     */
    public record Result(int round, long seed, String check, Outcome outcome, String detail)
    {
    }

    /**
     * @param service  the service's name.
     * @param results  every comparison, in order; a failed one ends its round.
     * @param compared output bytes compared in all.
     */
    public record Report(String service, List<Result> results, long compared)
    {
        public boolean passed()
        {
            return results.stream().noneMatch(r -> r.outcome() == Outcome.FAILED);
        }

        /** @return the first failure, or null. */
        public Result firstFailure()
        {
            return results.stream().filter(r -> r.outcome() == Outcome.FAILED).findFirst().orElse(null);
        }
    }

    private DeterminismCheck()
    {
    }

    /**
     * Check a service.
     *
     * @param name    its name, for the report.
     * @param factory makes a fresh instance on each call, as a node does.
     */
    public static Report check(final String name, final Supplier<TcpService> factory, final Settings settings)
    {
        final List<Result> results = new ArrayList<>();
        long compared = 0;
        final TcpService probe = factory.get();
        final boolean shares = probe.sharesStateAcrossConnections();
        final boolean snapshots = probe instanceof SnapshotService;
        for (int round = 1; round <= settings.rounds(); round++)
        {
            final long seed = settings.seed() + round - 1;
            final Schedule schedule = Schedule.generate(seed, settings.connections(), settings.workload(), round % 2 == 0);

            final Trace first = CheckRun.run(factory.get(), schedule);
            pause();
            final Trace second = CheckRun.run(factory.get(), schedule);
            String difference = difference(first, second, schedule, true, "the first run", "the second run");
            results.add(result(round, seed, "replay", difference));
            compared += first.totalOutput();
            if (difference != null)
            {
                continue;
            }

            final Trace recut = CheckRun.run(factory.get(), schedule.recut(seed));
            difference = difference(first, recut, schedule, false, "the run as scheduled", "the run with other splits");
            results.add(result(round, seed, "splits", difference));
            compared += first.totalOutput();
            if (difference != null)
            {
                continue;
            }

            if (snapshots)
            {
                // Half way through, connections open: snapshot, load into a fresh instance, carry on.
                final int middle = schedule.events().size() / 2;
                final Trace reloaded = CheckRun.runWithSnapshot(factory.get(), schedule, middle, factory);
                difference = difference(first, reloaded, schedule, true, "the run as scheduled",
                    "the run snapshotted after event " + middle + " and carried on by a fresh instance loaded from it");
                if (difference != null)
                {
                    difference += "\n" + name + "'s snapshot (takeSnapshot, and snapshotConnection for each open " +
                        "connection) does not hold everything its later output depends on, or loadSnapshot and " +
                        "loadConnection do not read it all back";
                }
                results.add(result(round, seed, "snapshot", difference));
                compared += first.totalOutput();
                if (difference != null)
                {
                    continue;
                }
            }

            if (shares)
            {
                results.add(new Result(round, seed, "interleavings", Outcome.SKIPPED, name + " shares state across " +
                    "connections (sharesStateAcrossConnections() is true), so every node sees one order"));
                continue;
            }
            final Schedule still = schedule.stillClock();
            final Trace ordered = CheckRun.run(factory.get(), still);
            final Trace interleaved = CheckRun.run(factory.get(), schedule.interleave(seed));
            difference = difference(ordered, interleaved, still, false, "the run as scheduled",
                "the run with the connections' events in another order");
            if (difference != null)
            {
                difference += "\n" + name + " says its connections are independent (sharesStateAcrossConnections() " +
                    "is false), but one connection's output depends on the others' events: return true from " +
                    "sharesStateAcrossConnections(), or keep no state across connections";
            }
            results.add(result(round, seed, "interleavings", difference));
            compared += ordered.totalOutput();
        }
        return new Report(name, List.copyOf(results), compared);
    }

    private static Result result(final int round, final long seed, final String check, final String difference)
    {
        return new Result(round, seed, check, difference == null ? Outcome.PASSED : Outcome.FAILED,
            difference == null ? "" : difference);
    }

    /** Let the wall clock move between two runs, so that a service reading it shows it. */
    private static void pause()
    {
        final long until = System.nanoTime() + 3_000_000L;
        while (System.nanoTime() < until)
        {
            Thread.onSpinWait();
        }
    }

    /**
     * @param strict also require each byte to be written during the same event (same schedule in both runs).
     * @return the report of the first difference between two runs, or null when they agree.
     */
    static String difference(final Trace a, final Trace b, final Schedule schedule, final boolean strict,
        final String aName, final String bName)
    {
        if (a.thrown != null || b.thrown != null)
        {
            final Trace t = a.thrown != null ? a : b;
            return "the service threw " + t.thrown + " in " + t.thrownDuring + ": a callback must never throw " +
                "(a node cannot replay past it)";
        }
        Mismatch earliest = null;
        for (int c = 0; c < a.outputs.length; c++)
        {
            final Mismatch mismatch = mismatch(c, a.outputs[c], b.outputs[c], strict);
            if (mismatch != null && (earliest == null || mismatch.event < earliest.event))
            {
                earliest = mismatch;
            }
        }
        if (earliest != null)
        {
            return describe(earliest, a, b, schedule, aName, bName);
        }
        for (int c = 0; c < a.closes.length; c++)
        {
            if (a.closes[c] != b.closes[c] || strict && a.closedDuring[c] != b.closedDuring[c])
            {
                return "connection " + c + " ended differently: in " + aName + " " + ending(a, c, schedule) +
                    ", in " + bName + " " + ending(b, c, schedule);
            }
        }
        return null;
    }

    private record Mismatch(int connection, int offset, int event)
    {
    }

    private static Mismatch mismatch(final int c, final Trace.Output a, final Trace.Output b, final boolean strict)
    {
        final int common = Math.min(a.length, b.length);
        for (int i = 0; i < common; i++)
        {
            if (a.bytes[i] != b.bytes[i] || strict && a.during[i] != b.during[i])
            {
                return new Mismatch(c, i, Math.min(a.during[i], b.during[i]));
            }
        }
        if (a.length != b.length)
        {
            return new Mismatch(c, common, (a.length > common ? a : b).during[common]);
        }
        return null;
    }

    private static String describe(final Mismatch m, final Trace a, final Trace b, final Schedule schedule,
        final String aName, final String bName)
    {
        final Trace.Output x = a.outputs[m.connection];
        final Trace.Output y = b.outputs[m.connection];
        final StringBuilder text = new StringBuilder();
        text.append("connection ").append(m.connection).append(", output byte ").append(m.offset).append(": ");
        text.append(aName).append(' ').append(wrote(x, m.offset, schedule)).append("; ");
        text.append(bName).append(' ').append(wrote(y, m.offset, schedule));
        final int from = Math.max(0, m.offset - 60);
        if (m.offset > 0)
        {
            text.append("\n  the output before it, the same in both: ").append(from > 0 ? "..." : "")
                .append(Trace.quote(x.bytes, from, m.offset));
        }
        final int to = Math.min(x.length, m.offset + 40);
        final int toB = Math.min(y.length, m.offset + 40);
        text.append("\n  from there, ").append(aName).append(": ").append(Trace.quote(x.bytes, m.offset, to))
            .append("\n  from there, ").append(bName).append(": ").append(Trace.quote(y.bytes, m.offset, toB));
        return text.toString();
    }

    private static String wrote(final Trace.Output output, final int offset, final Schedule schedule)
    {
        if (offset >= output.length)
        {
            return "wrote nothing more (its output ends there, " + output.length + " bytes)";
        }
        final int b = output.bytes[offset] & 0xFF;
        return String.format("wrote 0x%02x %s while handling %s", b, Trace.quote(output.bytes, offset, offset + 1),
            event(output.during[offset], schedule));
    }

    private static String ending(final Trace trace, final int c, final Schedule schedule)
    {
        final CloseReason reason = trace.closes[c];
        return reason == null ? "it stayed open" : "it closed (" + reason + ") while handling " +
            event(trace.closedDuring[c], schedule);
    }

    private static String event(final int origin, final Schedule schedule)
    {
        if (origin == Trace.DRAIN)
        {
            return "the drain after the last event";
        }
        for (final Schedule.Event event : schedule.events())
        {
            if (event.origin() == origin)
            {
                return "event " + origin + " (" + event.describe(schedule.clients()) + ")";
            }
        }
        return "event " + origin;
    }
}
