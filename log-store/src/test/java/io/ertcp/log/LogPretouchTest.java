package io.ertcp.log;

import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pretouching faults in pages ahead of the appends and changes nothing else: the files of a pretouched log are byte
 * for byte those of a log never pretouched, and appends into pretouched pages take (almost) no page faults.
 */
class LogPretouchTest
{
    private static final long START_MS = 1_700_000_000_000L;
    private static final int PAYLOAD_LENGTH = 1460;
    private static final int RECORD_LENGTH = DataFlyweight.HEADER_LENGTH + PAYLOAD_LENGTH;

    @TempDir
    Path directory;

    private final TestRecords records = new TestRecords();

    @Test
    void aPretouchedLogHoldsByteForByteWhatAnUntouchedOneHolds() throws Exception
    {
        // Past one 64 MiB mapped chunk, and into a second cycle file.
        final long count = 60_000;
        final Path plain = writeLog("plain", count, null);
        final Path populated = writeLog("populated", count, new LogPretoucher(LogPretoucher.Settings.DEFAULT, true));
        final Path touched = writeLog("touched", count, new LogPretoucher(LogPretoucher.Settings.DEFAULT, false));

        final List<Path> plainFiles = TestRecords.cycleFiles(plain);
        assertEquals(2, plainFiles.size());
        for (final Path other : List.of(populated, touched))
        {
            final List<Path> otherFiles = TestRecords.cycleFiles(other);
            assertEquals(plainFiles.size(), otherFiles.size());
            for (int i = 0; i < plainFiles.size(); i++)
            {
                assertEquals(plainFiles.get(i).getFileName(), otherFiles.get(i).getFileName());
                assertEquals(-1L, Files.mismatch(plainFiles.get(i), otherFiles.get(i)),
                    otherFiles.get(i) + " differs from the log written without pretouching");
            }
        }
    }

    @Test
    void recordsAndPositionsReadBackIntactWhilePretouching()
    {
        final LogPretoucher pretoucher = new LogPretoucher(LogPretoucher.Settings.DEFAULT, true);
        try (ReplicationLog log = open(directory.resolve("log"), new SetTimeProvider(START_MS), pretoucher))
        {
            for (long n = 1; n <= 5_000; n++)
            {
                assertEquals(n, log.append(records.buffer(), 0, records.data(n, TestRecords.lengthOf(n))));
                log.pretouch();
                assertTrue(pretoucher.touchedTo() <= pretoucher.writtenTo() + LogPretoucher.Settings.DEFAULT.aheadBytes());
            }
            assertTrue(pretoucher.touchedTo() > pretoucher.writtenTo(), "pages ahead of the appends were faulted in");
            try (LogReader reader = log.newReader(1))
            {
                final long[] next = {1};
                while (reader.poll(
                    (buffer, offset, length, position) ->
                    {
                        assertEquals(next[0], position);
                        assertEquals(null, TestRecords.check(buffer, offset, length, position));
                        next[0]++;
                    },
                    256) > 0)
                {
                }
                assertEquals(5_001, next[0]);
            }
        }
    }

    @Test
    void oneCallFaultsInOneStepAndTouchingStopsAtTheDistance()
    {
        final LogPretoucher.Settings settings = new LogPretoucher.Settings(64 << 10, 16 << 10);
        final LogPretoucher pretoucher = new LogPretoucher(settings, true);
        try (ReplicationLog log = open(directory.resolve("log"), new SetTimeProvider(START_MS), pretoucher))
        {
            assertEquals(0, log.pretouch(), "nothing to touch before the first append");
            log.append(records.buffer(), 0, records.data(1, 10));
            final long firstPage = (pretoucher.writtenTo() + LogPretoucher.PAGE_BYTES - 1) & -LogPretoucher.PAGE_BYTES;
            assertEquals(1, log.pretouch());
            assertEquals(firstPage + (16 << 10), pretoucher.touchedTo());
            int calls = 1;
            while (log.pretouch() > 0)
            {
                calls++;
            }
            assertEquals((pretoucher.writtenTo() + (64 << 10)) & -LogPretoucher.PAGE_BYTES, pretoucher.touchedTo());
            assertTrue(calls <= 4, calls + " calls");
            assertEquals(0, log.pretouch(), "far enough ahead: nothing more to do");

            // Appends past the touched pages: touching starts again from where they are.
            for (long n = 2; n <= 100; n++)
            {
                log.append(records.buffer(), 0, records.data(n, PAYLOAD_LENGTH));
            }
            assertTrue(pretoucher.touchedTo() < pretoucher.writtenTo());
            assertEquals(1, log.pretouch());
            assertTrue(pretoucher.touchedTo() > pretoucher.writtenTo());
        }
    }

    @Test
    void appendsIntoPretouchedPagesTakeAlmostNoPageFaults() throws IOException
    {
        final long untouched = faultsAppending(directory.resolve("untouched"), false);
        final long pretouched = faultsAppending(directory.resolve("pretouched"), true);
        assertTrue(untouched >= 256, "appending 2 MiB without pretouching took only " + untouched + " faults");
        assertTrue(pretouched * 8 < untouched,
            "appending 2 MiB into pretouched pages took " + pretouched + " faults, against " + untouched + " without");
    }

    @Test
    void theProcesssPrefaulterAllocatesPagesAheadOnItsOwnThreadAndChangesNoByte() throws Exception
    {
        assertEquals(null, LogPrefaulter.stopReason(), "MADV_POPULATE_WRITE works on this kernel");
        final Path ahead = directory.resolve("prefaulted");
        final Path plain = directory.resolve("plain");
        final LogPretoucher prefaulted = new LogPretoucher(LogPretoucher.Settings.DEFAULT, true);
        final SetTimeProvider clock = new SetTimeProvider(START_MS);
        try (ReplicationLog withPrefaulter = open(ahead, clock, prefaulted);
            ReplicationLog without = open(plain, clock, new LogPretoucher(LogPretoucher.Settings.DEFAULT, false)))
        {
            long n = 1;
            for (int round = 0; round < 3; round++)
            {
                // No pretouch() on the appending thread: only the prefaulter's thread faults pages in.
                for (final long end = n + 1_000; n < end; n++)
                {
                    withPrefaulter.append(records.buffer(), 0, records.data(n, PAYLOAD_LENGTH));
                    without.append(records.buffer(), 0, records.data(n, PAYLOAD_LENGTH));
                }
                // The same appends went into both logs, so both hold the same written pages (Chronicle leaves holes
                // among them); the prefaulted one holds every page from just past the appends to 8 MiB past them too.
                final Path file = TestRecords.cycleFiles(ahead).get(0);
                final long limit = Math.min(prefaulted.writtenTo() + LogPrefaulter.AHEAD_BYTES, Files.size(file)) &
                    -LogPretoucher.PAGE_BYTES;
                final long firstPageAfter =
                    (prefaulted.writtenTo() + LogPretoucher.PAGE_BYTES - 1) & -LogPretoucher.PAGE_BYTES;
                final long wanted = allocatedBytes(TestRecords.cycleFiles(plain).get(0)) + limit - firstPageAfter;
                final long deadline = System.nanoTime() + 10_000_000_000L;
                while (allocatedBytes(file) < wanted && System.nanoTime() < deadline)
                {
                    Thread.sleep(5);
                }
                assertTrue(allocatedBytes(file) >= wanted, "the prefaulter allocated " + allocatedBytes(file) +
                    " bytes of " + file + " in 10 s, not the " + wanted + " of the appends and up to 8 MiB past them");
                assertTrue(allocatedBytes(TestRecords.cycleFiles(plain).get(0)) < prefaulted.writtenTo() + (1 << 20),
                    "a log without the prefaulter holds only the pages it wrote");
                // What the per-byte harness's --prefault-wait waits for: said once the pages are in, within its step.
                while (!ReplicationLog.prefaulterCaughtUp() && System.nanoTime() < deadline)
                {
                    Thread.sleep(5);
                }
                assertTrue(ReplicationLog.prefaulterCaughtUp(), "the prefaulter says it is ahead of the appends");
            }
            assertTrue(prefaulted.bytesPrefaulted() >= LogPrefaulter.AHEAD_BYTES);
        }
        final List<Path> aheadFiles = TestRecords.cycleFiles(ahead);
        final List<Path> plainFiles = TestRecords.cycleFiles(plain);
        assertEquals(plainFiles.size(), aheadFiles.size());
        for (int i = 0; i < plainFiles.size(); i++)
        {
            assertEquals(Files.size(plainFiles.get(i)), Files.size(aheadFiles.get(i)), "the prefaulter changed no length");
            assertEquals(-1L, Files.mismatch(plainFiles.get(i), aheadFiles.get(i)),
                aheadFiles.get(i) + " differs from the log written without the prefaulter");
        }
    }

    /** The bytes of storage a file holds (stat's %b, 512-byte blocks): a sparse file's pages only once allocated. */
    private static long allocatedBytes(final Path file) throws IOException, InterruptedException
    {
        final Process stat = new ProcessBuilder("stat", "-c", "%b", file.toString()).redirectErrorStream(true).start();
        final String out = new String(stat.getInputStream().readAllBytes()).trim();
        assertEquals(0, stat.waitFor(), out);
        return Long.parseLong(out) * 512;
    }

    @Test
    void badSettingsAreRefusedWithASentence()
    {
        assertEquals("The pretouch step must be a whole number of 4096-byte pages, not 1000.",
            assertThrows(IllegalArgumentException.class, () -> new LogPretoucher.Settings(1 << 20, 1000)).getMessage());
        assertEquals("The pretouch distance (4096 bytes) must be at least one step (8192 bytes).",
            assertThrows(IllegalArgumentException.class, () -> new LogPretoucher.Settings(4096, 8192)).getMessage());
    }

    /**
     * Minor page faults of this thread while appending 2 MiB of full segments, after the log was pretouched to its
     * full distance or not at all.
     */
    private long faultsAppending(final Path logDirectory, final boolean pretouch) throws IOException
    {
        final LogPretoucher pretoucher = new LogPretoucher(LogPretoucher.Settings.DEFAULT, true);
        try (ReplicationLog log = open(logDirectory, new SetTimeProvider(START_MS), pretoucher))
        {
            // Warm: the first appends map the file and compile the code paths.
            long n = 1;
            for (; n <= 2_000; n++)
            {
                log.append(records.buffer(), 0, records.data(n, PAYLOAD_LENGTH));
            }
            while (pretouch && log.pretouch() > 0)
            {
            }
            final long records2MiB = (2 << 20) / RECORD_LENGTH;
            final long before = minorFaultsOfThisThread();
            for (final long end = n + records2MiB; n < end; n++)
            {
                log.append(records.buffer(), 0, records.data(n, PAYLOAD_LENGTH));
            }
            return minorFaultsOfThisThread() - before;
        }
    }

    /**
     * Field 10 of /proc/thread-self/stat (proc(5)): minor faults of the calling thread.
     */
    private static long minorFaultsOfThisThread() throws IOException
    {
        final String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[10 - 3]);
    }

    private Path writeLog(final String name, final long count, final LogPretoucher pretoucher)
    {
        final Path logDirectory = directory.resolve(name);
        final SetTimeProvider clock = new SetTimeProvider(START_MS);
        try (ReplicationLog log = null == pretoucher ?
            ReplicationLog.open(logDirectory, TestRollCycles.TEST_SECONDLY, clock, SyncMode.NONE) :
            open(logDirectory, clock, pretoucher))
        {
            for (long n = 1; n <= count; n++)
            {
                if (n == count - 100)
                {
                    clock.advanceMillis(1_000);
                }
                log.append(records.buffer(), 0, records.data(n, PAYLOAD_LENGTH));
                if (null != pretoucher)
                {
                    log.pretouch();
                }
            }
        }
        return logDirectory;
    }

    private static ReplicationLog open(final Path logDirectory, final SetTimeProvider clock, final LogPretoucher pretoucher)
    {
        return ReplicationLog.open(logDirectory, TestRollCycles.TEST_SECONDLY, clock, SyncMode.NONE, pretoucher);
    }
}
