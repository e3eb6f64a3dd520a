package io.ertcp.engine.cluster.config;

/**
 * Durations as the cluster file writes them: a whole number and a unit, such as {@code 10ms},
 * {@code 500us} or {@code 1h}. A unit is required because a bare {@code 10} has been read as
 * seconds by one tool and milliseconds by the next.
 */
public final class Durations
{
    private static final String[] UNITS = {"ns", "us", "µs", "ms", "s", "m", "h"};
    private static final long[] NANOS = {1L, 1_000L, 1_000L, 1_000_000L, 1_000_000_000L, 60_000_000_000L, 3_600_000_000_000L};

    private Durations()
    {
    }

    /**
     * @param text such as {@code 10ms}; units ns, us (or µs), ms, s, m and h.
     * @return the duration in nanoseconds.
     * @throws IllegalArgumentException with one sentence when the text is not a duration.
     */
    public static long parseNs(final String text)
    {
        final String trimmed = text.trim();
        int end = 0;
        while (end < trimmed.length() && Character.isDigit(trimmed.charAt(end)))
        {
            end++;
        }
        final String unit = trimmed.substring(end).trim();
        if (end == 0 || end > 15)
        {
            throw new IllegalArgumentException("'" + text + "' is not a duration: write a whole number and a unit, such as 10ms");
        }
        final long amount = Long.parseLong(trimmed.substring(0, end));
        for (int i = 0; i < UNITS.length; i++)
        {
            if (UNITS[i].equals(unit))
            {
                return Math.multiplyExact(amount, NANOS[i]);
            }
        }
        if (unit.isEmpty())
        {
            throw new IllegalArgumentException("'" + text + "' has no unit: write it as " + amount + "ms (units ns, us, ms, s, m, h)");
        }
        throw new IllegalArgumentException("'" + text + "' has an unknown unit '" + unit + "': use ns, us, ms, s, m or h");
    }

    /** The shortest exact form: {@code 10ms}, {@code 1500us}, {@code 2h}. */
    public static String format(final long ns)
    {
        for (int i = UNITS.length - 1; i >= 0; i--)
        {
            if (NANOS[i] != 0 && ns % NANOS[i] == 0 && !UNITS[i].equals("µs") && ns != 0)
            {
                return ns / NANOS[i] + UNITS[i];
            }
        }
        return ns + "ns";
    }
}
