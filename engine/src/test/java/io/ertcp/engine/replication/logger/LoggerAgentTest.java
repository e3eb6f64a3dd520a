package io.ertcp.engine.replication.logger;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.lan.MemorySwitch;
import io.ertcp.engine.lan.impair.ImpairmentSpec;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.port.ManualClock;
import io.ertcp.engine.replication.channel.ChannelCounters;
import io.ertcp.engine.replication.channel.ReceiverSettings;
import io.ertcp.engine.replication.channel.RecordSender;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import io.ertcp.log.DataFlyweight;
import io.ertcp.log.EpochChangeFlyweight;
import io.ertcp.log.LogReader;
import io.ertcp.log.RecordCodec;
import io.ertcp.log.RecordHeaderFlyweight;
import io.ertcp.log.ReplicationLog;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static io.ertcp.engine.replication.RandomRecords.copy;
import static io.ertcp.engine.replication.RandomRecords.writeData;
import static io.ertcp.engine.replication.RandomRecords.writeRandom;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The logger end to end: a primary's {@link RecordSender} on one port of an in-memory LAN, a {@link LoggerAgent} with
 * a Chronicle log in a temp directory on another, stepped by hand on a seeded lossy wire. What matters is docs/architecture.md rule
 * 1: every CONFIRM that leaves the logger, and so every release of the primary's window, is checked at every step
 * against what the log holds. {@code -Dertcp.seed=N} replays a run.
 */
class LoggerAgentTest
{
    private static final long MAC_PRIMARY = MacAddress.parse("02:00:00:00:00:01");
    private static final long MAC_LOGGER = MacAddress.parse("02:00:00:00:00:02");
    private static final int PRIMARY_ID = 1;
    private static final int LOGGER_ID = 2;
    private static final int EPOCH = 1;
    private static final int RECORDS = 5_000;
    private static final int MAX_RECORD_LENGTH = 4096;
    /** The receivers' NAK and CONFIRM pacing in these tests; each gives its own slots. */
    private static final ReceiverSettings RECEIVING = ReceiverSettings.DEFAULT.withMaxRecordLength(MAX_RECORD_LENGTH)
        .withNakIntervalNs(500_000).withConfirmIntervalNs(200_000);
    private static final RecordSender.Settings SENDING = RecordSender.Settings.DEFAULT.withWindowBytes(1 << 20)
        .withWindowRecords(256).withFramesPerWork(16);
    private static final long STEP_NS = 20_000;
    private static final ImpairmentSpec LOSSY_TO_LOGGER =
        ImpairmentSpec.parse("loss=5%,reorder=5%,reorder-delay=1ms,duplicate=2%");
    private static final ImpairmentSpec LOSSY_TO_PRIMARY = ImpairmentSpec.parse("loss=5%");

    @TempDir
    Path directory;

    private final long seed = Long.getLong("ertcp.seed", System.nanoTime());
    private final ManualClock clock = new ManualClock();
    private final RecordCodec codec = new RecordCodec();
    private final Counters counters = new Counters();
    private Run run;

    @AfterEach
    void close()
    {
        if (null != run && null != run.logger)
        {
            run.logger.close();
        }
    }

    @Test
    void aLossyWireLeavesExactlyEveryRecordInTheLogAndConfirmsOnlyWhatItHolds()
    {
        System.out.println("LoggerAgentTest seed " + seed + " (-Dertcp.seed=" + seed + " replays)");
        run = new Run(LOSSY_TO_LOGGER, LOSSY_TO_PRIMARY, false);
        run.sendAll(-1);
        run.print();

        run.assertLogComplete();
        final String replay = " (seed " + seed + ")";
        assertTrue(run.logger.channelCounters().naksSent.get() > 0, "gaps were asked for" + replay);
        assertTrue(run.senderCounters.recordsRetransmitted.get() > 0, "records were sent again" + replay);
        assertTrue(run.confirmsSeen > 0, "confirms were sent" + replay);
        assertEquals(0, run.logger.appendsRefused(), replay);
        assertEquals(0, run.logger.confirmsHeldBack(), "delivery and append go together" + replay);
    }

    @Test
    void aLoggerRestartedMidStreamAsksOnlyForWhatItLacksAndTheLogEndsCompleteWithoutDuplicates()
    {
        System.out.println("LoggerAgentTest seed " + seed + " (-Dertcp.seed=" + seed + " replays)");
        run = new Run(LOSSY_TO_LOGGER, LOSSY_TO_PRIMARY, false);
        run.sendAll(RECORDS / 2);
        run.print();

        assertEquals(2, run.openings, "the logger was restarted once");
        assertTrue(run.positionAtRestart > 0 && run.positionAtRestart < RECORDS, "restarted mid-stream");
        run.assertLogComplete();
        assertEquals(0, run.senderCounters.nakedPositionsUnavailable.get(),
            "the restarted logger never asked for a position the primary had released (seed " + seed + ")");
        assertEquals(RECORDS - run.positionAtRestart, run.logger.recordsAppended(),
            "the restarted logger appended only what its log lacked (seed " + seed + ")");
    }

    @Test
    void withSyncBeforeConfirmEveryConfirmedRecordWasForcedToDisk()
    {
        run = new Run(ImpairmentSpec.NONE, ImpairmentSpec.NONE, true);
        run.sendAll(-1);

        run.assertLogComplete();
        assertTrue(run.syncs() > 0);
    }

    @Test
    void aRefusedAppendIsCountedAndNothingFromItOnIsConfirmed()
    {
        run = new Run(ImpairmentSpec.NONE, ImpairmentSpec.NONE, false);
        final Random random = new Random(seed);
        final UnsafeBuffer record = new UnsafeBuffer(new byte[MAX_RECORD_LENGTH]);
        for (long p = 1; p <= 10; p++)
        {
            assertTrue(run.sender.offer(record, 0, writeRandom(record, random, EPOCH, p)));
        }
        // Intact on the wire (the CRC32C checks out) but a DATA record whose data length field disagrees with its
        // length: the receiver checks only the checksum and the fixed part, the log checks the body and refuses it.
        final int malformed = writeData(record, random, EPOCH, 11, 100);
        record.putInt(DataFlyweight.DATA_LENGTH_OFFSET, 99, ByteOrder.LITTLE_ENDIAN);
        codec.stampChecksum(record, 0, malformed);
        assertTrue(run.sender.offer(record, 0, malformed));
        for (long p = 12; p <= 20; p++)
        {
            assertTrue(run.sender.offer(record, 0, writeRandom(record, random, EPOCH, p)));
        }
        for (int i = 0; i < 500; i++)
        {
            run.step();
        }

        assertEquals(20, run.logger.deliveredPosition(), "the receiver handed every record on");
        assertEquals(10, run.logger.log().lastPosition());
        assertEquals(10, run.logger.appendsRefused(), "the refused record and every one after it");
        assertNotNull(run.logger.firstRefusal());
        assertTrue(run.logger.firstRefusal().startsWith("Position 11: "), run.logger.firstRefusal());
        assertTrue(run.logger.confirmsHeldBack() > 0, "the receiver's confirms were lowered to the log's position");
        assertEquals(10, run.sender.releasedPosition(), "the primary keeps what the log lacks");
        assertEquals(10, run.maxConfirmSeen);
    }

    @Test
    void afterARefusedAppendAFenceLetsTheNewEpochsPrimaryContinueAtLastPositionPlusOne()
    {
        run = new Run(ImpairmentSpec.NONE, ImpairmentSpec.NONE, false);
        final Random random = new Random(seed);
        final UnsafeBuffer record = new UnsafeBuffer(new byte[MAX_RECORD_LENGTH]);
        for (long p = 1; p <= 10; p++)
        {
            assertTrue(run.sender.offer(record, 0, writeRandom(record, random, EPOCH, p)));
        }
        final int malformed = writeData(record, random, EPOCH, 11, 100);
        record.putInt(DataFlyweight.DATA_LENGTH_OFFSET, 99, ByteOrder.LITTLE_ENDIAN);
        codec.stampChecksum(record, 0, malformed);
        assertTrue(run.sender.offer(record, 0, malformed));
        for (long p = 12; p <= 20; p++)
        {
            assertTrue(run.sender.offer(record, 0, writeRandom(record, random, EPOCH, p)));
        }
        for (int i = 0; i < 200; i++)
        {
            run.step();
        }
        assertEquals(10, run.logger.log().lastPosition(), "stuck at the refused record");
        assertEquals(20, run.logger.deliveredPosition());

        run.logger.fence(EPOCH + 1);
        assertEquals(10, run.logger.deliveredPosition(), "the receiver is back in line with the log");
        assertEquals(10, run.logger.lastPosition());

        // The new primary, on the old one's port (a takeover moves the virtual MAC), continues at 11.
        final RecordSender next = new RecordSender(
            PRIMARY_ID + 10, EPOCH + 1, MAC_PRIMARY, MAC_LOGGER, LOGGER_ID, SENDING,
            new ChannelCounters(counters, "new-primary"));
        new EpochChangeFlyweight().wrap(record, 0).write(EPOCH + 1, EPOCH + 1, PRIMARY_ID + 10, 10).position(11);
        codec.stampChecksum(record, 0, EpochChangeFlyweight.LENGTH);
        assertTrue(next.offer(record, 0, EpochChangeFlyweight.LENGTH));
        for (long p = 12; p <= 30; p++)
        {
            assertTrue(next.offer(record, 0, writeRandom(record, random, EPOCH + 1, p)));
        }
        for (int i = 0; i < 200; i++)
        {
            run.sender.doWork(clock.nanoTime(), run.primaryOut);
            next.doWork(clock.nanoTime(), run.primaryOut);
            run.primary.flush();
            run.loggerPort.receive(run.logger, 256);
            run.logger.doWork(clock.nanoTime());
            run.loggerPort.flush();
            run.primary.receive(next, 256);
            clock.advanceNs(STEP_NS);
        }
        assertEquals(30, run.logger.log().lastPosition(), "the new epoch's records are appended from 11 on");
        assertEquals(EPOCH + 1, run.logger.log().lastEpoch());
        assertEquals(30, next.releasedPosition(), "and confirmed to the new primary");
        assertEquals(10, run.sender.releasedPosition(), "the deposed primary got nothing past what it had");
        assertTrue(run.logger.channelCounters().staleEpochFrames.get() > 0, "its frames were refused");
    }

    /** A primary's sender and a logger on two ports of one switch; the logger can be closed and reopened. */
    private final class Run
    {
        final MemorySwitch lan = new MemorySwitch(clock, seed, counters);
        final MemoryPort primary;
        final MemoryPort loggerPort;
        final FrameOutput primaryOut;
        final CheckingOutput loggerOut;
        final ChannelCounters senderCounters = new ChannelCounters(counters, "primary");
        final RecordSender sender;
        final boolean syncBeforeConfirm;
        final byte[][] expected = new byte[RECORDS + 1][];
        LoggerAgent logger;
        int openings;
        long positionAtRestart;
        long confirmsSeen;
        long maxConfirmSeen;
        long syncsBefore;

        Run(final ImpairmentSpec toLogger, final ImpairmentSpec toPrimary, final boolean syncBeforeConfirm)
        {
            this.syncBeforeConfirm = syncBeforeConfirm;
            primary = lan.newPort("primary", MAC_PRIMARY, toPrimary);
            loggerPort = lan.newPort("logger", MAC_LOGGER, toLogger);
            primaryOut = FrameOutput.of(primary);
            loggerOut = new CheckingOutput(FrameOutput.of(loggerPort));
            sender = new RecordSender(
                PRIMARY_ID, EPOCH, MAC_PRIMARY, MAC_LOGGER, LOGGER_ID, SENDING, senderCounters);
            openLogger();
        }

        void openLogger()
        {
            openings++;
            final ReplicationLog log = ReplicationLog.open(directory);
            logger = new LoggerAgent(
                LOGGER_ID, MAC_LOGGER, EPOCH, RECEIVING.withSlots(512), log, syncBeforeConfirm,
                LogFeed.Settings.DEFAULT, loggerOut, counters, "logger-" + openings);
            assertEquals(log.lastPosition(), logger.deliveredPosition(),
                "the receiver starts one past what the log holds");
        }

        void restartLogger()
        {
            positionAtRestart = logger.log().lastPosition();
            syncsBefore += syncs();
            logger.close();
            // Down for a while: whatever reaches the logger's port meanwhile is lost.
            for (int i = 0; i < 50; i++)
            {
                sender.doWork(clock.nanoTime(), primaryOut);
                primary.flush();
                loggerPort.receive((buffer, offset, length, flags) -> { }, 256);
                clock.advanceNs(STEP_NS);
            }
            openLogger();
            assertEquals(positionAtRestart, logger.log().lastPosition(), "the log survived the restart");
        }

        /**
         * Stream every record; when {@code restartAt} is positive, restart the logger once its log passes it.
         */
        void sendAll(final long restartAt)
        {
            final Random random = new Random(seed);
            final UnsafeBuffer record = new UnsafeBuffer(new byte[MAX_RECORD_LENGTH]);
            long position = 1;
            int pendingLength = -1;
            int steps = 0;
            boolean restarted = restartAt <= 0;
            while (logger.log().lastPosition() < RECORDS || sender.releasedPosition() < RECORDS)
            {
                for (int i = 0; i < 32 && position <= RECORDS; i++)
                {
                    if (pendingLength < 0)
                    {
                        pendingLength = writeRandom(record, random, EPOCH, position);
                        expected[(int)position] = copy(record, pendingLength);
                    }
                    if (!sender.offer(record, 0, pendingLength))
                    {
                        break;
                    }
                    pendingLength = -1;
                    position++;
                }
                step();
                if (!restarted && logger.log().lastPosition() >= restartAt)
                {
                    restarted = true;
                    restartLogger();
                }
                assertTrue(++steps < 200_000, "no progress: log at " + logger.log().lastPosition() + " (seed " +
                    seed + ")");
            }
        }

        void step()
        {
            sender.doWork(clock.nanoTime(), primaryOut);
            primary.flush();
            loggerPort.receive(logger, 256);
            logger.doWork(clock.nanoTime());
            loggerPort.flush();
            primary.receive(sender, 256);
            assertTrue(sender.releasedPosition() <= logger.log().lastPosition(),
                "the primary released " + sender.releasedPosition() + " but the log holds only " +
                logger.log().lastPosition() + " (seed " + seed + ")");
            clock.advanceNs(STEP_NS);
        }

        long syncs()
        {
            final long[] total = {0};
            counters.forEach((label, value) ->
            {
                if (label.endsWith(" syncs"))
                {
                    total[0] += value;
                }
            });
            return total[0];
        }

        void assertLogComplete()
        {
            final ReplicationLog log = logger.log();
            assertEquals(RECORDS, log.lastPosition(), "seed " + seed);
            assertEquals(RECORDS, sender.releasedPosition(), "the logger's confirms released the window");
            assertEquals(0, sender.windowBytesUsed());

            final long[] next = {1};
            final byte[] actual = new byte[MAX_RECORD_LENGTH];
            try (LogReader reader = log.newReader(1))
            {
                while (reader.poll((buffer, offset, length, position) ->
                {
                    assertEquals(next[0], position, "each position once, in order (seed " + seed + ")");
                    assertEquals(position,
                        buffer.getLong(offset + RecordHeaderFlyweight.POSITION_OFFSET, ByteOrder.LITTLE_ENDIAN));
                    assertNull(codec.validateStored(buffer, offset, length), "intact at " + position);
                    buffer.getBytes(offset, actual, 0, length);
                    assertArrayEquals(expected[(int)position], Arrays.copyOf(actual, length),
                        "byte-exact at " + position);
                    next[0]++;
                }, 256) > 0)
                {
                    // read on
                }
                assertEquals(0, reader.skippedRecords());
            }
            assertEquals(RECORDS + 1, next[0], "the log holds exactly positions 1.." + RECORDS);
        }

        void print()
        {
            final ChannelCounters c = logger.channelCounters();
            System.out.printf(
                "seed %d: openings %d (restart at %d), frames sent %d, records retransmitted %d, NAKs sent %d, " +
                "tail probes %d, duplicates %d, confirms seen %d; wire to logger lost %d, duplicated %d, " +
                "reordered %d%n",
                seed, openings, positionAtRestart, senderCounters.framesSent.get(),
                senderCounters.recordsRetransmitted.get(), c.naksSent.get(), senderCounters.tailProbes.get(),
                c.duplicates.get(), confirmsSeen, loggerPort.ingressLink().counters().lost(),
                loggerPort.ingressLink().counters().duplicated(), loggerPort.ingressLink().counters().reordered());
        }

        /** The wire side of the logger: every CONFIRM it sends is checked against the log as it leaves. */
        private final class CheckingOutput implements FrameOutput
        {
            private final FrameOutput out;
            private final ReplicationFrameFlyweight frame = new ReplicationFrameFlyweight();

            CheckingOutput(final FrameOutput out)
            {
                this.out = out;
            }

            public int claim(final int length)
            {
                return out.claim(length);
            }

            public MutableDirectBuffer buffer()
            {
                return out.buffer();
            }

            public void commit(final int offset)
            {
                frame.wrap(out.buffer(), offset + EthernetFlyweight.HEADER_LENGTH);
                if (frame.kind() == ReplicationFrameFlyweight.KIND_CONFIRM)
                {
                    confirmsSeen++;
                    final long confirmed = frame.position();
                    assertTrue(confirmed <= logger.log().lastPosition(),
                        "a CONFIRM of " + confirmed + " left a logger whose log holds " +
                        logger.log().lastPosition() + " (seed " + seed + ")");
                    assertTrue(confirmed <= logger.confirmablePosition());
                    maxConfirmSeen = Math.max(maxConfirmSeen, confirmed);
                }
                out.commit(offset);
            }
        }
    }

    /** Records of 32 to 3000 bytes: a few small fixed-length kinds and DATA of any length. */
}
