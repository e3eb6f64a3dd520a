package io.ertcp.engine.lan;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.impair.ImpairedLink;
import io.ertcp.engine.lan.impair.ImpairmentCounters;
import io.ertcp.engine.lan.impair.ImpairmentSpec;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.port.PacketPort;
import io.ertcp.engine.port.PortCounters;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.NanoClock;

import java.util.Arrays;

/**
 * An in-process Ethernet switch joining {@link MemoryPort}s: it learns which port each source MAC
 * lives behind, forwards unicast there and floods broadcast, multicast and unknown destinations,
 * like the Linux bridge the namespace topology uses. Each port's ingress may be a bad wire with
 * seeded faults; the switch's seed fixes them all, so a failing run can be replayed.
 */
public final class MemorySwitch
{
    private final NanoClock clock;
    private final long seed;
    private final Counters counters;
    /**
     * Copied on every plug and unplug, so that flooding indexes a snapshot: iterating a CopyOnWriteArrayList
     * allocates an iterator per frame, which escape analysis does not always remove.
     */
    private volatile MemoryPort[] ports = new MemoryPort[0];
    private final Long2ObjectHashMap<MemoryPort> macTable = new Long2ObjectHashMap<>();
    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private volatile boolean hub;
    private DeliveryObserver observer;

    /**
     * Sees every frame the switch delivers, on the sender's thread, before it is copied into the target's ring: what a
     * measurement counts per hop (frames from one port to another). Must not allocate: it runs inside the sender's
     * duty cycle.
     */
    @FunctionalInterface
    public interface DeliveryObserver
    {
        void onDelivered(MemoryPort from, MemoryPort to, DirectBuffer buffer, int offset, int length);
    }

    /**
     * @param clock    the time faults are timed by; tests pass a clock they advance.
     * @param seed     every port's faults derive from it.
     * @param counters where the ports' counters live.
     */
    public MemorySwitch(final NanoClock clock, final long seed, final Counters counters)
    {
        this.clock = clock;
        this.seed = seed;
        this.counters = counters;
    }

    public long seed()
    {
        return seed;
    }

    /**
     * Flood every frame to every other port, learning nothing: a hub, or a Linux bridge with {@code ageing_time 0},
     * as an ST-TCP backup needs to see the client's frames to the virtual MAC.
     */
    private int maxFrameLength = PacketPort.MAX_FRAME_LENGTH;

    public MemorySwitch hub(final boolean hub)
    {
        this.hub = hub;
        return this;
    }

    /**
     * Ports plugged in from now on carry frames of up to {@code maxFrameLength} bytes, Ethernet header included:
     * jumbo frames for a replication MTU over 1500 (ports with an impaired wire still delay at most 1514 bytes).
     */
    public MemorySwitch maxFrameLength(final int maxFrameLength)
    {
        if (maxFrameLength < PacketPort.MAX_FRAME_LENGTH)
        {
            throw new IllegalArgumentException("A port carries at least " + PacketPort.MAX_FRAME_LENGTH +
                "-byte frames, not " + maxFrameLength + ".");
        }
        this.maxFrameLength = maxFrameLength;
        return this;
    }

    /**
     * Watch every delivery from now on (null for none); set before the ports send, from the thread that steps them.
     */
    public MemorySwitch observer(final DeliveryObserver observer)
    {
        this.observer = observer;
        return this;
    }

    NanoClock clock()
    {
        return clock;
    }

    /**
     * Plug in a port with a perfect wire.
     */
    public MemoryPort newPort(final String name, final long mac)
    {
        return newPort(name, mac, ImpairmentSpec.NONE);
    }

    /**
     * Plug in a port whose ingress (frames towards it) suffers the given faults.
     *
     * @param name    unique on this switch, such as {@code "primary"}.
     * @param mac     the port's own address.
     * @param ingress what the wire does to frames on their way to this port.
     */
    public synchronized MemoryPort newPort(final String name, final long mac, final ImpairmentSpec ingress)
    {
        final int index = ports.length;
        final String portName = "memory:" + name;
        final ImpairedLink link = ingress.isNone() ? null :
            new ImpairedLink(ingress, seed * 31 + index, new ImpairmentCounters(counters, "impair ->" + portName));
        final MemoryPort port = new MemoryPort(
            this, portName, mac, new PortCounters(counters, portName), link,
            Math.max(MemoryPort.DEFAULT_RING_CAPACITY, 512 * maxFrameLength), maxFrameLength);
        final MemoryPort[] grown = Arrays.copyOf(ports, index + 1);
        grown[index] = port;
        ports = grown;
        return port;
    }

    /**
     * Cut a port's cable (true) or plug it back (false), keeping the port: while cut, nothing it sends reaches the
     * switch and nothing reaches it, as when a bridge drops the frames of a node's veth (a partition that heals).
     */
    public void cut(final MemoryPort port, final boolean isCut)
    {
        port.cut = isCut;
    }

    void remove(final MemoryPort port)
    {
        synchronized (this)
        {
            ports = Arrays.stream(ports).filter(p -> p != port).toArray(MemoryPort[]::new);
        }
        synchronized (macTable)
        {
            macTable.values().removeIf(p -> p == port);
        }
    }

    /**
     * Switch one frame sent by {@code from}.
     */
    void forward(final MemoryPort from, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < EthernetFlyweight.HEADER_LENGTH || from.cut)
        {
            return;
        }
        ethernet.wrap(buffer, offset);
        final long destination = ethernet.destination();
        final long source = ethernet.source();
        MemoryPort target = null;
        synchronized (macTable)
        {
            if (!MacAddress.isGroup(source) && macTable.get(source) != from)
            {
                macTable.put(source, from);
            }
            if (!hub && !MacAddress.isGroup(destination))
            {
                target = macTable.get(destination);
            }
        }

        if (target != null)
        {
            if (target != from && !target.cut)
            {
                observe(from, target, buffer, offset, length);
                target.deliver(buffer, offset, length);
            }
            return;
        }
        final MemoryPort[] snapshot = ports;
        for (final MemoryPort port : snapshot)
        {
            if (port != from && !port.cut)
            {
                observe(from, port, buffer, offset, length);
                port.deliver(buffer, offset, length);
            }
        }
    }

    private void observe(final MemoryPort from, final MemoryPort to, final DirectBuffer buffer, final int offset, final int length)
    {
        final DeliveryObserver watcher = observer;
        if (null != watcher)
        {
            watcher.onDelivered(from, to, buffer, offset, length);
        }
    }
}
