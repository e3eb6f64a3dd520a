package io.ertcp.engine.tcp;

/**
 * What the peer has selectively acknowledged above SND.UNA (RFC 2018), as a few disjoint sorted
 * sequence ranges ({@link SeqRanges}): retransmissions skip these bytes. A simplification of RFC 6675's scoreboard:
 * no pipe estimate, only "do not resend what the peer holds". Ranges beyond the slots are
 * forgotten, which costs only a needless retransmission.
 */
public final class SackScoreboard
{
    public static final int MAX_RANGES = 8;

    /** Sorted, disjoint, non-empty, all above SND.UNA after {@link #pruneBelow}. */
    private final SeqRanges ranges = new SeqRanges(MAX_RANGES);

    public void clear()
    {
        ranges.clear();
    }

    public int count()
    {
        return ranges.count();
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
        // A block that needs a slot when all are taken pushes out the highest range: the lower ranges
        // save more retransmissions, since the sender resends from SND.UNA up.
        ranges.add(SeqNum.max(start, sndUna), end, true);
    }

    /**
     * SND.UNA moved: forget what it covers.
     */
    public void pruneBelow(final int sndUna)
    {
        int removed = 0;
        while (removed < ranges.count() && SeqNum.le(ranges.end(removed), sndUna))
        {
            removed++;
        }
        ranges.removeLowest(removed);
        if (ranges.count() > 0 && SeqNum.lt(ranges.start(0), sndUna))
        {
            ranges.trimLowest(sndUna);
        }
    }

    /**
     * @return the first sequence number at or after {@code seq} the peer has not SACKed.
     */
    public int skipSacked(final int seq)
    {
        for (int i = 0; i < ranges.count(); i++)
        {
            if (SeqNum.inRange(seq, ranges.start(i), ranges.end(i)))
            {
                return ranges.end(i);
            }
        }
        return seq;
    }

    /**
     * @return the start of the first SACKed range after {@code seq}, or {@code limit} if none is before it.
     */
    public int nextSackedStart(final int seq, final int limit)
    {
        for (int i = 0; i < ranges.count(); i++)
        {
            if (SeqNum.gt(ranges.start(i), seq))
            {
                return SeqNum.min(ranges.start(i), limit);
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
        for (int i = 0; i < ranges.count(); i++)
        {
            bytes += ranges.end(i) - ranges.start(i);
        }
        return bytes;
    }

    /**
     * @return the highest SACKed sequence number (exclusive), or {@code fallback} when none.
     */
    public int highestSacked(final int fallback)
    {
        return ranges.count() == 0 ? fallback : ranges.end(ranges.count() - 1);
    }
}
