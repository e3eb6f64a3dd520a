package io.ertcp.engine.replication.tap;

/**
 * The tap's connections by the client's (address, port): the service side of the 4-tuple is the
 * same for all. Open addressing with linear probing over a power-of-two array at most half full,
 * deletion by backward shift (no tombstones), primitive keys so a lookup neither boxes nor allocates
 * ({@link io.ertcp.engine.tcp.ConnectionTable}'s scheme).
 */
final class TapTable
{
    private final long[] keys;
    /** Non-null where a slot is in use. */
    private final TapStream[] values;
    private final int mask;
    private int size;

    TapTable(final int maxEntries)
    {
        int capacity = 2;
        while (capacity < maxEntries * 2L)
        {
            capacity <<= 1;
        }
        keys = new long[capacity];
        values = new TapStream[capacity];
        mask = capacity - 1;
    }

    /** The key of a client's address and port: the address in bits 16..47, the port below. */
    static long key(final int clientIp, final int clientPort)
    {
        return ((clientIp & 0xFFFF_FFFFL) << 16) | (clientPort & 0xFFFF);
    }

    int size()
    {
        return size;
    }

    TapStream get(final long key)
    {
        int i = hash(key) & mask;
        TapStream value;
        while ((value = values[i]) != null)
        {
            if (keys[i] == key)
            {
                return value;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    /** Add an entry whose key is not present; the caller keeps size within maxEntries. */
    void put(final TapStream stream)
    {
        int i = hash(stream.key) & mask;
        while (values[i] != null)
        {
            i = (i + 1) & mask;
        }
        keys[i] = stream.key;
        values[i] = stream;
        size++;
    }

    void remove(final TapStream stream)
    {
        int i = hash(stream.key) & mask;
        while (values[i] != null)
        {
            if (values[i] == stream)
            {
                shiftBack(i);
                size--;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    private void shiftBack(final int removedIndex)
    {
        int hole = removedIndex;
        int i = (hole + 1) & mask;
        while (values[i] != null)
        {
            final int home = hash(keys[i]) & mask;
            // Move entry i into the hole if its home slot is not in (hole, i] cyclically.
            if (((i - home) & mask) >= ((i - hole) & mask))
            {
                keys[hole] = keys[i];
                values[hole] = values[i];
                hole = i;
            }
            i = (i + 1) & mask;
        }
        values[hole] = null;
    }

    private static int hash(final long key)
    {
        long h = key * 0x9E3779B97F4A7C15L;
        h ^= h >>> 32;
        h *= 0xD6E8FEB86659FD93L;
        h ^= h >>> 29;
        return (int)h;
    }
}
