package io.ertcp.engine.replication.tap;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.port.FrameFlags;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import com.sun.management.ThreadMXBean;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static io.ertcp.engine.replication.tap.TapFrames.ACK;
import static io.ertcp.engine.replication.tap.TapFrames.FIN;
import static io.ertcp.engine.replication.tap.TapFrames.PAYLOAD_AT;
import static io.ertcp.engine.replication.tap.TapFrames.PSH;
import static io.ertcp.engine.replication.tap.TapFrames.RST;
import static io.ertcp.engine.replication.tap.TapFrames.SYN;
import static io.ertcp.engine.replication.tap.TapFrames.pattern;
import static io.ertcp.engine.replication.tap.TapFrames.segment;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TapAssemblerTest
{
    static final int VIP = Ipv4Address.parse("10.0.0.100");
    static final int PORT = 7000;
    static final int CLIENT = Ipv4Address.parse("10.0.0.7");
    static final int CLIENT_PORT = 40001;
    static final int IRS = 1_000_000;
    static final int ISS = 5_000_000;
    static final int WINDOW = 64 * 1024;
    static final int MSS = 1460;

    Counters counterSet;
    TapAssembler tap;
    TapCounters counters;

    @BeforeEach
    void setUp()
    {
        create(WINDOW, 16);
    }

    void create(final int window, final int maxConnections)
    {
        counterSet = new Counters();
        tap = new TapAssembler(VIP, PORT, window, maxConnections, counterSet);
        counters = tap.counters();
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------

    void deliver(final byte[] frame)
    {
        deliver(frame, 0);
    }

    void deliver(final byte[] frame, final int flags)
    {
        tap.onFrame(new UnsafeBuffer(frame), 0, frame.length, flags);
    }

    static byte[] fromClient(final int irs, final long offset, final int flags, final byte[] data, final int from, final int length)
    {
        return segment(CLIENT, CLIENT_PORT, VIP, PORT, irs + 1 + (int)offset, 0, flags, data, from, length);
    }

    static byte[] data(final int irs, final long offset, final byte[] data, final int from, final int length)
    {
        return fromClient(irs, offset, ACK | PSH, data, from, length);
    }

    static byte[] syn(final int irs)
    {
        return segment(CLIENT, CLIENT_PORT, VIP, PORT, irs, 0, SYN, null, 0, 0);
    }

    static byte[] synAck(final int iss, final int irs)
    {
        return segment(VIP, PORT, CLIENT, CLIENT_PORT, iss, irs + 1, SYN | ACK, null, 0, 0);
    }

    static byte[] clientAck(final int irs, final long offset, final int ack)
    {
        return segment(CLIENT, CLIENT_PORT, VIP, PORT, irs + 1 + (int)offset, ack, ACK, null, 0, 0);
    }

    /** Segments of sizes 1..MSS covering {@code [0, length)}, in order. */
    static List<int[]> cut(final int length, final Random random)
    {
        final List<int[]> pieces = new ArrayList<>();
        int at = 0;
        while (at < length)
        {
            final int size = Math.min(length - at, 1 + random.nextInt(MSS));
            pieces.add(new int[] {at, size});
            at += size;
        }
        return pieces;
    }

    byte[] copyAll(final long offset, final int length)
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[length]);
        assertEquals(length, tap.copy(CLIENT, CLIENT_PORT, offset, dst, 0, length));
        return dst.byteArray();
    }

    // ---------------------------------------------------------------------------------------------
    // Tests
    // ---------------------------------------------------------------------------------------------

    @Nested
    class Streams
    {
        @Test
        void inOrderStreamIsCopiedBack()
        {
            final byte[] bytes = pattern(40_000, 1);
            deliver(syn(IRS));
            for (final int[] piece : cut(bytes.length, new Random(1)))
            {
                deliver(data(IRS, piece[0], bytes, piece[0], piece[1]));
            }
            assertArrayEquals(bytes, copyAll(0, bytes.length));
            assertEquals(bytes.length, tap.contiguousFrom(CLIENT, CLIENT_PORT, 0));
            assertEquals(bytes.length, counters.bytesStored.get());
            assertEquals(0, counters.duplicates.get());
            assertEquals(IRS, tap.clientIsn(CLIENT, CLIENT_PORT));

            final byte[] middle = new byte[1000];
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[1010]);
            assertEquals(1000, tap.copy(CLIENT, CLIENT_PORT, 12_345, dst, 10, 1000));
            dst.getBytes(10, middle);
            assertArrayEquals(Arrays.copyOfRange(bytes, 12_345, 13_345), middle);
        }

        @Test
        void aMegabyteReorderedAndDuplicatedIsCopiedBack()
        {
            final long seed = 0x5EED_0001L;
            create(1 << 20, 4);
            final Random random = new Random(seed);
            final byte[] bytes = pattern(1_000_000, seed);
            final List<int[]> pieces = cut(bytes.length, random);
            final List<int[]> wire = new ArrayList<>(pieces);
            for (int i = 0; i < pieces.size() / 5; i++)
            {
                wire.add(pieces.get(random.nextInt(pieces.size())));
            }
            // Overlapping retransmissions, as a sender repacketising after loss does.
            for (int i = 0; i < 100; i++)
            {
                final int start = random.nextInt(bytes.length - 3000);
                wire.add(new int[] {start, 1 + random.nextInt(3000)});
            }
            Collections.shuffle(wire, random);

            deliver(syn(IRS));
            for (final int[] piece : wire)
            {
                deliver(data(IRS, piece[0], bytes, piece[0], piece[1]));
            }
            assertArrayEquals(bytes, copyAll(0, bytes.length), "seed " + seed);
            assertTrue(counters.duplicates.get() > 0);
            assertEquals(0, counters.beyondWindow.get());
        }

        @Test
        void aLongStreamSlidesThroughTheRingAsItIsTaken()
        {
            final Random random = new Random(3);
            final byte[] bytes = pattern(10 * WINDOW + 77, 3);
            final List<int[]> pieces = cut(bytes.length, random);
            deliver(syn(IRS));
            long taken = 0;
            int next = 0;
            while (next < pieces.size())
            {
                // Reorder within a burst that fits the window, then take what is contiguous.
                final List<int[]> burst = new ArrayList<>();
                while (next < pieces.size() && pieces.get(next)[0] + pieces.get(next)[1] <= taken + WINDOW)
                {
                    burst.add(pieces.get(next++));
                }
                Collections.shuffle(burst, random);
                for (final int[] piece : burst)
                {
                    deliver(data(IRS, piece[0], bytes, piece[0], piece[1]));
                }
                final int present = (int)tap.contiguousFrom(CLIENT, CLIENT_PORT, taken);
                final int take = Math.min(present, 1 + random.nextInt(WINDOW));
                assertArrayEquals(Arrays.copyOfRange(bytes, (int)taken, (int)taken + take), copyAll(taken, take));
                taken += take;
                tap.take(CLIENT, CLIENT_PORT, taken);
            }
            final int rest = (int)(bytes.length - taken);
            assertArrayEquals(Arrays.copyOfRange(bytes, (int)taken, bytes.length), copyAll(taken, rest));
            assertEquals(0, counters.beyondWindow.get());
        }

        @Test
        void lossMakesCopyFailAndContiguousFromNamesTheHole()
        {
            final byte[] bytes = pattern(10_000, 4);
            deliver(syn(IRS));
            deliver(data(IRS, 0, bytes, 0, 4000));
            deliver(data(IRS, 5000, bytes, 5000, 5000));

            final UnsafeBuffer dst = new UnsafeBuffer(new byte[10_000]);
            dst.setMemory(0, 10_000, (byte)0x55);
            assertEquals(-1, tap.copy(CLIENT, CLIENT_PORT, 0, dst, 0, 10_000));
            for (int i = 0; i < 10_000; i++)
            {
                assertEquals(0x55, dst.getByte(i), "nothing copied");
            }
            assertEquals(-1, tap.copy(CLIENT, CLIENT_PORT, 3999, dst, 0, 2));
            assertEquals(4000, tap.contiguousFrom(CLIENT, CLIENT_PORT, 0));
            assertEquals(0, tap.contiguousFrom(CLIENT, CLIENT_PORT, 4000));
            assertEquals(5000, tap.contiguousFrom(CLIENT, CLIENT_PORT, 5000));
            assertEquals(3000, tap.contiguousFrom(CLIENT, CLIENT_PORT, 7000));
            assertArrayEquals(Arrays.copyOfRange(bytes, 0, 4000), copyAll(0, 4000));

            // The caller fetched the hole from the primary; the wire's retransmission fills it too.
            deliver(data(IRS, 4000, bytes, 4000, 1000));
            assertArrayEquals(bytes, copyAll(0, 10_000));
        }

        @Test
        void sequenceNumbersWrap()
        {
            final int irs = 0xFFFF_F000;
            final byte[] bytes = pattern(20_000, 5);
            deliver(syn(irs));
            final List<int[]> pieces = cut(bytes.length, new Random(5));
            Collections.shuffle(pieces, new Random(5));
            for (final int[] piece : pieces)
            {
                deliver(data(irs, piece[0], bytes, piece[0], piece[1]));
            }
            assertArrayEquals(bytes, copyAll(0, bytes.length));

            // Offsets stay longs past 2^32: take far ahead, then place a segment there.
            final long far = 5_000_000_000L;
            tap.take(CLIENT, CLIENT_PORT, far);
            assertEquals(far, tap.taken(CLIENT, CLIENT_PORT));
            deliver(data(irs, far + 100, bytes, 0, 1000));
            deliver(data(irs, far, bytes, 0, 100));
            assertEquals(1100, tap.contiguousFrom(CLIENT, CLIENT_PORT, far));
            assertArrayEquals(Arrays.copyOfRange(bytes, 0, 1000), copyAll(far + 100, 1000));
        }

        @Test
        void bytesPastTheWindowAreDroppedAndCounted()
        {
            final byte[] bytes = pattern(3 * WINDOW, 6);
            deliver(syn(IRS));
            deliver(data(IRS, WINDOW - 100, bytes, WINDOW - 100, 300));
            assertEquals(1, counters.beyondWindow.get());
            assertEquals(100, counters.bytesStored.get());
            assertEquals(100, tap.contiguousFrom(CLIENT, CLIENT_PORT, WINDOW - 100));
            assertEquals(-1, tap.copy(CLIENT, CLIENT_PORT, WINDOW - 100, new UnsafeBuffer(new byte[300]), 0, 300));

            deliver(data(IRS, 2 * WINDOW, bytes, 2 * WINDOW, 100));
            assertEquals(2, counters.beyondWindow.get());
            assertEquals(100, counters.bytesStored.get());

            // Sliding the window makes room; bytes below what was taken are ignored.
            tap.take(CLIENT, CLIENT_PORT, WINDOW);
            deliver(data(IRS, WINDOW - 100, bytes, WINDOW - 100, 300));
            assertEquals(200, tap.contiguousFrom(CLIENT, CLIENT_PORT, WINDOW));
            assertEquals(0, tap.contiguousFrom(CLIENT, CLIENT_PORT, WINDOW - 100));
            assertArrayEquals(Arrays.copyOfRange(bytes, WINDOW, WINDOW + 200), copyAll(WINDOW, 200));
            deliver(data(IRS, 0, bytes, 0, 500));
            assertEquals(1, counters.duplicates.get());
            assertEquals(2, counters.beyondWindow.get());
        }
    }

    @Nested
    class Model
    {
        /**
         * Random segments around the window, random takes, and every answer checked against a plain
         * model: a byte is present when a segment carried it while it lay in [taken, taken + window).
         */
        @Test
        void randomSegmentsAndTakesMatchAModel()
        {
            final long seed = 0x30DE1L;
            final Random random = new Random(seed);
            final int window = 16 * 1024;
            create(window, 4);
            final int irs = 0xFFFF_0000;
            final int length = 400_000;
            final byte[] bytes = pattern(length, seed);
            final boolean[] present = new boolean[length];
            long taken = 0;
            deliver(syn(irs));
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[window]);
            for (int step = 0; step < 30_000 && taken < length - 1; step++)
            {
                final String at = "seed " + seed + " step " + step;
                final int start = (int)Math.max(0, taken - 2000 + random.nextInt(window + 4000));
                final int size = Math.min(length - start, 1 + random.nextInt(MSS));
                if (size > 0)
                {
                    deliver(data(irs, start, bytes, start, size));
                    for (int i = Math.max(start, (int)taken); i < Math.min(start + size, taken + window); i++)
                    {
                        present[i] = true;
                    }
                }
                final long probe = taken + random.nextInt(window + 100) - 50;
                assertEquals(run(present, probe, taken, window), tap.contiguousFrom(CLIENT, CLIENT_PORT, probe), at);

                final int want = random.nextInt(3000);
                final boolean all = probe >= taken && run(present, probe, taken, window) >= want;
                final int copied = tap.copy(CLIENT, CLIENT_PORT, probe, dst, 0, want);
                assertEquals(all ? want : -1, copied, at);
                for (int i = 0; i < copied; i++)
                {
                    assertEquals(bytes[(int)probe + i], dst.getByte(i), at);
                }
                if (random.nextInt(10) == 0)
                {
                    final long upTo = Math.min(length - 1, taken + run(present, taken, taken, window) + random.nextInt(200));
                    tap.take(CLIENT, CLIENT_PORT, upTo);
                    taken = Math.max(taken, upTo);
                    assertEquals(taken, tap.taken(CLIENT, CLIENT_PORT), at);
                }
            }
            assertTrue(taken > length / 2, "seed " + seed + " reached " + taken);
        }

        private static long run(final boolean[] present, final long from, final long taken, final int window)
        {
            if (from < taken || from >= taken + window)
            {
                return 0;
            }
            long n = 0;
            while (from + n < present.length && from + n < taken + window && present[(int)(from + n)])
            {
                n++;
            }
            return n;
        }
    }

    @Nested
    class Checks
    {
        @Test
        void aBadTcpChecksumIsDroppedUnlessThePortSaysPartial()
        {
            final byte[] bytes = pattern(1000, 7);
            deliver(syn(IRS));
            final byte[] frame = data(IRS, 0, bytes, 0, 1000);
            frame[PAYLOAD_AT + 10] ^= 0x01;
            deliver(frame);
            assertEquals(1, counters.badChecksum.get());
            assertEquals(0, tap.contiguousFrom(CLIENT, CLIENT_PORT, 0));

            // Checksum offload on this host: the kernel handed the frame over memory.
            deliver(frame, FrameFlags.CHECKSUM_PARTIAL);
            assertEquals(1, counters.badChecksum.get());
            assertEquals(1000, tap.contiguousFrom(CLIENT, CLIENT_PORT, 0));
        }

        @Test
        void theNicsVerdictOnTheTcpChecksumIsTaken()
        {
            final byte[] bytes = pattern(1000, 7);
            deliver(syn(IRS));
            final byte[] good = data(IRS, 0, bytes, 0, 1000);
            deliver(good, FrameFlags.CHECKSUM_BAD);
            assertEquals(1, counters.badChecksum.get(), "a segment the NIC found wrong is dropped, whatever its bytes");
            assertEquals(0, tap.contiguousFrom(CLIENT, CLIENT_PORT, 0));

            final byte[] wrong = good.clone();
            wrong[PAYLOAD_AT + 10] ^= 0x01;
            deliver(wrong, FrameFlags.CHECKSUM_VERIFIED);
            assertEquals(1, counters.badChecksum.get(), "a segment the NIC checked is not checked again");
            assertEquals(1000, tap.contiguousFrom(CLIENT, CLIENT_PORT, 0));
        }

        @Test
        void aBadIpHeaderChecksumIsDroppedEvenWhenPartial()
        {
            deliver(syn(IRS));
            final byte[] frame = data(IRS, 0, pattern(100, 8), 0, 100);
            frame[TapFrames.ETHERNET + 8] ^= 0x01;
            deliver(frame, FrameFlags.CHECKSUM_PARTIAL);
            assertEquals(1, counters.badChecksum.get());
            assertEquals(0, tap.contiguousFrom(CLIENT, CLIENT_PORT, 0));
        }

        @Test
        void fragmentsTruncatedFramesAndBadLengthsAreCounted()
        {
            deliver(syn(IRS));
            final byte[] bytes = pattern(100, 9);

            final byte[] fragment = data(IRS, 0, bytes, 0, 100);
            fragment[TapFrames.ETHERNET + 6] = 0x20;
            fragment[TapFrames.ETHERNET + 7] = 0;
            fixIpChecksum(fragment);
            deliver(fragment);
            assertEquals(1, counters.fragments.get());

            deliver(data(IRS, 0, bytes, 0, 100), FrameFlags.TRUNCATED);
            assertEquals(1, counters.malformed.get());

            final byte[] tooLong = data(IRS, 0, bytes, 0, 100);
            tooLong[TapFrames.ETHERNET + 2] = 0x10;
            fixIpChecksum(tooLong);
            deliver(tooLong);
            assertEquals(2, counters.malformed.get());

            // A data offset of 60 bytes in a 40-byte segment.
            final byte[] badOffset = data(IRS, 0, bytes, 0, 20);
            badOffset[TapFrames.ETHERNET + 20 + 12] = (byte)0xF0;
            deliver(badOffset, FrameFlags.CHECKSUM_PARTIAL);
            assertEquals(3, counters.malformed.get());

            final byte[] good = data(IRS, 0, bytes, 0, 100);
            tap.onFrame(new UnsafeBuffer(good), 0, good.length + 1, 0);
            assertEquals(4, counters.malformed.get());
            assertEquals(0, tap.contiguousFrom(CLIENT, CLIENT_PORT, 0));
        }

        @Test
        void framesForOtherAddressesAndPortsAreIgnored()
        {
            final int other = Ipv4Address.parse("10.0.0.99");
            final byte[] bytes = pattern(100, 10);
            deliver(segment(CLIENT, CLIENT_PORT, other, PORT, IRS, 0, SYN, null, 0, 0));
            deliver(segment(CLIENT, CLIENT_PORT, VIP, PORT + 1, IRS, 0, SYN, null, 0, 0));
            deliver(segment(other, PORT, CLIENT, CLIENT_PORT, ISS, IRS + 1, SYN | ACK, null, 0, 0));
            assertEquals(0, tap.size());

            deliver(syn(IRS));
            deliver(segment(CLIENT, CLIENT_PORT, other, PORT, IRS + 1, 0, ACK, bytes, 0, 100));
            deliver(segment(CLIENT, CLIENT_PORT, VIP, PORT + 1, IRS + 1, 0, ACK, bytes, 0, 100));
            final byte[] udp = data(IRS, 0, bytes, 0, 100);
            udp[TapFrames.ETHERNET + 9] = 17;
            fixIpChecksum(udp);
            deliver(udp);
            final byte[] arp = new byte[60];
            arp[12] = 0x08;
            arp[13] = 0x06;
            deliver(arp);
            assertEquals(0, tap.contiguousFrom(CLIENT, CLIENT_PORT, 0));
            assertEquals(7, counters.ignored.get());
            assertEquals(1, tap.size());
            assertEquals(0, counters.malformed.get() + counters.badChecksum.get());
        }

        @Test
        void constructionRefusesABadWindow()
        {
            assertThrows(IllegalArgumentException.class, () -> new TapAssembler(VIP, PORT, 3000, 4, new Counters()));
            assertThrows(IllegalArgumentException.class, () -> new TapAssembler(VIP, 0, WINDOW, 4, new Counters()));
            assertThrows(IllegalArgumentException.class, () -> new TapAssembler(VIP, PORT, WINDOW, 0, new Counters()));
        }

        void fixIpChecksum(final byte[] frame)
        {
            frame[TapFrames.ETHERNET + 10] = 0;
            frame[TapFrames.ETHERNET + 11] = 0;
            final int sum = TapFrames.checksum(frame, TapFrames.ETHERNET, TapFrames.ETHERNET + 20, 0);
            frame[TapFrames.ETHERNET + 10] = (byte)(sum >>> 8);
            frame[TapFrames.ETHERNET + 11] = (byte)sum;
        }
    }

    @Nested
    class Connections
    {
        @Test
        void aMissedSynIsRecoveredByOpen()
        {
            final byte[] bytes = pattern(3000, 11);
            deliver(data(IRS, 0, bytes, 0, 1000));
            assertEquals(1, counters.unknownConnection.get());
            assertFalse(tap.contains(CLIENT, CLIENT_PORT));

            assertTrue(tap.open(CLIENT, CLIENT_PORT, IRS, ISS));
            assertTrue(tap.isConfirmed(CLIENT, CLIENT_PORT));
            deliver(data(IRS, 1000, bytes, 1000, 2000));
            assertEquals(0, tap.contiguousFrom(CLIENT, CLIENT_PORT, 0));
            assertEquals(-1, tap.copy(CLIENT, CLIENT_PORT, 0, new UnsafeBuffer(new byte[3000]), 0, 3000));
            assertArrayEquals(Arrays.copyOfRange(bytes, 1000, 3000), copyAll(1000, 2000));
        }

        @Test
        void openConfirmsTheSynsEntryAndCorrectsAnotherIsn()
        {
            final byte[] bytes = pattern(1000, 12);
            deliver(syn(IRS));
            deliver(syn(IRS));
            deliver(data(IRS, 0, bytes, 0, 1000));
            assertTrue(tap.open(CLIENT, CLIENT_PORT, IRS, ISS));
            assertEquals(1000, tap.contiguousFrom(CLIENT, CLIENT_PORT, 0));

            // The OPEN is the primary's word: another ISN resets the entry to it.
            assertTrue(tap.open(CLIENT, CLIENT_PORT, IRS + 77, ISS));
            assertEquals(IRS + 77, tap.clientIsn(CLIENT, CLIENT_PORT));
            assertEquals(0, tap.contiguousFrom(CLIENT, CLIENT_PORT, 0));
            deliver(data(IRS + 77, 0, bytes, 0, 1000));
            assertArrayEquals(bytes, copyAll(0, 1000));
        }

        @Test
        void aSynWithAnotherIsnReplacesOnlyAnUnusedOrClosedEntry()
        {
            final byte[] bytes = pattern(1000, 13);
            deliver(syn(IRS));
            deliver(syn(IRS + 500));
            assertEquals(IRS + 500, tap.clientIsn(CLIENT, CLIENT_PORT), "never used: replaced");

            deliver(data(IRS + 500, 0, bytes, 0, 1000));
            deliver(syn(IRS + 900));
            assertEquals(IRS + 500, tap.clientIsn(CLIENT, CLIENT_PORT), "in use: kept");
            assertEquals(1, counters.synConflicts.get());
            assertEquals(1000, tap.contiguousFrom(CLIENT, CLIENT_PORT, 0));

            deliver(fromClient(IRS + 500, 1000, FIN | ACK, null, 0, 0));
            deliver(syn(IRS + 900));
            assertEquals(IRS + 900, tap.clientIsn(CLIENT, CLIENT_PORT), "closed: replaced");
            assertEquals(0, tap.contiguousFrom(CLIENT, CLIENT_PORT, 0));
            assertEquals(-1, tap.finOffset(CLIENT, CLIENT_PORT));
        }

        @Test
        void aConfirmedEntryIsReplacedOnlyByClosedThenOpen()
        {
            final byte[] bytes = pattern(1000, 18);
            assertTrue(tap.open(CLIENT, CLIENT_PORT, IRS, ISS));
            deliver(data(IRS, 0, bytes, 0, 1000));
            deliver(syn(IRS + 500));
            assertEquals(IRS, tap.clientIsn(CLIENT, CLIENT_PORT), "confirmed: kept");
            deliver(fromClient(IRS, 1000, RST, null, 0, 0));
            deliver(syn(IRS + 500));
            // The new incarnation's first bytes would land at the old one's offset 500.
            final byte[] other = pattern(500, 19);
            deliver(data(IRS + 500, 0, other, 0, 500));
            deliver(data(IRS + 500, 500, other, 0, 500));
            assertEquals(IRS, tap.clientIsn(CLIENT, CLIENT_PORT), "confirmed and reset: kept until CLOSED");
            assertEquals(2, counters.synConflicts.get());
            assertEquals(2, counters.frozen.get());
            assertArrayEquals(bytes, copyAll(0, 1000), "the old incarnation's bytes, not the new one's");
            assertEquals(0, tap.contiguousFrom(CLIENT, CLIENT_PORT, 1000));

            tap.close(CLIENT, CLIENT_PORT);
            deliver(syn(IRS + 500));
            assertTrue(tap.open(CLIENT, CLIENT_PORT, IRS + 500, ISS + 1));
            deliver(data(IRS + 500, 0, bytes, 500, 500));
            assertArrayEquals(Arrays.copyOfRange(bytes, 500, 1000), copyAll(0, 500));
        }

        @Test
        void finAndRstAreRecorded()
        {
            final byte[] bytes = pattern(500, 14);
            deliver(syn(IRS));
            assertEquals(-1, tap.finOffset(CLIENT, CLIENT_PORT));
            deliver(fromClient(IRS, 0, FIN | ACK | PSH, bytes, 0, 500));
            assertEquals(500, tap.finOffset(CLIENT, CLIENT_PORT));
            assertArrayEquals(bytes, copyAll(0, 500));
            assertFalse(tap.isReset(CLIENT, CLIENT_PORT));

            deliver(fromClient(IRS, 501, RST, null, 0, 0));
            assertTrue(tap.isReset(CLIENT, CLIENT_PORT));
            assertEquals(1, counters.resets.get());
            deliver(data(IRS, 600, bytes, 0, 100));
            assertEquals(1, counters.frozen.get(), "nothing stored after the client's RST");
            assertEquals(0, tap.contiguousFrom(CLIENT, CLIENT_PORT, 600));
            assertArrayEquals(bytes, copyAll(0, 500));

            tap.close(CLIENT, CLIENT_PORT);
            assertFalse(tap.contains(CLIENT, CLIENT_PORT));
            assertEquals(-1, tap.finOffset(CLIENT, CLIENT_PORT));
            deliver(fromClient(IRS, 501, RST, null, 0, 0));
            assertEquals(1, counters.unknownConnection.get());
        }

        @Test
        void theClientsAckIsTrackedFromATappedSynAck()
        {
            final int iss = 0xFFFF_FF00;
            deliver(syn(IRS));
            deliver(clientAck(IRS, 0, iss + 1));
            assertEquals(-1, tap.clientAcked(CLIENT, CLIENT_PORT), "ISS not known yet");

            deliver(segment(VIP, PORT, CLIENT, CLIENT_PORT, iss + 5, IRS + 2, SYN | ACK, null, 0, 0));
            assertFalse(tap.isServerIssKnown(CLIENT, CLIENT_PORT), "a SYN-ACK for another SYN");
            deliver(synAck(iss, IRS));
            assertTrue(tap.isServerIssKnown(CLIENT, CLIENT_PORT));
            assertEquals(iss, tap.serverIss(CLIENT, CLIENT_PORT));

            deliver(clientAck(IRS, 0, iss + 1));
            assertEquals(0, tap.clientAcked(CLIENT, CLIENT_PORT));
            deliver(clientAck(IRS, 0, iss + 1 + 1000));
            assertEquals(1000, tap.clientAcked(CLIENT, CLIENT_PORT), "across the wrap");
            deliver(clientAck(IRS, 0, iss + 1 + 400));
            assertEquals(1000, tap.clientAcked(CLIENT, CLIENT_PORT), "an old ACK never moves it back");
            deliver(clientAck(IRS, 0, iss + 1 + 100_000));
            assertEquals(100_000, tap.clientAcked(CLIENT, CLIENT_PORT));

            // Stepping through 2^32 and more in strides below 2^31.
            long acked = 100_000;
            for (int i = 0; i < 5; i++)
            {
                acked += 1_500_000_000L;
                deliver(clientAck(IRS, 0, iss + 1 + (int)acked));
            }
            assertEquals(acked, tap.clientAcked(CLIENT, CLIENT_PORT));
        }

        @Test
        void theClientsAckIsTrackedFromOpen()
        {
            assertTrue(tap.open(CLIENT, CLIENT_PORT, IRS, ISS));
            deliver(synAck(ISS + 99, IRS));
            assertEquals(ISS, tap.serverIss(CLIENT, CLIENT_PORT), "the OPEN's ISS stands");
            deliver(clientAck(IRS, 0, ISS + 1 + 2500));
            assertEquals(2500, tap.clientAcked(CLIENT, CLIENT_PORT));
        }

        @Test
        void unconfirmedEntriesAreEvictedOldestFirstAndConfirmedOnesFillTheTable()
        {
            create(WINDOW, 2);
            deliver(segment(CLIENT, 1, VIP, PORT, IRS, 0, SYN, null, 0, 0));
            deliver(segment(CLIENT, 2, VIP, PORT, IRS, 0, SYN, null, 0, 0));
            deliver(segment(CLIENT, 3, VIP, PORT, IRS, 0, SYN, null, 0, 0));
            assertFalse(tap.contains(CLIENT, 1), "the oldest SYN no OPEN confirmed");
            assertTrue(tap.contains(CLIENT, 2));
            assertTrue(tap.contains(CLIENT, 3));
            assertEquals(1, counters.evicted.get());

            // A retransmitted SYN with another ISN moves its entry to the newest end.
            deliver(segment(CLIENT, 2, VIP, PORT, IRS + 9, 0, SYN, null, 0, 0));
            assertTrue(tap.open(CLIENT, 4, IRS, ISS));
            assertFalse(tap.contains(CLIENT, 3));
            assertTrue(tap.contains(CLIENT, 2));
            assertEquals(2, counters.evicted.get());

            assertTrue(tap.open(CLIENT, 2, IRS + 9, ISS));
            deliver(segment(CLIENT, 5, VIP, PORT, IRS, 0, SYN, null, 0, 0));
            assertFalse(tap.open(CLIENT, 6, IRS, ISS));
            assertEquals(2, counters.tableFull.get(), "both confirmed: nothing to evict");
            assertEquals(2, tap.size());

            tap.close(CLIENT, 4);
            deliver(segment(CLIENT, 5, VIP, PORT, IRS, 0, SYN, null, 0, 0));
            assertTrue(tap.contains(CLIENT, 5));
            assertFalse(tap.contains(CLIENT, 4));
            tap.close(CLIENT, 5);
            tap.close(CLIENT, 2);
            assertEquals(0, tap.size());
            assertEquals(2, counters.evicted.get());
        }

        @Test
        void manyConnectionsOpenAndCloseWithoutMixingBytes()
        {
            create(4096, 64);
            final Random random = new Random(15);
            final int[] irs = new int[200];
            for (int round = 0; round < 20; round++)
            {
                for (int c = 0; c < 50; c++)
                {
                    final int port = 1000 + round * 50 + c;
                    irs[c] = random.nextInt();
                    deliver(segment(CLIENT + c, port, VIP, PORT, irs[c], 0, SYN, null, 0, 0));
                    final byte[] bytes = pattern(100, port);
                    deliver(segment(CLIENT + c, port, VIP, PORT, irs[c] + 1, 0, ACK, bytes, 0, 100));
                }
                for (int c = 0; c < 50; c++)
                {
                    final int port = 1000 + round * 50 + c;
                    final UnsafeBuffer dst = new UnsafeBuffer(new byte[100]);
                    assertEquals(100, tap.copy(CLIENT + c, port, 0, dst, 0, 100));
                    assertArrayEquals(pattern(100, port), dst.byteArray());
                    tap.close(CLIENT + c, port);
                }
                assertEquals(0, tap.size());
            }
            assertEquals(0, counters.tableFull.get());
        }
    }

    @Nested
    class Hostile
    {
        @Test
        void twentyThousandRandomFramesNeverThrow()
        {
            final long seed = 0xF022L;
            final Random random = new Random(seed);
            final byte[] bytes = pattern(4000, seed);
            final byte[][] templates = {
                syn(IRS),
                synAck(ISS, IRS),
                data(IRS, 0, bytes, 0, 1400),
                fromClient(IRS, 3000, FIN | ACK, bytes, 0, 10),
                fromClient(IRS, 10, RST, null, 0, 0),
                clientAck(IRS, 0, ISS + 100),
            };
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[WINDOW]);
            final UnsafeBuffer frame = new UnsafeBuffer(new byte[2048]);
            for (int i = 0; i < 20_000; i++)
            {
                final int length;
                if (random.nextInt(4) == 0)
                {
                    length = random.nextInt(2048);
                    for (int b = 0; b < length; b++)
                    {
                        frame.putByte(b, (byte)random.nextInt());
                    }
                    if (random.nextBoolean() && length > 14)
                    {
                        frame.putShort(12, (short)0x0008);
                        frame.putByte(14, (byte)0x45);
                        frame.putByte(23, (byte)6);
                        frame.putInt(30, Integer.reverseBytes(VIP));
                    }
                }
                else
                {
                    final byte[] template = templates[random.nextInt(templates.length)];
                    frame.putBytes(0, template);
                    final int flips = random.nextInt(4);
                    for (int f = 0; f < flips; f++)
                    {
                        frame.putByte(random.nextInt(template.length), (byte)random.nextInt());
                    }
                    length = random.nextInt(8) == 0 ? random.nextInt(template.length + 1) : template.length;
                }
                final int flags = random.nextInt(3) == 0 ? FrameFlags.CHECKSUM_PARTIAL : random.nextInt(20) == 0 ? FrameFlags.TRUNCATED : 0;
                tap.onFrame(frame, 0, length, flags);

                switch (random.nextInt(12))
                {
                    case 0 -> tap.take(CLIENT, CLIENT_PORT, random.nextInt(1 << 20));
                    case 1 -> tap.copy(CLIENT, CLIENT_PORT, random.nextLong() >> random.nextInt(64), dst, 0, random.nextInt(WINDOW));
                    case 2 -> tap.contiguousFrom(CLIENT, CLIENT_PORT, random.nextLong() >> random.nextInt(64));
                    case 3 -> tap.open(CLIENT, CLIENT_PORT, random.nextBoolean() ? IRS : random.nextInt(), ISS);
                    case 4 -> tap.close(CLIENT, CLIENT_PORT);
                    default ->
                    {
                    }
                }
            }
            assertEquals(20_000, counters.framesSeen.get());
            assertTrue(counters.malformed.get() + counters.badChecksum.get() + counters.ignored.get() > 1000, "seed " + seed);
            assertTrue(counters.segmentsStored.get() > 100, "seed " + seed);
        }
    }

    /**
     * Allocation is measured per chunk of work after a warm-up, and the least a chunk allocated must be
     * zero: anything allocated per frame or per call shows in every chunk, while a one-off (the JIT
     * deoptimising the test's own loop rematerialises its objects) shows in one.
     */
    @Nested
    class Allocation
    {
        static final int CHUNKS = 5;

        final ThreadMXBean threads = (ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long thread = Thread.currentThread().threadId();

        UnsafeBuffer[] frames;
        UnsafeBuffer ack;
        UnsafeBuffer other;
        UnsafeBuffer dst;
        int window;
        long taken;
        int next;

        @Test
        void aSteadyStreamAllocatesNothing()
        {
            window = 16 * 1024;
            create(window, 4);
            final Random random = new Random(16);
            final int total = 64 * window;
            final byte[] bytes = pattern(total, 16);
            final List<int[]> pieces = cut(total, random);
            frames = new UnsafeBuffer[pieces.size()];
            for (int i = 0; i < frames.length; i++)
            {
                final int[] piece = pieces.get(i);
                frames[i] = new UnsafeBuffer(data(IRS, piece[0], bytes, piece[0], piece[1]));
            }
            ack = new UnsafeBuffer(clientAck(IRS, 0, ISS + 1 + 10));
            dst = new UnsafeBuffer(new byte[window]);
            other = new UnsafeBuffer(segment(CLIENT, CLIENT_PORT, VIP + 1, PORT, IRS, 0, ACK, bytes, 0, 100));
            deliver(syn(IRS));
            assertTrue(tap.open(CLIENT, CLIENT_PORT, IRS, ISS));

            final int chunk = frames.length / (2 * CHUNKS);
            threads.getThreadAllocatedBytes(thread);
            feed(frames.length / 2);
            long least = Long.MAX_VALUE;
            for (int c = 0; c < CHUNKS; c++)
            {
                final long before = threads.getThreadAllocatedBytes(thread);
                feed(c == CHUNKS - 1 ? frames.length - next : chunk);
                least = Math.min(least, threads.getThreadAllocatedBytes(thread) - before);
            }
            assertEquals(total, taken);
            assertEquals(0, counters.beyondWindow.get());
            assertEquals(0, least, least + " bytes allocated by the least of " + CHUNKS + " chunks of " + chunk + " frames");
        }

        /** Each frame twice, a frame for another address, an ACK; copy and take half a window at a time. */
        void feed(final int count)
        {
            for (int i = 0; i < count; i++)
            {
                final UnsafeBuffer frame = frames[next];
                tap.onFrame(frame, 0, frame.capacity(), 0);
                tap.onFrame(frame, 0, frame.capacity(), 0);
                tap.onFrame(other, 0, other.capacity(), 0);
                tap.onFrame(ack, 0, ack.capacity(), 0);
                final int present = (int)tap.contiguousFrom(CLIENT, CLIENT_PORT, taken);
                if (present > window / 2 || next == frames.length - 1)
                {
                    if (tap.copy(CLIENT, CLIENT_PORT, taken, dst, 0, present) != present)
                    {
                        throw new AssertionError("copy failed");
                    }
                    taken += present;
                    tap.take(CLIENT, CLIENT_PORT, taken);
                }
                next++;
            }
        }

        @Test
        void connectionsComingAndGoingReuseTheirEntries()
        {
            create(4096, 8);
            final byte[] bytes = pattern(1000, 17);
            final UnsafeBuffer[] syns = new UnsafeBuffer[8];
            final UnsafeBuffer[] data = new UnsafeBuffer[8];
            for (int c = 0; c < 8; c++)
            {
                syns[c] = new UnsafeBuffer(segment(CLIENT, 2000 + c, VIP, PORT, IRS + c, 0, SYN, null, 0, 0));
                data[c] = new UnsafeBuffer(segment(CLIENT, 2000 + c, VIP, PORT, IRS + c + 1, 0, ACK, bytes, 0, 1000));
            }
            dst = new UnsafeBuffer(new byte[1000]);
            threads.getThreadAllocatedBytes(thread);
            for (int round = 0; round < 100; round++)
            {
                cycle(syns, data);
            }
            long least = Long.MAX_VALUE;
            for (int c = 0; c < CHUNKS; c++)
            {
                final long before = threads.getThreadAllocatedBytes(thread);
                for (int round = 0; round < 20; round++)
                {
                    cycle(syns, data);
                }
                least = Math.min(least, threads.getThreadAllocatedBytes(thread) - before);
            }
            assertEquals(0, tap.size());
            assertEquals(0, least, least + " bytes allocated by the least of " + CHUNKS + " chunks of 20 rounds of 8 connections");
        }

        /** Eight connections: SYN, OPEN, data, copy, take, CLOSED. */
        void cycle(final UnsafeBuffer[] syns, final UnsafeBuffer[] data)
        {
            for (int c = 0; c < syns.length; c++)
            {
                tap.onFrame(syns[c], 0, syns[c].capacity(), 0);
                tap.open(CLIENT, 2000 + c, IRS + c, ISS);
                tap.onFrame(data[c], 0, data[c].capacity(), 0);
            }
            for (int c = 0; c < syns.length; c++)
            {
                if (tap.copy(CLIENT, 2000 + c, 0, dst, 0, 1000) != 1000)
                {
                    throw new AssertionError("copy failed");
                }
                tap.take(CLIENT, 2000 + c, 1000);
                tap.close(CLIENT, 2000 + c);
            }
        }
    }
}
