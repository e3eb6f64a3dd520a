package io.ertcp.engine.service;

import org.agrona.DirectBuffer;

import java.util.Arrays;

/**
 * A hash map keyed by byte strings that can be looked up straight from a slice of a
 * {@link DirectBuffer}, so that finding a key in a request allocates nothing (no String, no key
 * copy). Adding a new key allocates its entry and key bytes; that is the only allocation.
 * Chained buckets, power-of-two table, single-threaded like the services that use it.
 *
 * @param <V> the values.
 */
final class ByteKeyMap<V>
{
    static final class Entry<V>
    {
        final byte[] key;
        final int hash;
        V value;
        Entry<V> next;

        Entry(final byte[] key, final int hash, final V value, final Entry<V> next)
        {
            this.key = key;
            this.hash = hash;
            this.value = value;
            this.next = next;
        }

        byte[] key()
        {
            return key;
        }

        V value()
        {
            return value;
        }
    }

    private Entry<V>[] table;
    private int size;
    /** Copies a value for {@link #writable}: how a frozen map changes a value without touching the frozen one. */
    private final java.util.function.UnaryOperator<V> copier;
    /**
     * While true a snapshot walks a copy of the table's slots ({@link #freeze}): no entry reachable from it changes.
     * Changes replace entries with copies instead, and the table does not grow. Cleared by the snapshot's thread.
     */
    private volatile boolean frozen;
    private Entry<V>[] frozenSlots;
    private int frozenLength;
    private int frozenSize;

    ByteKeyMap(final int initialCapacity)
    {
        this(initialCapacity, null);
    }

    /**
     * @param copier copies a value, for a map that can be frozen for a snapshot; null for one that cannot.
     */
    @SuppressWarnings("unchecked")
    ByteKeyMap(final int initialCapacity, final java.util.function.UnaryOperator<V> copier)
    {
        table = (Entry<V>[])new Entry[Math.max(16, Integer.highestOneBit(Math.max(1, initialCapacity) - 1) << 1)];
        this.copier = copier;
    }

    /**
     * Freeze the map as it is now for a snapshot, in the time of one array copy of its slots: until {@link #thaw},
     * every change leaves the entries reachable from the copy as they are ({@link #writable}, {@link #remove} copy
     * the part of a chain they change; {@link #add} only prepends; the table does not grow), so another thread may
     * walk the frozen state with {@link #forEachFrozen} while this one goes on changing the map.
     */
    @SuppressWarnings("unchecked")
    void freeze()
    {
        if (null == copier)
        {
            throw new IllegalStateException("this map was built without a copier and cannot be frozen");
        }
        if (null == frozenSlots || frozenSlots.length < table.length)
        {
            frozenSlots = (Entry<V>[])new Entry[table.length];
        }
        System.arraycopy(table, 0, frozenSlots, 0, table.length);
        frozenLength = table.length;
        frozenSize = size;
        frozen = true;
    }

    boolean frozen()
    {
        return frozen;
    }

    /**
     * @return how many entries the frozen state holds.
     */
    int frozenSize()
    {
        return frozenSize;
    }

    /**
     * Every entry of the frozen state, in its table order; from the snapshot's thread.
     */
    void forEachFrozen(final java.util.function.BiConsumer<byte[], V> action)
    {
        for (int i = 0; i < frozenLength; i++)
        {
            for (Entry<V> e = frozenSlots[i]; e != null; e = e.next)
            {
                action.accept(e.key, e.value);
            }
        }
    }

    /**
     * The snapshot is written: changes are made in place again. From the snapshot's thread.
     */
    void thaw()
    {
        Arrays.fill(frozenSlots, 0, frozenLength, null);
        frozen = false;
    }

    /**
     * The value of an entry, to be changed in place: itself, or while the map is frozen a copy that replaced it (the
     * frozen entry and value stay as they were).
     */
    V writable(final Entry<V> entry)
    {
        if (!frozen)
        {
            return entry.value;
        }
        return replaceInChain(entry, false).value;
    }

    /**
     * The value of a key, to be changed in place (see {@link #writable(Entry)}), or null when the key is absent.
     */
    V writable(final DirectBuffer buffer, final int offset, final int length)
    {
        final Entry<V> e = entry(buffer, offset, length);
        return null == e ? null : writable(e);
    }

    /**
     * While frozen: rebuild the start of the entry's chain up to it with copies, the entry itself copied with a
     * copied value (or dropped), the rest of the chain shared; the frozen entries are left as they were.
     *
     * @return the entry's copy, or the entry after it when dropped.
     */
    private Entry<V> replaceInChain(final Entry<V> target, final boolean drop)
    {
        final int index = target.hash & (table.length - 1);
        final Entry<V> replacement = drop ? target.next :
            new Entry<>(target.key, target.hash, copier.apply(target.value), target.next);
        table[index] = copyUntil(table[index], target, replacement);
        return replacement;
    }

    private static <V> Entry<V> copyUntil(final Entry<V> from, final Entry<V> target, final Entry<V> replacement)
    {
        if (from == target)
        {
            return replacement;
        }
        return new Entry<>(from.key, from.hash, from.value, copyUntil(from.next, target, replacement));
    }

    int size()
    {
        return size;
    }

    static int hash(final DirectBuffer buffer, final int offset, final int length)
    {
        int h = 0x811C9DC5;
        for (int i = 0; i < length; i++)
        {
            h = (h ^ (buffer.getByte(offset + i) & 0xFF)) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    static int hash(final byte[] key)
    {
        int h = 0x811C9DC5;
        for (final byte b : key)
        {
            h = (h ^ (b & 0xFF)) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    /**
     * @return the entry for the key in buffer[offset, offset + length), or null.
     */
    Entry<V> entry(final DirectBuffer buffer, final int offset, final int length)
    {
        final int h = hash(buffer, offset, length);
        for (Entry<V> e = table[h & (table.length - 1)]; e != null; e = e.next)
        {
            if (e.hash == h && equals(e.key, buffer, offset, length))
            {
                return e;
            }
        }
        return null;
    }

    V get(final DirectBuffer buffer, final int offset, final int length)
    {
        final Entry<V> e = entry(buffer, offset, length);
        return e == null ? null : e.value;
    }

    V get(final byte[] key)
    {
        final int h = hash(key);
        for (Entry<V> e = table[h & (table.length - 1)]; e != null; e = e.next)
        {
            if (e.hash == h && Arrays.equals(e.key, key))
            {
                return e.value;
            }
        }
        return null;
    }

    /**
     * Add a key that {@link #entry} did not find (the caller checked).
     *
     * @return the new entry.
     */
    Entry<V> add(final DirectBuffer buffer, final int offset, final int length, final V value)
    {
        final byte[] key = new byte[length];
        buffer.getBytes(offset, key);
        return add(key, value);
    }

    Entry<V> add(final byte[] key, final V value)
    {
        if (size + 1 > table.length - (table.length >>> 2) && !frozen)
        {
            grow();
        }
        final int h = hash(key);
        final int index = h & (table.length - 1);
        final Entry<V> e = new Entry<>(key, h, value, table[index]);
        table[index] = e;
        size++;
        return e;
    }

    /**
     * @return the removed entry's value, or null when the key was absent.
     */
    V remove(final DirectBuffer buffer, final int offset, final int length)
    {
        final int h = hash(buffer, offset, length);
        final int index = h & (table.length - 1);
        Entry<V> previous = null;
        for (Entry<V> e = table[index]; e != null; previous = e, e = e.next)
        {
            if (e.hash == h && equals(e.key, buffer, offset, length))
            {
                return unlink(index, previous, e);
            }
        }
        return null;
    }

    /**
     * @return the removed entry's value, or null when the key was absent.
     */
    V remove(final byte[] key)
    {
        final int h = hash(key);
        final int index = h & (table.length - 1);
        Entry<V> previous = null;
        for (Entry<V> e = table[index]; e != null; previous = e, e = e.next)
        {
            if (e.hash == h && Arrays.equals(e.key, key))
            {
                return unlink(index, previous, e);
            }
        }
        return null;
    }

    /** Takes {@code e}, found after {@code previous} in chain {@code index}, out of the map: its value. */
    private V unlink(final int index, final Entry<V> previous, final Entry<V> e)
    {
        if (frozen)
        {
            replaceInChain(e, true);
        }
        else if (previous == null)
        {
            table[index] = e.next;
        }
        else
        {
            previous.next = e.next;
        }
        size--;
        return e.value;
    }

    /**
     * Every entry, in table order (a function of the keys and the insertions, the same on every replica).
     */
    void forEach(final java.util.function.BiConsumer<byte[], V> action)
    {
        for (Entry<V> head : table)
        {
            for (Entry<V> e = head; e != null; e = e.next)
            {
                action.accept(e.key, e.value);
            }
        }
    }

    void clear()
    {
        Arrays.fill(table, null);
        size = 0;
    }

    @SuppressWarnings("unchecked")
    private void grow()
    {
        final Entry<V>[] old = table;
        table = (Entry<V>[])new Entry[old.length << 1];
        for (Entry<V> head : old)
        {
            while (head != null)
            {
                final Entry<V> next = head.next;
                final int index = head.hash & (table.length - 1);
                head.next = table[index];
                table[index] = head;
                head = next;
            }
        }
    }

    private static boolean equals(final byte[] key, final DirectBuffer buffer, final int offset, final int length)
    {
        if (key.length != length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (key[i] != buffer.getByte(offset + i))
            {
                return false;
            }
        }
        return true;
    }
}
