package io.ertcp.engine.tcp;

import io.ertcp.service.ClusterClock;
import io.ertcp.service.TcpService;
import org.agrona.collections.Long2LongHashMap;

import java.util.Arrays;

/**
 * A service's {@link ClusterClock}: the time of the event being handled and the service's timers, moved on only by
 * {@link #advance}. On a cluster the replication log moves it (each TIME record the replica applies,
 * docs/architecture.md "Cluster time"), so it shows the same time and fires the same timers at the same point on
 * every node; a standalone stack moves it from its own clock each duty cycle.
 * <p>
 * The timers are an indexed binary min-heap ordered by (deadline, scheduling sequence), so timers with one deadline
 * fire in the order they were scheduled, whatever their ids: the order is a function of the calls, the same on every
 * replica. A deadline is never earlier than the next whole millisecond after the time it is scheduled at, so a timer
 * scheduled while timers fire waits for the next advance, and a service rescheduling itself into the past cannot make
 * the primary log a time more often than once a millisecond. No allocation once the arrays have grown to the most timers held.
 * <p>
 * One thread: the node's duty cycle.
 */
public final class ServiceClock implements ClusterClock
{
    private static final long MS = 1_000_000L;

    private final TcpService service;
    private final Long2LongHashMap slotOf = new Long2LongHashMap(-1);
    private long[] deadlines = new long[16];
    private long[] sequences = new long[16];
    private long[] ids = new long[16];
    private int size;
    private long nextSequence;
    private long timeNs;
    private long fired;

    /**
     * @param service whose {@link TcpService#onTimer} the timers call.
     */
    public ServiceClock(final TcpService service)
    {
        this.service = service;
    }

    /**
     * @return the current time, nanoseconds since the Unix epoch (0 before the first advance).
     */
    public long timeNs()
    {
        return timeNs;
    }

    public long timeMillis()
    {
        return timeNs / 1_000_000L;
    }

    /**
     * @return the earliest timer's deadline in ns, or Long.MAX_VALUE when none is scheduled: when the primary must
     * log a time next.
     */
    public long nextDeadlineNs()
    {
        return 0 == size ? Long.MAX_VALUE : deadlines[0];
    }

    /**
     * @return the timers scheduled now.
     */
    public int timerCount()
    {
        return size;
    }

    /**
     * @return timers fired since this clock was made.
     */
    public long timersFired()
    {
        return fired;
    }

    /**
     * Move the time on to {@code newTimeNs} (never back: an earlier time leaves it where it is), then fire every
     * timer whose deadline it reaches, in deadline order.
     *
     * @return how many timers fired.
     */
    public int advance(final long newTimeNs)
    {
        if (newTimeNs > timeNs)
        {
            timeNs = newTimeNs;
        }
        int count = 0;
        while (size > 0 && deadlines[0] <= timeNs)
        {
            final long id = ids[0];
            removeAt(0);
            fired++;
            count++;
            service.onTimer(id);
        }
        return count;
    }

    public void scheduleTimer(final long timerId, final long deadlineMillis)
    {
        final long asked = deadlineMillis >= Long.MAX_VALUE / 1_000_000L ? Long.MAX_VALUE :
            Math.max(0, deadlineMillis) * MS;
        final long deadline = Math.max(asked, (timeNs / MS + 1) * MS);
        restoreTimer(timerId, deadline);
    }

    public boolean cancelTimer(final long timerId)
    {
        final int slot = (int)slotOf.get(timerId);
        if (-1 == slot)
        {
            return false;
        }
        removeAt(slot);
        return true;
    }

    /**
     * Visit the scheduled timers, in no particular order: what a snapshot of the service must keep with its state
     * and {@link #timeNs()} (both put back with {@link #restoreTime} and {@link #restoreTimer}). Timers of one deadline
     * fire, after a restore, in the order {@link #restoreTimer} put them back.
     */
    public void forEachTimer(final TimerVisitor visitor)
    {
        for (int i = 0; i < size; i++)
        {
            visitor.timer(ids[i], deadlines[i]);
        }
    }

    /**
     * Taking a snapshot: copy the scheduled timers (id, deadline in ns, and the sequence that orders timers of one
     * deadline) into the arrays, in no particular order; sorted by deadline then sequence they are the order the
     * timers fire in, which {@link #restoreTimer} called in that order reproduces.
     *
     * @return how many timers were copied, or -(the count) when the arrays are shorter than that and nothing was.
     */
    public int copyTimers(final long[] timerIds, final long[] deadlinesNs, final long[] sequenceNumbers)
    {
        if (timerIds.length < size || deadlinesNs.length < size || sequenceNumbers.length < size)
        {
            return -size;
        }
        System.arraycopy(ids, 0, timerIds, 0, size);
        System.arraycopy(deadlines, 0, deadlinesNs, 0, size);
        System.arraycopy(sequences, 0, sequenceNumbers, 0, size);
        return size;
    }

    /**
     * Loading a snapshot failed after {@link #restoreTime}: back to time 0 with no timers, as made, so the previous
     * snapshot (or the whole log) can be loaded instead.
     */
    public void reset()
    {
        while (size > 0)
        {
            removeAt(size - 1);
        }
        timeNs = 0;
    }

    /**
     * Loading a snapshot: set the time the snapshot was taken at, firing nothing (the TIME records after the
     * snapshot's position move it on from there).
     *
     * @throws IllegalStateException when timers are scheduled already or the time has moved.
     */
    public void restoreTime(final long snapshotTimeNs)
    {
        if (0 != timeNs || 0 != size)
        {
            throw new IllegalStateException("a clock at time " + timeNs + " with " + size + " timers cannot be restored");
        }
        timeNs = snapshotTimeNs;
    }

    /**
     * Loading a snapshot: put back a timer as {@link #forEachTimer} gave it, at its deadline exactly.
     */
    public void restoreTimer(final long timerId, final long deadlineNs)
    {
        final int slot = (int)slotOf.get(timerId);
        if (-1 != slot)
        {
            removeAt(slot);
        }
        if (size == deadlines.length)
        {
            deadlines = Arrays.copyOf(deadlines, size * 2);
            sequences = Arrays.copyOf(sequences, size * 2);
            ids = Arrays.copyOf(ids, size * 2);
        }
        final int at = size++;
        place(at, deadlineNs, nextSequence++, timerId);
        siftUp(at);
    }

    /**
     * One scheduled timer, as {@link #forEachTimer} gives it.
     */
    @FunctionalInterface
    public interface TimerVisitor
    {
        void timer(long timerId, long deadlineNs);
    }

    private void removeAt(final int slot)
    {
        slotOf.remove(ids[slot]);
        final int last = --size;
        if (slot != last)
        {
            place(slot, deadlines[last], sequences[last], ids[last]);
            siftDown(slot);
            siftUp(slot);
        }
    }

    private void place(final int slot, final long deadline, final long sequence, final long id)
    {
        deadlines[slot] = deadline;
        sequences[slot] = sequence;
        ids[slot] = id;
        slotOf.put(id, slot);
    }

    private boolean before(final int a, final int b)
    {
        return deadlines[a] < deadlines[b] || (deadlines[a] == deadlines[b] && sequences[a] < sequences[b]);
    }

    private void swap(final int a, final int b)
    {
        final long deadline = deadlines[a];
        final long sequence = sequences[a];
        final long id = ids[a];
        place(a, deadlines[b], sequences[b], ids[b]);
        place(b, deadline, sequence, id);
    }

    private void siftUp(final int from)
    {
        int i = from;
        while (i > 0)
        {
            final int parent = (i - 1) >>> 1;
            if (!before(i, parent))
            {
                return;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(final int from)
    {
        int i = from;
        while (true)
        {
            final int left = 2 * i + 1;
            if (left >= size)
            {
                return;
            }
            final int right = left + 1;
            final int child = right < size && before(right, left) ? right : left;
            if (!before(child, i))
            {
                return;
            }
            swap(i, child);
            i = child;
        }
    }
}
