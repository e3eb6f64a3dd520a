package io.ertcp.log;

import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The log's writer thread: the ER-TCP primary's own copy of the log, appended off the duty cycle from memory the
 * owner keeps (its sender's window). Real Chronicle Queue files in a temporary directory.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LogWriterTest
{
    private static final int SLOT_BYTES = 256;

    @TempDir
    Path directory;

    private ReplicationLog log;
    private final TestRecords records = new TestRecords();
    private final RecordCodec codec = new RecordCodec();
    private UnsafeBuffer slots;

    @BeforeEach
    void open()
    {
        log = ReplicationLog.open(directory, TestRollCycles.TEST_SECONDLY, SystemTimeProvider.INSTANCE, SyncMode.NONE);
        slots = new UnsafeBuffer(ByteBuffer.allocateDirect(4096 * SLOT_BYTES));
    }

    @AfterEach
    void close()
    {
        log.close();
    }

    /** Build record {@code n} stamped with its position in slot {@code n}, as the primary does in its window. */
    private int stamp(final long n)
    {
        final int at = slotOf(n);
        final int length = records.data(n, TestRecords.lengthOf(n));
        slots.putBytes(at, records.buffer(), 0, length);
        slots.putLong(at + RecordHeaderFlyweight.POSITION_OFFSET, n, ByteOrder.LITTLE_ENDIAN);
        codec.stampChecksum(slots, at, length);
        return length;
    }

    private static int slotOf(final long n)
    {
        return (int)(n % 4096) * SLOT_BYTES;
    }

    /** Hand record {@code n}; when the writer's ring is full (it holds fewer slots than ours), wait for room. */
    private void hand(final LogWriter writer, final long n)
    {
        final int length = stamp(n);
        if (!writer.hand(slots.addressOffset() + slotOf(n), length))
        {
            writer.drain();
            assertTrue(writer.hand(slots.addressOffset() + slotOf(n), length), "room once drained");
        }
    }

    @Test
    void recordsHandedAreAppendedInOrderBitForBit()
    {
        final LogWriter writer = log.startWriter();
        assertSame(writer, log.startWriter(), "one writer per log");
        for (long n = 1; n <= 3_000; n++)
        {
            hand(writer, n);
        }
        writer.drain();
        assertTrue(writer.isDrained());
        assertEquals(3_000, log.lastPosition());
        assertEquals(3_001, TestRecords.readAllAndCheck(log));
        assertTrue(writer.cpuNs() != 0, "the writer's thread did the appends");
    }

    @Test
    void anAppendFromTheOwnerWaitsForWhatTheWriterWasHanded()
    {
        final LogWriter writer = log.startWriter();
        for (long n = 1; n <= 500; n++)
        {
            hand(writer, n);
        }
        // The owner appends the next record itself: it goes after the 500 handed, never before them.
        final int length = records.data(501, TestRecords.lengthOf(501));
        assertEquals(501, log.append(records.buffer(), 0, length));
        for (long n = 502; n <= 600; n++)
        {
            hand(writer, n);
        }
        log.stopWriter();
        assertNull(log.writer());
        assertEquals(600, log.lastPosition());
        final int next = records.data(601, TestRecords.lengthOf(601));
        assertEquals(601, log.append(records.buffer(), 0, next), "appends go on on the owner's thread");
        assertEquals(602, TestRecords.readAllAndCheck(log));
    }

    @Test
    void aFailedAppendStopsTheWriterAndTheOwnerIsToldWhy()
    {
        final LogWriter writer = log.startWriter();
        hand(writer, 1);
        // Record 3 where 2 is due: the log refuses it on the writer's thread.
        final int length = stamp(3);
        assertTrue(writer.hand(slots.addressOffset() + slotOf(3), length));
        final IllegalStateException ex = assertThrows(IllegalStateException.class, writer::drain);
        assertTrue(ex.getMessage().contains("carries position 3 but the log's next position is 2"), ex.getMessage());
        assertTrue(ex.getMessage().contains("the log ends at position 1"), ex.getMessage());
        assertThrows(IllegalStateException.class, () -> hand(writer, 2));
        assertEquals(1, log.lastPosition());
    }

    @Test
    void onlyTheOwnerHandsRecords() throws InterruptedException
    {
        final LogWriter writer = log.startWriter();
        final int length = stamp(1);
        final CompletableFuture<Boolean> other =
            CompletableFuture.supplyAsync(() -> writer.hand(slots.addressOffset() + slotOf(1), length));
        try
        {
            other.get();
            fail("a thread other than the owner handed a record");
        }
        catch (final ExecutionException ex)
        {
            assertInstanceOf(IllegalStateException.class, ex.getCause());
            assertTrue(ex.getCause().getMessage().contains("hand records to it from that thread only"),
                ex.getCause().getMessage());
        }
        assertEquals(0, log.lastPosition());
    }

    @Test
    void theOwnerHoldsTheLogOnlyWhenTheWriterHasNothingWaitingAndGivesItBackWithTheNextHandOff()
    {
        final LogWriter writer = log.startWriter();
        for (long n = 1; n <= 200; n++)
        {
            hand(writer, n);
        }
        writer.drain();
        assertTrue(writer.ownerHolds(), "a drain leaves the owner holding the log");
        assertTrue(writer.tryHold(), "held already");
        final int length = records.data(201, TestRecords.lengthOf(201));
        assertEquals(201, log.append(records.buffer(), 0, length));
        hand(writer, 202);
        assertFalse(writer.ownerHolds(), "the hand-off gives the log back to the writer");
        writer.drain();
        assertTrue(writer.tryHold());
        assertEquals(203, log.append(records.buffer(), 0, records.data(203, TestRecords.lengthOf(203))));
        hand(writer, 204);
        writer.drain();
        assertEquals(204, log.lastPosition());
        assertEquals(205, TestRecords.readAllAndCheck(log));
    }

    @Test
    void aParkedWriterAppendsWhatWasHandedOnceWoken() throws InterruptedException
    {
        final LogWriter writer = log.startWriter();
        hand(writer, 1);
        writer.drain();
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (!writer.isParked())
        {
            assertTrue(System.nanoTime() < deadline, "an idle writer parks after its short spin");
            Thread.sleep(1);
        }
        for (long n = 2; n <= 40; n++)
        {
            hand(writer, n);
        }
        final boolean woke = writer.wake();
        while (log.lastPosition() < 40)
        {
            assertTrue(System.nanoTime() < deadline, "woken, the writer appends what waits");
            Thread.onSpinWait();
        }
        assertEquals(woke ? 1 : 0, writer.wakeUps(), "one wake-up for the batch (none if its park timed out first)");
        assertFalse(writer.wake(), "nothing waits: no wake-up");
        assertEquals(41, TestRecords.readAllAndCheck(log));
    }
}
