package io.ertcp.engine.agent;

import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.port.PacketPort;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Owns a {@link PacketPort}: each duty cycle sends what the transmit ring holds, in one burst, and
 * moves a receive burst into the receive ring. The port is touched by this agent's thread only.
 */
public final class PortAgent implements Agent
{
    private final PacketPort port;
    private final RingBuffer rxRing;
    private final RingBuffer txRing;
    private final int burst;
    private final AtomicCounter rxRingFull;
    private final FrameHandler toRxRing = this::onFrame;
    private final MessageHandler toPort = this::onTxMessage;

    /**
     * @param port       polled and written by this agent alone.
     * @param rxRing     where received frames go (written by this agent only).
     * @param txRing     frames to send (read by this agent only).
     * @param burst      the most frames moved each way per duty cycle.
     * @param rxRingFull counts frames dropped because the receive ring was full.
     */
    public PortAgent(
        final PacketPort port, final RingBuffer rxRing, final RingBuffer txRing, final int burst, final AtomicCounter rxRingFull)
    {
        this.port = port;
        this.rxRing = rxRing;
        this.txRing = txRing;
        this.burst = burst;
        this.rxRingFull = rxRingFull;
    }

    public int doWork()
    {
        int work = txRing.read(toPort, burst);
        if (work > 0)
        {
            port.flush();
        }
        work += port.receive(toRxRing, burst);
        return work;
    }

    public String roleName()
    {
        return "port-" + port.name().replace(':', '-');
    }

    public void onClose()
    {
        port.close();
    }

    private void onFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        final int index = rxRing.tryClaim(FrameRings.typeId(flags), length);
        if (index > 0)
        {
            rxRing.buffer().putBytes(index, buffer, offset, length);
            rxRing.commit(index);
        }
        else
        {
            rxRingFull.incrementRelease();
        }
    }

    private void onTxMessage(final int typeId, final org.agrona.MutableDirectBuffer buffer, final int index, final int length)
    {
        if (!port.send(buffer, index, length))
        {
            port.counters().onTxDropped(1);
        }
    }
}
