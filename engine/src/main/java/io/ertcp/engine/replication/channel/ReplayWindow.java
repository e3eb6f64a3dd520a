package io.ertcp.engine.replication.channel;

/**
 * Which frame counters of one sender's incarnation were already accepted: the anti-replay window of IPsec (RFC 4303
 * section 3.4.3), kept as a ring of bits indexed by counter (RFC 6479), so advancing the window clears words instead
 * of shifting them. A counter above the highest seen is new; one at most {@link #MIN_WINDOW} below it is new unless
 * its bit is set; anything older is refused, as a replay would be. Counters start at 1. A frame's counter is only
 * {@link #accept accepted} after its MAC verified, so a forged frame moves nothing.
 */
public final class ReplayWindow
{
    private static final int WORDS = 4;
    private static final int BITS = WORDS * Long.SIZE;
    /** How far below the highest counter a late frame is still taken: the ring less the word being filled. */
    public static final int MIN_WINDOW = BITS - Long.SIZE;

    private final long[] words = new long[WORDS];
    private long incarnation;
    private long highest;

    /** Whose frames this window holds now: 0 before the first. */
    public long incarnation()
    {
        return incarnation;
    }

    public long highest()
    {
        return highest;
    }

    /**
     * @return true when a frame of this incarnation and counter would be new: a newer incarnation, or a counter of
     * this one neither seen nor too old. An older incarnation is never new.
     */
    public boolean isNew(final long frameIncarnation, final long counter)
    {
        if (counter <= 0 || frameIncarnation < incarnation)
        {
            return false;
        }
        if (frameIncarnation > incarnation || counter > highest)
        {
            return true;
        }
        if (highest - counter >= MIN_WINDOW)
        {
            return false;
        }
        return (words[wordOf(counter)] & bitOf(counter)) == 0;
    }

    /**
     * Record an authenticated frame that {@link #isNew} allowed; a newer incarnation starts an empty window.
     */
    public void accept(final long frameIncarnation, final long counter)
    {
        if (frameIncarnation > incarnation)
        {
            incarnation = frameIncarnation;
            highest = 0;
            java.util.Arrays.fill(words, 0L);
        }
        if (counter > highest)
        {
            final long fromWord = highest / Long.SIZE;
            final long toWord = counter / Long.SIZE;
            final long clear = Math.min(toWord - fromWord, WORDS);
            for (long w = 1; w <= clear; w++)
            {
                words[(int)((fromWord + w) % WORDS)] = 0L;
            }
            highest = counter;
        }
        words[wordOf(counter)] |= bitOf(counter);
    }

    private static int wordOf(final long counter)
    {
        return (int)((counter / Long.SIZE) % WORDS);
    }

    private static long bitOf(final long counter)
    {
        return 1L << (counter % Long.SIZE);
    }
}
