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
        final Path logDirectory = directory.resolve("log");
        long expectedStart = 1;
        for (int round = 0; round < 2; round++)
        {
            final long lastReported = runAndKill(logDirectory, expectedStart);
            try (ReplicationLog log = ReplicationLog.open(
                logDirectory, TestRollCycles.TEST_SECONDLY, SystemTimeProvider.INSTANCE, SyncMode.NONE))
            {
                assertTrue(log.lastPosition() >= lastReported,
                    "last position " + log.lastPosition() + " < reported " + lastReported);
                assertTrue(log.lastPosition() <= lastReported + 1, "at most the one unreported append survives");

                try (LogReader reader = log.newReader(1))
                {
                    final long[] next = {1};
                    while (reader.poll(
                        (buffer, offset, length, position) ->
                        {
                            assertEquals(next[0], position);
                            final String problem = TestRecords.check(buffer, offset, length, position);
                            if (null != problem)
                            {
                                fail(problem);
                            }
                            next[0]++;
                        },
                        256) > 0)
                    {
                    }
                    assertEquals(log.lastPosition() + 1, next[0]);
                }

                final TestRecords records = new TestRecords();
                final long n = log.lastPosition() + 1;
                assertEquals(n, log.append(records.buffer(), 0, records.data(n, TestRecords.lengthOf(n))));
                expectedStart = n + 1;
            }
        }
    }

    /**
     * Start a child that appends, kill it with SIGKILL once it reported enough appends, and return the last
     * position it reported.
     */
    @Test
    void aKillInTheMiddleOfAnAppendLeavesALogThatReopensAndContinues() throws Exception
    {
        final Path logDirectory = directory.resolve("torn");
        final long lastReported = runAndKill(logDirectory, 1, "torn", 10);
        assertEquals(10, lastReported);
        final long startNs = System.nanoTime();
        try (ReplicationLog log = ReplicationLog.open(
            logDirectory, TestRollCycles.TEST_SECONDLY, SystemTimeProvider.INSTANCE, SyncMode.NONE))
        {
            assertEquals(10, log.lastPosition());
            final TestRecords records = new TestRecords();
            assertEquals(11, log.append(records.buffer(), 0, records.data(11, TestRecords.lengthOf(11))));
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
                assertEquals(12, next[0]);
            }
        }
        final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        assertTrue(tookMs < 20_000, "Chronicle's recovery of the unfinished excerpt took " + tookMs + " ms");
    }

    private long runAndKill(final Path logDirectory, final long expectedStart) throws Exception
    {
        return runAndKill(logDirectory, expectedStart, "loop", RECORDS_BEFORE_KILL);
    }

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
                if (++count == recordsBeforeKill && !"torn".equals(mode))
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
