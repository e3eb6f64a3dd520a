package io.ertcp.jmh;

import io.ertcp.engine.replication.replica.ServiceSnapshots;
import io.ertcp.engine.service.KvService;
import io.ertcp.test.KvRejoinLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * How long a kv backup takes to rebuild its store when it rejoins (docs/architecture.md rule 7): from the whole log,
 * or from its newest snapshot plus the log after it; and how long taking that snapshot holds the duty cycle.
 * <p>
 * It builds a {@link KvRejoinLog} of {@code keys} SETs with the snapshot at 99% of them (the log the million-key
 * rejoin test checks) and times the rejoins of a backup that starts empty: from the whole log, every record from
 * position 1; from the snapshot, load it (read, CRC32C, parse), then the records after its position, from the log a
 * logger keeps after retention. Each ends with the primary's store (checked by
 * digest). The feed's network transfer is not in these figures (the in-process cluster test covers the path end to
 * end): on a real LAN it adds the log's bytes over the wire, which the snapshot path also saves.
 * <p>
 * {@code java @jvm.flags -cp jmh/target/benchmarks.jar io.ertcp.jmh.SnapshotRejoin [keys] [rounds] [dir]}
 */
public final class SnapshotRejoin
{
    private SnapshotRejoin()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int keys = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
        final int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        final Path base = Files.createTempDirectory(args.length > 2 ? Path.of(args[2]) :
            Path.of(System.getProperty("java.io.tmpdir")), "ertcp-snapshot-rejoin");
        try
        {
            run(keys, rounds, base);
        }
        finally
        {
            delete(base);
        }
    }

    private static void run(final int keys, final int rounds, final Path base) throws Exception
    {
        try (KvRejoinLog log = new KvRejoinLog(base, keys, 0.99))
        {
            System.out.printf("take (the duty cycle held by kv's capture of its store): %.1f ms; its bytes written on " +
                "the snapshot thread in %.1f ms%n", log.takeMs(), log.writeMs());
            System.out.printf("log: %,d keys in %,d records built in %.1f s; snapshot at position %,d, %,d records " +
                "after it%n", log.primary().size(), log.lastPosition(), log.buildSeconds(), log.snapshotPosition(),
                log.lastPosition() - log.snapshotPosition());
            captures(log.primary(), 7);

            final double[] whole = new double[rounds];
            final double[] fromSnapshot = new double[rounds];
            final double[] load = new double[rounds];
            for (int round = 0; round < rounds; round++)
            {
                whole[round] = checked(log, log.rejoinFromWholeLog()).ms();
                final KvRejoinLog.Rejoin snapshot = checked(log, log.rejoinFromSnapshot());
                fromSnapshot[round] = snapshot.ms();
                load[round] = snapshot.loadMs();
                System.out.printf("round %d: whole log %.0f ms; snapshot %.0f ms (of which loading the snapshot %.0f ms)%n",
                    round + 1, whole[round], fromSnapshot[round], load[round]);
            }
            Arrays.sort(whole);
            Arrays.sort(fromSnapshot);
            Arrays.sort(load);
            System.out.printf("median of %d: rejoin from the whole log %.0f ms, from the snapshot %.0f ms (load %.0f ms, " +
                "tail %.0f ms): %.1fx%n", rounds, whole[rounds / 2], fromSnapshot[rounds / 2], load[rounds / 2],
                fromSnapshot[rounds / 2] - load[rounds / 2], whole[rounds / 2] / fromSnapshot[rounds / 2]);
        }
    }

    private static KvRejoinLog.Rejoin checked(final KvRejoinLog log, final KvRejoinLog.Rejoin rejoin)
    {
        if (rejoin.digest() != log.digest())
        {
            throw new IllegalStateException("the rejoined store differs from the primary's after " +
                rejoin.recordsApplied() + " records");
        }
        return rejoin;
    }

    /**
     * The capture again, warm: wall and thread CPU time of each (the machine's other load shows as wall above CPU).
     */
    private static void captures(final KvService kv, final int times)
    {
        final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        final io.ertcp.service.BufferSnapshotOutput out = new io.ertcp.service.BufferSnapshotOutput();
        final double[] wall = new double[times];
        final double[] cpu = new double[times];
        for (int i = 0; i < times; i++)
        {
            final long cpuStart = threads.getCurrentThreadCpuTime();
            final long start = System.nanoTime();
            final io.ertcp.service.SnapshotWriter writer = kv.takeSnapshot();
            wall[i] = (System.nanoTime() - start) / 1e6;
            cpu[i] = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e6;
            out.reset();
            writer.writeTo(out);
        }
        System.out.println("capture of " + kv.size() + " keys, warm, ms wall: " + Arrays.toString(wall) + "; ms CPU: " +
            Arrays.toString(cpu));
        Arrays.sort(wall);
        Arrays.sort(cpu);
        System.out.printf("capture median: %.1f ms wall, %.1f ms CPU%n", wall[times / 2], cpu[times / 2]);
    }

    private static void delete(final Path dir) throws IOException
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> files = Files.walk(dir))
        {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
