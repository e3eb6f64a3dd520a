package io.ertcp.engine.tcp;

/**
 * What the peer has selectively acknowledged above SND.UNA (RFC 2018), as a few disjoint sorted
 * sequence ranges: retransmissions skip these bytes. A simplification of RFC 6675's scoreboard:
 * no pipe estimate, only "do not resend what the peer holds". Ranges beyond the slots are
 * forgotten, which costs only a needless retransmission.
 */
public final class SackScoreboard
{
    public static final int MAX_RANGES = 8;

    /** Sorted, disjoint, non-empty, all above SND.UNA after {@link #pruneBelow}. */
    private final int[] starts = new int[MAX_RANGES];
    private final int[] ends = new int[MAX_RANGES];
    private int count;

    public void clear()
    {
        count = 0;
    }

    public int count()
    {
        return count;
    }

    /**
     * Record one received SACK block, ignoring blocks that are empty or below SND.UNA.
     */
    public void add(final int start, final int end, final int sndUna, final int sndMax)
    {
        if (SeqNum.ge(start, end) || SeqNum.le(end, sndUna) || SeqNum.gt(end, sndMax))
        {
            return;
        }
        final int left = SeqNum.max(start, sndUna);
        int i = 0;
        while (i < count && SeqNum.lt(ends[i], left))
        {
            i++;
        }
        if (i == count || SeqNum.lt(end, starts[i]))
        {
            if (count == MAX_RANGES)
            {
                if (i == count)
                {
                    return;
                }
                count--;
            }
            System.arraycopy(starts, i, starts, i + 1, count - i);
            System.arraycopy(ends, i, ends, i + 1, count - i);
            starts[i] = left;
            ends[i] = end;
            count++;
            return;
        }
        starts[i] = SeqNum.min(starts[i], left);
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
    }

    /**
     * SND.UNA moved: forget what it covers.
     */
    public void pruneBelow(final int sndUna)
    {
        int removed = 0;
        while (removed < count && SeqNum.le(ends[removed], sndUna))
        {
            removed++;
        }
        if (removed > 0)
        {
            System.arraycopy(starts, removed, starts, 0, count - removed);
            System.arraycopy(ends, removed, ends, 0, count - removed);
            count -= removed;
        }
        if (count > 0 && SeqNum.lt(starts[0], sndUna))
        {
            starts[0] = sndUna;
        }
    }

    /**
     * @return the first sequence number at or after {@code seq} the peer has not SACKed.
     */
    public int skipSacked(final int seq)
    {
        for (int i = 0; i < count; i++)
        {
            if (SeqNum.inRange(seq, starts[i], ends[i]))
            {
                return ends[i];
            }
        }
        return seq;
    }

    /**
     * @return the start of the first SACKed range after {@code seq}, or {@code limit} if none is before it.
     */
    public int nextSackedStart(final int seq, final int limit)
    {
        for (int i = 0; i < count; i++)
        {
            if (SeqNum.gt(starts[i], seq))
            {
                return SeqNum.min(starts[i], limit);
            }
        }
        return limit;
    }

    /**
     * @return true when {@code seq} lies in a SACKed range.
     */
    public boolean isSacked(final int seq)
    {
        return skipSacked(seq) != seq;
    }

    /**
     * @return bytes SACKed in all ranges.
     */
    public int sackedBytes()
    {
        int bytes = 0;
        for (int i = 0; i < count; i++)
        {
            bytes += ends[i] - starts[i];
        }
        return bytes;
    }

    /**
     * @return the highest SACKed sequence number (exclusive), or {@code fallback} when none.
     */
    public int highestSacked(final int fallback)
    {
        return count == 0 ? fallback : ends[count - 1];
    }
}
