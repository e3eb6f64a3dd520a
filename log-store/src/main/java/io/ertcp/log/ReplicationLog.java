package io.ertcp.log;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.MappedBytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The replication log: every replicated record, in the order every replica delivers it, in a Chronicle Queue
 * directory. The logger appends to it and confirms; backups that fell behind read it with a {@link LogReader}.
 * <p>
 * <b>Positions</b> are dense and monotonic: 1, 2, 3 ... with no gap, across restarts and roll cycles. The log stamps
 * each record's position (and its CRC32C) into the stored copy's header, so a record read back says where it is;
 * position 0 means "before the first record". Chronicle's own index (cycle and sequence) is not dense across
 * cycles and is not exposed: a reader finds a position from the first position of each cycle.
 * <p>
 * <b>Durability.</b> An append is a copy into a memory-mapped file followed by a header write that marks the
 * excerpt complete. When {@link #append} returns, the record is in the kernel's page cache: it survives the death of
 * this process (kill -9, an OutOfMemoryError, a JVM crash), because the kernel writes the dirty pages back on its
 * own. It survives a machine crash or power loss only once written back: {@link #sync()} forces that (msync of the
 * current cycle file, costing a disk flush: call it per batch, not per record), or pass a {@link SyncMode} to
 * {@link #open(Path, RollCycle, TimeProvider, SyncMode)} for Chronicle's own msync policy. So by default a record
 * is durable for docs/architecture.md rule 1 once {@code append} returns if "durable" means "survives the logger process"; a
 * deployment that must survive the logger machine losing power calls {@link #sync()} before confirming.
 * <p>
 * <b>Torn tail.</b> A crash in the middle of an append leaves one of two things. An excerpt whose Chronicle header
 * was never marked complete: Chronicle's own recovery deals with it when the directory is reopened (in the crash
 * test a reopen after a kill -9 inside an excerpt takes well under a second), and it is never delivered. Or an excerpt complete in Chronicle's eyes whose bytes do
 * not match the record's CRC32C (a torn page, a damaged disk block, a partial record): on open the log scans back
 * from the end past such records to the last intact one. That is {@link #lastPosition()}; appends continue after
 * it (the next record reuses the cut record's position); {@link #recoveryReport()} says what was cut, once, at the
 * open that found it; and readers step over the cut records. An intact record whose position jumps ahead means
 * damage in the middle of the log, not at its tail: readers stop there and say so.
 * <p>
 * <b>Pretouching</b> ({@link #pretouch()}): a fresh page of a mapped file costs a page fault on its first write,
 * which was most of an append's cost; the appending thread calls {@code pretouch()} once per duty cycle, after its
 * frames went out, and each call faults in a bounded step of pages ahead of the write position (see
 * {@code LogPretoucher}). It changes no byte of the files: a pretouched log holds exactly what an untouched one
 * holds, and the torn-tail handling above finds the same last record.
 * <p>
 * <b>Retention</b> ({@link #retainFrom(long)}) deletes whole roll-cycle files whose records all lie before a
 * position nobody needs any more (the oldest live connection's OPEN, or a snapshot's position).
 * <p>
 * One appending thread (the owner), or the owner and the {@link LogWriter} it started, which take turns ({@link
 * #startWriter}); each reader belongs to one thread; close readers before the log. Appends and reads allocate
 * nothing in steady state (JMH -prof gc: under 1 B/op, the amortised cost of rolling and retention).
 */
public final class ReplicationLog implements AutoCloseable
{
    /** The roll cycle when none is given: a cycle an hour keeps files small enough for retention to be useful. */
    public static final RollCycle DEFAULT_ROLL_CYCLE = RollCycles.FAST_HOURLY;

    /** Largest record accepted; a DATA record of one 64 KiB segment plus headers fits. */
    public static final int MAX_RECORD_LENGTH = 128 * 1024;

    private final Path directory;
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private final RecordCodec codec = new RecordCodec();
    private final UnsafeBuffer excerpt = new UnsafeBuffer(0, 0);
    private final LogPretoucher pretoucher;
    private final Map<Integer, File> cycleFiles = new ConcurrentHashMap<>();
    private final long tornRecords;
    private final String recoveryReport;
    /** Written by the appending thread (the owner, or its {@link LogWriter}); read by any. */
    private volatile long lastPosition;
    private volatile int lastEpoch;
    /** The thread of the last append, so that Chronicle's appender is handed over when another one appends. */
    private Thread appendingThread;
    /** Appends the owner hands it on a thread of its own, or null ({@link #startWriter}). */
    private volatile LogWriter writer;
    /** The positions of the newest SNAPSHOT records appended since the log opened, newest first (0: none). */
    private final long[] snapshotRecords = new long[SnapshotStore.KEEP];

    private ReplicationLog(
        final Path directory,
        final RollCycle rollCycle,
        final TimeProvider timeProvider,
        final SyncMode syncMode,
        final LogPretoucher pretoucher)
    {
        this.directory = directory;
        this.pretoucher = pretoucher;
        this.queue = SingleChronicleQueueBuilder.binary(directory)
            .rollCycle(rollCycle)
            .timeProvider(timeProvider)
            .syncMode(syncMode)
            .storeFileListener(new CycleFileListener(cycleFiles))
            .build();

        long torn = 0;
        long last = 0;
        int epoch = 0;
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        try (ExcerptTailer tailer = queue.createTailer())
        {
            tailer.direction(TailerDirection.BACKWARD).toEnd();
            while (true)
            {
                try (DocumentContext dc = tailer.readingDocument())
                {
                    if (!dc.isPresent())
                    {
                        break;
                    }

                    if (wrapExcerpt(dc, view) && codec.isIntact(view, 0, view.capacity()))
                    {
                        last = view.getLong(RecordHeaderFlyweight.POSITION_OFFSET, ByteOrder.LITTLE_ENDIAN);
                        epoch = view.getInt(RecordHeaderFlyweight.EPOCH_OFFSET, ByteOrder.LITTLE_ENDIAN);
                        break;
                    }
                    torn++;
                }
            }
        }

        this.tornRecords = torn;
        this.lastPosition = last;
        this.lastEpoch = epoch;
        this.recoveryReport = 0 == torn ? null :
            "Replication log " + directory + ": " + torn + " torn or corrupt record(s) after position " + last +
            " were cut from the readable log (a crash interrupted an append); appends continue at " + (last + 1) + ".";
        this.appender = queue.createAppender();
    }

    /**
     * Open (or create) the log in a directory with the default roll cycle and the system clock, no sync.
     */
    public static ReplicationLog open(final Path directory)
    {
        return open(directory, DEFAULT_ROLL_CYCLE, SystemTimeProvider.INSTANCE, SyncMode.NONE);
    }

    /** The roll cycles a cluster file may name: how often a new file starts, the unit retention deletes. */
    public static final List<String> ROLL_CYCLE_NAMES = List.of("hourly", "10min", "5min", "seconds");

    /**
     * Open (or create) the log with a roll cycle by name (see {@link #ROLL_CYCLE_NAMES}; {@code seconds} is for tests
     * of retention), the system clock and no sync.
     */
    public static ReplicationLog open(final Path directory, final String rollCycleName)
    {
        final RollCycle rollCycle = switch (rollCycleName)
        {
            case "hourly" -> RollCycles.FAST_HOURLY;
            case "10min" -> RollCycles.TEN_MINUTELY;
            case "5min" -> RollCycles.FIVE_MINUTELY;
            case "seconds" -> net.openhft.chronicle.queue.rollcycles.TestRollCycles.TEST_SECONDLY;
            default -> throw new IllegalArgumentException("Unknown roll cycle '" + rollCycleName + "': choose one of " +
                String.join(", ", ROLL_CYCLE_NAMES) + ".");
        };
        return open(directory, rollCycle, SystemTimeProvider.INSTANCE, SyncMode.NONE);
    }

    /**
     * Open (or create) the log in a directory.
     *
     * @param rollCycle    how often a new file starts; retention deletes whole files. It must be the same on every
     *                     open of one directory.
     * @param timeProvider the clock that decides the cycle (tests give a settable one).
     * @param syncMode     {@link SyncMode#NONE} (page cache only, survives kill -9), {@link SyncMode#ASYNC} or
     *                     {@link SyncMode#SYNC} (msync as Chronicle writes, survives a machine crash).
     */
    public static ReplicationLog open(
        final Path directory, final RollCycle rollCycle, final TimeProvider timeProvider, final SyncMode syncMode)
    {
        return new ReplicationLog(
            directory, rollCycle, timeProvider, syncMode, new LogPretoucher(LogPretoucher.Settings.DEFAULT, true));
    }

    /**
     * As {@link #open(Path, RollCycle, TimeProvider, SyncMode)} with a pretoucher of its own: tests of pretouching.
     */
    static ReplicationLog open(
        final Path directory,
        final RollCycle rollCycle,
        final TimeProvider timeProvider,
        final SyncMode syncMode,
        final LogPretoucher pretoucher)
    {
        return new ReplicationLog(directory, rollCycle, timeProvider, syncMode, pretoucher);
    }

    public Path directory()
    {
        return directory;
    }

    /**
     * The position of the last intact record, 0 when the log is empty; after a restart, the last one that survived.
     */
    public long lastPosition()
    {
        return lastPosition;
    }

    /**
     * The epoch of the last record, 0 when the log is empty. Records of an older epoch are refused.
     */
    public int lastEpoch()
    {
        return lastEpoch;
    }

    /**
     * How many torn or corrupt records the open found at the end of the log and cut from the readable log.
     */
    public long tornRecords()
    {
        return tornRecords;
    }

    /**
     * One sentence describing the torn tail cut at open, or null when the log was intact.
     */
    public String recoveryReport()
    {
        return recoveryReport;
    }

    /**
     * Everything {@link #append} checks of a record except its position, without writing it: the primary checks a
     * record when it publishes it and appends it once its frames are out.
     *
     * @throws IllegalArgumentException with one sentence when the record is malformed or of an older epoch.
     */
    public void checkAppendable(final DirectBuffer record, final int offset, final int length)
    {
        final String problem = codec.validate(record, offset, length);
        if (null != problem)
        {
            throw new IllegalArgumentException(problem);
        }
        if (RecordType.DATA_REF == (record.getShort(offset + RecordHeaderFlyweight.TYPE_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF))
        {
            throw new IllegalArgumentException(
                "A DATA_REF record stands for a DATA record on the ST-TCP channel and is never logged: append the DATA record it was rebuilt into.");
        }
        if (length > MAX_RECORD_LENGTH)
        {
            throw new IllegalArgumentException(
                "A record of " + length + " bytes exceeds the log's limit of " + MAX_RECORD_LENGTH + " bytes.");
        }
        final int epoch = record.getInt(offset + RecordHeaderFlyweight.EPOCH_OFFSET, ByteOrder.LITTLE_ENDIAN);
        if (epoch < lastEpoch)
        {
            throw new IllegalArgumentException(
                "The record's epoch " + epoch + " is older than the log's epoch " + lastEpoch +
                ": it comes from a deposed primary and is fenced off.");
        }
    }

    /**
     * Append one record: its header and body as the codecs wrote them. The log stamps the next position and the
     * checksum into the stored copy (the caller's buffer is not changed). A record that already carries a position
     * (non-zero, as a logger receives them from the primary) must carry exactly the next one. A record of an epoch
     * older than the last record's comes from a deposed primary and is refused (fencing, docs/architecture.md rule 4).
     *
     * @return the record's position.
     * @throws IllegalArgumentException with one sentence when the record is malformed or out of order.
     */
    public long append(final DirectBuffer record, final int offset, final int length)
    {
        settleWriter();
        checkAppendable(record, offset, length);

        final long position = lastPosition + 1;
        final long carried = record.getLong(offset + RecordHeaderFlyweight.POSITION_OFFSET, ByteOrder.LITTLE_ENDIAN);
        if (0 != carried && position != carried)
        {
            throw new IllegalArgumentException(
                "The record carries position " + carried + " but the log's next position is " + position + ".");
        }

        final int epoch = record.getInt(offset + RecordHeaderFlyweight.EPOCH_OFFSET, ByteOrder.LITTLE_ENDIAN);
        takeAppender();
        try (DocumentContext dc = appender.writingDocument())
        {
            final Bytes<?> bytes = dc.wire().bytes();
            final long writePosition = bytes.writePosition();
            bytes.writeSkip(length);
            excerpt.wrap(bytes.addressForWrite(writePosition), length);
            excerpt.putBytes(0, record, offset, length);
            excerpt.putLong(RecordHeaderFlyweight.POSITION_OFFSET, position, ByteOrder.LITTLE_ENDIAN);
            codec.stampChecksum(excerpt, 0, length);
            pretoucher.wrote(bytes.bytesStore(), cycleFile(bytes), writePosition + length);
        }

        lastPosition = position;
        lastEpoch = epoch;
        noteSnapshotRecord(record, offset, position);
        return position;
    }

    /**
     * Append one record that already carries its position (exactly the next one) and a checksum over it that the
     * caller stamped (the primary) or verified (a receiver): stored as it is, without computing the CRC32C again, so
     * a record's checksum is computed once per hop (issue 11 item 3). The checks of {@link #append} apply otherwise.
     *
     * @return the record's position.
     * @throws IllegalArgumentException with one sentence when the record is malformed, out of order or carries no
     *                                  position.
     */
    public long appendStamped(final DirectBuffer record, final int offset, final int length)
    {
        settleWriter();
        checkAppendable(record, offset, length);

        final long position = lastPosition + 1;
        final long carried = record.getLong(offset + RecordHeaderFlyweight.POSITION_OFFSET, ByteOrder.LITTLE_ENDIAN);
        if (position != carried)
        {
            throw new IllegalArgumentException(
                "The record carries position " + carried + " but the log's next position is " + position + ".");
        }

        final int epoch = record.getInt(offset + RecordHeaderFlyweight.EPOCH_OFFSET, ByteOrder.LITTLE_ENDIAN);
        takeAppender();
        try (DocumentContext dc = appender.writingDocument())
        {
            final Bytes<?> bytes = dc.wire().bytes();
            final long writePosition = bytes.writePosition();
            bytes.writeSkip(length);
            excerpt.wrap(bytes.addressForWrite(writePosition), length);
            excerpt.putBytes(0, record, offset, length);
            pretoucher.wrote(bytes.bytesStore(), cycleFile(bytes), writePosition + length);
        }

        lastPosition = position;
        lastEpoch = epoch;
        noteSnapshotRecord(record, offset, position);
        return position;
    }

    /**
     * Append from now on on a thread of its own what the calling thread (the owner) {@link LogWriter#hand}s it, from
     * memory the owner keeps until {@link #lastPosition()} covers it: the ER-TCP primary's own copy of the log, taken
     * from its sender's window off the duty cycle. The owner's own calls go on as before; an append, a sync or a
     * snapshot lookup from it first waits for what the writer was handed. The writer also takes over the
     * pretouching ({@link #pretouch()} does nothing on the owner's thread meanwhile, except while the owner holds the log:
     * {@link LogWriter#drain}, {@link LogWriter#tryHold}).
     *
     * @return the writer; the same one when it runs already.
     */
    public LogWriter startWriter()
    {
        LogWriter current = writer;
        if (null == current)
        {
            current = new LogWriter(this, "ertcp-log-writer");
            writer = current;
        }
        return current;
    }

    /**
     * Stop the writer, once it appended everything it was handed; appends continue on the caller's thread. Nothing
     * when none runs.
     */
    public void stopWriter()
    {
        final LogWriter current = writer;
        if (null != current)
        {
            current.close();
            writer = null;
        }
    }

    /**
     * @return the writer {@link #startWriter} started, or null.
     */
    public LogWriter writer()
    {
        return writer;
    }

    /** The owner's use of the log waits for what it handed the writer; the writer's own appends go straight on. */
    private void settleWriter()
    {
        final LogWriter current = writer;
        if (null != current && Thread.currentThread() != current.thread())
        {
            current.drain();
        }
    }

    /** Chronicle's appender belongs to one thread at a time: hand it to this one when another appended last. */
    private void takeAppender()
    {
        final Thread current = Thread.currentThread();
        if (current != appendingThread)
        {
            appender.singleThreadedCheckReset();
            appendingThread = current;
        }
    }

    /** The writer's pretouch, between its appends. */
    int pretouchOwned()
    {
        return pretoucher.pretouch();
    }

    /** The cycle file the appender's bytes map, for the prefaulter; a field read, no allocation. */
    private static java.io.File cycleFile(final Bytes<?> bytes)
    {
        return bytes instanceof MappedBytes mapped ? mapped.mappedFile().file() : null;
    }

    private void noteSnapshotRecord(final DirectBuffer record, final int offset, final long position)
    {
        if (RecordType.SNAPSHOT == (record.getShort(offset + RecordHeaderFlyweight.TYPE_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF))
        {
            System.arraycopy(snapshotRecords, 0, snapshotRecords, 1, snapshotRecords.length - 1);
            snapshotRecords[0] = position;
        }
    }

    /**
     * Where the SNAPSHOT records appended since this log was opened lie: every replica snapshots its service there
     * (docs/architecture.md rule 7), so retention keeps the log after the oldest snapshot a node may still load.
     *
     * @param back 0 for the newest, 1 for the one before, up to {@link SnapshotStore#KEEP} - 1.
     * @return its position, or 0 when there were not that many.
     */
    public long snapshotRecordPosition(final int back)
    {
        settleWriter();
        return snapshotRecords[back];
    }

    /**
     * Fault in the next pages of the current cycle file ahead of the write position, so later appends do not stop
     * for page faults: one bounded step (at most 256 KiB of pages, towards 4 MiB ahead), allocation-free, and it
     * never changes a byte of the file. Call it from the appending thread's duty cycle after its frames went out,
     * every cycle: each call is a no-op once the pages are far enough ahead.
     *
     * @return 1 when it faulted pages in, else 0.
     */
    public int pretouch()
    {
        final LogWriter current = writer;
        return null == current || current.ownerHolds() ? pretoucher.pretouch() : 0;
    }

    /**
     * The CPU time, in ns, of the process's log prefaulter thread so far (it allocates every log's pages ahead of its
     * appends, off the duty cycle), or -1 when it does not run: the per-byte harness counts it apart from the roles.
     */
    public static long prefaulterCpuNs()
    {
        return LogPrefaulter.threadCpuNs();
    }

    /**
     * The CPU time, in ns, of every log writer thread of the process so far ({@link #startWriter}; the ER-TCP
     * primary's own log copy, off the duty cycle), 0 when none ran: the per-byte harness counts it apart from the roles.
     */
    public static long writerCpuNs()
    {
        return LogWriter.totalCpuNs();
    }

    /**
     * @return whether the process's log prefaulter has every open log's pages in ahead of its last append (true when
     * there is none): the per-byte harness's {@code --prefault-wait} steps only then.
     */
    public static boolean prefaulterCaughtUp()
    {
        return LogPrefaulter.caughtUp();
    }

    /**
     * Force the records appended so far to disk (msync of the current cycle file), so they survive a machine crash.
     * Costs a disk flush; a logger that needs this calls it once per batch before confirming the batch.
     */
    public void sync()
    {
        settleWriter();
        if (appender.wire() != null && appender.wire().bytes() instanceof MappedBytes mapped)
        {
            mapped.sync();
        }
    }

    /**
     * A reader that delivers records from {@code fromPosition} on (1 for the whole log, {@code lastPosition() + 1} for
     * only new ones).
     */
    public LogReader newReader(final long fromPosition)
    {
        return newReader(fromPosition, false);
    }

    /**
     * A reader as {@link #newReader(long)}; a {@code trusted} one checks each record's structure but not its CRC32C,
     * for a reader of records this log's owner verified when it took them (a logger's feed to a backup, which
     * verifies them again on arrival): one checksum per hop (issue 11 item 3). Torn records are cut when the log
     * opens, so a trusted reader never meets one.
     */
    public LogReader newReader(final long fromPosition, final boolean trusted)
    {
        final LogReader reader = new LogReader(this, queue.createTailer(), trusted);
        reader.seek(fromPosition);
        return reader;
    }

    /**
     * Start an empty log at {@code position}: its first append must carry that position. A backup that rejoins after
     * retention deleted the start of the logger's log begins its own copy where the logger's begins now.
     *
     * @throws IllegalStateException when the log already holds records.
     */
    public void startAt(final long position)
    {
        settleWriter();
        if (position < 1)
        {
            throw new IllegalArgumentException("Record positions start at 1, not " + position + ".");
        }
        if (lastPosition != 0 || firstPosition() <= lastPosition)
        {
            throw new IllegalStateException("The replication log in " + directory + " already holds records up to " +
                lastPosition + ": only an empty log can start at position " + position + ".");
        }
        lastPosition = position - 1;
    }

    /**
     * The oldest position still readable, or {@code lastPosition() + 1} when the log holds no record.
     */
    public long firstPosition()
    {
        try (ExcerptTailer tailer = queue.createTailer())
        {
            final UnsafeBuffer view = new UnsafeBuffer(0, 0);
            for (final Long cycle : cycles())
            {
                final long first = firstPositionOfCycle(tailer, cycle.intValue(), view);
                if (first > 0)
                {
                    return first;
                }
            }
        }

        return lastPosition + 1;
    }

    /**
     * Delete every roll-cycle file whose records all lie before {@code position}: no reader may need a position
     * before it any more. The current cycle is never deleted.
     *
     * @return how many cycle files were deleted.
     */
    public int retainFrom(final long position)
    {
        final Long[] cycles = cycles().toArray(new Long[0]);
        int deleted = 0;
        try (ExcerptTailer tailer = queue.createTailer())
        {
            final UnsafeBuffer view = new UnsafeBuffer(0, 0);
            for (int i = 0; i < cycles.length - 1; i++)
            {
                final long nextFirst = firstPositionOfCycle(tailer, cycles[i + 1].intValue(), view);
                if (nextFirst <= 0 || nextFirst > position)
                {
                    break;
                }

                firstPositionOfCycle(tailer, cycles[i].intValue(), view);
                final File file = fileOf(cycles[i].intValue());
                cycleFiles.remove(cycles[i].intValue());
                if (null != file && file.delete())
                {
                    deleted++;
                }
            }
        }

        if (deleted > 0)
        {
            queue.refreshDirectoryListing();
        }

        return deleted;
    }

    /**
     * The file that holds a cycle: the one Chronicle reported opening, else the name Chronicle gives
     * a cycle (its roll cycle's date format, in UTC, plus the queue suffix), which also covers the
     * cycles it has not opened since this process started.
     */
    private File fileOf(final int cycle)
    {
        final File reported = cycleFiles.get(cycle);
        if (null != reported)
        {
            return reported;
        }
        final RollCycle rollCycle = queue.rollCycle();
        final String name = DateTimeFormatter.ofPattern(rollCycle.format()).withZone(ZoneOffset.UTC)
            .format(Instant.ofEpochMilli((long)cycle * rollCycle.lengthInMillis())) + SingleChronicleQueue.SUFFIX;
        final File file = new File(queue.file(), name);
        return file.exists() ? file : null;
    }

    @Override
    public void close()
    {
        stopWriter();
        pretoucher.close();
        appender.close();
        queue.close();
    }

    NavigableSet<Long> cycles()
    {
        queue.refreshDirectoryListing();
        final int firstCycle = queue.firstCycle();
        final int lastCycle = queue.lastCycle();
        if (firstCycle == Integer.MAX_VALUE || lastCycle == Integer.MIN_VALUE || firstCycle > lastCycle)
        {
            return new TreeSet<>();
        }

        return queue.listCyclesBetween(firstCycle, lastCycle);
    }

    RollCycle rollCycle()
    {
        return queue.rollCycle();
    }

    LogPretoucher pretoucher()
    {
        return pretoucher;
    }

    RecordCodec codec()
    {
        return codec;
    }

    /**
     * The position of the first intact record of a cycle, or 0 when the cycle holds none; leaves the tailer after
     * that record.
     */
    long firstPositionOfCycle(final ExcerptTailer tailer, final int cycle, final UnsafeBuffer view)
    {
        tailer.direction(TailerDirection.FORWARD);
        if (!tailer.moveToCycle(cycle))
        {
            return 0;
        }

        while (true)
        {
            try (DocumentContext dc = tailer.readingDocument())
            {
                if (!dc.isPresent() || tailer.cycle() != cycle)
                {
                    return 0;
                }

                if (wrapExcerpt(dc, view) && codec.isIntact(view, 0, view.capacity()))
                {
                    return view.getLong(RecordHeaderFlyweight.POSITION_OFFSET, ByteOrder.LITTLE_ENDIAN);
                }
            }
        }
    }

    /**
     * Point a view at the excerpt's bytes in the mapped file, without copying.
     */
    static boolean wrapExcerpt(final DocumentContext dc, final UnsafeBuffer view)
    {
        final Bytes<?> bytes = dc.wire().bytes();
        final long length = bytes.readRemaining();
        if (length <= 0 || length > MAX_RECORD_LENGTH)
        {
            return false;
        }

        view.wrap(bytes.addressForRead(bytes.readPosition()), (int)length);
        return true;
    }

    /**
     * Learns which file holds each cycle as Chronicle opens them, so retention deletes exactly Chronicle's files.
     */
    private record CycleFileListener(Map<Integer, File> cycleFiles) implements StoreFileListener
    {
        @Override
        public void onAcquired(final int cycle, final File file)
        {
            cycleFiles.put(cycle, file);
        }

        @Override
        public void onReleased(final int cycle, final File file)
        {
        }
    }
}
