package io.ertcp.engine.lan.impair;

import io.ertcp.engine.counters.Counters;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * What an {@link ImpairedLink} did to its traffic.
 */
public final class ImpairmentCounters
{
    final AtomicCounter offered;
    final AtomicCounter forwarded;
    final AtomicCounter lost;
    final AtomicCounter duplicated;
    final AtomicCounter corrupted;
    final AtomicCounter reordered;
    final AtomicCounter delayed;
    final AtomicCounter overflowed;

    /**
     * @param label names the direction, such as {@code "impair veth-a->veth-b"}.
     */
    public ImpairmentCounters(final Counters counters, final String label)
    {
        offered = counters.newCounter(label + " offered");
        forwarded = counters.newCounter(label + " forwarded");
        lost = counters.newCounter(label + " lost");
        duplicated = counters.newCounter(label + " duplicated");
        corrupted = counters.newCounter(label + " corrupted");
        reordered = counters.newCounter(label + " reordered");
        delayed = counters.newCounter(label + " delayed");
        overflowed = counters.newCounter(label + " overflowed");
    }

    /** Frames that entered the link. */
    public long offered()
    {
        return offered.get();
    }

    /** Frames that left the link, duplicates included. */
    public long forwarded()
    {
        return forwarded.get();
    }

    /** Frames dropped on purpose. */
    public long lost()
    {
        return lost.get();
    }

    /** Extra copies sent. */
    public long duplicated()
    {
        return duplicated.get();
    }

    /** Frames sent with a bit flipped. */
    public long corrupted()
    {
        return corrupted.get();
    }

    /** Frames held back so that later ones overtook them. */
    public long reordered()
    {
        return reordered.get();
    }

    /** Frames that waited in the delay line. */
    public long delayed()
    {
        return delayed.get();
    }

    /** Frames dropped because the delay line was full. */
    public long overflowed()
    {
        return overflowed.get();
    }

    public String toString()
    {
        return "offered " + offered() + ", forwarded " + forwarded() + ", lost " + lost() + ", duplicated " + duplicated() +
            ", corrupted " + corrupted() + ", reordered " + reordered() + ", delayed " + delayed() +
            ", overflowed " + overflowed();
    }
}
