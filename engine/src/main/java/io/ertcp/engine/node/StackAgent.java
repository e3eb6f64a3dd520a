package io.ertcp.engine.node;

import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.port.PacketPort;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

import java.util.Arrays;

/**
 * Runs a node's whole stack on one thread, owning the port directly: frames are handled in place in
 * the port's receive buffers and written in place into its transmit burst, with no ring and no copy
 * between. Each duty cycle reads the clock once, hands a receive burst to the {@link Ipv4Layer}
 * (which calls the transports), runs the {@link DutyCycle}s (timers, queued output), then sends
 * everything written in one burst.
 */
public final class StackAgent implements Agent
{
    private final PacketPort port;
    private final Ipv4Layer layer;
    private final NanoClock clock;
    private final int burst;
    private DutyCycle[] dutyCycles;

    /**
     * @param port       polled and written by this agent alone; closed with it.
     * @param layer      writes to {@code port} (through {@code FrameOutput.of(port)}).
     * @param clock      read once per duty cycle.
     * @param burst      the most frames received per duty cycle.
     * @param dutyCycles run in order after each receive burst, such as the TCP stack.
     */
    public StackAgent(
        final PacketPort port, final Ipv4Layer layer, final NanoClock clock, final int burst, final DutyCycle... dutyCycles)
    {
        this.port = port;
        this.layer = layer;
        this.clock = clock;
        this.burst = burst;
        this.dutyCycles = dutyCycles.clone();
    }

    /**
     * Add a duty cycle; only before the agent starts (the array is not published to its thread).
     */
    public StackAgent add(final DutyCycle dutyCycle)
    {
        final DutyCycle[] grown = Arrays.copyOf(dutyCycles, dutyCycles.length + 1);
        grown[dutyCycles.length] = dutyCycle;
        dutyCycles = grown;
        return this;
    }

    /**
     * Announce the interface's addresses (gratuitous ARP) from the agent's own thread.
     */
    public void onStart()
    {
        layer.nowNs(clock.nanoTime());
        layer.announce();
        port.flush();
    }

    public int doWork()
    {
        final long nowNs = clock.nanoTime();
        layer.nowNs(nowNs);
        int work = port.receive(layer, burst);
        for (final DutyCycle dutyCycle : dutyCycles)
        {
            work += dutyCycle.doWork(nowNs);
        }
        work += port.flush();
        return work;
    }

    public String roleName()
    {
        return "stack";
    }

    public void onClose()
    {
        port.close();
    }
}
