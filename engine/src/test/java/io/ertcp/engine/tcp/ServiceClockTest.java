package io.ertcp.engine.tcp;

import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceClockTest
{
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_796_000_000_000L * MS;

    /** Records each onTimer with the clock's time then; may run an action from within it. */
    private static final class TimerService implements TcpService
    {
        final List<String> fired = new ArrayList<>();
        ServiceClock clock;
        java.util.function.LongConsumer onFire = id -> { };
        boolean record = true;

        public String name()
        {
            return "timers";
        }

        public void onTimer(final long timerId)
        {
            if (record)
            {
                fired.add(timerId + "@" + (clock.timeMillis() - T0 / MS));
                onFire.accept(timerId);
            }
        }

        public void onOpen(final Connection connection)
        {
        }

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            return length;
        }

        public void onPeerClosed(final Connection connection)
        {
        }

        public void onWritable(final Connection connection)
        {
        }

        public void onClosed(final Connection connection, final CloseReason reason)
        {
        }
    }

    private static TimerService service()
    {
        final TimerService service = new TimerService();
        service.clock = new ServiceClock(service);
        service.clock.advance(T0);
        return service;
    }

    @Test
    void timersFireInDeadlineOrderThenSchedulingOrderWhenTimeReachesThem()
    {
        final TimerService s = service();
        final ServiceClock clock = s.clock;
        final long t0 = T0 / MS;
        clock.scheduleTimer(30, t0 + 5);
        clock.scheduleTimer(10, t0 + 3);
        clock.scheduleTimer(20, t0 + 5);
        clock.scheduleTimer(5, t0 + 3);
        assertEquals(4, clock.timerCount());
        assertEquals((t0 + 3) * MS, clock.nextDeadlineNs());

        assertEquals(0, clock.advance(T0 + 3 * MS - 1));
        assertEquals(List.of(), s.fired, "nothing before its deadline");
        assertEquals(2, clock.advance(T0 + 4 * MS));
        assertEquals(List.of("10@4", "5@4"), s.fired, "one deadline: in the order they were scheduled, not by id");
        assertEquals(2, clock.advance(T0 + 9 * MS));
        assertEquals(List.of("10@4", "5@4", "30@9", "20@9"), s.fired);
        assertEquals(Long.MAX_VALUE, clock.nextDeadlineNs());
        assertEquals(4, clock.timersFired());
    }

    @Test
    void rescheduleReplacesCancelRemovesAndTimeNeverGoesBack()
    {
        final TimerService s = service();
        final ServiceClock clock = s.clock;
        final long t0 = T0 / MS;
        clock.scheduleTimer(1, t0 + 2);
        clock.scheduleTimer(1, t0 + 7);
        clock.scheduleTimer(2, t0 + 3);
        assertTrue(clock.cancelTimer(2));
        assertFalse(clock.cancelTimer(2));
        assertFalse(clock.cancelTimer(99));
        clock.advance(T0 + 5 * MS);
        assertEquals(List.of(), s.fired);
        clock.advance(T0 + MS);
        assertEquals(T0 + 5 * MS, clock.timeNs(), "an earlier time leaves the clock where it is");
        clock.advance(T0 + 7 * MS);
        assertEquals(List.of("1@7"), s.fired);
    }

    @Test
    void aDeadlineInThePastWaitsAMillisecondAndATimerScheduledWhileFiringWaitsForTheNextAdvance()
    {
        final TimerService s = service();
        final ServiceClock clock = s.clock;
        final long t0 = T0 / MS;
        clock.scheduleTimer(1, t0 - 100);
        assertEquals(T0 + MS, clock.nextDeadlineNs(), "at least a millisecond after now");
        clock.advance(T0 + MS / 2);
        assertEquals(List.of(), s.fired);
        s.onFire = id -> clock.scheduleTimer(id, 0);
        clock.advance(T0 + MS);
        assertEquals(List.of("1@1"), s.fired, "it fired once, though it rescheduled itself into the past");
        assertEquals(1, clock.timerCount());
        clock.advance(T0 + 2 * MS);
        assertEquals(List.of("1@1", "1@2"), s.fired);
    }

    @Test
    void aTimerMayCancelOrMoveAnotherDueAtTheSameAdvance()
    {
        final TimerService s = service();
        final ServiceClock clock = s.clock;
        final long t0 = T0 / MS;
        clock.scheduleTimer(1, t0 + 2);
        clock.scheduleTimer(2, t0 + 2);
        clock.scheduleTimer(3, t0 + 2);
        s.onFire = id ->
        {
            if (1 == id)
            {
                clock.cancelTimer(2);
                clock.scheduleTimer(3, t0 + 50);
            }
        };
        clock.advance(T0 + 10 * MS);
        assertEquals(List.of("1@10"), s.fired);
        clock.advance(T0 + 50 * MS);
        assertEquals(List.of("1@10", "3@50"), s.fired);
    }

    @Test
    void randomTimersFireAsASortedModelSaysAndTheHeapAllocatesNothingOnceGrown()
    {
        final Random random = new Random(42);
        final TimerService s = service();
        final ServiceClock clock = s.clock;
        final long t0 = T0 / MS;
        final List<String> expected = new ArrayList<>();
        // The model: deadline -> ids in scheduling order; rescheduling an id removes it from its old place.
        final TreeMap<Long, List<Long>> model = new TreeMap<>();
        final java.util.Map<Long, Long> deadlineOf = new java.util.HashMap<>();
        long now = t0;
        for (int round = 0; round < 200; round++)
        {
            for (int i = 0; i < 20; i++)
            {
                final long id = random.nextInt(300);
                final long deadline = now + 1 + random.nextInt(40);
                final Long old = deadlineOf.put(id, deadline);
                if (null != old)
                {
                    model.get(old).remove(id);
                }
                model.computeIfAbsent(deadline, d -> new ArrayList<>()).add(id);
                clock.scheduleTimer(id, deadline);
            }
            now += random.nextInt(10);
            while (!model.isEmpty() && model.firstKey() <= now)
            {
                for (final long id : model.pollFirstEntry().getValue())
                {
                    expected.add(id + "@" + (now - t0));
                    deadlineOf.remove(id);
                }
            }
            clock.advance(now * MS);
        }
        assertEquals(expected, s.fired);

        // Steady state: the arrays and the id map have grown; scheduling and firing allocate nothing.
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final TimerService counting = new TimerService();
        counting.record = false;
        final ServiceClock quiet = new ServiceClock(counting);
        for (int warm = 0; warm < 3; warm++)
        {
            for (int i = 0; i < 1000; i++)
            {
                quiet.scheduleTimer(i, 1000 + (i * 7919L) % 500);
            }
            quiet.advance(10_000 * MS * (warm + 1));
        }
        final long before = threads.getThreadAllocatedBytes(Thread.currentThread().threadId());
        for (int i = 0; i < 1000; i++)
        {
            quiet.scheduleTimer(i, 40_000 + (i * 7919L) % 500);
        }
        quiet.cancelTimer(17);
        quiet.advance(50_000 * MS);
        final long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().threadId()) - before;
        assertEquals(999, quiet.timersFired() - 3000);
        assertEquals(0, allocated, "bytes allocated scheduling and firing 1000 timers");
    }

    @Test
    void aSnapshotsTimeAndTimersRestoreExactly()
    {
        final TimerService s = service();
        final ServiceClock clock = s.clock;
        final long t0 = T0 / MS;
        clock.scheduleTimer(7, t0 + 4);
        clock.scheduleTimer(8, t0 + 9);
        final java.util.Map<Long, Long> taken = new java.util.TreeMap<>();
        clock.forEachTimer(taken::put);
        assertEquals(java.util.Map.of(7L, T0 + 4 * MS, 8L, T0 + 9 * MS), taken);

        final TimerService restored = new TimerService();
        restored.clock = new ServiceClock(restored);
        restored.clock.restoreTime(clock.timeNs());
        taken.forEach(restored.clock::restoreTimer);
        assertEquals(T0, restored.clock.timeNs());
        restored.clock.advance(T0 + 10 * MS);
        assertEquals(List.of("7@10", "8@10"), restored.fired);
        assertThrows(IllegalStateException.class, () -> clock.restoreTime(1), "a clock already running is not restored");
    }
}
