package io.ertcp.engine.node;

/**
 * Work a node's stack agent does once per duty cycle after the received frames: a transport's
 * timers and output (the TCP stack), a service's pending writes. Runs on the agent's thread, so it
 * may send through the {@link io.ertcp.engine.net.Ipv4Output} without locks.
 */
@FunctionalInterface
public interface DutyCycle
{
    /**
     * @param nowNs the time the agent read once for this duty cycle.
     * @return the work done, 0 when there was none (the idle strategy backs off on 0).
     */
    int doWork(long nowNs);
}
