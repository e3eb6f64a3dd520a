package io.ertcp.engine.agent;

import io.ertcp.engine.port.FrameHandler;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * Hands the frames of a receive ring to a {@link FrameHandler}, in place in the ring.
 */
public final class FrameDispatcher implements Agent
{
    private final String roleName;
    private final RingBuffer rxRing;
    private final FrameHandler handler;
    private final int limit;
    private final MessageHandler onMessage = this::onMessage;

    /**
     * @param roleName lower case with dashes, such as {@code "arp-responder"}.
     * @param limit    the most frames handled per duty cycle.
     */
    public FrameDispatcher(final String roleName, final RingBuffer rxRing, final FrameHandler handler, final int limit)
    {
        this.roleName = roleName;
        this.rxRing = rxRing;
        this.handler = handler;
        this.limit = limit;
    }

    public int doWork()
    {
        return rxRing.read(onMessage, limit);
    }

    public String roleName()
    {
        return roleName;
    }

    private void onMessage(final int typeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        handler.onFrame(buffer, index, length, FrameRings.flags(typeId));
    }
}
