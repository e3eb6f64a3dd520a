package io.ertcp.engine.tcp;

/**
 * The connections by 4-tuple: open addressing with linear probing over a power-of-two array at
 * most half full, deletion by backward shift (no tombstones), keys as primitives so a lookup
 * neither boxes nor allocates. Sized once for the stack's maximum connections. Its own table, not one of Agrona's
 * maps, because the key is 96 bits (two addresses, two ports) and Agrona's primitive maps key by one long: packing the
 * 4-tuple into a long would drop bits, and an object key would allocate per lookup.
 */
final class ConnectionTable
{
    /** localIp in the high half, remoteIp in the low half; valid where {@link #values} is non-null. */
    private final long[] addresses;
    /** localPort in the high half, remotePort in the low half. */
    private final int[] ports;
    private final TcpConnection[] values;
    private final int mask;
    private int size;

    ConnectionTable(final int maxEntries)
    {
        int capacity = 2;
        while (capacity < maxEntries * 2L)
        {
            capacity <<= 1;
        }
        addresses = new long[capacity];
        ports = new int[capacity];
        values = new TcpConnection[capacity];
        mask = capacity - 1;
    }

    int size()
    {
        return size;
    }

    TcpConnection get(final int localIp, final int localPort, final int remoteIp, final int remotePort)
    {
        final long address = address(localIp, remoteIp);
        final int port = port(localPort, remotePort);
        int i = hash(address, port) & mask;
        TcpConnection value;
        while ((value = values[i]) != null)
        {
            if (addresses[i] == address && ports[i] == port)
            {
                return value;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    /**
     * @return false when the 4-tuple is already present.
     */
    boolean put(final TcpConnection connection)
    {
        final long address = address(connection.localIp(), connection.remoteIp());
        final int port = port(connection.localPort(), connection.remotePort());
        int i = hash(address, port) & mask;
        while (values[i] != null)
        {
            if (addresses[i] == address && ports[i] == port)
            {
                return false;
            }
            i = (i + 1) & mask;
        }
        addresses[i] = address;
        ports[i] = port;
        values[i] = connection;
        size++;
        return true;
    }

    void remove(final TcpConnection connection)
    {
        final long address = address(connection.localIp(), connection.remoteIp());
        final int port = port(connection.localPort(), connection.remotePort());
        int i = hash(address, port) & mask;
        while (values[i] != null)
        {
            if (values[i] == connection)
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
            final int home = hash(addresses[i], ports[i]) & mask;
            // Move entry i into the hole if its home slot is not in (hole, i] cyclically.
            if (((i - home) & mask) >= ((i - hole) & mask))
            {
                addresses[hole] = addresses[i];
                ports[hole] = ports[i];
                values[hole] = values[i];
                hole = i;
            }
            i = (i + 1) & mask;
        }
        values[hole] = null;
    }

    private static long address(final int localIp, final int remoteIp)
    {
        return ((long)localIp << 32) | (remoteIp & 0xFFFF_FFFFL);
    }

    private static int port(final int localPort, final int remotePort)
    {
        return (localPort << 16) | (remotePort & 0xFFFF);
    }

    private static int hash(final long address, final int port)
    {
        long h = address * 0x9E3779B97F4A7C15L + port;
        h ^= h >>> 32;
        h *= 0xD6E8FEB86659FD93L;
        h ^= h >>> 29;
        return (int)h;
    }
}
