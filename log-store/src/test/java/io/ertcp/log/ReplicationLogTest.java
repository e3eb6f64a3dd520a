package io.ertcp.log;

import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ReplicationLogTest
{
    private static final long START_MS = 1_700_000_000_000L;

    @TempDir
    Path directory;

    private final SetTimeProvider clock = new SetTimeProvider(START_MS);
    private final TestRecords records = new TestRecords();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception
    {
        for (int i = toClose.size() - 1; i >= 0; i--)
        {
            toClose.get(i).close();
        }
    }

    private ReplicationLog open()
    {
        final ReplicationLog log = ReplicationLog.open(directory, TestRollCycles.TEST_SECONDLY, clock, SyncMode.NONE);
        toClose.add(log);
        return log;
    }

    private void close(final ReplicationLog log) throws Exception
    {
        toClose.remove(log);
        log.close();
    }

    private LogReader reader(final ReplicationLog log, final long from)
    {
        final LogReader reader = log.newReader(from);
        toClose.add(reader);
        return reader;
    }

    private LogReader reader(final ReplicationLog log, final long from, final boolean trusted)
    {
        final LogReader reader = log.newReader(from, trusted);
        toClose.add(reader);
        return reader;
    }

    private long appendData(final ReplicationLog log, final long n)
    {
        return log.append(records.buffer(), 0, records.data(n, TestRecords.lengthOf(n)));
    }

    /**
     * Read everything available and check that record at position p is DATA number p.
     */
    private static long readAndCheck(final LogReader reader, final long expectedFirst)
    {
        final long[] next = {expectedFirst};
        while (reader.poll(
            (buffer, offset, length, position) ->
            {
                assertEquals(next[0], position);
                assertEquals(position, new RecordHeaderFlyweight().wrap(buffer, offset).position());
                final String problem = TestRecords.check(buffer, offset, length, position);
                if (null != problem)
                {
                    fail(problem);
                }
                next[0]++;
            },
            16) > 0)
        {
        }
        return next[0] - 1;
    }

    @Test
    void appendReturnsDensePositionsAndReadsInOrder()
    {
        final ReplicationLog log = open();
        assertEquals(0, log.lastPosition());
        for (long n = 1; n <= 500; n++)
        {
            assertEquals(n, appendData(log, n));
        }
        assertEquals(500, log.lastPosition());
        assertEquals(500, readAndCheck(reader(log, 1), 1));
    }

    @Test
    void readerFollowsNewAppends()
    {
        final ReplicationLog log = open();
        final LogReader reader = reader(log, 1);
        assertEquals(0, reader.poll((b, o, l, p) -> fail("empty log"), 10));
        appendData(log, 1);
        appendData(log, 2);
        assertEquals(2, readAndCheck(reader, 1));
        appendData(log, 3);
        assertEquals(3, readAndCheck(reader, 3));
    }

    @Test
    void tailFromTheMiddleAcrossCycles()
    {
        final ReplicationLog log = open();
        for (long n = 1; n <= 300; n++)
        {
            appendData(log, n);
            if (n % 50 == 0)
            {
                clock.advanceMillis(1000);
            }
        }
        assertTrue(log.cycles().size() >= 6, "cycles " + log.cycles());
        for (final long from : new long[]{1, 49, 50, 51, 123, 250, 300})
        {
            final LogReader reader = reader(log, from);
            assertEquals(300, readAndCheck(reader, from));
            assertEquals(301, reader.nextPosition());
        }
        final LogReader atEnd = reader(log, 301);
        assertEquals(0, atEnd.poll((b, o, l, p) -> fail("nothing yet"), 10));
        appendData(log, 301);
        assertEquals(301, readAndCheck(atEnd, 301));
    }

    @Test
    void restartFindsTheLastPositionAndAppendsContinueDensely() throws Exception
    {
        ReplicationLog log = open();
        for (long n = 1; n <= 100; n++)
        {
            appendData(log, n);
        }
        close(log);

        clock.advanceMillis(3000);
        log = open();
        assertEquals(100, log.lastPosition());
        assertNull(log.recoveryReport());
        for (long n = 101; n <= 150; n++)
        {
            assertEquals(n, appendData(log, n));
        }
        close(log);

        log = open();
        assertEquals(150, log.lastPosition());
        assertEquals(150, readAndCheck(reader(log, 1), 1));
        assertEquals(150, readAndCheck(reader(log, 120), 120));
    }

    @Test
    void recordCarryingTheWrongPositionIsRefused()
    {
        final ReplicationLog log = open();
        appendData(log, 1);
        final int length = records.data(2, 10);
        ((UnsafeBuffer)records.buffer()).putLong(RecordHeaderFlyweight.POSITION_OFFSET, 5, ByteOrder.LITTLE_ENDIAN);
        final IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> log.append(records.buffer(), 0, length));
        assertEquals("The record carries position 5 but the log's next position is 2.", e.getMessage());
        ((UnsafeBuffer)records.buffer()).putLong(RecordHeaderFlyweight.POSITION_OFFSET, 2, ByteOrder.LITTLE_ENDIAN);
        assertEquals(2, log.append(records.buffer(), 0, length));
    }

    @Test
    void aStampedRecordIsStoredAsItCameAndATrustedReaderSkipsOnlyTheChecksum()
    {
        final ReplicationLog log = open();
        final RecordCodec codec = new RecordCodec();
        final UnsafeBuffer buffer = (UnsafeBuffer)records.buffer();
        for (long p = 1; p <= 3; p++)
        {
            final int length = records.data(p, TestRecords.lengthOf(p));
            buffer.putLong(RecordHeaderFlyweight.POSITION_OFFSET, p, ByteOrder.LITTLE_ENDIAN);
            codec.stampChecksum(buffer, 0, length);
            if (p == 2)
            {
                // A checksum that does not match: appendStamped trusts it (the caller verified it), so it is stored as is.
                buffer.putInt(RecordHeaderFlyweight.CHECKSUM_OFFSET, 0x1234, ByteOrder.LITTLE_ENDIAN);
            }
            assertEquals(p, log.appendStamped(buffer, 0, length));
        }
        assertEquals(3, readAndCheck(reader(log, 1, true), 1), "a trusted reader checks structure, not the CRC32C");
        final LogReader verifying = reader(log, 1);
        assertThrows(IllegalStateException.class, () -> readAndCheck(verifying, 1),
            "a verifying reader skips the record whose CRC32C is wrong and finds the gap");

        final int length = records.data(4, 10);
        buffer.putLong(RecordHeaderFlyweight.POSITION_OFFSET, 0, ByteOrder.LITTLE_ENDIAN);
        final IllegalArgumentException unstamped =
            assertThrows(IllegalArgumentException.class, () -> log.appendStamped(buffer, 0, length));
        assertEquals("The record carries position 0 but the log's next position is 4.", unstamped.getMessage());
    }

    @Test
    void recordOfAnOlderEpochIsFencedOffAcrossARestart() throws Exception
    {
        ReplicationLog log = open();
        final EpochChangeFlyweight change = new EpochChangeFlyweight().wrap(records.buffer(), 0);
        change.write(3, 3, 2, 0L);
        assertEquals(1, log.append(records.buffer(), 0, EpochChangeFlyweight.LENGTH));
        assertEquals(3, log.lastEpoch());
        close(log);

        log = open();
        assertEquals(3, log.lastEpoch());
        final int length = records.data(2, 10);
        final ReplicationLog reopened = log;
        final IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> reopened.append(records.buffer(), 0, length));
        assertEquals(
            "The record's epoch 1 is older than the log's epoch 3: it comes from a deposed primary and is fenced off.",
            e.getMessage());
        new RecordHeaderFlyweight().wrap(records.buffer(), 0).epoch(3);
        assertEquals(2, log.append(records.buffer(), 0, length));
    }

    @Test
    void anEmptyLogStartsWhereItIsToldAndReadsFromThere() throws Exception
    {
        ReplicationLog log = open();
        log.startAt(500);
        assertEquals(499, log.lastPosition());
        assertEquals(500, log.firstPosition());
        for (long p = 500; p < 510; p++)
        {
            final int length = records.data(p, 10);
            assertEquals(p, log.append(records.buffer(), 0, length));
        }
        assertEquals(500, log.firstPosition());
        assertEquals(509, readAndCheckFrom(log, 500, 10));
        close(log);

        log = open();
        assertEquals(509, log.lastPosition(), "a restart finds the end from the records");
        assertEquals(500, log.firstPosition());
        final ReplicationLog started = log;
        assertThrows(IllegalStateException.class, () -> started.startAt(1000));
    }

    @Test
    void dataRefIsNeverLogged()
    {
        final ReplicationLog log = open();
        final int length = records.data(1, 10);
        final UnsafeBuffer ref = new UnsafeBuffer(new byte[64]);
        final int refLength = DataRefFlyweight.elide(records.buffer(), 0, ref, 0, new RecordCodec());
        final IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> log.append(ref, 0, refLength));
        assertTrue(e.getMessage().startsWith("A DATA_REF record stands for a DATA record"), e.getMessage());
        assertEquals(0, log.lastPosition());
        assertEquals(1, log.append(records.buffer(), 0, length));
    }

    @Test
    void malformedRecordIsRefusedWithItsSentence()
    {
        final ReplicationLog log = open();
        final int length = records.data(1, 10);
        final IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> log.append(records.buffer(), 0, length - 1));
        assertEquals("The record header declares 54 bytes but the record has 53 bytes.", e.getMessage());
        assertEquals(0, log.lastPosition());
    }

    @Test
    void corruptLastRecordIsCutReportedOnceAndOverwrittenByTheNextAppend() throws Exception
    {
        ReplicationLog log = open();
        for (long n = 1; n <= 20; n++)
        {
            appendData(log, n);
        }
        final byte[] marker = "TORN-TAIL-MARKER".getBytes(StandardCharsets.US_ASCII);
        final int length = records.data(21, 40);
        ((UnsafeBuffer)records.buffer()).putBytes(DataFlyweight.DATA_OFFSET, marker);
        assertEquals(21, log.append(records.buffer(), 0, length));
        close(log);

        corruptAfter(marker);

        log = open();
        assertEquals(20, log.lastPosition());
        assertEquals(1, log.tornRecords());
        assertEquals(
            "Replication log " + directory + ": 1 torn or corrupt record(s) after position 20 were cut from the " +
            "readable log (a crash interrupted an append); appends continue at 21.",
            log.recoveryReport());

        final LogReader reader = reader(log, 1);
        assertEquals(20, readAndCheck(reader, 1));
        assertEquals(1, reader.skippedRecords());

        assertEquals(21, appendData(log, 21));
        assertEquals(21, readAndCheck(reader, 21));
        close(log);

        log = open();
        assertNull(log.recoveryReport(), "reported once");
        assertEquals(21, log.lastPosition());
        assertEquals(21, readAndCheck(reader(log, 1), 1));
        assertEquals(21, readAndCheck(reader(log, 21), 21));
    }

    @Test
    void partialRecordWrittenByARawAppenderIsCut() throws Exception
    {
        ReplicationLog log = open();
        for (long n = 1; n <= 10; n++)
        {
            appendData(log, n);
        }
        close(log);

        // A record whose header promises more bytes than were written: what a torn write of a record looks like.
        final int length = records.data(11, 80);
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(directory)
            .rollCycle(TestRollCycles.TEST_SECONDLY).timeProvider(clock).build();
            ExcerptAppender appender = queue.createAppender())
        {
            try (DocumentContext dc = appender.writingDocument())
            {
                final byte[] partial = new byte[length / 2];
                records.buffer().getBytes(0, partial);
                dc.wire().bytes().write(partial);
            }
        }

        log = open();
        assertEquals(10, log.lastPosition());
        assertEquals(1, log.tornRecords());
        assertNotNull(log.recoveryReport());
        assertEquals(11, appendData(log, 11));
        assertEquals(11, readAndCheck(reader(log, 1), 1));
    }

    @Test
    void damageInTheMiddleStopsTheReaderWithASentence() throws Exception
    {
        ReplicationLog log = open();
        for (long n = 1; n <= 10; n++)
        {
            appendData(log, n);
        }
        final byte[] marker = "MIDDLE-MARKER".getBytes(StandardCharsets.US_ASCII);
        final int length = records.data(11, 40);
        ((UnsafeBuffer)records.buffer()).putBytes(DataFlyweight.DATA_OFFSET, marker);
        log.append(records.buffer(), 0, length);
        for (long n = 12; n <= 15; n++)
        {
            appendData(log, n);
        }
        close(log);
        corruptAfter(marker);

        log = open();
        assertEquals(15, log.lastPosition());
        final LogReader reader = reader(log, 1);
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> readAndCheck(reader, 1));
        assertEquals(
            "The replication log in " + directory + " has a gap: expected position 11 but found 12 (its files were " +
            "damaged or deleted in the middle).", e.getMessage());
        assertEquals(11, reader.nextPosition());
    }

    @Test
    void retentionDeletesWholeCyclesBeforeThePositionAndKeepsTheRest() throws Exception
    {
        final ReplicationLog log = open();
        for (long n = 1; n <= 100; n++)
        {
            appendData(log, n);
            if (n % 20 == 0)
            {
                clock.advanceMillis(1000);
            }
        }
        appendData(log, 101);
        // Cycles hold 1-20, 21-40, 41-60, 61-80, 81-100, 101.
        assertEquals(6, TestRecords.cycleFiles(directory).size());

        assertEquals(0, log.retainFrom(20), "position 20 still needs the first cycle");
        assertEquals(1, log.retainFrom(21));
        assertEquals(5, TestRecords.cycleFiles(directory).size());
        assertEquals(21, log.firstPosition());

        assertEquals(2, log.retainFrom(75));
        assertEquals(3, TestRecords.cycleFiles(directory).size());
        assertEquals(61, log.firstPosition());
        assertEquals(101, readAndCheck(reader(log, 61), 61));
        assertEquals(101, readAndCheck(reader(log, 75), 75));

        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> log.newReader(40));
        assertEquals(
            "Position 40 is no longer in the replication log (retention deleted it); the oldest is 61.", e.getMessage());

        assertEquals(2, log.retainFrom(1_000), "the current cycle is never deleted");
        assertEquals(1, TestRecords.cycleFiles(directory).size());
        assertEquals(102, appendData(log, 102));
        assertEquals(102, readAndCheck(reader(log, 101), 101));
    }

    @Test
    void retentionSurvivesARestart() throws Exception
    {
        ReplicationLog log = open();
        for (long n = 1; n <= 30; n++)
        {
            appendData(log, n);
            if (n % 10 == 0)
            {
                clock.advanceMillis(1000);
            }
        }
        assertEquals(2, log.retainFrom(25));
        close(log);

        log = open();
        assertEquals(30, log.lastPosition());
        assertEquals(21, log.firstPosition());
        assertEquals(30, readAndCheck(reader(log, 21), 21));
        clock.advanceMillis(1000);
        assertEquals(31, appendData(log, 31));
        assertEquals(1, log.retainFrom(31), "cycles found again after the restart");
        assertEquals(31, log.firstPosition());
    }

    @Test
    void largeLogCrossesMappedChunksIntact()
    {
        final ReplicationLog log = open();
        final int payloadLength = 1460;
        final long count = 100_000;
        for (long n = 1; n <= count; n++)
        {
            assertEquals(n, log.append(records.buffer(), 0, records.data(n, payloadLength)));
        }
        final LogReader reader = reader(log, 1);
        final long[] next = {1};
        while (reader.poll(
            (buffer, offset, length, position) ->
            {
                assertEquals(next[0], position);
                final String problem = TestRecords.check(buffer, offset, length, position, payloadLength);
                if (null != problem)
                {
                    fail(problem);
                }
                next[0]++;
            },
            1024) > 0)
        {
        }
        assertEquals(count + 1, next[0]);
        assertEquals(0, reader.skippedRecords());
        assertEquals(count, readAndCheckFrom(log, count - 5, payloadLength));
    }

    private long readAndCheckFrom(final ReplicationLog log, final long from, final int payloadLength)
    {
        final LogReader reader = reader(log, from);
        final long[] last = {from - 1};
        while (reader.poll(
            (buffer, offset, length, position) ->
            {
                assertEquals(last[0] + 1, position);
                assertNull(TestRecords.check(buffer, offset, length, position, payloadLength));
                last[0] = position;
            },
            16) > 0)
        {
        }
        return last[0];
    }

    @Test
    void syncIsAvailable()
    {
        final ReplicationLog log = open();
        log.sync();
        appendData(log, 1);
        log.sync();
        assertEquals(1, log.lastPosition());
    }

    /**
     * Flip a byte just after the marker in whichever cycle file holds it, as a disk error or torn page would.
     */
    private void corruptAfter(final byte[] marker) throws IOException
    {
        for (final Path file : TestRecords.cycleFiles(directory))
        {
            final byte[] bytes = Files.readAllBytes(file);
            for (int i = 0; i + marker.length < bytes.length; i++)
            {
                if (matches(bytes, i, marker))
                {
                    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
                    {
                        raf.seek(i + marker.length);
                        raf.write(bytes[i + marker.length] ^ 0x5A);
                    }
                    return;
                }
            }
        }
        fail("marker not found in " + directory);
    }

    private static boolean matches(final byte[] bytes, final int at, final byte[] marker)
    {
        for (int j = 0; j < marker.length; j++)
        {
            if (bytes[at + j] != marker[j])
            {
                return false;
            }
        }
        return true;
    }
}
