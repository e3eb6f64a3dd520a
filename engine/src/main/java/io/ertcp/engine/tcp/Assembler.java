package io.ertcp.engine.tcp;

/**
 * The out-of-order ranges a receiver holds beyond RCV.NXT, as a small fixed array of disjoint,
 * sorted sequence ranges (smoltcp's storage/assembler.rs, lwIP's ooseq list without the pbufs).
 * It also remembers which range changed last, since RFC 2018 section 4 wants the first SACK block
 * to name the most recently received segment.
 */
public final class Assembler
{
    public static final int MAX_RANGES = 8;

    /** Left edges, sorted, {@code count} of them; each range is non-empty and disjoint from its neighbours. */
    private final int[] starts = new int[MAX_RANGES];
    /** Right edges (exclusive), matching {@link #starts}. */
    private final int[] ends = new int[MAX_RANGES];
    private int count;
    /** Index of the range most recently added to or merged, or -1. */
    private int latest = -1;

    public void clear()
    {
        count = 0;
        latest = -1;
    }

    public int count()
    {
        return count;
    }

    public boolean isEmpty()
    {
        return count == 0;
    }

    /**
     * Record {@code [start, end)} as held.
     *
     * @return false when the range would need a slot and none is free; the caller drops the bytes.
     */
    public boolean add(final int start, final int end)
    {
        int i = 0;
        while (i < count && SeqNum.lt(ends[i], start))
        {
            i++;
        }
        if (i == count || SeqNum.lt(end, starts[i]))
        {
            if (count == MAX_RANGES)
            {
                return false;
            }
            System.arraycopy(starts, i, starts, i + 1, count - i);
            System.arraycopy(ends, i, ends, i + 1, count - i);
            starts[i] = start;
            ends[i] = end;
            count++;
            latest = i;
            return true;
        }

        starts[i] = SeqNum.min(starts[i], start);
        ends[i] = SeqNum.max(ends[i], end);
        int j = i + 1;
        while (j < count && SeqNum.le(starts[j], ends[i]))
        {
            ends[i] = SeqNum.max(ends[i], ends[j]);
            j++;
        }
        final int merged = j - i - 1;
        if (merged > 0)
        {
            System.arraycopy(starts, j, starts, i + 1, count - j);
            System.arraycopy(ends, j, ends, i + 1, count - j);
            count -= merged;
        }
        latest = i;
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
        while (removed < count && SeqNum.le(starts[removed], next))
        {
            next = SeqNum.max(next, ends[removed]);
            removed++;
        }
        if (removed > 0)
        {
            System.arraycopy(starts, removed, starts, 0, count - removed);
            System.arraycopy(ends, removed, ends, 0, count - removed);
            count -= removed;
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
            edges[0] = starts[latest];
            edges[1] = ends[latest];
            written++;
        }
        for (int i = count - 1; i >= 0 && written < maxBlocks; i--)
        {
            if (i != latest)
            {
                edges[2 * written] = starts[i];
                edges[2 * written + 1] = ends[i];
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
        return count == 0 ? fallback : ends[count - 1];
    }
}
