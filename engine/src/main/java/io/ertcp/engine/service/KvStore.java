package io.ertcp.engine.service;

import io.ertcp.service.ClusterClock;
import org.agrona.DirectBuffer;

import java.util.Arrays;

/**
 * The kv service's keyspace and its expiry, apart from the RESP commands that use them ({@link KvService}): the
 * keys and their {@link Value}s in one {@link ByteKeyMap}, the values with a deadline in a binary min-heap by
 * deadline, and the one cluster-time timer at the earliest deadline (docs/architecture.md "Cluster time"). Every
 * change of a key's deadline goes through {@link #expireAt}, so the heap, each value's slot in it and the timer
 * stay in step, and every change of a value in place through {@link #writable}, so a snapshot's frozen store
 * ({@link KvSnapshot}) keeps what its position saw.
 */
final class KvStore
{
    /** A stored value's bytes are at least this long, so INCR can rewrite them in place. */
    static final int MIN_VALUE_CAPACITY = 24;
    /** The store's one timer: the earliest key deadline. */
    static final long EXPIRY_TIMER = 1;

    /** Until the node gives the real one: time 0, timers never fire (a service outside any stack). */
    private static final ClusterClock STOPPED = new ClusterClock()
    {
        public long timeMillis()
        {
            return 0;
        }

        public void scheduleTimer(final long timerId, final long deadlineMillis)
        {
        }

        public boolean cancelTimer(final long timerId)
        {
            return false;
        }
    };

    final ByteKeyMap<Value> keys = new ByteKeyMap<>(1024, Value::copy);
    private ClusterClock clock = STOPPED;
    /** The values with a deadline, a binary min-heap by deadline; each value knows its slot. */
    private Value[] expiring = new Value[64];
    private int expiringCount;
    /** The deadline the expiry timer is scheduled for, or 0 when none is. */
    private long timerDeadlineMs;
    private long expired;

    /**
     * Until the node gives the real one (null), the stopped clock.
     */
    void clock(final ClusterClock clock)
    {
        this.clock = null == clock ? STOPPED : clock;
    }

    /**
     * @return the cluster time in ms.
     */
    long now()
    {
        return clock.timeMillis();
    }

    void onTimer(final long timerId)
    {
        if (EXPIRY_TIMER == timerId)
        {
            timerDeadlineMs = 0;
            expireDue();
        }
    }

    /**
     * Loading a snapshot: no key has a deadline until the snapshot gives it one.
     */
    void clearDeadlines()
    {
        Arrays.fill(expiring, 0, expiringCount, null);
        expiringCount = 0;
        timerDeadlineMs = 0;
    }

    /**
     * FLUSHALL and FLUSHDB: every key gone, the timer cancelled.
     */
    void clear()
    {
        keys.clear();
        Arrays.fill(expiring, 0, expiringCount, null);
        expiringCount = 0;
        scheduleExpiryTimer();
    }

    /**
     * @return a digest of every key, its value and its expiry deadline, independent of the order they are held in:
     * two stores with the same keys, values and deadlines have the same digest (tests compare replicas with it).
     */
    public long contentDigest()
    {
        final long[] digest = {keys.size()};
        keys.forEach((key, value) ->
        {
            long h = 0xCBF2_9CE4_8422_2325L;
            for (final byte b : key)
            {
                h = (h ^ (b & 0xFF)) * 0x0100_0000_01B3L;
            }
            h = (h ^ 0xFF) * 0x0100_0000_01B3L;
            for (int i = 0; i < value.length; i++)
            {
                h = (h ^ (value.bytes[i] & 0xFF)) * 0x0100_0000_01B3L;
            }
            h = (h ^ value.expiresAtMs) * 0x0100_0000_01B3L;
            digest[0] += h ^ (h >>> 29);
        });
        return digest[0];
    }

    /**
     * @return how many keys are stored.
     */
    public int size()
    {
        return keys.size();
    }

    /**
     * @return how many keys have a deadline.
     */
    public int expiringKeys()
    {
        return expiringCount;
    }

    /**
     * @return how many keys expired since the store was made.
     */
    public long expiredKeys()
    {
        return expired;
    }

    /**
     * A stored value: its bytes are [0, length) of an array that may be longer, so that overwriting
     * with a value no longer than the array allocates nothing.
     */
    static final class Value
    {
        byte[] bytes;
        int length;
        /** The key, as the store holds it, so expiry can remove it. */
        byte[] key;
        /** Cluster time in ms at which the key is gone, or 0 for never. */
        long expiresAtMs;
        /** Its slot in the expiry heap, or -1. */
        int heapIndex = -1;

        Value(final int capacity)
        {
            bytes = new byte[Math.max(capacity, MIN_VALUE_CAPACITY)];
        }

        /**
         * @return a value with the same bytes in an array of its own.
         */
        Value copy()
        {
            final Value copy = new Value(bytes.length);
            System.arraycopy(bytes, 0, copy.bytes, 0, length);
            copy.length = length;
            copy.key = key;
            copy.expiresAtMs = expiresAtMs;
            copy.heapIndex = heapIndex;
            return copy;
        }

        void set(final DirectBuffer buffer, final int offset, final int valueLength)
        {
            if (bytes.length < valueLength)
            {
                bytes = new byte[valueLength];
            }
            buffer.getBytes(offset, bytes, 0, valueLength);
            length = valueLength;
        }
    }

    void put(final DirectBuffer b, final int keyStart, final int keyLength, final int valueStart, final int valueLength)
    {
        final ByteKeyMap.Entry<Value> entry = keys.entry(b, keyStart, keyLength);
        if (entry != null)
        {
            final Value existing = writable(entry);
            existing.set(b, valueStart, valueLength);
            expireAt(existing, 0);
        }
        else
        {
            final Value value = new Value(valueLength);
            value.set(b, valueStart, valueLength);
            add(b, keyStart, keyLength, value);
        }
    }

    /**
     * The value of an entry, to change in place: itself, or while a snapshot holds the store frozen a copy
     * ({@link ByteKeyMap#writable}) that also takes the frozen value's slot in the expiry heap, so the frozen value
     * (bytes and deadline) stays as the snapshot's position saw it.
     */
    Value writable(final ByteKeyMap.Entry<Value> entry)
    {
        final Value held = entry.value;
        final Value value = keys.writable(entry);
        if (value != held && value.heapIndex >= 0)
        {
            expiring[value.heapIndex] = value;
        }
        return value;
    }

    /**
     * Loading a snapshot: a key read back with its deadline joins the expiry heap; the timer is the clock's, restored
     * with it (the node restores the cluster time and the timers pending at the snapshot), so none is scheduled.
     */
    void restoreDeadline(final Value value)
    {
        if (expiringCount == expiring.length)
        {
            expiring = Arrays.copyOf(expiring, expiringCount * 2);
        }
        expiring[expiringCount] = value;
        value.heapIndex = expiringCount++;
        siftUp(value.heapIndex);
    }

    /**
     * Loading a snapshot: the deadline the expiry timer was scheduled for when it was taken.
     */
    void restoreTimerDeadline(final long deadlineMs)
    {
        timerDeadlineMs = deadlineMs;
    }

    /**
     * @return the deadline the expiry timer is scheduled for (0: none), for the snapshot.
     */
    long timerDeadlineMs()
    {
        return timerDeadlineMs;
    }

    void add(final DirectBuffer b, final int keyStart, final int keyLength, final Value value)
    {
        value.key = keys.add(b, keyStart, keyLength, value).key;
    }

    /**
     * Give a value a deadline (0 for none), keeping the heap and the timer in step.
     */
    void expireAt(final Value value, final long deadlineMs)
    {
        if (0 == deadlineMs)
        {
            if (value.heapIndex >= 0)
            {
                heapRemove(value);
            }
            value.expiresAtMs = 0;
        }
        else if (value.heapIndex >= 0)
        {
            final long before = value.expiresAtMs;
            value.expiresAtMs = deadlineMs;
            if (deadlineMs < before)
            {
                siftUp(value.heapIndex);
            }
            else
            {
                siftDown(value.heapIndex);
            }
        }
        else
        {
            value.expiresAtMs = deadlineMs;
            if (expiringCount == expiring.length)
            {
                expiring = Arrays.copyOf(expiring, expiringCount * 2);
            }
            expiring[expiringCount] = value;
            value.heapIndex = expiringCount++;
            siftUp(value.heapIndex);
        }
        scheduleExpiryTimer();
    }

    /**
     * A key left the store (DEL, expiry, EXPIRE in the past): drop its deadline.
     *
     * @return whether there was a value.
     */
    boolean delete(final Value value)
    {
        if (null == value)
        {
            return false;
        }
        if (value.heapIndex >= 0)
        {
            // Its deadline stays on the value, which nothing live holds any more (a frozen snapshot may still read it).
            heapRemove(value);
            scheduleExpiryTimer();
        }
        return true;
    }

    /**
     * Remove every key whose deadline the cluster time has reached, earliest first.
     */
    void expireDue()
    {
        if (0 == expiringCount || expiring[0].expiresAtMs > clock.timeMillis())
        {
            return;
        }
        final long now = clock.timeMillis();
        while (expiringCount > 0 && expiring[0].expiresAtMs <= now)
        {
            final Value value = expiring[0];
            heapRemove(value);
            keys.remove(value.key);
            expired++;
        }
        scheduleExpiryTimer();
    }

    void scheduleExpiryTimer()
    {
        final long earliest = 0 == expiringCount ? 0 : expiring[0].expiresAtMs;
        if (earliest == timerDeadlineMs)
        {
            return;
        }
        timerDeadlineMs = earliest;
        if (0 == earliest)
        {
            clock.cancelTimer(EXPIRY_TIMER);
        }
        else
        {
            clock.scheduleTimer(EXPIRY_TIMER, earliest);
        }
    }

    void heapRemove(final Value value)
    {
        final int slot = value.heapIndex;
        value.heapIndex = -1;
        final int last = --expiringCount;
        final Value moved = expiring[last];
        expiring[last] = null;
        if (slot != last)
        {
            expiring[slot] = moved;
            moved.heapIndex = slot;
            siftDown(slot);
            siftUp(moved.heapIndex);
        }
    }

    void siftUp(final int from)
    {
        int i = from;
        final Value value = expiring[i];
        while (i > 0)
        {
            final int parent = (i - 1) >>> 1;
            if (expiring[parent].expiresAtMs <= value.expiresAtMs)
            {
                break;
            }
            expiring[i] = expiring[parent];
            expiring[i].heapIndex = i;
            i = parent;
        }
        expiring[i] = value;
        value.heapIndex = i;
    }

    void siftDown(final int from)
    {
        int i = from;
        final Value value = expiring[i];
        while (true)
        {
            final int left = 2 * i + 1;
            if (left >= expiringCount)
            {
                break;
            }
            final int right = left + 1;
            final int child = right < expiringCount && expiring[right].expiresAtMs < expiring[left].expiresAtMs ?
                right : left;
            if (expiring[child].expiresAtMs >= value.expiresAtMs)
            {
                break;
            }
            expiring[i] = expiring[child];
            expiring[i].heapIndex = i;
            i = child;
        }
        expiring[i] = value;
        value.heapIndex = i;
    }
}
