package io.ertcp.engine.lan;

import io.ertcp.engine.lan.impair.ImpairedLink;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.port.PacketPort;
import io.ertcp.engine.port.PortCounters;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * A port on a {@link MemorySwitch}: frames from other ports arrive in a many-to-one ring and are
 * read in place; the port's ingress wire may drop, delay, reorder, duplicate or corrupt them.
 * For tests and for the in-process demo; no NIC, no root.
 */
public final class MemoryPort implements PacketPort
{
    /** Ingress ring capacity in bytes: about 700 full frames waiting to be polled. */
    public static final int DEFAULT_RING_CAPACITY = 1024 * 1024;
    /** Frames in one transmit burst. */
    public static final int TX_BURST = 64;
    /** Frames in the ingress ring carry no flags; Agrona reserves message type ids below 1. */
    private static final int FRAME_TYPE_ID = 1;

    private final MemorySwitch network;
    private final String name;
    private final long mac;
    private final PortCounters counters;
    private final ImpairedLink ingressLink;
    private final ManyToOneRingBuffer ingress;
    private final int maxFrameLength;
    private final UnsafeBuffer txFrames;
    private final int[] txLengths = new int[TX_BURST];
    private final MessageHandler fromRing = this::onRingFrame;
    private final FrameHandler counting = this::onDelivered;
    private FrameHandler handler;
    private long nowNs;
    private int txCount;
    private boolean closed;
    /** Cut off the switch ({@link MemorySwitch#cut}): set by the thread that steps the LAN. */
    volatile boolean cut;

    MemoryPort(
        final MemorySwitch network,
        final String name,
        final long mac,
        final PortCounters counters,
        final ImpairedLink ingressLink,
        final int ringCapacity,
        final int maxFrameLength)
    {
        this.maxFrameLength = maxFrameLength;
        this.txFrames = new UnsafeBuffer(ByteBuffer.allocateDirect(TX_BURST * maxFrameLength));
        this.network = network;
        this.name = name;
        this.mac = mac;
        this.counters = counters;
        this.ingressLink = ingressLink;
        this.ingress = new ManyToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(
            BitUtil.findNextPositivePowerOfTwo(ringCapacity) + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    public String name()
    {
        return name;
    }

    public long macAddress()
    {
        return mac;
    }

    @Override
    public int maxFrameLength()
    {
        return maxFrameLength;
    }

    /**
     * @return the port's ingress wire, or null when it is perfect.
     */
    public ImpairedLink ingressLink()
    {
        return ingressLink;
    }

    public int receive(final FrameHandler handler, final int limit)
    {
        this.handler = handler;
        final long before = counters.rxFrames();
        if (ingressLink == null)
        {
            ingress.read(fromRing, limit);
        }
        else
        {
            nowNs = network.clock().nanoTime();
            ingress.read(fromRing, limit);
            ingressLink.poll(nowNs, counting);
        }
        this.handler = null;
        return (int)(counters.rxFrames() - before);
    }

    public int txClaim(final int length)
    {
        if (txCount == TX_BURST || length > maxFrameLength || closed)
        {
            return -1;
        }
        return txCount * maxFrameLength;
    }

    public MutableDirectBuffer txBuffer()
    {
        return txFrames;
    }

    public void txCommit(final int length)
    {
        txLengths[txCount++] = length;
    }

    public int flush()
    {
        final int count = txCount;
        long bytes = 0;
        for (int i = 0; i < count; i++)
        {
            network.forward(this, txFrames, i * maxFrameLength, txLengths[i]);
            bytes += txLengths[i];
        }
        txCount = 0;
        if (count > 0)
        {
            counters.onSent(count, bytes);
        }
        return count;
    }

    public PortCounters counters()
    {
        return counters;
    }

    /**
     * Unplug from the switch: frames no longer reach this port, as when a node's cable is pulled.
     */
    public void close()
    {
        if (!closed)
        {
            closed = true;
            network.remove(this);
        }
    }

    /** Called by the switch on the sender's thread. */
    void deliver(final DirectBuffer buffer, final int offset, final int length)
    {
        if (!ingress.write(FRAME_TYPE_ID, buffer, offset, length))
        {
            counters.onRxDropped(1);
        }
    }

    private void onRingFrame(final int typeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (ingressLink == null)
        {
            onDelivered(buffer, index, length, 0);
        }
        else
        {
            ingressLink.offer(buffer, index, length, 0, nowNs, counting);
        }
    }

    private void onDelivered(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        counters.onReceived(length);
        handler.onFrame(buffer, offset, length, flags);
    }
}
