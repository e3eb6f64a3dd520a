package io.ertcp.engine.tcp;

/**
 * The out-of-order ranges a receiver holds beyond RCV.NXT, as a small fixed set of disjoint, sorted
 * sequence ranges ({@link SeqRanges}, refusing a range when every slot is taken; smoltcp's
 * storage/assembler.rs, lwIP's ooseq list without the pbufs). It also remembers which range changed
 * last, since RFC 2018 section 4 wants the first SACK block to name the most recently received segment.
 */
public final class Assembler
{
    public static final int MAX_RANGES = 8;

    private final SeqRanges ranges = new SeqRanges(MAX_RANGES);
    /** Index of the range most recently added to or merged, or -1. */
    private int latest = -1;

    public void clear()
    {
        ranges.clear();
        latest = -1;
    }

    public int count()
    {
        return ranges.count();
    }

    public boolean isEmpty()
    {
        return ranges.count() == 0;
    }

    /**
     * Record {@code [start, end)} as held.
     *
     * @return false when the range would need a slot and none is free; the caller drops the bytes.
     */
    public boolean add(final int start, final int end)
    {
        final int index = ranges.add(start, end, false);
        if (index < 0)
        {
            return false;
        }
        latest = index;
        return true;
    }

    /**
     * RCV.NXT reached {@code rcvNxt}: take away the ranges it reaches.
     *
     * @return the new RCV.NXT, past every held byte contiguous with it.
     */
    public int advance(final int rcvNxt)
    {
        int next = rcvNxt;
        int removed = 0;
        while (removed < ranges.count() && SeqNum.le(ranges.start(removed), next))
        {
            next = SeqNum.max(next, ranges.end(removed));
            removed++;
        }
        if (removed > 0)
        {
            ranges.removeLowest(removed);
            latest = latest >= removed ? latest - removed : -1;
        }
        return next;
    }

    /**
     * Write up to {@code maxBlocks} SACK blocks as [left, right] pairs, the latest first.
     *
     * @return blocks written.
     */
    public int sackBlocks(final int[] edges, final int maxBlocks)
    {
        int written = 0;
        if (latest >= 0 && written < maxBlocks)
        {
            edges[0] = ranges.start(latest);
            edges[1] = ranges.end(latest);
            written++;
        }
        for (int i = ranges.count() - 1; i >= 0 && written < maxBlocks; i--)
        {
            if (i != latest)
            {
                edges[2 * written] = ranges.start(i);
                edges[2 * written + 1] = ranges.end(i);
                written++;
            }
        }
        return written;
    }

    /**
     * @return the right edge of the highest held range, or {@code fallback} when none is held.
     */
    public int highestEnd(final int fallback)
    {
        return ranges.count() == 0 ? fallback : ranges.end(ranges.count() - 1);
    }
}
