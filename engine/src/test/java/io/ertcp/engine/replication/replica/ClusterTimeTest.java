package io.ertcp.engine.replication.replica;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.Ipv4Output;
import io.ertcp.engine.tcp.ReplicationSeam;
import io.ertcp.engine.tcp.TcpConfig;
import io.ertcp.engine.tcp.TcpStack;
import io.ertcp.log.RecordHeaderFlyweight;
import io.ertcp.log.RecordType;
import io.ertcp.log.TimeFlyweight;
import io.ertcp.service.CloseReason;
import io.ertcp.service.ClusterClock;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The primary's clock in the log (docs/architecture.md, "Cluster time"): when {@link PrimaryReplication} writes TIME
 * records, and that a backup applying the same records gives its service the same time at every event and fires its
 * timers at the same positions, with no clock of its own.
 */
class ClusterTimeTest
{
    private static final long MS = 1_000_000L;
    /** The primary's wall clock is its node clock plus this. */
    private static final long WALL = 1_796_083_200_000L * MS;
    private static final long CONNECTION = 77;
    /** 8 KiB of input a DATA record, 1 GiB that may wait for confirmation: no test here waits on the logger. */
    private static final PrimaryReplication.Settings PRIMARY =
        PrimaryReplication.Settings.DEFAULT.withMaxUnconfirmedBytes(1L << 30);

    /** Notes each event with the cluster time and the log position it came at; "timer" schedules a timer. */
    static class Timed implements TcpService
    {
        final List<String> events = new ArrayList<>();
        ReplicatedService replicated;
        ClusterClock clock;

        public String name()
        {
            return "timed";
        }

        public void clusterClock(final ClusterClock clock)
        {
            this.clock = clock;
        }

        private void note(final String what)
        {
            events.add(what + "@" + (null == replicated ? -1 : replicated.appliedPosition()) + ":" + (clock.timeMillis() - WALL / MS));
        }

        public void onOpen(final Connection connection)
        {
            note("open");
        }

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            final String text = buffer.getStringWithoutLengthAscii(offset, length);
            note("data " + text);
            if (text.startsWith("timer"))
            {
                clock.scheduleTimer(Long.parseLong(text.substring(5)), clock.timeMillis() + 5);
            }
            return length;
        }

        public void onTimer(final long timerId)
        {
            note("timer " + timerId);
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

    /** The TCP connection the stack would hand the primary: only its id is read here. */
    private static Connection tcp(final long id)
    {
        return (Connection)java.lang.reflect.Proxy.newProxyInstance(ClusterTimeTest.class.getClassLoader(),
            new Class<?>[]{Connection.class}, (proxy, method, args) -> switch (method.getName())
            {
                case "id" -> id;
                case "write" -> 0;
                case "writableBytes" -> 0;
                case "hashCode" -> (int)id;
                case "equals" -> proxy == args[0];
                default -> null;
            });
    }

    private final List<Integer> types = new ArrayList<>();
    private final List<Long> times = new ArrayList<>();
    private final Timed primaryService = new Timed();
    private final Timed backupService = new Timed();
    private final ReplicatedService primaryReplica = new ReplicatedService(primaryService, 1 << 16, 1 << 16, 0);
    private final ReplicatedService backupReplica = new ReplicatedService(backupService, 1 << 16, 1 << 16, 0);
    private long position;

    {
        primaryService.replicated = primaryReplica;
        backupService.replicated = backupReplica;
    }

    /** The log: each record gets the next position and is applied on the backup at once. */
    private long publish(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        new RecordHeaderFlyweight().wrap(buffer, offset).position(++position);
        final int type = buffer.getShort(offset + RecordHeaderFlyweight.TYPE_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN);
        types.add(type);
        if (RecordType.TIME == type)
        {
            times.add(new TimeFlyweight().wrap(buffer, offset).timeNs() - WALL);
        }
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[length]);
        copy.putBytes(0, buffer, offset, length);
        backupReplica.apply(copy, 0, length);
        return position;
    }

    /** The primary's stack: these tests drive the primary directly and no segment goes out. */
    private static TcpStack stack(final ReplicationSeam seam)
    {
        return new TcpStack(new TcpConfig().maxConnections(4), new Ipv4Output()
        {
            public int claim(final int sourceIp, final int destinationIp, final int protocol, final int length)
            {
                return -1;
            }

            public MutableDirectBuffer buffer()
            {
                throw new UnsupportedOperationException("nothing is sent");
            }

            public void commit()
            {
            }
        }, new Counters(64), seam);
    }

    private static void data(final PrimaryReplication primary, final Connection tcp, final String text)
    {
        final UnsafeBuffer bytes = new UnsafeBuffer(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        primary.onData(tcp, bytes, 0, bytes.capacity());
        primary.flushStaged();
    }

    private List<String> typeNames(final int from)
    {
        return types.subList(from, types.size()).stream().map(RecordType::name).toList();
    }

    @Test
    void theClockIsLoggedBeforeRecordsOnceItMovedOnAndTimersFireAtTheSamePositionOnTheBackup()
    {
        long now = 5 * MS;
        final PrimaryReplication primary =
            new PrimaryReplication(primaryReplica, this::publish, 1, 1, PRIMARY, now, WALL, ClusterTimeTest::stack);
        primary.onOpen(CONNECTION, 1, 80, 2, 4000, 100, 200, 1460, 7, 7, true, true);
        final Connection tcp = tcp(CONNECTION);
        primary.onOpen(tcp);
        assertEquals(List.of("TIME", "OPEN"), typeNames(0), "the log's first time, and a TIME before every OPEN");

        now += MS / 2;
        primary.nowNs(now);
        data(primary, tcp, "a");
        assertEquals(List.of("TIME", "OPEN", "DATA"), typeNames(0), "half a millisecond on: no TIME");
        now += MS / 2;
        primary.nowNs(now);
        data(primary, tcp, "timer9");
        assertEquals(List.of("DATA", "TIME", "DATA"), typeNames(2), "a millisecond on: a TIME first");

        // The timer is due 5 ms after the time its DATA had (6 ms): the primary logs a TIME for it then, not before.
        int records = types.size();
        for (now += 100_000; now < 11 * MS; now += 100_000)
        {
            primary.doWork(now);
        }
        assertEquals(records, types.size(), "nothing logged while the timer is not due");
        primary.doWork(11 * MS);
        assertEquals(List.of("TIME"), typeNames(records));
        records = types.size();
        for (now = 11 * MS; now < 100 * MS; now += MS)
        {
            primary.doWork(now);
        }
        assertEquals(records, types.size(), "idle: no TIME at all");

        assertEquals(List.of(5 * MS, 6 * MS, 11 * MS), times);
        final List<String> expected = List.of("open@2:5", "data a@3:5", "data timer9@5:6", "timer 9@6:11");
        assertEquals(expected, primaryService.events);
        assertEquals(expected, backupService.events, "the backup saw each event at the same position and time");

        // A new primary whose clock is 3 ms behind the old one's logs nothing earlier than what is logged.
        final PrimaryReplication behind =
            new PrimaryReplication(backupReplica, (b, o, l) -> publishOnBackupOnly(b, o, l), 2, 2, PRIMARY,
                now, WALL - 3 * MS - (now - 11 * MS), ClusterTimeTest::stack);
        assertEquals(11 * MS + WALL, behind.clusterTimeNs(), "it holds the logged time until its clock passes it");
        behind.onOpen(CONNECTION + 1, 1, 80, 2, 4001, 100, 200, 1460, 7, 7, true, true);
        assertEquals(11 * MS, (long)times.getLast(), "its first TIME repeats the last logged time");
        assertTrue(backupService.events.getLast().startsWith("open@") && backupService.events.getLast().endsWith(":11"),
            backupService.events.toString());
    }

    private long publishOnBackupOnly(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        new RecordHeaderFlyweight().wrap(buffer, offset).position(++position);
        final int type = buffer.getShort(offset + RecordHeaderFlyweight.TYPE_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN);
        types.add(type);
        if (RecordType.TIME == type)
        {
            times.add(new TimeFlyweight().wrap(buffer, offset).timeNs() - WALL);
        }
        return position;
    }

    /** Reschedules its one timer a millisecond on each time it fires: a TIME every millisecond. */
    static final class Ticker extends Timed
    {
        long ticks;

        @Override
        public void onTimer(final long timerId)
        {
            ticks++;
            clock.scheduleTimer(timerId, clock.timeMillis() + 1);
        }
    }

    @Test
    void loggingTimeAndFiringTimersAllocateNothing()
    {
        final long[] log = {0};
        final RecordHeaderFlyweight header = new RecordHeaderFlyweight();
        final Ticker ticker = new Ticker();
        final ReplicatedService replica = new ReplicatedService(ticker, 1 << 16, 1 << 16, 0);
        final PrimaryReplication primary = new PrimaryReplication(replica, (b, o, l) ->
        {
            header.wrap(b, o).position(++log[0]);
            return log[0];
        }, 1, 1, PRIMARY.withMaxUnconfirmedBytes(1L << 40), 0, WALL, ClusterTimeTest::stack);
        ticker.clock.scheduleTimer(1, WALL / MS + 1);
        long now = MS;
        for (; now < 20_000 * MS; now += MS / 4)
        {
            primary.doWork(now);
        }
        // Steady state: up to five windows of a second each, one of which must allocate nothing. A window can see a
        // few hundred bytes the JIT spends on this thread (a deoptimisation putting back objects it had scalar
        // replaced), never the same window after window; a path that allocates per TIME or per timer allocates in
        // every window.
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long[] allocated = new long[5];
        int window = 0;
        do
        {
            final long before = threads.getThreadAllocatedBytes(Thread.currentThread().threadId());
            final long records = log[0];
            final long ticks = ticker.ticks;
            final long end = now + 1000 * MS;
            for (; now < end; now += MS / 4)
            {
                primary.doWork(now);
            }
            allocated[window] = threads.getThreadAllocatedBytes(Thread.currentThread().threadId()) - before;
            assertEquals(1000, ticker.ticks - ticks, "a tick a millisecond");
            assertEquals(1000, log[0] - records, "one TIME for each, nothing else");
        }
        while (0 != allocated[window++] && window < allocated.length);
        assertEquals(0, allocated[window - 1],
            "bytes allocated logging 1000 TIMEs and firing 1000 timers, in each of " + window + " windows: " +
            java.util.Arrays.toString(allocated));
    }
}
