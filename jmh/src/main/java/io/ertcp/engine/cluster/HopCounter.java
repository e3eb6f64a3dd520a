package io.ertcp.engine.cluster;

import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.lan.MemorySwitch;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Frames and bytes per hop (one port to another) and kind: client IPv4, the replication channel (EtherType 0x88B5)
 * and the rest (ARP). Runs on the sender's thread inside its duty cycle, so it allocates nothing there: ports are
 * known by identity, counts live in arrays.
 */
final class HopCounter implements MemorySwitch.DeliveryObserver
{
    static final String[] KINDS = {"ipv4", "replication", "other"};

    private final Map<MemoryPort, Integer> index = new IdentityHashMap<>();
    private final List<String> names = new ArrayList<>();
    private long[][][] frames = new long[0][0][0];
    private long[][][] bytes = new long[0][0][0];
    boolean on;

    void port(final String name, final MemoryPort port)
    {
        index.put(port, names.size());
        names.add(name);
        final int n = names.size();
        frames = new long[n][n][KINDS.length];
        bytes = new long[n][n][KINDS.length];
    }

    public void onDelivered(final MemoryPort from, final MemoryPort to, final DirectBuffer buffer, final int offset, final int length)
    {
        if (!on)
        {
            return;
        }
        final Integer source = index.get(from);
        final Integer target = index.get(to);
        if (null == source || null == target)
        {
            return;
        }
        final int etherType = buffer.getShort(offset + EthernetFlyweight.ETHER_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int kind = etherType == EthernetFlyweight.ETHER_TYPE_IPV4 ? 0 :
            etherType == EthernetFlyweight.ETHER_TYPE_REPLICATION ? 1 : 2;
        frames[source][target][kind]++;
        bytes[source][target][kind] += length;
    }

    void reset()
    {
        for (int i = 0; i < frames.length; i++)
        {
            for (int j = 0; j < frames.length; j++)
            {
                java.util.Arrays.fill(frames[i][j], 0);
                java.util.Arrays.fill(bytes[i][j], 0);
            }
        }
    }

    List<String> names()
    {
        return names;
    }

    long frames(final int from, final int to, final int kind)
    {
        return frames[from][to][kind];
    }

    long bytes(final int from, final int to, final int kind)
    {
        return bytes[from][to][kind];
    }
}
