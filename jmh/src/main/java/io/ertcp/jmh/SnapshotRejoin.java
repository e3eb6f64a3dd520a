package io.ertcp.jmh;

import io.ertcp.engine.replication.replica.ReplicatedService;
import io.ertcp.engine.replication.replica.ServiceSnapshots;
import io.ertcp.engine.service.KvService;
import io.ertcp.log.ClosedFlyweight;
import io.ertcp.log.DataFlyweight;
import io.ertcp.log.LogReader;
import io.ertcp.log.OpenFlyweight;
import io.ertcp.log.ReplicationLog;
import io.ertcp.log.SnapshotFlyweight;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * How long a kv backup takes to rebuild its store when it rejoins (docs/architecture.md rule 7): from the whole log,
 * or from its newest snapshot plus the log after it; and how long taking that snapshot holds the duty cycle.
 * <p>
 * It writes a real replication log (Chronicle Queue) of {@code keys} SETs, 1,000 per connection (OPEN, DATA records of
 * at most 8 KiB, CLOSED), applied as a primary applies them to a kv {@link ReplicatedService}; at 99% of the keys a
 * SNAPSHOT record, where {@link ServiceSnapshots} takes kv's snapshot (the stall) and writes it (temporary file,
 * fsync, rename); then the last 1%. A rejoin is what a backup does with what its feed brings: each record appended to
 * its own fresh log and applied to a fresh kv. From the whole log: every record from position 1. From the snapshot:
 * load it (read, CRC32C, parse), then the records after its position. Each ends with the primary's store (checked by
 * digest). The feed's network transfer is not in these figures (the in-process cluster test covers the path end to
 * end): on a real LAN it adds the log's bytes over the wire, which the snapshot path also saves.
 * <p>
 * {@code java @jvm.flags -cp jmh/target/benchmarks.jar io.ertcp.jmh.SnapshotRejoin [keys] [rounds] [dir]}
 */
public final class SnapshotRejoin
{
    private static final int KEYS_PER_CONNECTION = 1_000;
    private static final int MAX_DATA = 8192;

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
        final KvService primaryKv = new KvService();
        final ReplicatedService primary = newReplicated(primaryKv);
        final ServiceSnapshots snapshots = new ServiceSnapshots(base.resolve("snapshots"), primaryKv.name());
        primary.snapshotTaker(snapshots);
        final UnsafeBuffer record = new UnsafeBuffer(ByteBuffer.allocateDirect(DataFlyweight.HEADER_LENGTH + MAX_DATA + 64));
        final long snapshotPosition;
        final long buildStart = System.nanoTime();
        try (ReplicationLog log = ReplicationLog.open(base.resolve("primary-log")))
        {
            final int snapshotAfter = (int)(keys * 0.99) / KEYS_PER_CONNECTION;
            final int connections = (keys + KEYS_PER_CONNECTION - 1) / KEYS_PER_CONNECTION;
            long snapshotAt = 0;
            for (int c = 0; c < connections; c++)
            {
                if (c == snapshotAfter)
                {
                    new SnapshotFlyweight().wrap(record, 0).write(1, System.nanoTime());
                    snapshotAt = appendAndApply(log, primary, record, SnapshotFlyweight.LENGTH);
                    snapshots.durable(snapshotAt);
                    while (snapshots.busy())
                    {
                        Thread.sleep(1);
                    }
                    report(snapshots);
                }
                writeConnection(log, primary, record, c, Math.min(KEYS_PER_CONNECTION, keys - c * KEYS_PER_CONNECTION));
            }
            snapshotPosition = snapshotAt;
            System.out.printf("log: %,d keys in %,d records (%,d MiB of log) built in %.1f s; snapshot at position %,d, " +
                    "%,d records after it%n", primaryKv.size(), log.lastPosition(), directorySize(base.resolve("primary-log")) >> 20,
                (System.nanoTime() - buildStart) / 1e9, snapshotPosition, log.lastPosition() - snapshotPosition);
        }
        snapshots.close();
        final long digest = primaryKv.contentDigest();
        captures(primaryKv, 7);

        final double[] whole = new double[rounds];
        final double[] fromSnapshot = new double[rounds];
        final double[] load = new double[rounds];
        for (int round = 0; round < rounds; round++)
        {
            whole[round] = rejoin(base, round, 0, digest, null);
            final double[] loadMs = new double[1];
            fromSnapshot[round] = rejoin(base, round, snapshotPosition, digest, loadMs);
            load[round] = loadMs[0];
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

    /**
     * The capture again, warm: wall and thread CPU time of each (the machine's other load shows as wall above CPU).
     */
    private static void captures(final KvService kv, final int times)
    {
        final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        final ServiceSnapshots.Output out = new ServiceSnapshots.Output();
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

    private static void report(final ServiceSnapshots snapshots)
    {
        for (String message = snapshots.poll(); null != message; message = snapshots.poll())
        {
            System.out.println("primary: " + message);
        }
        System.out.printf("take (the duty cycle held by kv's capture of its store): %.1f ms; its bytes written on the " +
            "snapshot thread in %.1f ms%n", snapshots.lastTakeNs() / 1e6, snapshots.lastWriteNs() / 1e6);
    }

    /**
     * A backup that rejoins: a fresh log and kv, fed the primary's log from {@code from + 1} after loading the
     * snapshot at {@code from} (0: none).
     *
     * @return milliseconds until the store is the primary's.
     */
    private static double rejoin(final Path base, final int round, final long from, final long digest, final double[] loadMs)
        throws Exception
    {
        final Path dir = base.resolve("rejoin-" + round + "-" + from);
        System.gc();
        final long start = System.nanoTime();
        final KvService kv = new KvService();
        final ReplicatedService replica = newReplicated(kv);
        long applied = 0;
        try (ReplicationLog own = ReplicationLog.open(dir.resolve("log"));
             ReplicationLog source = ReplicationLog.open(base.resolve("primary-log")))
        {
            if (from > 0)
            {
                final ServiceSnapshots snapshots = new ServiceSnapshots(base.resolve("snapshots"), kv.name());
                final long position = snapshots.load(replica);
                snapshots.close();
                if (position != from)
                {
                    throw new IllegalStateException("loaded the snapshot at " + position + ", not " + from);
                }
                own.startAt(from + 1);
                replica.startFromSnapshot(from);
                loadMs[0] = (System.nanoTime() - start) / 1e6;
            }
            try (LogReader reader = source.newReader(from + 1))
            {
                int n;
                while ((n = reader.poll((buffer, offset, length, position) ->
                {
                    own.append(buffer, offset, length);
                    replica.apply(buffer, offset, length);
                }, 1024)) > 0)
                {
                    applied += n;
                }
            }
        }
        final double ms = (System.nanoTime() - start) / 1e6;
        if (kv.contentDigest() != digest)
        {
            throw new IllegalStateException("the rejoined store differs from the primary's after " + applied + " records");
        }
        delete(dir);
        return ms;
    }

    private static void writeConnection(
        final ReplicationLog log, final ReplicatedService primary, final UnsafeBuffer record, final int c, final int keys)
    {
        final long id = c + 1L;
        new OpenFlyweight().wrap(record, 0).write(1, id, 0x0A50_0064, 6379, 0x0A50_0002, 10_000 + (c & 0x7FFF), 1, 2);
        appendAndApply(log, primary, record, OpenFlyweight.LENGTH);
        final StringBuilder text = new StringBuilder();
        long streamOffset = 0;
        final UnsafeBuffer chunk = new UnsafeBuffer(new byte[MAX_DATA]);
        for (int k = 0; k < keys; k++)
        {
            final int key = c * KEYS_PER_CONNECTION + k;
            final String command = "SET key:" + key + " value-" + key * 31L + "\r\n";
            if (text.length() + command.length() > MAX_DATA)
            {
                streamOffset += data(log, primary, record, chunk, id, streamOffset, text);
            }
            text.append(command);
        }
        data(log, primary, record, chunk, id, streamOffset, text);
        new ClosedFlyweight().wrap(record, 0).write(1, id, ClosedFlyweight.REASON_NORMAL);
        appendAndApply(log, primary, record, ClosedFlyweight.LENGTH);
    }

    private static int data(
        final ReplicationLog log,
        final ReplicatedService primary,
        final UnsafeBuffer record,
        final UnsafeBuffer chunk,
        final long id,
        final long streamOffset,
        final StringBuilder text)
    {
        final byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
        chunk.putBytes(0, bytes);
        new DataFlyweight().wrap(record, 0).write(1, id, streamOffset, chunk, 0, bytes.length);
        appendAndApply(log, primary, record, DataFlyweight.HEADER_LENGTH + bytes.length);
        text.setLength(0);
        return bytes.length;
    }

    private static long appendAndApply(
        final ReplicationLog log, final ReplicatedService primary, final UnsafeBuffer record, final int length)
    {
        final long position = log.append(record, 0, length);
        record.putLong(io.ertcp.log.RecordHeaderFlyweight.POSITION_OFFSET, position, java.nio.ByteOrder.LITTLE_ENDIAN);
        primary.apply(record, 0, length);
        return position;
    }

    private static ReplicatedService newReplicated(final KvService kv)
    {
        return new ReplicatedService(kv, 256 * 1024, 256 * 1024, 0);
    }

    private static long directorySize(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.walk(dir))
        {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
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
