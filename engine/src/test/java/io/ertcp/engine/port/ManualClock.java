package io.ertcp.engine.port;

import org.agrona.concurrent.NanoClock;

/**
 * A clock the test advances by hand.
 */
public final class ManualClock implements NanoClock
{
    private long nowNs;

    public long nanoTime()
    {
        return nowNs;
    }

    public void advanceMs(final long ms)
    {
        nowNs += ms * 1_000_000L;
    }

    public void advanceNs(final long ns)
    {
        nowNs += ns;
    }
}
