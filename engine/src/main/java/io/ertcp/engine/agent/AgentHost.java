package io.ertcp.engine.agent;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.IdleStrategy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a node's agents in the chosen {@link ThreadingMode}. Closing the host stops the threads and
 * closes every agent once.
 */
public final class AgentHost implements AutoCloseable
{
    private final ThreadingMode mode;
    private final List<AgentRunner> runners = new ArrayList<>();
    private final AgentInvoker invoker;

    private AgentHost(final ThreadingMode mode, final List<AgentRunner> runners, final AgentInvoker invoker)
    {
        this.mode = mode;
        this.runners.addAll(runners);
        this.invoker = invoker;
    }

    /**
     * Start agents.
     *
     * @param mode         how threads are given out.
     * @param errorHandler told of every exception an agent throws; the agent keeps running.
     * @param agents       run in this order within a shared thread or an invoker.
     */
    public static AgentHost start(final ThreadingMode mode, final ErrorHandler errorHandler, final Agent... agents)
    {
        return start(mode, errorHandler, backoff(), agents);
    }

    /**
     * Start agents, a shared thread idling with {@code sharedIdle} (a node's {@link NodeIdleStrategy}); the other
     * modes ignore it.
     */
    public static AgentHost start(
        final ThreadingMode mode, final ErrorHandler errorHandler, final IdleStrategy sharedIdle, final Agent... agents)
    {
        switch (mode)
        {
            case DEDICATED ->
            {
                final List<AgentRunner> runners = new ArrayList<>();
                for (final Agent agent : agents)
                {
                    final AgentRunner runner = new AgentRunner(new BusySpinIdleStrategy(), errorHandler, null, agent);
                    AgentRunner.startOnThread(runner);
                    runners.add(runner);
                }
                return new AgentHost(mode, runners, null);
            }
            case SHARED ->
            {
                final AgentRunner runner = new AgentRunner(
                    sharedIdle, errorHandler, null, agents.length == 1 ? agents[0] : new CompositeAgent(agents));
                AgentRunner.startOnThread(runner);
                return new AgentHost(mode, List.of(runner), null);
            }
            default ->
            {
                final AgentInvoker invoker = new AgentInvoker(
                    errorHandler, null, agents.length == 1 ? agents[0] : new CompositeAgent(agents));
                invoker.start();
                return new AgentHost(mode, List.of(), invoker);
            }
        }
    }

    /**
     * The idle strategy for shared threads: spin briefly, yield, then park up to a millisecond, so
     * several JVMs on a small machine do not starve each other.
     */
    public static IdleStrategy backoff()
    {
        return new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(10), TimeUnit.MILLISECONDS.toNanos(1));
    }

    public ThreadingMode mode()
    {
        return mode;
    }

    /**
     * Step every agent once; only in {@link ThreadingMode#INVOKER}.
     *
     * @return the work done.
     */
    public int invoke()
    {
        if (invoker == null)
        {
            throw new IllegalStateException("invoke() is only for ThreadingMode.INVOKER, this host is " + mode);
        }
        return invoker.invoke();
    }

    public void close()
    {
        if (invoker != null)
        {
            invoker.close();
        }
        for (final AgentRunner runner : runners)
        {
            runner.close();
        }
    }
}
