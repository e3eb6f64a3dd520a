package io.ertcp.engine.agent;

import io.ertcp.engine.port.AfPacketPort;
import io.ertcp.engine.port.PacketPort;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A shared thread's idle strategy for a node that owns a port: spin briefly, yield, then sleep, as
 * {@link AgentHost#backoff()} does, but never so that a frame waits out a long park while replication is in flight
 * (docs/architecture.md, "Threading"). A record on its way to the logger, or a CONFIRM on its way back, is a frame:
 * <ul>
 *   <li>on a port that can block until a frame arrives ({@link PacketPort#canAwaitFrames()}, AF_PACKET's poll), the
 *   thread sleeps in that call for up to the longest park, and the frame wakes it at once;</li>
 *   <li>on any other port (DPDK, the in-memory LAN) it parks, doubling from the shortest park up to the longest,
 *   but no longer than {@code inFlightParkNs} while {@code inFlight} says records are unconfirmed or arriving.</li>
 * </ul>
 * A node with a replication port of its own (docs/cluster-file.md, "A separate replication interface") waits for
 * frames on two ports: on two AF_PACKET ports it sleeps in one poll of both ({@link AfPacketPort.PairWait}); on any
 * other pair it parks as on a port that cannot wake it, since a sleep on one would keep the other's frames waiting.
 * Either way an idle node still sleeps (2 shared cores stay usable) and its timers run at least once per longest park.
 * Allocation-free; one thread (the agent's runner) calls it.
 */
public final class NodeIdleStrategy implements IdleStrategy
{
    /** Spins before yielding, yields before sleeping, as {@link AgentHost#backoff()}. */
    public static final int SPINS = 100;
    public static final int YIELDS = 10;
    public static final long MIN_PARK_NS = TimeUnit.MICROSECONDS.toNanos(10);
    public static final long MAX_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);
    /** The longest park while replication is in flight, on a port that cannot wake the thread. */
    public static final long IN_FLIGHT_PARK_NS = TimeUnit.MICROSECONDS.toNanos(20);

    /** How the thread sleeps: on the port, or parked. Tests replace it. */
    interface Sleeper
    {
        /** Sleep on the port until a frame arrives, at most {@code timeoutMs}. */
        void await(int timeoutMs);

        /** Park for {@code ns}. */
        void park(long ns);
    }

    private final PacketPort port;
    private final boolean wakes;
    private final BooleanSupplier inFlight;
    private final long inFlightParkNs;
    private final Sleeper sleeper;
    private int spins;
    private int yields;
    private long parkNs = MIN_PARK_NS;

    /**
     * @param port     the node's port: its frames wake the thread when it can block on them.
     * @param inFlight true while records are unconfirmed or arriving (the node's {@code replicationInFlight}).
     */
    public NodeIdleStrategy(final PacketPort port, final BooleanSupplier inFlight)
    {
        this(port, null, inFlight);
    }

    /**
     * @param port            the node's port.
     * @param replicationPort the node's replication port, or null when the channel shares {@code port}.
     * @param inFlight        true while records are unconfirmed or arriving (the node's {@code replicationInFlight}).
     */
    public NodeIdleStrategy(final PacketPort port, final PacketPort replicationPort, final BooleanSupplier inFlight)
    {
        this(port, wakes(port, replicationPort), inFlight, IN_FLIGHT_PARK_NS, sleeper(port, replicationPort));
    }

    /** @return whether a frame on the node's port, or on either of its two ports, wakes a thread asleep on them. */
    static boolean wakes(final PacketPort port, final PacketPort replicationPort)
    {
        return null == replicationPort ? port.canAwaitFrames() :
            port instanceof AfPacketPort && replicationPort instanceof AfPacketPort;
    }

    private static Sleeper sleeper(final PacketPort port, final PacketPort replicationPort)
    {
        final AfPacketPort.PairWait pair = wakes(port, replicationPort) && null != replicationPort ?
            new AfPacketPort.PairWait((AfPacketPort)port, (AfPacketPort)replicationPort) : null;
        return new Sleeper()
        {
            public void await(final int timeoutMs)
            {
                if (null == pair)
                {
                    port.awaitFrames(timeoutMs);
                }
                else
                {
                    pair.await(timeoutMs);
                }
            }

            public void park(final long ns)
            {
                LockSupport.parkNanos(ns);
            }
        };
    }

    NodeIdleStrategy(final PacketPort port, final BooleanSupplier inFlight, final long inFlightParkNs, final Sleeper sleeper)
    {
        this(port, port.canAwaitFrames(), inFlight, inFlightParkNs, sleeper);
    }

    /** @param wakes whether {@code sleeper.await} returns when a frame arrives: see {@link #wakes}. */
    NodeIdleStrategy(final PacketPort port, final boolean wakes, final BooleanSupplier inFlight,
        final long inFlightParkNs, final Sleeper sleeper)
    {
        this.port = port;
        this.wakes = wakes;
        this.inFlight = inFlight;
        this.inFlightParkNs = inFlightParkNs;
        this.sleeper = sleeper;
    }

    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }

    public void idle()
    {
        if (spins < SPINS)
        {
            spins++;
            Thread.onSpinWait();
        }
        else if (yields < YIELDS)
        {
            yields++;
            Thread.yield();
        }
        else if (wakes)
        {
            sleeper.await((int)TimeUnit.NANOSECONDS.toMillis(MAX_PARK_NS));
        }
        else
        {
            final long limit = inFlight.getAsBoolean() ? Math.min(inFlightParkNs, MAX_PARK_NS) : MAX_PARK_NS;
            final long ns = Math.min(parkNs, limit);
            sleeper.park(ns);
            parkNs = Math.min(ns << 1, MAX_PARK_NS);
        }
    }

    public void reset()
    {
        spins = 0;
        yields = 0;
        parkNs = MIN_PARK_NS;
    }

    public String alias()
    {
        return "node-backoff";
    }

    /**
     * @return the port this strategy sleeps on.
     */
    public PacketPort port()
    {
        return port;
    }
}
