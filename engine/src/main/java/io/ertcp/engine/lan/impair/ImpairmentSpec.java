package io.ertcp.engine.lan.impair;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What a bad wire does to one direction of traffic, in the vocabulary of netem.
 *
 * @param lossRate        fraction of frames dropped, 0..1.
 * @param delayNs         fixed delay added to every frame.
 * @param jitterNs        each frame's delay varies uniformly within plus or minus this; jitter alone
 *                        never reorders (a frame is never released before the one ahead of it).
 * @param reorderRate     fraction of frames held back by an extra {@code reorderDelayNs}, so that
 *                        the frames behind them overtake them.
 * @param reorderDelayNs  how long a reordered frame is held back beyond its delay.
 * @param duplicateRate   fraction of frames sent twice.
 * @param corruptRate     fraction of frames with one bit flipped after the Ethernet header.
 */
public record ImpairmentSpec(
    double lossRate,
    long delayNs,
    long jitterNs,
    double reorderRate,
    long reorderDelayNs,
    double duplicateRate,
    double corruptRate)
{
    public static final ImpairmentSpec NONE = new ImpairmentSpec(0, 0, 0, 0, 0, 0, 0);
    public static final long DEFAULT_REORDER_DELAY_NS = TimeUnit.MILLISECONDS.toNanos(2);

    public static final String SYNTAX =
        "loss=P%,delay=Tms,jitter=Tms,reorder=P%,reorder-delay=Tms,duplicate=P%,corrupt=P% (any subset, comma separated)";

    public ImpairmentSpec
    {
        checkRate("loss", lossRate);
        checkRate("reorder", reorderRate);
        checkRate("duplicate", duplicateRate);
        checkRate("corrupt", corruptRate);
        if (delayNs < 0 || jitterNs < 0 || reorderDelayNs < 0)
        {
            throw new IllegalArgumentException("delays must not be negative");
        }
    }

    /**
     * Parse a spec such as {@code loss=2%,delay=20ms,jitter=5ms,reorder=5%,duplicate=1%,corrupt=0.1%}.
     * An empty text or {@code none} means a perfect wire.
     *
     * @throws IllegalArgumentException with one sentence saying what is wrong and the syntax.
     */
    public static ImpairmentSpec parse(final String text)
    {
        final String trimmed = text == null ? "" : text.trim();
        if (trimmed.isEmpty() || trimmed.equalsIgnoreCase("none"))
        {
            return NONE;
        }

        double loss = 0, reorder = 0, duplicate = 0, corrupt = 0;
        long delay = 0, jitter = 0, reorderDelay = DEFAULT_REORDER_DELAY_NS;
        for (final String item : trimmed.split(","))
        {
            final int eq = item.indexOf('=');
            if (eq < 0)
            {
                throw new IllegalArgumentException("impairment '" + item.trim() + "' has no value: write " + SYNTAX);
            }
            final String key = item.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            final String value = item.substring(eq + 1).trim();
            switch (key)
            {
                case "loss" -> loss = parseRate(key, value);
                case "reorder" -> reorder = parseRate(key, value);
                case "duplicate", "dup" -> duplicate = parseRate(key, value);
                case "corrupt" -> corrupt = parseRate(key, value);
                case "delay" -> delay = parseDurationNs(key, value);
                case "jitter" -> jitter = parseDurationNs(key, value);
                case "reorder-delay" -> reorderDelay = parseDurationNs(key, value);
                default -> throw new IllegalArgumentException("unknown impairment '" + key + "': write " + SYNTAX);
            }
        }
        return new ImpairmentSpec(loss, delay, jitter, reorder, reorderDelay, duplicate, corrupt);
    }

    public boolean isNone()
    {
        return lossRate == 0 && delayNs == 0 && jitterNs == 0 && reorderRate == 0 && duplicateRate == 0 && corruptRate == 0;
    }

    public String toString()
    {
        if (isNone())
        {
            return "none";
        }
        return String.format(Locale.ROOT, "loss=%s%%,delay=%sms,jitter=%sms,reorder=%s%%,reorder-delay=%sms,duplicate=%s%%,corrupt=%s%%",
            percent(lossRate), millis(delayNs), millis(jitterNs), percent(reorderRate), millis(reorderDelayNs),
            percent(duplicateRate), percent(corruptRate));
    }

    private static double parseRate(final String key, final String value)
    {
        try
        {
            final double rate = value.endsWith("%") ?
                Double.parseDouble(value.substring(0, value.length() - 1)) / 100.0 : Double.parseDouble(value);
            checkRate(key, rate);
            return rate;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(key + "=" + value + " is not a rate: write a percentage such as " + key + "=2%");
        }
    }

    private static long parseDurationNs(final String key, final String value)
    {
        final String v = value.toLowerCase(Locale.ROOT);
        try
        {
            if (v.endsWith("ms"))
            {
                return (long)(Double.parseDouble(v.substring(0, v.length() - 2)) * 1_000_000L);
            }
            if (v.endsWith("us"))
            {
                return (long)(Double.parseDouble(v.substring(0, v.length() - 2)) * 1_000L);
            }
            if (v.endsWith("ns"))
            {
                return Long.parseLong(v.substring(0, v.length() - 2));
            }
            if (v.endsWith("s"))
            {
                return (long)(Double.parseDouble(v.substring(0, v.length() - 1)) * 1_000_000_000L);
            }
        }
        catch (final NumberFormatException ignore)
        {
            // Fall through to the message below.
        }
        throw new IllegalArgumentException(key + "=" + value + " is not a duration: write it with a unit, such as " + key + "=20ms");
    }

    private static void checkRate(final String key, final double rate)
    {
        if (!(rate >= 0 && rate <= 1))
        {
            throw new IllegalArgumentException(key + " must be between 0% and 100%");
        }
    }

    private static String percent(final double rate)
    {
        return stripZeros(rate * 100);
    }

    private static String millis(final long ns)
    {
        return stripZeros(ns / 1e6);
    }

    private static String stripZeros(final double value)
    {
        final String s = String.format(Locale.ROOT, "%.4f", value);
        return s.replaceAll("\\.?0+$", "");
    }
}
