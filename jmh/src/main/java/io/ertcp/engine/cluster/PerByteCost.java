package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.ClusterTemplate;
import io.ertcp.engine.testing.EchoSource;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The per-byte cost harness (issue 11, item 1): one echo connection through the engine alone or through a cluster of
 * real {@link ClusterNode}s on one in-memory LAN, all stepped on this thread in simulated time, reporting per role the
 * thread CPU time and the bytes allocated per MiB echoed, and the frames per MiB on every hop. Started by
 * {@code bench/per-byte-cost.sh}, which runs each configuration in its own JVM; see BENCHMARKS.md.
 * <p>
 * CPU is counted twice: over every duty cycle of the role ("all"), and over the cycles that did work ("working"):
 * stepping in one thread polls every node every step, so the idle polls depend on how fast the simulated stream
 * goes, which a real deployment's spare time absorbs; the working figure is the cost that does not go away on
 * dedicated cores.
 */
public final class PerByteCost
{
    private static final long MIB = 1L << 20;
    private static final long SIMULATED_LIMIT_NS = 60_000_000_000L;
    /** The longest real time a step waits for the log prefaulter with {@code --prefault-wait}. */
    private static final long PREFAULT_WAIT_LIMIT_NS = 50_000_000L;
    /** {@code --prefault-wait}: step only once the prefaulter has every log's pages in ahead of its appends. */
    private static boolean prefaultWait;
    private static long prefaultWaits;
    private static long prefaultWaitsGivenUp;

    private PerByteCost()
    {
    }

    /** One measured window's figures for one role. */
    record Window(double cpuAllMsPerMib, double cpuWorkingMsPerMib, double allocatedBytesPerMib,
        double cyclesPerMib, double workingCyclesPerMib)
    {
    }

    public static void main(final String[] args) throws Exception
    {
        String configuration = null;
        long warmupMib = 32;
        long windowMib = 16;
        int windows = 3;
        long seed = 11;
        Path csv = null;
        String security = "key";
        int mtu = 0;
        boolean counters = false;
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if (i + 1 >= args.length && !arg.equals("--help"))
            {
                usage("the option " + arg + " needs a value");
            }
            switch (arg)
            {
                case "--config" -> configuration = args[++i];
                case "--warmup-mib" -> warmupMib = Long.parseLong(args[++i]);
                case "--window-mib" -> windowMib = Long.parseLong(args[++i]);
                case "--windows" -> windows = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--csv" -> csv = Path.of(args[++i]);
                case "--security" -> security = args[++i];
                case "--replication-mtu" -> mtu = Integer.parseInt(args[++i]);
                case "--counters" -> counters = Boolean.parseBoolean(args[++i]);
                case "--prefault-wait" -> prefaultWait = Boolean.parseBoolean(args[++i]);
                case "--help" -> usage(null);
                default -> usage("unknown option " + arg);
            }
        }
        if (null == configuration)
        {
            usage("give a configuration with --config");
        }
        if (windowMib < 1 || windows < 1 || warmupMib < 0 || (warmupMib + windowMib * windows + 1) * MIB > Integer.MAX_VALUE)
        {
            usage("--window-mib and --windows must be at least 1 and the whole stream under 2 GiB");
        }
        if (!security.equals("key") && !security.equals("none"))
        {
            usage("--security is key (the test cluster key, as a node's default) or none, not " + security);
        }
        final boolean none = security.equals("none");
        final int replicationMtu = mtu;
        final java.util.function.UnaryOperator<ClusterTemplate> edit = template ->
        {
            if (replicationMtu > 0)
            {
                template.replicationMtu(replicationMtu);
            }
            return none ? template.securityNone() : template;
        };
        run(configuration, warmupMib, windowMib, windows, seed, csv, System.out, edit, counters);
    }

    private static void usage(final String problem)
    {
        final PrintStream out = null == problem ? System.out : System.err;
        if (null != problem)
        {
            out.println("per-byte-cost: " + problem + ".");
        }
        out.println("usage: PerByteCost --config engine|er-tcp-0|er-tcp-1|er-tcp-2|st-tcp [--warmup-mib 32] " +
            "[--window-mib 16] [--windows 3] [--seed 11] [--csv FILE] [--security key|none] [--counters true] [--replication-mtu 1500] " +
            "[--prefault-wait true]");
        out.println("  logs go under java.io.tmpdir (-Djava.io.tmpdir=/dev/shm for tmpfs)");
        System.exit(null == problem ? 0 : 2);
    }

    static void run(
        final String configuration,
        final long warmupMib,
        final long windowMib,
        final int windows,
        final long seed,
        final Path csv,
        final PrintStream out) throws Exception
    {
        run(configuration, warmupMib, windowMib, windows, seed, csv, out, java.util.function.UnaryOperator.identity(), false);
    }

    static void run(
        final String configuration,
        final long warmupMib,
        final long windowMib,
        final int windows,
        final long seed,
        final Path csv,
        final PrintStream out,
        final java.util.function.UnaryOperator<ClusterTemplate> edit,
        final boolean counters) throws Exception
    {
        final double[] overhead = CpuMeter.calibrate();
        try (CostRig rig = CostRig.of(configuration, seed, edit))
        {
            if (!runUntil(rig, rig::ready, 2_000_000_000L))
            {
                throw new IllegalStateException(configuration + ": no primary heard by every member within 2 s simulated");
            }
            runUntil(rig, () -> false, 100_000_000L);

            // A window ends past its last MiB by what the last duty cycle echoed: one MiB more keeps the stream going.
            final byte[] data = new byte[(int)((warmupMib + windowMib * windows + 1) * MIB)];
            new Random(seed).nextBytes(data);
            final EchoSource source = new EchoSource(data);
            final InProcessCluster.Client client = rig.client();
            client.stack.connect(client.ip, client.vip, 7, source);
            if (!runUntil(rig, () -> source.verified >= warmupMib * MIB, SIMULATED_LIMIT_NS))
            {
                throw new IllegalStateException(configuration + ": the warm-up stream stalled at " + source.verified + " bytes");
            }

            final Map<String, List<Window>> windowResults = new java.util.LinkedHashMap<>();
            rig.meters.keySet().forEach(name -> windowResults.put(name, new ArrayList<>()));
            rig.meters.values().forEach(CpuMeter::resetTotals);
            rig.hops.reset();
            final long streamFrom = source.verified;
            final long streamStartNs = rig.nowNs();
            final Map<String, Map<String, Long>> countersBefore = snapshot(rig);
            final long prefaulterBeforeNs = io.ertcp.log.ReplicationLog.prefaulterCpuNs();
            final long writerBeforeNs = io.ertcp.log.ReplicationLog.writerCpuNs();
            final long waitsBefore = prefaultWaits;
            final long givenUpBefore = prefaultWaitsGivenUp;
            rig.meter(true);
            for (int w = 0; w < windows; w++)
            {
                rig.meters.values().forEach(CpuMeter::reset);
                final long from = source.verified;
                final long target = from + windowMib * MIB;
                if (!runUntil(rig, () -> source.verified >= target, SIMULATED_LIMIT_NS))
                {
                    throw new IllegalStateException(configuration + ": the stream stalled at " + source.verified + " bytes");
                }
                final double mib = (double)(source.verified - from) / MIB;
                for (final CpuMeter m : rig.meters.values())
                {
                    windowResults.get(m.name).add(new Window(
                        (m.cpuNs - m.cycles * overhead[0]) / mib / 1e6,
                        (m.workingCpuNs - m.workingCycles * overhead[0]) / mib / 1e6,
                        m.allocatedBytes / mib,
                        m.cycles / mib,
                        m.workingCycles / mib));
                }
            }
            // The whole stream: to its last byte echoed and every backup holding all of it, so that a replica whose
            // feed lags is charged for every byte it has to apply, not only for those it got within the windows.
            if (!runUntil(rig, () -> source.verified == data.length && rig.caughtUp(), SIMULATED_LIMIT_NS))
            {
                throw new IllegalStateException(configuration + ": the replicas did not catch up with the stream's end");
            }
            rig.meter(false);
            final double mib = (double)(source.verified - streamFrom) / MIB;
            final Map<String, Window> whole = new java.util.LinkedHashMap<>();
            for (final CpuMeter m : rig.meters.values())
            {
                whole.put(m.name, new Window(
                    (m.totalCpuNs - m.totalCycles * overhead[0]) / mib / 1e6,
                    (m.totalWorkingCpuNs - m.totalWorkingCycles * overhead[0]) / mib / 1e6,
                    m.totalAllocatedBytes / mib,
                    m.totalCycles / mib,
                    m.totalWorkingCycles / mib));
            }
            final long prefaulterNs = io.ertcp.log.ReplicationLog.prefaulterCpuNs();
            final long writerNs = io.ertcp.log.ReplicationLog.writerCpuNs();
            report(configuration, rig, whole, windowResults, mib, rig.nowNs() - streamStartNs, overhead, out);
            if (prefaulterNs >= 0 && prefaulterBeforeNs >= 0)
            {
                // Off every duty cycle, in real time beside the stepping: the pages of all nodes' logs allocated ahead.
                out.printf(Locale.ROOT, "%nlog prefaulter thread (every node's log, off the duty cycles): %.2f CPU ms/MiB%n",
                    (prefaulterNs - prefaulterBeforeNs) / mib / 1e6);
            }
            if (writerNs > 0 && writerBeforeNs >= 0)
            {
                // Off the primary's duty cycle, in real time beside the stepping: its own copy of the log.
                out.printf(Locale.ROOT, "primary's log writer thread (its own log copy, off the duty cycle): %.2f CPU ms/MiB%n",
                    (writerNs - writerBeforeNs) / mib / 1e6);
            }
            if (prefaultWait)
            {
                out.printf(Locale.ROOT, "stepped only with the prefaulter ahead (--prefault-wait): %.1f waits/MiB, %d given " +
                    "up after %d ms%n", (prefaultWaits - waitsBefore) / mib, prefaultWaitsGivenUp - givenUpBefore,
                    PREFAULT_WAIT_LIMIT_NS / 1_000_000);
            }
            if (counters)
            {
                reportCounters(rig, countersBefore, snapshot(rig), mib, out);
            }
            if (null != csv)
            {
                appendCsv(csv, configuration, rig, whole, windowResults);
            }
        }
    }

    private static boolean runUntil(final CostRig rig, final java.util.function.BooleanSupplier done, final long limitNs)
    {
        final long end = rig.nowNs() + limitNs;
        while (!done.getAsBoolean())
        {
            if (rig.nowNs() >= end)
            {
                return false;
            }
            if (prefaultWait)
            {
                awaitPrefaulter();
            }
            rig.step();
        }
        return true;
    }

    /**
     * Wait, outside every measured duty cycle, until the log prefaulter has every log's pages in ahead of its appends:
     * the duty cycles then find all their pages allocated, as when each node's prefaulter has a core of its own (in
     * this one process one thread serves every node's log, and on a two-core machine it can fall behind).
     */
    private static void awaitPrefaulter()
    {
        if (io.ertcp.log.ReplicationLog.prefaulterCaughtUp())
        {
            return;
        }
        prefaultWaits++;
        final long deadline = System.nanoTime() + PREFAULT_WAIT_LIMIT_NS;
        while (!io.ertcp.log.ReplicationLog.prefaulterCaughtUp())
        {
            if (System.nanoTime() >= deadline)
            {
                prefaultWaitsGivenUp++;
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000L);
        }
    }

    private static String logPlace(final CostRig rig) throws IOException
    {
        final Path directory = rig.logDirectory();
        return null == directory ? "none" : directory + " (" + Files.getFileStore(directory).type() + ")";
    }

    private static void report(
        final String configuration,
        final CostRig rig,
        final Map<String, Window> whole,
        final Map<String, List<Window>> windows,
        final double mib,
        final long simulatedNs,
        final double[] overhead,
        final PrintStream out) throws IOException
    {
        out.printf(Locale.ROOT, "%n### %s%n%n", configuration);
        out.printf(Locale.ROOT, "logs: %s; measured %.1f MiB echoed (%d windows of streaming, then the end of the stream " +
            "and the replicas' catch-up) over %.3f s simulated; the readings' own cost, %.0f ns and %.1f B per measured " +
            "cycle, is taken off%n%n",
            logPlace(rig), mib, windows.values().iterator().next().size(), simulatedNs / 1e9, overhead[0], overhead[1]);
        out.println("| role | state | CPU ms/MiB | windows: median (min-max) | CPU ms/MiB, all cycles | " +
            "alloc B/MiB | cycles/MiB | working cycles/MiB |");
        out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        double total = 0;
        for (final Map.Entry<String, Window> role : whole.entrySet())
        {
            final Window w = role.getValue();
            final double[] working = windows.get(role.getKey()).stream().mapToDouble(Window::cpuWorkingMsPerMib).sorted().toArray();
            total += w.cpuWorkingMsPerMib();
            out.printf(Locale.ROOT, "| %s | %s | %.2f | %.2f (%.2f-%.2f) | %.2f | %.0f | %.0f | %.0f |%n",
                role.getKey(), rig.state(role.getKey()), w.cpuWorkingMsPerMib(), median(working), working[0],
                working[working.length - 1], w.cpuAllMsPerMib(), w.allocatedBytesPerMib(), w.cyclesPerMib(),
                w.workingCyclesPerMib());
        }
        if (whole.size() > 1)
        {
            out.printf(Locale.ROOT, "| all nodes | | %.2f | | | | | |%n", total);
        }

        out.println();
        out.println("| hop | ipv4 frames/MiB | replication frames/MiB | other frames/MiB | wire KiB/MiB |");
        out.println("| --- | ---: | ---: | ---: | ---: |");
        final List<String> names = rig.hops.names();
        for (int from = 0; from < names.size(); from++)
        {
            for (int to = 0; to < names.size(); to++)
            {
                long frames = 0;
                long bytes = 0;
                for (int kind = 0; kind < HopCounter.KINDS.length; kind++)
                {
                    frames += rig.hops.frames(from, to, kind);
                    bytes += rig.hops.bytes(from, to, kind);
                }
                if (frames == 0)
                {
                    continue;
                }
                out.printf(Locale.ROOT, "| %s -> %s | %.0f | %.0f | %.0f | %.0f |%n", names.get(from), names.get(to),
                    rig.hops.frames(from, to, 0) / mib, rig.hops.frames(from, to, 1) / mib,
                    rig.hops.frames(from, to, 2) / mib, bytes / 1024.0 / mib);
            }
        }
    }

    private static Map<String, Map<String, Long>> snapshot(final CostRig rig)
    {
        final Map<String, Map<String, Long>> all = new java.util.LinkedHashMap<>();
        for (final String node : rig.meters.keySet())
        {
            final Map<String, Long> values = new java.util.LinkedHashMap<>();
            rig.counters(node, values::put);
            all.put(node, values);
        }
        return all;
    }

    /** Every counter that moved over the measured stream, per MiB echoed. */
    private static void reportCounters(
        final CostRig rig,
        final Map<String, Map<String, Long>> before,
        final Map<String, Map<String, Long>> after,
        final double mib,
        final PrintStream out)
    {
        out.println();
        out.println("| node | counter | per MiB |");
        out.println("| --- | --- | ---: |");
        after.forEach((node, values) -> values.forEach((label, value) ->
        {
            final long moved = value - before.get(node).getOrDefault(label, 0L);
            if (moved != 0)
            {
                out.printf(Locale.ROOT, "| %s | %s | %.1f |%n", node, label, moved / mib);
            }
        }));
    }

    private static double median(final double[] sorted)
    {
        final int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void appendCsv(
        final Path csv,
        final String configuration,
        final CostRig rig,
        final Map<String, Window> whole,
        final Map<String, List<Window>> windows) throws IOException
    {
        final Path directory = rig.logDirectory();
        final String fs = null == directory ? "none" : Files.getFileStore(directory).type();
        final StringBuilder lines = new StringBuilder();
        if (!Files.exists(csv))
        {
            lines.append("configuration,logs,role,span,cpu_working_ms_per_mib,cpu_all_ms_per_mib,alloc_bytes_per_mib\n");
        }
        whole.forEach((role, w) ->
        {
            line(lines, configuration, fs, role, "whole", w);
            final List<Window> ws = windows.get(role);
            for (int i = 0; i < ws.size(); i++)
            {
                line(lines, configuration, fs, role, "window" + (i + 1), ws.get(i));
            }
        });
        Files.writeString(csv, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static void line(
        final StringBuilder lines, final String configuration, final String fs, final String role, final String span,
        final Window w)
    {
        lines.append(String.format(Locale.ROOT, "%s,%s,%s,%s,%.3f,%.3f,%.0f%n", configuration, fs, role, span,
            w.cpuWorkingMsPerMib(), w.cpuAllMsPerMib(), w.allocatedBytesPerMib()));
    }
}
