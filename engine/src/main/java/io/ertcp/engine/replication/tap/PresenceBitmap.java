package io.ertcp.engine.replication.tap;

/**
 * Which bytes of a ring are present: one bit per ring slot, addressed by a stream offset modulo the
 * ring's capacity (a power of two). The caller keeps every range it passes within one capacity
 * (the window), so a range wraps the ring at most once. Any number of holes, unlike the eight ranges
 * of {@link io.ertcp.engine.tcp.Assembler}: a tap sees whatever order the wire delivers.
 */
final class PresenceBitmap
{
    private final long[] words;
    /** capacity - 1; capacity is a power of two and at least 64. */
    private final int mask;

    /**
     * @param capacity bits, a power of two of at least 64.
     */
    PresenceBitmap(final int capacity)
    {
        words = new long[capacity >>> 6];
        mask = capacity - 1;
    }

    /** Mark every slot absent. */
    void clearAll()
    {
        java.util.Arrays.fill(words, 0L);
    }

    /** Mark the slots of {@code [start, start + length)} present; {@code length <= capacity}. */
    void set(final long start, final int length)
    {
        final int from = (int)start & mask;
        final int first = Math.min(length, mask + 1 - from);
        setLinear(from, from + first, true);
        if (first < length)
        {
            setLinear(0, length - first, true);
        }
    }

    /** Mark the slots of {@code [start, start + length)} absent; {@code length <= capacity}. */
    void clear(final long start, final int length)
    {
        final int from = (int)start & mask;
        final int first = Math.min(length, mask + 1 - from);
        setLinear(from, from + first, false);
        if (first < length)
        {
            setLinear(0, length - first, false);
        }
    }

    /**
     * @return how many slots from {@code start} on are present without a gap, at most {@code limit}
     * ({@code limit <= capacity}).
     */
    int contiguous(final long start, final int limit)
    {
        final int from = (int)start & mask;
        final int first = Math.min(limit, mask + 1 - from);
        final int run = runLinear(from, from + first);
        if (run < first || first == limit)
        {
            return run;
        }
        return first + runLinear(0, limit - first);
    }

    private void setLinear(final int from, final int to, final boolean present)
    {
        if (from >= to)
        {
            return;
        }
        final int firstWord = from >>> 6;
        final int lastWord = (to - 1) >>> 6;
        final long firstMask = -1L << (from & 63);
        final long lastMask = -1L >>> (63 - ((to - 1) & 63));
        for (int w = firstWord; w <= lastWord; w++)
        {
            long bits = -1L;
            if (w == firstWord)
            {
                bits &= firstMask;
            }
            if (w == lastWord)
            {
                bits &= lastMask;
            }
            if (present)
            {
                words[w] |= bits;
            }
            else
            {
                words[w] &= ~bits;
            }
        }
    }

    /** The run of set bits from {@code from}, not past {@code to}. */
    private int runLinear(final int from, final int to)
    {
        int i = from;
        while (i < to)
        {
            final long absent = ~words[i >>> 6] >>> (i & 63);
            if (absent != 0)
            {
                return Math.min(to, i + Long.numberOfTrailingZeros(absent)) - from;
            }
            i = (i | 63) + 1;
        }
        return to - from;
    }
}
