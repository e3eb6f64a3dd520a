package io.ertcp.engine.tcp;

/**
 * A few disjoint, sorted, non-empty ranges of sequence space, {@code [start, end)} in {@link SeqNum}'s wrapping order,
 * in two fixed arrays: the one structure under the receiver's {@link Assembler} (what it holds beyond RCV.NXT) and the
 * sender's {@link SackScoreboard} (what the peer has SACKed above SND.UNA). Adding merges a range with every range it
 * touches or overlaps; a full set either refuses a range that needs a slot or gives up its highest range for it.
 */
final class SeqRanges
{
    /** Left edges, sorted, {@code count} of them; each range is non-empty and disjoint from its neighbours. */
    private final int[] starts;
    /** Right edges (exclusive), matching {@link #starts}. */
    private final int[] ends;
    private int count;

    SeqRanges(final int capacity)
    {
        starts = new int[capacity];
        ends = new int[capacity];
    }

    void clear()
    {
        count = 0;
    }

    int count()
    {
        return count;
    }

    int start(final int index)
    {
        return starts[index];
    }

    int end(final int index)
    {
        return ends[index];
    }

    /**
     * Add {@code [start, end)} (non-empty), merged with every range it touches.
     *
     * @param dropHighest when every slot is taken and the range needs one of its own: give up the highest range for it
     *                    (unless the range itself would be the highest), instead of refusing it.
     * @return the index of the range that now holds it, or -1 when it was refused.
     */
    int add(final int start, final int end, final boolean dropHighest)
    {
        int i = 0;
        while (i < count && SeqNum.lt(ends[i], start))
        {
            i++;
        }
        if (i == count || SeqNum.lt(end, starts[i]))
        {
            if (count == starts.length)
            {
                if (!dropHighest || i == count)
                {
                    return -1;
                }
                count--;
            }
            System.arraycopy(starts, i, starts, i + 1, count - i);
            System.arraycopy(ends, i, ends, i + 1, count - i);
            starts[i] = start;
            ends[i] = end;
            count++;
            return i;
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
        return i;
    }

    /** Take away the lowest {@code removed} ranges. */
    void removeLowest(final int removed)
    {
        if (removed > 0)
        {
            System.arraycopy(starts, removed, starts, 0, count - removed);
            System.arraycopy(ends, removed, ends, 0, count - removed);
            count -= removed;
        }
    }

    /** Move the lowest range's left edge up to {@code start}, inside it. */
    void trimLowest(final int start)
    {
        starts[0] = start;
    }
}
