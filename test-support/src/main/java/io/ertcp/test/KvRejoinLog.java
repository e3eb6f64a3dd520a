package io.ertcp.test;

import io.ertcp.engine.replication.replica.ReplicatedService;
import io.ertcp.engine.replication.replica.ServiceSnapshots;
import io.ertcp.engine.service.KvService;
import io.ertcp.log.ClosedFlyweight;
import io.ertcp.log.DataFlyweight;
import io.ertcp.log.LogReader;
import io.ertcp.log.OpenFlyweight;
import io.ertcp.log.RecordHeaderFlyweight;
import io.ertcp.log.ReplicationLog;
import io.ertcp.log.SnapshotFlyweight;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A kv primary's real replication log (Chronicle Queue) of many SETs, with a service snapshot part way, and the
 * rejoins of a backup that starts empty (docs/architecture.md rule 7): from the whole log, or from the snapshot plus
 * the log after it. For the million-key rejoin test and the {@code SnapshotRejoin} benchmark.
 * <p>
 * The log holds {@code keys} SETs, 1,000 per connection (OPEN, DATA records of at most 8 KiB, CLOSED), applied as a
 * primary applies them to a kv {@link ReplicatedService}; after {@code snapshotAt} of the connections a SNAPSHOT
 * record, where {@link ServiceSnapshots} takes kv's snapshot and writes it (temporary file, fsync, rename). Beside the
 * whole log it keeps the log a logger holds once retention has deleted everything up to the snapshot: only the records
 * after it. A rejoin is what a backup does with what its feed brings: each record appended to its own fresh log and
 * applied to a fresh kv.
 */
public final class KvRejoinLog implements AutoCloseable
{
    /** SETs per connection. */
    public static final int KEYS_PER_CONNECTION = 1_000;
    private static final int MAX_DATA = 8192;

    /** What a rejoin did. */
    public record Rejoin(long recordsApplied, long digest, int keys, double ms, double loadMs)
    {
    }

    private final Path base;
    private final int keys;
    private final long snapshotPosition;
    private final long lastPosition;
    private final long digest;
    private final double buildSeconds;
    private final double takeMs;
    private final double writeMs;
    private final KvService primaryKv;
    private int rejoins;

    /**
     * Build the log.
     *
     * @param base     an empty directory it owns (deleted by {@link #close}).
     * @param keys     the SETs.
     * @param fraction where the snapshot is taken, as a fraction of the connections (0.99: before the last 1%).
     */
    public KvRejoinLog(final Path base, final int keys, final double fraction) throws InterruptedException
    {
        this.base = base;
        this.keys = keys;
        primaryKv = new KvService();
        final ReplicatedService primary = replicated(primaryKv);
        final ServiceSnapshots snapshots = new ServiceSnapshots(base.resolve("snapshots"), primaryKv.name());
        primary.snapshotTaker(snapshots);
        final UnsafeBuffer record = new UnsafeBuffer(ByteBuffer.allocateDirect(DataFlyweight.HEADER_LENGTH + MAX_DATA + 64));
        final long start = System.nanoTime();
        long snapshotAt = 0;
        try (ReplicationLog log = ReplicationLog.open(base.resolve("primary-log")))
        {
            final int snapshotAfter = (int)(keys * fraction) / KEYS_PER_CONNECTION;
            final int connections = (keys + KEYS_PER_CONNECTION - 1) / KEYS_PER_CONNECTION;
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
                }
                writeConnection(log, primary, record, c, Math.min(KEYS_PER_CONNECTION, keys - c * KEYS_PER_CONNECTION));
            }
            lastPosition = log.lastPosition();
            // The logger's log after retention: what follows the snapshot, nothing before it.
            try (ReplicationLog retained = ReplicationLog.open(base.resolve("retained-log"));
                 LogReader reader = log.newReader(snapshotAt + 1))
            {
                retained.startAt(snapshotAt + 1);
                while (reader.poll((buffer, offset, length, position) -> retained.append(buffer, offset, length), 1024) > 0)
                {
                    // every record after the snapshot
                }
            }
        }
        buildSeconds = (System.nanoTime() - start) / 1e9;
        takeMs = snapshots.lastTakeNs() / 1e6;
        writeMs = snapshots.lastWriteNs() / 1e6;
        snapshots.close();
        snapshotPosition = snapshotAt;
        digest = primaryKv.contentDigest();
    }

    /** The primary's kv, with every key. */
    public KvService primary()
    {
        return primaryKv;
    }

    public int keys()
    {
        return keys;
    }

    /** The SNAPSHOT record's position, 0 when the snapshot fell after the last connection. */
    public long snapshotPosition()
    {
        return snapshotPosition;
    }

    public long lastPosition()
    {
        return lastPosition;
    }

    /** The primary's store, by {@link KvService#contentDigest}. */
    public long digest()
    {
        return digest;
    }

    public double buildSeconds()
    {
        return buildSeconds;
    }

    /** How long kv's capture held the primary's duty cycle, and how long the snapshot thread then wrote. */
    public double takeMs()
    {
        return takeMs;
    }

    public double writeMs()
    {
        return writeMs;
    }

    /** The first position the retained log (the logger's, after retention) still holds. */
    public long retainedFirstPosition()
    {
        try (ReplicationLog retained = ReplicationLog.open(base.resolve("retained-log")))
        {
            return retained.firstPosition();
        }
    }

    /** A backup that starts empty and is fed the whole log from position 1. */
    public Rejoin rejoinFromWholeLog()
    {
        return rejoin(base.resolve("primary-log"), false);
    }

    /** A backup that starts empty, loads the newest snapshot, and is fed the retained log after it. */
    public Rejoin rejoinFromSnapshot()
    {
        return rejoin(base.resolve("retained-log"), true);
    }

    private Rejoin rejoin(final Path sourceLog, final boolean fromSnapshot)
    {
        final Path dir = base.resolve("rejoin-" + rejoins++);
        System.gc();
        final long start = System.nanoTime();
        final KvService kv = new KvService();
        final ReplicatedService replica = replicated(kv);
        double loadMs = 0;
        long from = 0;
        try (ReplicationLog own = ReplicationLog.open(dir.resolve("log"));
             ReplicationLog source = ReplicationLog.open(sourceLog))
        {
            if (fromSnapshot)
            {
                final ServiceSnapshots snapshots = new ServiceSnapshots(base.resolve("snapshots"), kv.name());
                from = snapshots.load(replica);
                snapshots.close();
                own.startAt(from + 1);
                replica.startFromSnapshot(from);
                loadMs = (System.nanoTime() - start) / 1e6;
            }
            try (LogReader reader = source.newReader(from + 1))
            {
                while (reader.poll((buffer, offset, length, position) ->
                {
                    own.append(buffer, offset, length);
                    replica.apply(buffer, offset, length);
                }, 1024) > 0)
                {
                    // until the feed has nothing more
                }
            }
        }
        final double ms = (System.nanoTime() - start) / 1e6;
        delete(dir);
        return new Rejoin(replica.recordsApplied(), kv.contentDigest(), kv.size(), ms, loadMs);
    }

    @Override
    public void close()
    {
        delete(base);
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
        record.putLong(RecordHeaderFlyweight.POSITION_OFFSET, position, ByteOrder.LITTLE_ENDIAN);
        primary.apply(record, 0, length);
        return position;
    }

    private static ReplicatedService replicated(final KvService kv)
    {
        return new ReplicatedService(kv, 256 * 1024, 256 * 1024, 0);
    }

    private static void delete(final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> files = Files.walk(dir))
        {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
