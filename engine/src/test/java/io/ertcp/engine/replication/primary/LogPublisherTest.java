package io.ertcp.engine.replication.primary;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.replication.channel.ChannelCounters;
import io.ertcp.engine.replication.channel.RecordSender;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import io.ertcp.log.DataFlyweight;
import io.ertcp.log.LogReader;
import io.ertcp.log.RecordHeaderFlyweight;
import io.ertcp.log.ReplicationLog;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The primary's own copy of the log: in ER-TCP written from the sender's window after the frames went out, in the
 * order and with the bytes it would have had when publishing appended first; in ST-TCP, and whenever records must
 * wait in the log, appended at once.
 */
class LogPublisherTest
{
    private static final RecordSender.Settings SENDING = RecordSender.Settings.DEFAULT.withWindowBytes(1 << 20);
    private static final int PRIMARY_ID = 1;
    private static final int LOGGER_ID = 2;
    private static final long MAC_PRIMARY = 0x02_00_00_00_00_01L;
    private static final long MAC_LOGGER = 0x02_00_00_00_00_02L;

    @TempDir
    Path directory;

    private final Counters counters = new Counters();
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[4096]);
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[2048]);
    private final CountingOutput out = new CountingOutput();
    private final List<byte[]> published = new ArrayList<>();
    private ReplicationLog log;
    private int senders;

    @BeforeEach
    void open()
    {
        log = ReplicationLog.open(directory.resolve("log"));
    }

    @AfterEach
    void close()
    {
        log.close();
    }

    @Test
    void erTcpAppendsAfterTheFramesWentOutWithTheSameBytesAndPositions()
    {
        final RecordSender sender = sender(64);
        final LogPublisher publisher = new LogPublisher(log, sender);
        for (int i = 1; i <= 10; i++)
        {
            assertEquals(i, publish(publisher, 100 * i));
        }
        assertEquals(0, log.lastPosition(), "nothing appended before the frames are out");
        assertEquals(10, publisher.publishedPosition());

        publisher.doWork(0, out);
        assertEquals(10, sender.highestOffered());
        assertEquals(10, publisher.appendPending());
        assertEquals(10, log.lastPosition());
        assertEquals(0, publisher.appendPending(), "nothing waits any more");
        assertLogHoldsWhatWasPublished();
    }

    @Test
    void aFullWindowAppendsWhatWaitsThenTheRecordAtOnceAndDrainsTheBacklogInOrder()
    {
        final RecordSender sender = sender(4);
        final LogPublisher publisher = new LogPublisher(log, sender);
        for (int i = 1; i <= 4; i++)
        {
            publish(publisher, 50);
        }
        assertEquals(0, log.lastPosition());
        publish(publisher, 60);
        assertEquals(5, log.lastPosition(), "the window is full: the record waits in the log, after the four before it");
        publish(publisher, 70);
        assertEquals(6, log.lastPosition());
        assertEquals(0, publisher.appendPending());

        publisher.doWork(0, out);
        sender.onConfirm(4);
        publisher.doWork(1, out);
        assertEquals(6, sender.highestOffered(), "the backlog went to the sender from the log");
        publish(publisher, 80);
        publisher.doWork(2, out);
        publisher.appendPending();
        assertEquals(7, log.lastPosition());
        assertLogHoldsWhatWasPublished();
    }

    @Test
    void stTcpAppendsAtOnce()
    {
        final LogPublisher publisher = new LogPublisher(log, sender(64));
        publisher.tapped(1);
        publish(publisher, 100);
        assertEquals(1, log.lastPosition(), "the window holds a DATA_REF, not the bytes: the log takes them now");
        assertEquals(0, publisher.appendPending());
        assertLogHoldsWhatWasPublished();
    }

    @Test
    void retargetingAppendsWhatWaitsFirst()
    {
        final LogPublisher publisher = new LogPublisher(log, sender(64));
        publish(publisher, 100);
        publish(publisher, 200);
        final RecordSender next = sender(64);
        publisher.retarget(next, 1);
        assertEquals(2, log.lastPosition());
        publisher.doWork(0, out);
        assertEquals(2, next.highestOffered(), "the new logger is filled from the log");
        assertLogHoldsWhatWasPublished();
    }

    @Test
    void aRecordReleasedBeforeItsFramesWentOutIsSaidSo()
    {
        final RecordSender sender = sender(64);
        final LogPublisher publisher = new LogPublisher(log, sender);
        publish(publisher, 100);
        sender.onConfirm(1);
        assertEquals("Record 1 was released from the window before the primary's log held it: a confirmation came " +
            "for frames not yet sent.", assertThrows(IllegalStateException.class, publisher::appendPending).getMessage());
    }

    @Test
    void aRecordTheLogWouldRefuseIsRefusedWhenPublished()
    {
        final RecordSender sender = sender(64);
        final LogPublisher publisher = new LogPublisher(log, sender);
        final int length = new DataFlyweight().wrap(scratch, 0).write(1, 7L, 0L, payload, 0, 10).length();
        scratch.putShort(RecordHeaderFlyweight.TYPE_OFFSET, (short)999, ByteOrder.LITTLE_ENDIAN);
        assertThrows(IllegalArgumentException.class, () -> publisher.publish(scratch, 0, length));
        assertEquals(0, sender.highestOffered(), "nothing reached the sender");
    }

    @Test
    void aRecordBuiltInTheWindowIsSentAndLoggedFromWhereItWasBuiltBitForBit()
    {
        final RecordSender sender = sender(64);
        final LogPublisher publisher = new LogPublisher(log, sender);
        publish(publisher, 100);
        final UnsafeBuffer room = new UnsafeBuffer(0, 0);
        assertTrue(publisher.claim(DataFlyweight.HEADER_LENGTH + 1_000, room));
        final long builtAt = room.addressOffset();
        for (int i = 0; i < 700; i++)
        {
            payload.putByte(i, (byte)(31 * i + 5));
        }
        final int length = new DataFlyweight().wrap(room, 0).write(1, 7L, 100L, payload, 0, 700).length();
        assertEquals(2, publisher.publish(room, 0, length));
        final byte[] record = new byte[length];
        room.getBytes(0, record);
        published.add(record);

        final UnsafeBuffer held = new UnsafeBuffer(0, 0);
        assertEquals(length, sender.heldRecord(2, held));
        assertEquals(builtAt, held.addressOffset(), "the window holds the record where it was built: no copy");
        assertEquals(3, publish(publisher, 50), "the next record goes after it");

        publisher.doWork(0, out);
        assertEquals(1, out.frames, "three small records share one frame");
        final int frameRecords = EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.PAYLOAD_OFFSET;
        final byte[] sent = new byte[length];
        out.buffer().getBytes(frameRecords + published.get(0).length, sent);
        assertArrayEquals(record, sent, "the frame carries the record's bytes as built");
        publisher.appendPending();
        assertLogHoldsWhatWasPublished();
    }

    @Test
    void noOtherRecordIsOfferedWhileOneIsBeingBuiltInTheWindow()
    {
        final RecordSender sender = sender(64);
        final LogPublisher publisher = new LogPublisher(log, sender);
        assertTrue(publisher.claim(DataFlyweight.HEADER_LENGTH + 100, new UnsafeBuffer(0, 0)));
        final int length = new DataFlyweight().wrap(scratch, 0).write(1, 7L, 0L, payload, 0, 10).length();
        assertEquals("Record 1 was offered while another is being built in the window: publish the claimed record " +
            "first.", assertThrows(IllegalStateException.class, () -> publisher.publish(scratch, 0, length)).getMessage());

        final LogPublisher cancelled = new LogPublisher(log, sender(64));
        assertTrue(cancelled.claim(DataFlyweight.HEADER_LENGTH + 100, new UnsafeBuffer(0, 0)));
        cancelled.cancelClaim();
        assertEquals(1, publish(cancelled, 10), "a cancelled claim leaves the window as it was");
    }

    @Test
    void noRoomIsClaimedInStTcpWhileRecordsWaitInTheLogOrBeyondTheWindow()
    {
        final UnsafeBuffer room = new UnsafeBuffer(0, 0);
        final LogPublisher tapped = new LogPublisher(log, sender(64));
        tapped.tapped(1);
        assertFalse(tapped.claim(DataFlyweight.HEADER_LENGTH + 100, room), "ST-TCP's window holds DATA_REFs");

        final LogPublisher full = new LogPublisher(log, sender(4));
        for (int i = 0; i < 5; i++)
        {
            publish(full, 50);
        }
        assertFalse(full.claim(DataFlyweight.HEADER_LENGTH + 100, room), "records wait in the log: they go first");

        final LogPublisher small = new LogPublisher(log, new RecordSender(PRIMARY_ID, 1, MAC_PRIMARY, MAC_LOGGER,
            LOGGER_ID, SENDING.withWindowBytes(4096), new ChannelCounters(counters, "primary-small")));
        assertFalse(small.claim(8192, room), "longer than the window");
        assertTrue(small.claim(4096, room));
        assertFalse(new LogPublisher(log, null).claim(100, room), "no peer: the log takes the records");
    }

    @Test
    void aConfirmedRecordKeepsItsRoomInTheWindowUntilTheLogHoldsIt()
    {
        final RecordSender sender = sender(64);
        final LogPublisher publisher = new LogPublisher(log, sender);
        for (int i = 0; i < 10; i++)
        {
            publish(publisher, 100);
        }
        publisher.doWork(0, out);
        sender.holdAbove(3);
        sender.onConfirm(10);
        assertEquals(10, sender.releasedPosition(), "the logger's confirmation counts at once: the records are durable");
        assertEquals(3, sender.freedPosition(), "their room waits for the local log");
        final UnsafeBuffer held = new UnsafeBuffer(0, 0);
        assertEquals(published.get(3).length, sender.heldRecord(4, held), "record 4 is still in the window");
        assertEquals(0, sender.heldRecord(3, held));
        sender.holdAbove(10);
        assertEquals(10, sender.freedPosition());
        assertEquals(0, sender.heldRecord(4, held));
        assertEquals(0, sender.windowBytesUsed());
    }

    @Test
    void onTheWriterThreadTheLogGetsEveryRecordAndTheDutyCycleOnlyHandsThem()
    {
        final RecordSender sender = sender(4096); // room for every record, however far the writer is behind
        final LogPublisher publisher = new LogPublisher(log, sender);
        publisher.appendOnWriterThread();
        for (int round = 0; round < 50; round++)
        {
            for (int i = 0; i < 20; i++)
            {
                publish(publisher, 40 + 37 * i);
            }
            publisher.doWork(round, out);
            assertEquals(20, publisher.appendPending(), "each record handed once");
            assertTrue(sender.freedPosition() <= log.lastPosition(), "no room is freed before the log holds its record");
            sender.onConfirm(publisher.publishedPosition());
            assertEquals(publisher.publishedPosition(), publisher.confirmedPosition());
            publisher.doWork(round, out);
            assertTrue(sender.freedPosition() <= log.lastPosition());
        }
        assertTrue(null != publisher.writer() && log.writer() == publisher.writer(), "the log's writer thread appends");
        publisher.writer().drain();
        publisher.doWork(99, out);
        assertEquals(1_000, log.lastPosition());
        assertEquals(1_000, sender.freedPosition(), "once logged and confirmed the room is free");
        assertLogHoldsWhatWasPublished();

        publisher.stopWriterThread();
        assertEquals(null, log.writer());
        assertEquals(0, publisher.appendPending(), "nothing waits, and no writer is left to wake");
        publish(publisher, 10);
        publisher.doWork(100, out);
        assertEquals(1, publisher.appendPending());
        assertEquals(1_001, log.lastPosition(), "on the duty cycle again");
        assertLogHoldsWhatWasPublished();
    }

    @Test
    void aCyclesFewSmallRecordsAreAppendedOnTheDutyCycleAndFullOnesHandedToTheWriter()
    {
        final RecordSender sender = sender(4096);
        final LogPublisher publisher = new LogPublisher(log, sender);
        publisher.appendOnWriterThread();
        publish(publisher, 64);
        publish(publisher, 64);
        publisher.doWork(0, out);
        assertEquals(2, publisher.appendPending());
        assertEquals(2, log.lastPosition(), "two small records: appended at once, no wake-up of the writer");
        assertEquals(2, publisher.recordsAppendedHere());
        assertEquals(0, publisher.recordsHandedToWriter());

        publish(publisher, 1_400);
        for (int i = 0; i < 6; i++)
        {
            publish(publisher, 1_400);
        }
        publisher.doWork(1, out);
        assertEquals(7, publisher.appendPending());
        assertEquals(7, publisher.recordsHandedToWriter(), "9.8 KB in a cycle: the writer's");
        publisher.writer().drain();
        assertEquals(9, log.lastPosition());

        publish(publisher, 100);
        publisher.doWork(2, out);
        assertEquals(1, publisher.appendPending());
        assertEquals(3, publisher.recordsAppendedHere(), "the writer is idle again: a small record goes in here");
        assertEquals(10, log.lastPosition());
        sender.onConfirm(10);
        publisher.doWork(3, out);
        assertEquals(10, sender.freedPosition());
        assertLogHoldsWhatWasPublished();
    }

    @Test
    void onTheWriterThreadAFullWindowAndARetargetStillKeepTheLogsOrder()
    {
        final RecordSender sender = sender(4);
        final LogPublisher publisher = new LogPublisher(log, sender);
        publisher.appendOnWriterThread();
        for (int i = 1; i <= 4; i++)
        {
            publish(publisher, 50);
        }
        publisher.doWork(0, out);
        assertEquals(4, publisher.appendPending());
        publish(publisher, 60);
        assertEquals(5, log.lastPosition(), "the record that waits in the log goes after the four the writer had");
        sender.onConfirm(4);
        publish(publisher, 70);
        final RecordSender next = sender(64);
        publisher.retarget(next, 1);
        assertEquals(6, log.lastPosition());
        publisher.doWork(1, out);
        assertEquals(6, next.highestOffered(), "the new logger is filled from the log");
        for (int i = 0; i < 5; i++)
        {
            publish(publisher, 80);
        }
        publisher.doWork(2, out);
        publisher.appendPending();
        publisher.tapped(1);
        assertEquals(null, log.writer(), "ST-TCP's window holds DATA_REFs: the log is appended on the duty cycle");
        assertEquals(11, log.lastPosition());
        assertLogHoldsWhatWasPublished();
    }

    private long publish(final LogPublisher publisher, final int dataLength)
    {
        for (int i = 0; i < dataLength; i++)
        {
            payload.putByte(i, (byte)(published.size() * 13 + i));
        }
        final int length = new DataFlyweight().wrap(scratch, 0).write(1, 7L, 0L, payload, 0, dataLength).length();
        final long position = publisher.publish(scratch, 0, length);
        final byte[] copy = new byte[length];
        scratch.getBytes(0, copy);
        published.add(copy);
        return position;
    }

    private void assertLogHoldsWhatWasPublished()
    {
        final List<byte[]> read = new ArrayList<>();
        try (LogReader reader = log.newReader(1))
        {
            while (reader.poll((buffer, offset, length, position) ->
            {
                assertEquals(read.size() + 1, position);
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                read.add(bytes);
            }, 64) > 0)
            {
            }
        }
        assertEquals(published.size(), read.size());
        for (int i = 0; i < read.size(); i++)
        {
            assertArrayEquals(published.get(i), read.get(i), "record " + (i + 1));
        }
    }

    private RecordSender sender(final int windowRecords)
    {
        return new RecordSender(PRIMARY_ID, 1, MAC_PRIMARY, MAC_LOGGER, LOGGER_ID, SENDING.withWindowRecords(windowRecords),
            new ChannelCounters(counters, "primary-" + ++senders));
    }

    private static final class CountingOutput implements FrameOutput
    {
        private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[2048]);
        int frames;

        public int claim(final int length)
        {
            return 0;
        }

        public MutableDirectBuffer buffer()
        {
            return buffer;
        }

        public void commit(final int offset)
        {
            frames++;
        }
    }
}
