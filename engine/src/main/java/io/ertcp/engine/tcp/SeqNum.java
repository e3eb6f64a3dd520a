package io.ertcp.engine.tcp;

/**
 * TCP sequence number arithmetic modulo 2^32 (RFC 9293 section 3.4): sequence numbers are ints and
 * compare by the sign of their difference, so comparisons hold across the wrap as long as the two
 * numbers are less than 2^31 apart, which the window sizes guarantee.
 */
public final class SeqNum
{
    private SeqNum()
    {
    }

    public static boolean lt(final int a, final int b)
    {
        return (a - b) < 0;
    }

    public static boolean le(final int a, final int b)
    {
        return (a - b) <= 0;
    }

    public static boolean gt(final int a, final int b)
    {
        return (a - b) > 0;
    }

    public static boolean ge(final int a, final int b)
    {
        return (a - b) >= 0;
    }

    public static int max(final int a, final int b)
    {
        return (a - b) >= 0 ? a : b;
    }

    public static int min(final int a, final int b)
    {
        return (a - b) <= 0 ? a : b;
    }

    /**
     * @return true when {@code low <= value < high} in sequence space.
     */
    public static boolean inRange(final int value, final int low, final int high)
    {
        return (value - low) >= 0 && (value - high) < 0;
    }

    /**
     * @return the unsigned distance from {@code from} forward to {@code to}, as a long.
     */
    public static long distance(final int from, final int to)
    {
        return (to - from) & 0xFFFF_FFFFL;
    }
}
