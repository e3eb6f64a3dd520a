package io.ertcp.log;

import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The child process of {@link ReplicationLogCrashTest}: appends DATA records to the log in a directory as fast as it
 * can and prints each position once the append returned, until it is killed. Record n carries stream offset n, so
 * the parent can check every byte of what survived.
 */
public final class CrashingAppender
{
    private CrashingAppender()
    {
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
            while (true)
            {
                final long position = log.append(records.buffer(), 0, records.data(n, TestRecords.lengthOf(n)));
                out.println(position);
                n++;
            }
        }
    }
}
