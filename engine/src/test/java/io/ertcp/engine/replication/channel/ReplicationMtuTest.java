package io.ertcp.engine.replication.channel;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.lan.MemorySwitch;
import io.ertcp.engine.lan.impair.ImpairmentSpec;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.port.ManualClock;
import io.ertcp.log.DataFlyweight;
import io.ertcp.log.RecordCodec;
import io.ertcp.log.RstFlyweight;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Records batched into frames up to the replication MTU (issue 11 item 4): a jumbo MTU carries a record of up to
 * 8,928 bytes in one frame, cuts a larger one at that size, packs small ones up to it, never sends a frame past it,
 * and every record still arrives bit for bit across a lossy wire.
 */
class ReplicationMtuTest
{
    private static final int JUMBO = 9000;
    private static final int MAX_RECORD_LENGTH = 16 * 1024;
    /** The receivers' NAK and CONFIRM pacing in these tests; each gives its own slots. */
    private static final ReceiverSettings RECEIVING = ReceiverSettings.DEFAULT.withMaxRecordLength(MAX_RECORD_LENGTH)
        .withNakIntervalNs(500_000).withConfirmIntervalNs(200_000);
    private static final RecordSender.Settings SENDING = RecordSender.Settings.DEFAULT.withWindowBytes(1 << 22)
        .withWindowRecords(1024);
    private static final long MAC_PRIMARY = MacAddress.parse("02:00:00:00:00:01");
    private static final long MAC_LOGGER = MacAddress.parse("02:00:00:00:00:02");
    private static final long STEP_NS = 20_000;

    private final long seed = Long.getLong("ertcp.seed", System.nanoTime());
    private final ManualClock clock = new ManualClock();
    private final Counters counters = new Counters();
    private final RecordCodec codec = new RecordCodec();

    @Test
    void theFrameCarriesTheMtusPayload()
    {
        assertEquals(1428, ReplicationFrameFlyweight.maxPayloadLength(1500));
        assertEquals(8928, ReplicationFrameFlyweight.maxPayloadLength(9000));
        assertEquals(ReplicationFrameFlyweight.MAX_PAYLOAD_LENGTH, ReplicationFrameFlyweight.maxPayloadLength(1500));
        final IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
            () -> new Link(ImpairmentSpec.NONE, 1000));
        assertEquals("A replication MTU of 1000 bytes is outside 1280..9216.", small.getMessage());
    }

    @Test
    void aRecordLargerThanAJumboFrameIsCutAtTheJumboPayloadAndArrivesBitForBit()
    {
        final Link link = new Link(ImpairmentSpec.NONE, JUMBO);
        final Random random = new Random(seed);
        final UnsafeBuffer record = new UnsafeBuffer(new byte[MAX_RECORD_LENGTH]);

        link.offer(record, data(record, random, 1, 8928 - DataFlyweight.HEADER_LENGTH));
        link.step();
        assertEquals(1, link.senderCounters.framesSent.get(), "8,928 bytes fill one jumbo frame exactly");

        link.offer(record, data(record, random, 2, 16_000 - DataFlyweight.HEADER_LENGTH));
        link.step();
        assertEquals(3, link.senderCounters.framesSent.get(), "16,000 bytes take two: 8,928 and 7,072");
        // Unsealed here: a node's SealingOutput adds the 40-byte trailer, which brings a full frame to 9,014 bytes.
        assertEquals(List.of(14 + 32 + 8928, 14 + 32 + 8928, 14 + 32 + 7072), link.frameLengths,
            "each frame fills the MTU less the trailer's room, and no further");
        assertEquals(2, link.delivered);
    }

    @Test
    void manySmallRecordsShareOneJumboFrame()
    {
        final Link link = new Link(ImpairmentSpec.NONE, JUMBO);
        final UnsafeBuffer record = new UnsafeBuffer(new byte[MAX_RECORD_LENGTH]);
        final int perFrame = 8928 / RstFlyweight.LENGTH;
        for (int p = 1; p <= perFrame + 1; p++)
        {
            new RstFlyweight().wrap(record, 0).write(1, p).position(p);
            codec.stampChecksum(record, 0, RstFlyweight.LENGTH);
            link.offer(record, RstFlyweight.LENGTH);
        }
        link.step();
        assertEquals(2, link.senderCounters.framesSent.get(), perFrame + " records in the first frame, one in the next");
        assertEquals(perFrame + 1, link.delivered);
    }

    @Test
    void recordsOfEverySizeArriveBitForBitAtAJumboMtuOverALossyWire()
    {
        final Link link = new Link(ImpairmentSpec.parse("loss=5%"), JUMBO);
        final Random random = new Random(seed);
        final UnsafeBuffer record = new UnsafeBuffer(new byte[MAX_RECORD_LENGTH]);
        final int records = 2000;
        int pending = -1;
        long position = 1;
        int steps = 0;
        while (link.delivered < records || link.sender.releasedPosition() < records)
        {
            while (position <= records)
            {
                if (pending < 0)
                {
                    pending = data(record, random, position, random.nextInt(MAX_RECORD_LENGTH - 2 * DataFlyweight.HEADER_LENGTH));
                }
                if (!link.offer(record, pending))
                {
                    break;
                }
                pending = -1;
                position++;
            }
            link.step();
            assertTrue(++steps < 200_000, "no progress: delivered " + link.delivered + " (seed " + seed + ")");
        }
        assertTrue(link.senderCounters.recordsRetransmitted.get() > 0, "the wire lost frames (seed " + seed + ")");
        assertTrue(link.frameLengths.stream().allMatch(
            length -> length <= JUMBO + EthernetFlyweight.HEADER_LENGTH - FrameAuthenticator.TRAILER_LENGTH),
            "no frame past the MTU, with room for the trailer");
        assertTrue(link.frameLengths.stream().anyMatch(length -> length > 1514), "jumbo frames were used");
    }

    @Test
    void aStreamOfFragmentedRecordsReusesTheSameFewSlotBlocks()
    {
        final Link link = new Link(ImpairmentSpec.NONE, 1500);
        final Random random = new Random(seed);
        final UnsafeBuffer record = new UnsafeBuffer(new byte[MAX_RECORD_LENGTH]);
        final int records = 3000;
        long position = 1;
        int pending = -1;
        while (link.delivered < records)
        {
            // Each record is cut into 11 fragments, so each waits in a slot until it is whole.
            while (position <= records && position <= link.delivered + 8)
            {
                if (pending < 0)
                {
                    pending = data(record, random, position, 15_600);
                }
                if (!link.offer(record, pending))
                {
                    break;
                }
                pending = -1;
                position++;
            }
            link.step();
        }
        assertTrue(link.receiver.blocksUsed() <= 16, "a stream with 8 records in flight touched " +
            link.receiver.blocksUsed() + " of the 1,024 slots' blocks (by position it would cycle through all)");
    }

    /** Random data in a DATA record at {@code position}, its checksum stamped. */
    private int data(final UnsafeBuffer record, final Random random, final long position, final int dataLength)
    {
        final byte[] bytes = new byte[dataLength];
        random.nextBytes(bytes);
        new DataFlyweight().wrap(record, 0).write(1, 7, position * 100_000, new UnsafeBuffer(bytes), 0, dataLength)
            .position(position);
        final int length = DataFlyweight.HEADER_LENGTH + dataLength;
        codec.stampChecksum(record, 0, length);
        return length;
    }

    /** A sender and a receiver at one MTU on a switch whose ports carry jumbo frames. */
    private final class Link
    {
        final MemorySwitch lan = new MemorySwitch(clock, seed, counters).maxFrameLength(JUMBO + 14);
        final ChannelCounters senderCounters = new ChannelCounters(counters, "sender");
        final ChannelCounters receiverCounters = new ChannelCounters(counters, "receiver");
        final MemoryPort primary;
        final MemoryPort logger;
        final RecordSender sender;
        final RecordReceiver receiver;
        final List<byte[]> expected = new ArrayList<>();
        final List<Integer> frameLengths = new ArrayList<>();
        final byte[] actual = new byte[MAX_RECORD_LENGTH];
        int delivered;

        Link(final ImpairmentSpec wire, final int mtu)
        {
            expected.add(null);
            primary = lan.newPort("primary", MAC_PRIMARY, wire);
            logger = lan.newPort("logger", MAC_LOGGER, wire);
            lan.observer((from, to, buffer, offset, length) ->
            {
                if (from == primary)
                {
                    frameLengths.add(length);
                }
            });
            sender = new RecordSender(1, 1, MAC_PRIMARY, MAC_LOGGER, 2, SENDING.withMaxInFlightRecords(1024).withMtu(mtu),
                senderCounters);
            receiver = new RecordReceiver(2, MAC_LOGGER, 1, 1, RECEIVING.withSlots(1024).withMtu(mtu),
                this::onRecord, receiverCounters);
        }

        boolean offer(final UnsafeBuffer record, final int length)
        {
            if (!sender.offer(record, 0, length))
            {
                return false;
            }
            final byte[] copy = new byte[length];
            record.getBytes(0, copy);
            expected.add(copy);
            return true;
        }

        void onRecord(final DirectBuffer buffer, final int offset, final int length, final long position)
        {
            assertEquals(delivered + 1, position, "in order, each once (seed " + seed + ")");
            buffer.getBytes(offset, actual, 0, length);
            assertArrayEquals(expected.get((int)position), Arrays.copyOf(actual, length), "bit for bit (seed " + seed + ")");
            delivered++;
        }

        void step()
        {
            sender.doWork(clock.nanoTime(), FrameOutput.of(primary));
            primary.flush();
            logger.receive(receiver, 256);
            receiver.doWork(clock.nanoTime(), FrameOutput.of(logger));
            logger.flush();
            primary.receive(sender, 256);
            clock.advanceNs(STEP_NS);
        }
    }
}
