package io.ertcp.engine.lan.impair;

import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.port.FrameHandler;
import org.agrona.DirectBuffer;

import java.util.SplittableRandom;

/**
 * One direction of a bad wire: loss, delay with jitter, reordering, duplication and corruption, all
 * drawn from one seeded generator so that a run can be replayed exactly. Frames that need no change
 * and no wait pass straight through in place; the rest are copied into a {@link DelayLine}.
 * <p>
 * Random draws happen in a fixed order per frame (loss, duplicate, then per copy corrupt, jitter,
 * reorder), so the same seed and the same frames give the same faults.
 */
public final class ImpairedLink
{
    /** Frames the delay line holds: 20 ms of a saturated 1 Gbit/s link is about 1,700 frames. */
    public static final int DEFAULT_CAPACITY = 8192;

    private final ImpairmentSpec spec;
    private final long seed;
    private final SplittableRandom random;
    private final ImpairmentCounters counters;
    private final DelayLine delayLine;
    private long lastInOrderReleaseNs = Long.MIN_VALUE;

    public ImpairedLink(final ImpairmentSpec spec, final long seed, final ImpairmentCounters counters)
    {
        this(spec, seed, counters, DEFAULT_CAPACITY);
    }

    public ImpairedLink(final ImpairmentSpec spec, final long seed, final ImpairmentCounters counters, final int capacity)
    {
        this.spec = spec;
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.counters = counters;
        this.delayLine = new DelayLine(capacity);
    }

    public ImpairmentSpec spec()
    {
        return spec;
    }

    /** The seed this link's faults come from; the same seed replays them. */
    public long seed()
    {
        return seed;
    }

    public ImpairmentCounters counters()
    {
        return counters;
    }

    /**
     * A frame enters the link. It leaves now through {@code out}, later through {@link #poll}, or never.
     */
    public void offer(
        final DirectBuffer buffer, final int offset, final int length, final int flags, final long nowNs, final FrameHandler out)
    {
        counters.offered.incrementRelease();
        if (spec.lossRate() > 0 && random.nextDouble() < spec.lossRate())
        {
            counters.lost.incrementRelease();
            return;
        }

        final boolean duplicate = spec.duplicateRate() > 0 && random.nextDouble() < spec.duplicateRate();
        if (duplicate)
        {
            counters.duplicated.incrementRelease();
        }
        sendCopy(buffer, offset, length, flags, nowNs, out);
        if (duplicate)
        {
            sendCopy(buffer, offset, length, flags, nowNs, out);
        }
    }

    /**
     * Release the frames whose time has come.
     *
     * @return the number released.
     */
    public int poll(final long nowNs, final FrameHandler out)
    {
        final int released = delayLine.release(nowNs, out);
        if (released > 0)
        {
            counters.forwarded.getAndAddRelease(released);
        }
        return released;
    }

    /**
     * @return when {@link #poll} next has something to release, or {@link Long#MAX_VALUE}.
     */
    public long nextReleaseNs()
    {
        return delayLine.nextReleaseNs();
    }

    /** Frames waiting in the delay line. */
    public int pending()
    {
        return delayLine.size();
    }

    private void sendCopy(
        final DirectBuffer buffer, final int offset, final int length, final int flags, final long nowNs, final FrameHandler out)
    {
        final boolean corrupt = spec.corruptRate() > 0 && random.nextDouble() < spec.corruptRate() &&
            length > EthernetFlyweight.HEADER_LENGTH;
        long delayNs = spec.delayNs();
        if (spec.jitterNs() > 0)
        {
            delayNs += random.nextLong(-spec.jitterNs(), spec.jitterNs() + 1);
        }
        long releaseNs = nowNs + Math.max(0, delayNs);
        final boolean reorder = spec.reorderRate() > 0 && random.nextDouble() < spec.reorderRate();
        if (reorder)
        {
            releaseNs += spec.reorderDelayNs();
            counters.reordered.incrementRelease();
        }
        else
        {
            // Jitter never reorders: a frame leaves no earlier than the in-order frame ahead of it.
            if (releaseNs - lastInOrderReleaseNs < 0 && lastInOrderReleaseNs != Long.MIN_VALUE)
            {
                releaseNs = lastInOrderReleaseNs;
            }
            lastInOrderReleaseNs = releaseNs;
        }

        if (!corrupt && releaseNs - nowNs <= 0 && delayLine.isEmpty())
        {
            counters.forwarded.incrementRelease();
            out.onFrame(buffer, offset, length, flags);
            return;
        }

        final int slotOffset = delayLine.add(buffer, offset, length, flags, releaseNs);
        if (slotOffset < 0)
        {
            counters.overflowed.incrementRelease();
            return;
        }
        if (corrupt)
        {
            final int byteIndex = slotOffset + EthernetFlyweight.HEADER_LENGTH +
                random.nextInt(length - EthernetFlyweight.HEADER_LENGTH);
            final int bit = random.nextInt(8);
            delayLine.slots().putByte(byteIndex, (byte)(delayLine.slots().getByte(byteIndex) ^ (1 << bit)));
            counters.corrupted.incrementRelease();
        }
        if (releaseNs - nowNs > 0)
        {
            counters.delayed.incrementRelease();
        }
        poll(nowNs, out);
    }
}
