package io.ertcp.log;

import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;

import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * The child process of {@link ReplicationLogCrashTest}: appends DATA records to the log in a directory as fast as it
 * can and prints each position once the append returned, until it is killed. Record n carries stream offset n, so
 * the parent can check every byte of what survived. With a second argument {@code torn} it appends ten records and
 * then stops in the middle of writing the next one (its Chronicle header never completed) until it is killed.
 * <p>
 * The modes ending in {@code -pretouch} fault in pages ahead of the write position as a node's duty cycle does
 * ({@link ReplicationLog#pretouch()} after every append, and to the full distance before the tear):
 * {@code loop-pretouch} appends until killed, {@code torn-pretouch} stops mid-excerpt as {@code torn} does, and
 * {@code crc-pretouch} leaves a complete excerpt whose record lost its second half (a torn page: the header is
 * there, the checksum does not match) and waits to be killed.
 * <p>
 * Mode {@code loop-writer} appends through a {@link LogWriter} on a thread of its own, as the ER-TCP primary does: it
 * builds each record in one of {@link #WRITER_SLOTS} off-heap slots, hands it over, and prints each position once the
 * log's last position covers it; so at most {@link #WRITER_SLOTS} records past the last printed one are in flight.
 */
public final class CrashingAppender
{
    /** Records in flight to the writer in mode {@code loop-writer}. */
    static final int WRITER_SLOTS = 8;

    private CrashingAppender()
    {
    }

    private static void appendThroughWriter(final ReplicationLog log, final PrintStream out, final TestRecords records)
    {
        final LogWriter writer = log.startWriter();
        final int slotBytes = 64 * 1024;
        final UnsafeBuffer slots = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(WRITER_SLOTS * slotBytes));
        final RecordCodec codec = new RecordCodec();
        long reported = log.lastPosition();
        for (long n = log.lastPosition() + 1; ; n++)
        {
            while (log.lastPosition() <= n - WRITER_SLOTS)
            {
                Thread.onSpinWait(); // the slot's record is not in the log yet
            }
            final int at = (int)(n % WRITER_SLOTS) * slotBytes;
            final int length = records.data(n, TestRecords.lengthOf(n));
            slots.putBytes(at, records.buffer(), 0, length);
            slots.putLong(at + RecordHeaderFlyweight.POSITION_OFFSET, n, ByteOrder.LITTLE_ENDIAN);
            codec.stampChecksum(slots, at, length);
            for (final long last = log.lastPosition(); reported < last; )
            {
                out.println(++reported);
            }
            while (!writer.hand(slots.addressOffset() + at, length))
            {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * Append a few records, then stop in the middle of writing one (its Chronicle header not yet complete) and
     * wait there to be killed: the state a crash mid-append leaves.
     */
    private static void tearAnAppend(
        final ReplicationLog log,
        final PrintStream out,
        final TestRecords records,
        final long first,
        final boolean pretouch,
        final boolean completeExcerpt)
    {
        long n = first;
        for (; n < first + 10; n++)
        {
            out.println(log.append(records.buffer(), 0, records.data(n, TestRecords.lengthOf(n))));
            if (pretouch)
            {
                log.pretouch();
            }
        }
        while (pretouch && log.pretouch() > 0)
        {
            // Every page up to the full distance ahead is faulted in before the tear.
        }
        final int length = records.data(n, TestRecords.lengthOf(n));
        final UnsafeBuffer record = new UnsafeBuffer(new byte[length]);
        record.putBytes(0, records.buffer(), 0, length);
        record.putLong(RecordHeaderFlyweight.POSITION_OFFSET, n, ByteOrder.LITTLE_ENDIAN);
        new RecordCodec().stampChecksum(record, 0, length);
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(log.directory())
            .rollCycle(TestRollCycles.TEST_SECONDLY).build();
            ExcerptAppender appender = queue.createAppender();
            DocumentContext dc = appender.writingDocument())
        {
            final byte[] bytes = new byte[completeExcerpt ? length : length / 2];
            // A torn page: the record's first half reached the file, its second half is zeros.
            record.getBytes(0, bytes, 0, length / 2);
            dc.wire().bytes().write(bytes);
            if (completeExcerpt)
            {
                dc.close();
            }
            out.println("TORN");
            while (true)
            {
                LockSupport.parkNanos(1_000_000_000L);
            }
        }
    }

    public static void main(final String[] args)
    {
        final PrintStream out = new PrintStream(System.out, true);
        final TestRecords records = new TestRecords();
        try (ReplicationLog log = ReplicationLog.open(
            Path.of(args[0]), TestRollCycles.TEST_SECONDLY, SystemTimeProvider.INSTANCE, SyncMode.NONE))
        {
            out.println("READY " + log.lastPosition());
            long n = log.lastPosition() + 1;
            final String mode = args.length > 1 ? args[1] : "loop";
            final boolean pretouch = mode.endsWith("-pretouch");
            if (mode.equals("loop-writer"))
            {
                appendThroughWriter(log, out, records);
            }
            if (mode.startsWith("torn") || mode.startsWith("crc"))
            {
                tearAnAppend(log, out, records, n, pretouch, mode.startsWith("crc"));
            }
            while (true)
            {
                final long position = log.append(records.buffer(), 0, records.data(n, TestRecords.lengthOf(n)));
                out.println(position);
                if (pretouch)
                {
                    log.pretouch();
                }
                n++;
            }
        }
    }
}
