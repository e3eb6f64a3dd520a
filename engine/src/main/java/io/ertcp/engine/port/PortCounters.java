package io.ertcp.engine.port;

import io.ertcp.engine.counters.Counters;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The frame and byte counters every {@link PacketPort} keeps, written by the port's owning thread
 * with plain increments and readable from any thread.
 */
public final class PortCounters
{
    private final AtomicCounter rxFrames;
    private final AtomicCounter rxBytes;
    private final AtomicCounter rxDropped;
    private final AtomicCounter txFrames;
    private final AtomicCounter txBytes;
    private final AtomicCounter txDropped;

    /**
     * @param counters where the counters are allocated.
     * @param portName prefixes each label, such as {@code af-packet:veth0}.
     */
    public PortCounters(final Counters counters, final String portName)
    {
        rxFrames = counters.newCounter(portName + " rx-frames");
        rxBytes = counters.newCounter(portName + " rx-bytes");
        rxDropped = counters.newCounter(portName + " rx-dropped");
        txFrames = counters.newCounter(portName + " tx-frames");
        txBytes = counters.newCounter(portName + " tx-bytes");
        txDropped = counters.newCounter(portName + " tx-dropped");
    }

    /**
     * Counters in a set of their own, for a port used alone.
     */
    public static PortCounters standalone(final String portName)
    {
        return new PortCounters(new Counters(16), portName);
    }

    public void onReceived(final int length)
    {
        rxFrames.incrementRelease();
        rxBytes.getAndAddRelease(length);
    }

    public void onRxDropped(final int frames)
    {
        rxDropped.getAndAddRelease(frames);
    }

    public void onSent(final int frames, final long bytes)
    {
        txFrames.getAndAddRelease(frames);
        txBytes.getAndAddRelease(bytes);
    }

    public void onTxDropped(final int frames)
    {
        txDropped.getAndAddRelease(frames);
    }

    /** Frames handed to a {@link FrameHandler}. */
    public long rxFrames()
    {
        return rxFrames.get();
    }

    /** Bytes of the frames handed to a {@link FrameHandler}. */
    public long rxBytes()
    {
        return rxBytes.get();
    }

    /** Frames the port lost on receive (ring overrun, truncation, a PMD's missed count). */
    public long rxDropped()
    {
        return rxDropped.get();
    }

    /** Frames handed to the wire. */
    public long txFrames()
    {
        return txFrames.get();
    }

    /** Bytes of the frames handed to the wire. */
    public long txBytes()
    {
        return txBytes.get();
    }

    /** Committed frames the wire would not take. */
    public long txDropped()
    {
        return txDropped.get();
    }

    public String toString()
    {
        return "rx " + rxFrames() + " frames " + rxBytes() + " B (dropped " + rxDropped() + "), tx " +
            txFrames() + " frames " + txBytes() + " B (dropped " + txDropped() + ")";
    }
}
