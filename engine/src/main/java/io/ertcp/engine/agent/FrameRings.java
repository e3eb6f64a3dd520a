package io.ertcp.engine.agent;

import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * Frames cross threads through Agrona one-to-one rings. A frame's message type carries its
 * {@link io.ertcp.engine.port.FrameFlags} plus one, since Agrona reserves type ids below 1.
 */
public final class FrameRings
{
    /** Enough for about 2,000 full frames in flight between two agents. */
    public static final int DEFAULT_CAPACITY = 4 * 1024 * 1024;

    private FrameRings()
    {
    }

    /**
     * @param capacity bytes of frame data, rounded up to a power of two.
     */
    public static OneToOneRingBuffer oneToOne(final int capacity)
    {
        final int length = BitUtil.findNextPositivePowerOfTwo(capacity) + RingBufferDescriptor.TRAILER_LENGTH;
        return new OneToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(length)));
    }

    public static int typeId(final int flags)
    {
        return flags + 1;
    }

    public static int flags(final int typeId)
    {
        return typeId - 1;
    }
}
