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

    @SuppressWarnings("unchecked")
    ByteKeyMap(final int initialCapacity)
    {
        table = (Entry<V>[])new Entry[Math.max(16, Integer.highestOneBit(Math.max(1, initialCapacity) - 1) << 1)];
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
        if (size + 1 > table.length - (table.length >>> 2))
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
                if (previous == null)
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
        }
        return null;
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
