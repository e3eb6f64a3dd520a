package io.ertcp.engine.lan.impair;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.port.Frames;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImpairedLinkTest
{
    private static final long MS = 1_000_000L;
    private static final long SEED = Long.getLong("ertcp.seed", System.nanoTime());

    private final Frames.Collector out = new Frames.Collector();

    private ImpairedLink link(final String spec)
    {
        System.out.println("ImpairedLinkTest seed " + SEED + " (replay with -Dertcp.seed=" + SEED + ")");
        return new ImpairedLink(ImpairmentSpec.parse(spec), SEED, new ImpairmentCounters(new Counters(), "test"), 4096);
    }

    private static void offer(final ImpairedLink link, final int number, final long nowNs, final Frames.Collector out)
    {
        final UnsafeBuffer frame = Frames.frame(2, 1, number, 100);
        link.offer(frame, 0, 100, 0, nowNs, out);
    }

    @Test
    void aPerfectLinkPassesFramesStraightThrough()
    {
        final ImpairedLink link = link("none");
        for (int i = 0; i < 10; i++)
        {
            offer(link, i, 0, out);
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), out.numbers());
        assertEquals(10, link.counters().forwarded());
        assertEquals(0, link.pending());
    }

    @Test
    void fixedDelayReleasesEachFrameExactlyThatLaterInOrder()
    {
        final ImpairedLink link = link("delay=20ms");
        offer(link, 1, 0, out);
        offer(link, 2, 5 * MS, out);
        assertEquals(20 * MS, link.nextReleaseNs());

        link.poll(20 * MS - 1, out);
        assertEquals(List.of(), out.numbers());
        link.poll(20 * MS, out);
        assertEquals(List.of(1), out.numbers());
        link.poll(25 * MS, out);
        assertEquals(List.of(1, 2), out.numbers());
        assertEquals(2, link.counters().delayed());
    }

    @Test
    void jitterSpreadsDelaysAcrossTheWholeRange()
    {
        // Frames 20 ms apart: further apart than the jitter's spread, so order never constrains them.
        final long[] delays = delaysOf(link("delay=10ms,jitter=5ms"), 500, 20 * MS);
        final long min = java.util.Arrays.stream(delays).min().orElseThrow();
        final long max = java.util.Arrays.stream(delays).max().orElseThrow();
        assertTrue(min >= 5 * MS && max <= 15 * MS, "delays within 10ms +- 5ms, seed " + SEED);
        assertTrue(min < 6 * MS && max > 14 * MS, "delays cover the range: " + min + ".." + max + ", seed " + SEED);
    }

    @Test
    void jitterNeverReordersCloselySpacedFrames()
    {
        // Frames 0.1 ms apart: a later frame's draw is often shorter than the frame ahead's.
        final long[] delays = delaysOf(link("delay=10ms,jitter=5ms"), 1000, 100_000L);
        for (final long delay : delays)
        {
            assertTrue(delay >= 5 * MS && delay <= 15 * MS, "delay " + delay + ", seed " + SEED);
        }
    }

    /**
     * Offer {@code count} frames {@code gapNs} apart, poll every 0.1 ms, require that they leave in
     * order, and return each frame's delay.
     */
    private long[] delaysOf(final ImpairedLink link, final int count, final long gapNs)
    {
        final List<Long> releaseTimes = new ArrayList<>();
        int next = 0;
        for (long t = 0; t <= count * gapNs + 100 * MS; t += 100_000L)
        {
            final int before = out.frames.size();
            if (next < count && t == next * gapNs)
            {
                offer(link, next++, t, out);
            }
            link.poll(t, out);
            for (int k = before; k < out.frames.size(); k++)
            {
                releaseTimes.add(t);
            }
        }
        final List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            expected.add(i);
        }
        assertEquals(expected, out.numbers(), "frames left in order, seed " + SEED);
        final long[] delays = new long[count];
        for (int i = 0; i < count; i++)
        {
            delays[i] = releaseTimes.get(i) - i * gapNs;
        }
        return delays;
    }

    @Test
    void reorderLetsLaterFramesOvertake()
    {
        final ImpairedLink link = link("reorder=10%,reorder-delay=1ms");
        for (int i = 0; i < 1000; i++)
        {
            offer(link, i, i * 10_000L, out);
            link.poll(i * 10_000L, out);
        }
        link.poll(100 * MS, out);

        assertEquals(1000, out.frames.size());
        int inversions = 0;
        final List<Integer> numbers = out.numbers();
        for (int i = 1; i < numbers.size(); i++)
        {
            if (numbers.get(i) < numbers.get(i - 1))
            {
                inversions++;
            }
        }
        assertTrue(inversions > 50, "reordered " + inversions + " (seed " + SEED + ")");
        assertEquals(link.counters().reordered(), inversions, link.counters().reordered() * 0.2 + 5);
    }

    @Test
    void duplicateSendsSomeFramesTwice()
    {
        final ImpairedLink link = link("duplicate=25%");
        for (int i = 0; i < 2000; i++)
        {
            offer(link, i, 0, out);
        }
        final long duplicates = out.frames.size() - 2000;
        assertEquals(link.counters().duplicated(), duplicates);
        assertEquals(500, duplicates, 80, "seed " + SEED);
    }

    @Test
    void corruptionFlipsExactlyOneBitAfterTheEthernetHeader()
    {
        final ImpairedLink link = link("corrupt=100%");
        final UnsafeBuffer frame = Frames.frame(2, 1, 7, 100);
        final byte[] original = new byte[100];
        frame.getBytes(0, original);

        link.offer(frame, 0, 100, 0, 0, out);

        final byte[] got = out.frames.get(0);
        int flippedBits = 0;
        for (int i = 0; i < 100; i++)
        {
            final int diff = (got[i] ^ original[i]) & 0xFF;
            flippedBits += Integer.bitCount(diff);
            if (diff != 0)
            {
                assertTrue(i >= EthernetFlyweight.HEADER_LENGTH, "corrupted byte " + i + " is in the Ethernet header");
            }
        }
        assertEquals(1, flippedBits);
        final byte[] source = new byte[100];
        frame.getBytes(0, source);
        assertArrayEquals(original, source, "the sender's frame is left alone");
        assertEquals(1, link.counters().corrupted());
    }

    @Test
    void aFullDelayLineDropsAndCounts()
    {
        final ImpairedLink link = new ImpairedLink(
            ImpairmentSpec.parse("delay=1s"), SEED, new ImpairmentCounters(new Counters(), "test"), 8);
        for (int i = 0; i < 10; i++)
        {
            offer(link, i, 0, out);
        }
        assertEquals(8, link.pending());
        assertEquals(2, link.counters().overflowed());
        link.poll(1000 * MS, out);
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), out.numbers());
    }

    @Test
    void specParsesEveryKnobAndRefusesMistakesWithASentence()
    {
        final ImpairmentSpec spec = ImpairmentSpec.parse("loss=2%,delay=20ms,jitter=500us,reorder=5%,reorder-delay=3ms,duplicate=1%,corrupt=0.1%");
        assertEquals(0.02, spec.lossRate(), 1e-12);
        assertEquals(20 * MS, spec.delayNs());
        assertEquals(500_000, spec.jitterNs());
        assertEquals(0.05, spec.reorderRate(), 1e-12);
        assertEquals(3 * MS, spec.reorderDelayNs());
        assertEquals(0.01, spec.duplicateRate(), 1e-12);
        assertEquals(0.001, spec.corruptRate(), 1e-12);
        assertEquals(spec, ImpairmentSpec.parse(spec.toString()));

        assertTrue(ImpairmentSpec.parse("").isNone());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ImpairmentSpec.parse("lose=2%"))
            .getMessage().contains("unknown impairment 'lose'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ImpairmentSpec.parse("delay=20"))
            .getMessage().contains("with a unit"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ImpairmentSpec.parse("loss=120%"))
            .getMessage().contains("between 0% and 100%"));
        assertNotEquals(ImpairmentSpec.NONE, spec);
    }
}
