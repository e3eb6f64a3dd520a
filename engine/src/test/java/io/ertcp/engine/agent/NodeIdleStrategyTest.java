package io.ertcp.engine.agent;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.MemorySwitch;
import io.ertcp.engine.port.PacketPort;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node's idle thread never sleeps a whole millisecond past a frame while replication is in flight: it sleeps on a
 * port that wakes it, or parks briefly on one that cannot (issue 11 item 5).
 */
class NodeIdleStrategyTest
{
    private final List<String> sleeps = new ArrayList<>();
    private final NodeIdleStrategy.Sleeper recorder = new NodeIdleStrategy.Sleeper()
    {
        public void await(final int timeoutMs)
        {
            sleeps.add("await " + timeoutMs + " ms");
        }

        public void park(final long ns)
        {
            sleeps.add("park " + ns / 1000 + " us");
        }
    };

    @Test
    void onAPortThatWakesItSleepsOnThePortAndNeverParks()
    {
        final boolean[] inFlight = {false};
        final NodeIdleStrategy idle = new NodeIdleStrategy(wakingPort(), () -> inFlight[0], 20_000, recorder);
        idleUntilSleeping(idle);
        for (int i = 0; i < 3; i++)
        {
            idle.idle(0);
        }
        inFlight[0] = true;
        idle.idle(0);
        assertEquals(List.of("await 1 ms", "await 1 ms", "await 1 ms", "await 1 ms", "await 1 ms"), sleeps,
            "a frame wakes the thread out of poll, so it sleeps up to the longest park, in flight or not");
    }

    @Test
    void onAPortThatCannotWakeItParksNoLongerThanTheInFlightLimitWhileRecordsAreInFlight()
    {
        final NodeIdleStrategy idle = new NodeIdleStrategy(memoryPort(), () -> true, 20_000, recorder);
        idleUntilSleeping(idle);
        for (int i = 0; i < 8; i++)
        {
            idle.idle(0);
        }
        assertEquals(List.of("park 10 us", "park 20 us", "park 20 us", "park 20 us", "park 20 us", "park 20 us",
            "park 20 us", "park 20 us", "park 20 us"), sleeps);
    }

    @Test
    void anIdleNodeBacksOffToTheLongestParkAndWorkStartsOverWithSpins()
    {
        final boolean[] inFlight = {false};
        final NodeIdleStrategy idle = new NodeIdleStrategy(memoryPort(), () -> inFlight[0], 20_000, recorder);
        idleUntilSleeping(idle);
        for (int i = 0; i < 8; i++)
        {
            idle.idle(0);
        }
        assertEquals(List.of("park 10 us", "park 20 us", "park 40 us", "park 80 us", "park 160 us", "park 320 us",
            "park 640 us", "park 1000 us", "park 1000 us"), sleeps);

        // Records go out: the next park is short at once, without waiting for the doubling to come down.
        sleeps.clear();
        inFlight[0] = true;
        idle.idle(0);
        assertEquals(List.of("park 20 us"), sleeps);

        sleeps.clear();
        idle.idle(1);
        for (int i = 0; i < NodeIdleStrategy.SPINS + NodeIdleStrategy.YIELDS; i++)
        {
            idle.idle(0);
        }
        assertTrue(sleeps.isEmpty(), "work done: spins and yields again before any sleep");
        idle.idle(0);
        assertEquals(List.of("park 10 us"), sleeps);
    }

    @Test
    void aNodeWithTwoPortsSleepsOnThemOnlyWhenBothAreAfPacket()
    {
        assertTrue(NodeIdleStrategy.wakes(wakingPort(), null));
        assertFalse(NodeIdleStrategy.wakes(memoryPort(), null));
        // A sleep on one port would keep the other's frames waiting: two ports wake the thread only through one poll
        // of both sockets (AfPacketPort.PairWait, AfPacketPortSystemTest); any other pair parks.
        assertFalse(NodeIdleStrategy.wakes(wakingPort(), wakingPort()));
        assertFalse(NodeIdleStrategy.wakes(wakingPort(), memoryPort()));
        final NodeIdleStrategy idle = new NodeIdleStrategy(wakingPort(), false, () -> true, 20_000, recorder);
        idleUntilSleeping(idle);
        assertEquals(List.of("park 10 us"), sleeps);
    }

    /** Spins and yields (no sleep), then the first sleep. */
    private void idleUntilSleeping(final NodeIdleStrategy idle)
    {
        for (int i = 0; i < NodeIdleStrategy.SPINS + NodeIdleStrategy.YIELDS; i++)
        {
            idle.idle(0);
        }
        assertTrue(sleeps.isEmpty(), "no sleep while spinning and yielding: " + sleeps);
        idle.idle(0);
    }

    private static PacketPort memoryPort()
    {
        return new MemorySwitch(() -> 0L, 1, new Counters(64)).newPort("p", 0x0200_0000_0001L);
    }

    private static PacketPort wakingPort()
    {
        return (PacketPort)Proxy.newProxyInstance(PacketPort.class.getClassLoader(), new Class<?>[] {PacketPort.class},
            (proxy, method, args) -> switch (method.getName())
            {
                case "canAwaitFrames" -> true;
                case "awaitFrames" -> false;
                default -> throw new UnsupportedOperationException(method.getName());
            });
    }
}
