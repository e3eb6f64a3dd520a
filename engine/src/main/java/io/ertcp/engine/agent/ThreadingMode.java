package io.ertcp.engine.agent;

/**
 * How a node's agents get threads, as in Aeron's media driver.
 */
public enum ThreadingMode
{
    /** A thread per agent, busy spinning: lowest latency, one core per agent (bare metal). */
    DEDICATED,
    /** All agents on one thread that backs off when idle: small machines, tests, demos. */
    SHARED,
    /** No thread: the caller steps the agents with {@link AgentHost#invoke()} (deterministic tests). */
    INVOKER;

    /**
     * @param text {@code dedicated}, {@code shared} or {@code invoker}, any case.
     * @throws IllegalArgumentException with one sentence naming the choices.
     */
    public static ThreadingMode parse(final String text)
    {
        for (final ThreadingMode mode : values())
        {
            if (mode.name().equalsIgnoreCase(text.trim()))
            {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown threading mode '" + text + "': choose dedicated, shared or invoker");
    }
}
