package io.ertcp.jmh;

import io.ertcp.log.DataFlyweight;
import io.ertcp.log.LogReader;
import io.ertcp.log.RecordHandler;
import io.ertcp.log.ReplicationLog;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Records per second into and out of the replication log on disk: {@code append} of one DATA record (64 bytes of
 * payload, and a full 1460-byte segment) as the logger does for every replicated event, and {@code poll} of one
 * record as a catching-up backup does. Allocation per record must be 0 (run with -prof gc).
 * <p>
 * The append benchmark moves a settable clock one roll cycle forward every {@link #RECORDS_PER_CYCLE} records and
 * deletes the cycles behind it, as retention would, so a run at disk speed does not fill the disk; the cost of
 * rolling and deleting is part of the figure, amortised.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dchronicle.analytics.disable=true", "-Dchronicle.announcer.disable=true"})
public class ReplicationLogBenchmark
{
    static final int RECORDS_PER_CYCLE = 64 * 1024;
    static final int READ_LOG_RECORDS = 100_000;
    static final long CYCLE_MS = TimeUnit.HOURS.toMillis(1);
    /** Records per {@link #appendBurst}: a receive burst of 32 frames, each a full 1460-byte segment. */
    static final int BURST_RECORDS = 32;

    /**
     * A log to append to, in a temporary directory removed at the end.
     */
    @State(Scope.Thread)
    public static class AppendState
    {
        @Param({"64", "1460"})
        public int payloadLength;

        Path directory;
        SetTimeProvider clock;
        ReplicationLog log;
        UnsafeBuffer record;
        int recordLength;
        int untilRoll = RECORDS_PER_CYCLE;

        @Setup(Level.Trial)
        public void setUp() throws IOException
        {
            directory = Files.createTempDirectory("ertcp-jmh-log");
            clock = new SetTimeProvider(System.currentTimeMillis());
            log = ReplicationLog.open(directory, RollCycles.FAST_HOURLY, clock, SyncMode.NONE);
            record = dataRecord(payloadLength);
            recordLength = DataFlyweight.HEADER_LENGTH + payloadLength;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException
        {
            log.close();
            deleteRecursively(directory);
        }
    }

    /**
     * A log to append bursts of full segments to, on tmpfs or on disk, rolled and trimmed as {@link AppendState}.
     */
    @State(Scope.Thread)
    public static class BurstState
    {
        @Param({"/dev/shm", "/var/tmp"})
        public String logRoot;

        /**
         * {@code none}: appends fault in their own pages. {@code idle}: the pages are faulted in between bursts and
         * not timed, as a duty cycle's idle time would ({@link ReplicationLog#pretouch()} until it has nothing to
         * do): the cost left on the hot path. {@code inline}: one {@code pretouch()} after every burst, timed, as
         * {@code ClusterNode} calls it once per duty cycle: the whole cost.
         */
        @Param({"none", "idle", "inline"})
        public String pretouch;

        /** A full segment, or a record as large as the primary builds from one duty cycle's receive burst. */
        @Param({"1460", "15600"})
        public int payloadLength;

        Path directory;
        SetTimeProvider clock;
        ReplicationLog log;
        UnsafeBuffer record;
        int recordLength;
        int untilRoll = RECORDS_PER_CYCLE;
        boolean inline;

        @Setup(Level.Trial)
        public void setUp() throws IOException
        {
            directory = Files.createTempDirectory(Path.of(logRoot), "ertcp-jmh-log");
            clock = new SetTimeProvider(System.currentTimeMillis());
            log = ReplicationLog.open(directory, RollCycles.FAST_HOURLY, clock, SyncMode.NONE);
            record = dataRecord(payloadLength);
            recordLength = DataFlyweight.HEADER_LENGTH + payloadLength;
            inline = "inline".equals(pretouch);
        }

        @Setup(Level.Invocation)
        public void pretouchWhileIdle()
        {
            if ("idle".equals(pretouch))
            {
                while (log.pretouch() > 0)
                {
                }
            }
        }

        void rollEvery(final int records, final long position)
        {
            untilRoll -= records;
            if (untilRoll <= 0)
            {
                untilRoll = RECORDS_PER_CYCLE;
                clock.advanceMillis(CYCLE_MS);
                log.retainFrom(position);
            }
        }

        /**
         * @return the record bytes one {@link #appendBurst} writes, in MiB.
         */
        public double burstMiB()
        {
            return BURST_RECORDS * (double)recordLength / (1 << 20);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException
        {
            log.close();
            deleteRecursively(directory);
        }
    }

    /**
     * A log filled once with {@link #READ_LOG_RECORDS} records, and a reader that starts over at the end.
     */
    @State(Scope.Thread)
    public static class ReadState
    {
        @Param({"64", "1460"})
        public int payloadLength;

        Path directory;
        ReplicationLog log;
        LogReader reader;
        long sum;
        final RecordHandler handler = (buffer, offset, length, position) -> sum += length;

        @Setup(Level.Trial)
        public void setUp() throws IOException
        {
            directory = Files.createTempDirectory("ertcp-jmh-log");
            log = ReplicationLog.open(
                directory, RollCycles.FAST_HOURLY, new SetTimeProvider(System.currentTimeMillis()), SyncMode.NONE);
            final UnsafeBuffer record = dataRecord(payloadLength);
            for (int i = 0; i < READ_LOG_RECORDS; i++)
            {
                log.append(record, 0, DataFlyweight.HEADER_LENGTH + payloadLength);
            }
            reader = log.newReader(1);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException
        {
            reader.close();
            log.close();
            deleteRecursively(directory);
        }
    }

    @Benchmark
    public long append(final AppendState state)
    {
        final long position = state.log.append(state.record, 0, state.recordLength);
        if (--state.untilRoll == 0)
        {
            state.untilRoll = RECORDS_PER_CYCLE;
            state.clock.advanceMillis(CYCLE_MS);
            state.log.retainFrom(position);
        }
        return position;
    }

    /**
     * One duty cycle's worth of appends, as a logger writes a receive burst of full segments: the figure per MiB is
     * the score divided by {@link BurstState#burstMiB()}. The log lives on {@code logRoot}: tmpfs ({@code /dev/shm})
     * or a disk file system ({@code /var/tmp}, ext4 on the machine of BENCHMARKS.md).
     */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long appendBurst(final BurstState state)
    {
        long position = 0;
        for (int i = 0; i < BURST_RECORDS; i++)
        {
            position = state.log.append(state.record, 0, state.recordLength);
        }
        state.rollEvery(BURST_RECORDS, position);
        if (state.inline)
        {
            state.log.pretouch();
        }
        return position;
    }

    @Benchmark
    public void read(final ReadState state, final Blackhole blackhole)
    {
        if (0 == state.reader.poll(state.handler, 1))
        {
            state.reader.seek(1);
        }
        blackhole.consume(state.sum);
    }

    static UnsafeBuffer dataRecord(final int payloadLength)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[payloadLength]);
        for (int i = 0; i < payloadLength; i++)
        {
            payload.putByte(i, (byte)i);
        }
        final UnsafeBuffer record = new UnsafeBuffer(new byte[DataFlyweight.HEADER_LENGTH + payloadLength]);
        new DataFlyweight().wrap(record, 0).write(1, 42L, 0L, payload, 0, payloadLength);
        return record;
    }

    static void deleteRecursively(final Path directory) throws IOException
    {
        try (Stream<Path> paths = Files.walk(directory))
        {
            for (final Path path : paths.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
    }
}
