package io.ertcp.engine.agent;

import io.ertcp.engine.port.FrameOutput;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * A {@link FrameOutput} over a transmit ring, for a handler whose frames a {@link PortAgent} on
 * another thread sends.
 */
public final class RingFrameOutput implements FrameOutput
{
    private final RingBuffer ring;

    public RingFrameOutput(final RingBuffer ring)
    {
        this.ring = ring;
    }

    public int claim(final int length)
    {
        final int index = ring.tryClaim(FrameRings.typeId(0), length);
        return index > 0 ? index : -1;
    }

    public MutableDirectBuffer buffer()
    {
        return ring.buffer();
    }

    public void commit(final int offset)
    {
        ring.commit(offset);
    }
}
