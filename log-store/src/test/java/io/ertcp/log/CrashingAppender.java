package io.ertcp.log;

import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;

import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * The child process of {@link ReplicationLogCrashTest}: appends DATA records to the log in a directory as fast as it
 * can and prints each position once the append returned, until it is killed. Record n carries stream offset n, so
 * the parent can check every byte of what survived. With a second argument {@code torn} it appends ten records and
 * then stops in the middle of writing the next one (its Chronicle header never completed) until it is killed.
 */
public final class CrashingAppender
{
    private CrashingAppender()
    {
    }

    /**
     * Append a few records, then stop in the middle of writing one (its Chronicle header not yet complete) and
     * wait there to be killed: the state a crash mid-append leaves.
     */
    private static void tearAnAppend(
        final ReplicationLog log, final PrintStream out, final TestRecords records, final long first)
    {
        long n = first;
        for (; n < first + 10; n++)
        {
            out.println(log.append(records.buffer(), 0, records.data(n, TestRecords.lengthOf(n))));
        }
        final int length = records.data(n, TestRecords.lengthOf(n));
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(log.directory())
            .rollCycle(TestRollCycles.TEST_SECONDLY).build();
            ExcerptAppender appender = queue.createAppender();
            DocumentContext dc = appender.writingDocument())
        {
            final byte[] half = new byte[length / 2];
            records.buffer().getBytes(0, half);
            dc.wire().bytes().write(half);
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
            if (args.length > 1 && "torn".equals(args[1]))
            {
                tearAnAppend(log, out, records, n);
            }
            while (true)
            {
                final long position = log.append(records.buffer(), 0, records.data(n, TestRecords.lengthOf(n)));
                out.println(position);
                n++;
            }
        }
    }
}
