package io.ertcp.engine.lan;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.impair.ImpairmentSpec;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.port.Frames;
import io.ertcp.engine.port.ManualClock;
import io.ertcp.engine.port.PacketPort;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemorySwitchTest
{
    private static final long MAC_A = MacAddress.parse("02:00:00:00:00:0a");
    private static final long MAC_B = MacAddress.parse("02:00:00:00:00:0b");
    private static final long MAC_C = MacAddress.parse("02:00:00:00:00:0c");

    private final ManualClock clock = new ManualClock();
    private MemorySwitch lan;

    @BeforeEach
    void setUp()
    {
        lan = new MemorySwitch(clock, 7, new Counters());
    }

    @Nested
    class Switching
    {
        @Test
        void floodsBroadcastToEveryOtherPort()
        {
            final MemoryPort a = lan.newPort("a", MAC_A);
            final MemoryPort b = lan.newPort("b", MAC_B);
            final MemoryPort c = lan.newPort("c", MAC_C);

            assertTrue(a.send(Frames.frame(MacAddress.BROADCAST, MAC_A, 1, 60), 0, 60));
            assertEquals(1, a.flush());

            assertEquals(List.of(1), receive(b).numbers());
            assertEquals(List.of(1), receive(c).numbers());
            assertEquals(List.of(), receive(a).numbers(), "a port does not hear its own frames");
        }

        @Test
        void learnsWhereAMacLivesAndForwardsUnicastThereOnly()
        {
            final MemoryPort a = lan.newPort("a", MAC_A);
            final MemoryPort b = lan.newPort("b", MAC_B);
            final MemoryPort c = lan.newPort("c", MAC_C);

            b.send(Frames.frame(MacAddress.BROADCAST, MAC_B, 1, 60), 0, 60);
            b.flush();
            receive(a);
            receive(c);

            a.send(Frames.frame(MAC_B, MAC_A, 2, 60), 0, 60);
            a.flush();
            assertEquals(List.of(2), receive(b).numbers());
            assertEquals(List.of(), receive(c).numbers());
        }

        @Test
        void relearnsAMacThatMovedToAnotherPortAsAfterATakeover()
        {
            final MemoryPort a = lan.newPort("a", MAC_A);
            final MemoryPort b = lan.newPort("b", MAC_B);
            final MemoryPort c = lan.newPort("c", MAC_C);
            final long virtualMac = MacAddress.parse("02:00:00:00:00:99");

            b.send(Frames.frame(MacAddress.BROADCAST, virtualMac, 1, 60), 0, 60);
            b.flush();
            c.send(Frames.frame(MacAddress.BROADCAST, virtualMac, 2, 60), 0, 60);
            c.flush();
            receive(a);
            receive(b);

            a.send(Frames.frame(virtualMac, MAC_A, 3, 60), 0, 60);
            a.flush();
            assertEquals(List.of(3), receive(c).numbers().stream().filter(n -> n == 3).toList());
            assertFalse(receive(b).numbers().contains(3));
        }

        @Test
        void deliversFramesByteForByteAndCountsThem()
        {
            final MemoryPort a = lan.newPort("a", MAC_A);
            final MemoryPort b = lan.newPort("b", MAC_B);
            final var sent = Frames.frame(MAC_B, MAC_A, 42, PacketPort.MAX_FRAME_LENGTH);

            a.send(sent, 0, PacketPort.MAX_FRAME_LENGTH);
            a.flush();
            final Frames.Collector got = receive(b);

            assertEquals(1, got.frames.size());
            final byte[] expected = new byte[PacketPort.MAX_FRAME_LENGTH];
            sent.getBytes(0, expected);
            assertArrayEquals(expected, got.frames.get(0));
            assertEquals(1, a.counters().txFrames());
            assertEquals(PacketPort.MAX_FRAME_LENGTH, a.counters().txBytes());
            assertEquals(1, b.counters().rxFrames());
            assertEquals(PacketPort.MAX_FRAME_LENGTH, b.counters().rxBytes());
        }

        @Test
        void txClaimRefusesPastTheBurstUntilFlushed()
        {
            final MemoryPort a = lan.newPort("a", MAC_A);
            lan.newPort("b", MAC_B);
            for (int i = 0; i < MemoryPort.TX_BURST; i++)
            {
                assertTrue(a.txClaim(60) >= 0);
                a.txCommit(60);
            }
            assertEquals(-1, a.txClaim(60));
            assertEquals(MemoryPort.TX_BURST, a.flush());
            assertTrue(a.txClaim(60) >= 0);
        }

        @Test
        void aClosedPortIsUnpluggedFromTheSwitch()
        {
            final MemoryPort a = lan.newPort("a", MAC_A);
            final MemoryPort b = lan.newPort("b", MAC_B);
            b.close();
            a.send(Frames.frame(MacAddress.BROADCAST, MAC_A, 1, 60), 0, 60);
            a.flush();
            assertEquals(List.of(), receive(b).numbers());
        }

        @Test
        void aFullIngressRingDropsAndCounts()
        {
            final MemoryPort a = lan.newPort("a", MAC_A);
            final MemoryPort b = lan.newPort("b", MAC_B);
            final int frames = MemoryPort.DEFAULT_RING_CAPACITY / 1024 + 100;
            final var frame = Frames.frame(MAC_B, MAC_A, 1, 1000);
            for (int i = 0; i < frames; i++)
            {
                a.send(frame, 0, 1000);
            }
            a.flush();
            final Frames.Collector got = new Frames.Collector();
            while (b.receive(got, 100) > 0)
            {
                // drain
            }
            assertTrue(b.counters().rxDropped() > 0);
            assertEquals(frames, got.frames.size() + b.counters().rxDropped());
        }
    }

    @Nested
    class Faults
    {
        @Test
        void lossOnAPortsIngressDropsAboutTheRateAskedFor()
        {
            final MemoryPort a = lan.newPort("a", MAC_A);
            final MemoryPort b = lan.newPort("b", MAC_B, ImpairmentSpec.parse("loss=20%"));
            final int sent = 5000;
            final Frames.Collector got = new Frames.Collector();
            for (int i = 0; i < sent; i++)
            {
                a.send(Frames.frame(MAC_B, MAC_A, i, 64), 0, 64);
                a.flush();
                b.receive(got, 10);
            }
            final double lossRate = 1.0 - got.frames.size() / (double)sent;
            assertEquals(0.20, lossRate, 0.03, "loss rate with seed " + lan.seed());
            assertEquals(sent - got.frames.size(), b.ingressLink().counters().lost());
        }

        @Test
        void delayHoldsFramesUntilTheClockReachesThem()
        {
            final MemoryPort a = lan.newPort("a", MAC_A);
            final MemoryPort b = lan.newPort("b", MAC_B, ImpairmentSpec.parse("delay=20ms"));
            a.send(Frames.frame(MAC_B, MAC_A, 1, 64), 0, 64);
            a.flush();
            final Frames.Collector got = new Frames.Collector();

            assertEquals(0, b.receive(got, 10));
            clock.advanceMs(19);
            assertEquals(0, b.receive(got, 10));
            clock.advanceMs(1);
            assertEquals(1, b.receive(got, 10));
            assertEquals(List.of(1), got.numbers());
        }

        @Test
        void theSameSeedReplaysTheSameFaults()
        {
            assertEquals(faultPattern(11), faultPattern(11));
        }

        @Test
        void anotherSeedGivesOtherFaults()
        {
            assertFalse(faultPattern(11).equals(faultPattern(12)));
        }

        private List<Integer> faultPattern(final long seed)
        {
            final ManualClock ownClock = new ManualClock();
            final MemorySwitch network = new MemorySwitch(ownClock, seed, new Counters());
            final MemoryPort a = network.newPort("a", MAC_A);
            final MemoryPort b = network.newPort("b", MAC_B,
                ImpairmentSpec.parse("loss=10%,duplicate=10%,reorder=10%,reorder-delay=1ms"));
            final Frames.Collector got = new Frames.Collector();
            IntStream.range(0, 300).forEach(i ->
            {
                a.send(Frames.frame(MAC_B, MAC_A, i, 64), 0, 64);
                a.flush();
                ownClock.advanceNs(100_000);
                b.receive(got, 10);
            });
            ownClock.advanceMs(10);
            b.receive(got, 10);
            return got.numbers();
        }
    }

    private static Frames.Collector receive(final MemoryPort port)
    {
        final Frames.Collector collector = new Frames.Collector();
        port.receive(collector, 100);
        return collector;
    }
}
