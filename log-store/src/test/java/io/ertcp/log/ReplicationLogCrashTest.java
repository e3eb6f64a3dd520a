package io.ertcp.log;

import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real crash: a child JVM appends to the log and is killed with SIGKILL in the middle of its loop. Everything it
 * reported as appended must be readable and intact afterwards, and the log must take new appends densely. Done
 * twice, so the second child also starts from a log that was killed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReplicationLogCrashTest
{
    private static final int RECORDS_BEFORE_KILL = 3_000;

    @TempDir
    Path directory;

    @Test
    void everyReportedAppendSurvivesKillMinus9() throws Exception
    {
        killTwiceAndCheck("loop");
    }

    /**
     * As {@link #everyReportedAppendSurvivesKillMinus9}, with the child faulting in pages ahead of its appends: the
     * pages past the last record are faulted in but hold nothing, and the reopened log ends at the last whole record.
     */
    @Test
    void everyReportedAppendSurvivesKillMinus9WhilePretouching() throws Exception
    {
        killTwiceAndCheck("loop-pretouch");
    }

    /**
     * As {@link #everyReportedAppendSurvivesKillMinus9}, the records appended by a {@link LogWriter} on a thread of
     * its own (the ER-TCP primary's own log copy): what survives is a whole prefix of what was handed, at least every
     * record the log had reported appended.
     */
    @Test
    void everyAppendOfTheLogWriterSurvivesKillMinus9() throws Exception
    {
        killTwiceAndCheck("loop-writer");
    }

    private void killTwiceAndCheck(final String mode) throws Exception
    {
        final long inFlight = mode.endsWith("-writer") ? CrashingAppender.WRITER_SLOTS : 1;
        final Path logDirectory = directory.resolve("log");
        long expectedStart = 1;
        for (int round = 0; round < 2; round++)
        {
            final long lastReported = runAndKill(logDirectory, expectedStart, mode, RECORDS_BEFORE_KILL);
            try (ReplicationLog log = ReplicationLog.open(
                logDirectory, TestRollCycles.TEST_SECONDLY, SystemTimeProvider.INSTANCE, SyncMode.NONE))
            {
                assertTrue(log.lastPosition() >= lastReported,
                    "last position " + log.lastPosition() + " < reported " + lastReported);
                assertTrue(log.lastPosition() <= lastReported + inFlight,
                    "at most the " + inFlight + " unreported append(s) survive: " + log.lastPosition() + " after " +
                    lastReported);
                assertEquals(log.lastPosition() + 1, TestRecords.readAllAndCheck(log));

                final TestRecords records = new TestRecords();
                final long n = log.lastPosition() + 1;
                assertEquals(n, log.append(records.buffer(), 0, records.data(n, TestRecords.lengthOf(n))));
                expectedStart = n + 1;
            }
        }
    }
    @Test
    void aKillInTheMiddleOfAnAppendLeavesALogThatReopensAndContinues() throws Exception
    {
        killMidExcerptAndCheck("torn");
    }

    /**
     * The same kill with every page up to the pretouch distance faulted in past the unfinished excerpt.
     */
    @Test
    void aKillInTheMiddleOfAPretouchedAppendLeavesALogThatReopensAndContinues() throws Exception
    {
        killMidExcerptAndCheck("torn-pretouch");
    }

    private void killMidExcerptAndCheck(final String mode) throws Exception
    {
        final Path logDirectory = directory.resolve(mode);
        final long lastReported = runAndKill(logDirectory, 1, mode, 10);
        assertEquals(10, lastReported);
        final long startNs = System.nanoTime();
        try (ReplicationLog log = ReplicationLog.open(
            logDirectory, TestRollCycles.TEST_SECONDLY, SystemTimeProvider.INSTANCE, SyncMode.NONE))
        {
            assertEquals(10, log.lastPosition());
            final TestRecords records = new TestRecords();
            assertEquals(11, log.append(records.buffer(), 0, records.data(11, TestRecords.lengthOf(11))));
            assertEquals(12, TestRecords.readAllAndCheck(log));
        }
        final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        assertTrue(tookMs < 20_000, "Chronicle's recovery of the unfinished excerpt took " + tookMs + " ms");
    }

    /**
     * A pretouched log whose last excerpt is complete but holds a torn record (its second half never reached the
     * page): the reopened log cuts it by its checksum, says so once, and the next append takes its position.
     */
    @Test
    void aTornRecordInAPretouchedLogIsCutAfterKillMinus9() throws Exception
    {
        final Path logDirectory = directory.resolve("crc");
        assertEquals(10, runAndKill(logDirectory, 1, "crc-pretouch", 10));
        try (ReplicationLog log = ReplicationLog.open(
            logDirectory, TestRollCycles.TEST_SECONDLY, SystemTimeProvider.INSTANCE, SyncMode.NONE))
        {
            assertEquals(10, log.lastPosition());
            assertEquals(1, log.tornRecords());
            assertNotNull(log.recoveryReport());
            assertTrue(log.recoveryReport().contains("1 torn or corrupt record(s) after position 10"),
                log.recoveryReport());
            final TestRecords records = new TestRecords();
            assertEquals(11, log.append(records.buffer(), 0, records.data(11, TestRecords.lengthOf(11))));
            assertEquals(12, TestRecords.readAllAndCheck(log));
        }
    }

    /**
     * Start a child that appends, kill it with SIGKILL once it reported enough appends (or once it says it tore
     * an append), and return the last position it reported.
     */
    private long runAndKill(
        final Path logDirectory, final long expectedStart, final String mode, final int recordsBeforeKill)
        throws Exception
    {
        final String root = System.getProperty("ertcp.root");
        assertNotNull(root, "ertcp.root is not set: run through Maven, which passes -Dertcp.root");
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final List<String> command = new ArrayList<>(List.of(
            java,
            "@" + Path.of(root, "jvm.flags"),
            "-Xmx64m",
            "-XX:+UseSerialGC",
            "-Dchronicle.analytics.disable=true",
            "-Dchronicle.announcer.disable=true",
            "-cp", System.getProperty("java.class.path"),
            CrashingAppender.class.getName(),
            logDirectory.toString(),
            mode));
        final File stderr = directory.resolve("child-" + expectedStart + ".err").toFile();
        final Process child = new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.to(stderr))
            .start();

        final boolean tears = mode.startsWith("torn") || mode.startsWith("crc");
        long lastReported = -1;
        long count = 0;
        try (BufferedReader out = new BufferedReader(
            new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII)))
        {
            final String ready = out.readLine();
            if (null == ready || !ready.startsWith("READY "))
            {
                fail("child did not start: " + ready + "\n" + Files.readString(stderr.toPath()));
            }
            assertEquals(expectedStart - 1, Long.parseLong(ready.substring(6)));

            // Only lines ended by a newline count: the kill may cut the last one short.
            final StringBuilder line = new StringBuilder();
            int c;
            while (-1 != (c = out.read()))
            {
                if ('\n' != c)
                {
                    line.append((char)c);
                    continue;
                }
                if ("TORN".contentEquals(line))
                {
                    child.toHandle().destroyForcibly();
                    line.setLength(0);
                    continue;
                }
                final long position = Long.parseLong(line.toString());
                line.setLength(0);
                assertEquals(lastReported < 0 ? expectedStart : lastReported + 1, position);
                lastReported = position;
                if (++count == recordsBeforeKill && !tears)
                {
                    // SIGKILL through the handle: Process.destroyForcibly would also close the pipe we still read.
                    child.toHandle().destroyForcibly();
                }
            }
        }
        finally
        {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
        }

        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        assertTrue(count >= recordsBeforeKill, "child reported " + count + " appends");
        return lastReported;
    }
}
