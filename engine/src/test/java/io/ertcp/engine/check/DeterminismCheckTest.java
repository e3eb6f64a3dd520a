package io.ertcp.engine.check;

import io.ertcp.engine.service.ServiceFactory;
import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeterminismCheckTest
{
    private static final DeterminismCheck.Settings FIVE_ROUNDS =
        new DeterminismCheck.Settings(1, 5, 8, Workload.LINES);

    private static DeterminismCheck.Settings settings(final Workload workload)
    {
        return new DeterminismCheck.Settings(1, 6, 8, workload);
    }

    @ParameterizedTest
    @ValueSource(strings = {"echo", "discard", "netpipe", "http", "kv"})
    void everyBuiltInServicePasses(final String name)
    {
        final Supplier<TcpService> factory = () -> ServiceFactory.byName(name, List.of()).service();
        final DeterminismCheck.Report report =
            DeterminismCheck.check(name, factory, settings(Workload.forService(name)));
        assertTrue(report.passed(), () -> String.valueOf(report.firstFailure()));
        assertTrue(name.equals("discard") || report.compared() > 0, name + " wrote nothing to compare: the workload does not reach it");
    }

    @Test
    void theChatRoomExampleLoadedFromItsJarPasses()
    {
        final java.nio.file.Path jar = java.nio.file.Path.of(
            System.getProperty("ertcp.example.chat.jar", "examples/own-service/target/chat.jar"));
        assertTrue(java.nio.file.Files.isRegularFile(jar), "examples/own-service is built before the engine's tests");
        final Supplier<TcpService> factory =
            ServiceFactory.fromJar(jar, "com.example.chat.ChatService", java.util.Map.of("room", "check"));
        final DeterminismCheck.Report report = DeterminismCheck.check("chat", factory, settings(Workload.LINES));
        assertTrue(report.passed(), () -> String.valueOf(report.firstFailure()));
        assertTrue(report.compared() > 10_000, "the chat room broadcast lines: " + report.compared());
        assertTrue(report.results().stream().anyMatch(r -> r.check().equals("interleavings") &&
            r.outcome() == DeterminismCheck.Outcome.SKIPPED), "a room shares state: every node sees one order");
    }

    @Test
    void aServiceReadingTheWallClockFailsTheReplayAndTheReportNamesTheByteAndTheEvent()
    {
        final DeterminismCheck.Report report = DeterminismCheck.check("greeter", WallClockGreeter::new, FIVE_ROUNDS);
        final DeterminismCheck.Result failure = report.firstFailure();
        assertNotNull(failure, "reading the wall clock is caught");
        assertEquals("replay", failure.check());
        assertEquals(1, failure.round());
        // The greeting's first digit that differs is some way in; the event is the first open, on connection 0.
        assertTrue(failure.detail().startsWith("connection 0, output byte "), failure.detail());
        assertTrue(failure.detail().contains("while handling event 0 (connection 0 opened)"), failure.detail());
        assertTrue(failure.detail().contains("the output before it, the same in both: \"hello at "), failure.detail());
    }

    @Test
    void randomnessStaticStateAndIdentityHashOrderAreEachCaughtByTheReplay()
    {
        for (final Supplier<TcpService> planted : List.<Supplier<TcpService>>of(
            UnseededRandom::new, StaticVisitorCount::new, IdentityOrderRoom::new))
        {
            final DeterminismCheck.Report report = DeterminismCheck.check("planted", planted, FIVE_ROUNDS);
            final DeterminismCheck.Result failure = report.firstFailure();
            assertNotNull(failure, planted.get().getClass().getSimpleName() + " is caught");
            assertEquals("replay", failure.check(), failure.detail());
        }
    }

    @Test
    void outputThatDependsOnHowTheBytesWereCutFailsTheSplitsCheckOnly()
    {
        final DeterminismCheck.Report report = DeterminismCheck.check("counter", CallCounter::new, FIVE_ROUNDS);
        final DeterminismCheck.Result failure = report.firstFailure();
        assertNotNull(failure);
        assertEquals("splits", failure.check(), "same cuts, same output: the replay passes");
        assertTrue(report.results().stream().anyMatch(r -> r.check().equals("replay") &&
            r.outcome() == DeterminismCheck.Outcome.PASSED));
        assertTrue(failure.detail().contains("the run with other splits"), failure.detail());
    }

    @Test
    void aServiceThatSaysItsConnectionsAreIndependentButSharesACounterFailsTheInterleavings()
    {
        final DeterminismCheck.Report report = DeterminismCheck.check("liar", IndependentLiar::new, FIVE_ROUNDS);
        final DeterminismCheck.Result failure = report.firstFailure();
        assertNotNull(failure);
        assertEquals("interleavings", failure.check());
        assertTrue(failure.detail().contains("return true from sharesStateAcrossConnections()"), failure.detail());
    }

    @Test
    void theSameServiceSayingItSharesStatePasses()
    {
        final DeterminismCheck.Report report = DeterminismCheck.check("honest", HonestCounter::new, FIVE_ROUNDS);
        assertTrue(report.passed(), () -> String.valueOf(report.firstFailure()));
    }

    @Test
    void anEchoThatDropsWhatItsConnectionRefusedFailsUnderOtherBackpressure()
    {
        final DeterminismCheck.Report report = DeterminismCheck.check("lossy", LossyEcho::new,
            new DeterminismCheck.Settings(1, 4, 8, Workload.BYTES));
        final DeterminismCheck.Result failure = report.firstFailure();
        assertNotNull(failure, "dropping refused bytes is caught");
        assertEquals("interleavings", failure.check(), failure.detail());
    }

    @Test
    void aCallbackThatThrowsIsReportedWithTheCallbackAndTheEvent()
    {
        final DeterminismCheck.Report report = DeterminismCheck.check("thrower", Thrower::new, FIVE_ROUNDS);
        final DeterminismCheck.Result failure = report.firstFailure();
        assertNotNull(failure);
        assertTrue(failure.detail().startsWith("the service threw java.lang.IllegalStateException: no questions"),
            failure.detail());
        assertTrue(failure.detail().contains("in onData of connection "), failure.detail());
    }

    /**
     * Planted: kv's snapshot without its connections' sessions (a SnapshotService that keeps state per connection
     * and implements neither snapshotConnection nor loadConnection). Replay and splits pass; the snapshot comparison
     * fails, at the first event after the snapshot that reaches a connection opened before it.
     */
    @Test
    void aSnapshotServiceThatForgetsItsConnectionsStateFailsTheSnapshotComparison()
    {
        final DeterminismCheck.Report report = DeterminismCheck.check("forgetful", KvForgettingSessions::new,
            settings(Workload.RESP));
        final DeterminismCheck.Result failure = report.firstFailure();
        assertNotNull(failure, "the forgotten sessions are caught");
        assertEquals("snapshot", failure.check(), failure.detail());
        assertTrue(report.results().stream().anyMatch(r -> r.check().equals("splits") &&
            r.outcome() == DeterminismCheck.Outcome.PASSED), "without a snapshot it is deterministic");
        assertTrue(failure.detail().contains("the service threw") || failure.detail().contains("snapshotted after event"),
            failure.detail());
    }

    /** kv, whose connections' sessions a snapshot does not keep. */
    static final class KvForgettingSessions implements TcpService, io.ertcp.service.SnapshotService
    {
        private final io.ertcp.engine.service.KvService kv = new io.ertcp.engine.service.KvService();

        public String name()
        {
            return "forgetful";
        }

        public boolean sharesStateAcrossConnections()
        {
            return true;
        }

        public void clusterClock(final io.ertcp.service.ClusterClock clock)
        {
            kv.clusterClock(clock);
        }

        public void onTimer(final long timerId)
        {
            kv.onTimer(timerId);
        }

        public void onOpen(final Connection connection)
        {
            kv.onOpen(connection);
        }

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            return kv.onData(connection, buffer, offset, length);
        }

        public void onPeerClosed(final Connection connection)
        {
            kv.onPeerClosed(connection);
        }

        public void onWritable(final Connection connection)
        {
            kv.onWritable(connection);
        }

        public void onTimeout(final Connection connection)
        {
            kv.onTimeout(connection);
        }

        public void onClosed(final Connection connection, final CloseReason reason)
        {
            kv.onClosed(connection, reason);
        }

        public io.ertcp.service.SnapshotWriter takeSnapshot()
        {
            return kv.takeSnapshot();
        }

        public void loadSnapshot(final io.ertcp.service.SnapshotInput in)
        {
            kv.loadSnapshot(in);
        }
    }

    /**
     * kv on the check's cluster clock: SET with PX and EX, PEXPIRE, TTL and PTTL in the workload, keys expiring by
     * kv's timer as the clock moves between events; the check passes, and keys did expire (the clock moved).
     */
    @Test
    void kvWithExpiryOnTheChecksClusterClockPasses()
    {
        final List<io.ertcp.engine.service.KvService> made = new java.util.ArrayList<>();
        final Supplier<TcpService> factory = () ->
        {
            final io.ertcp.engine.service.KvService kv = new io.ertcp.engine.service.KvService();
            made.add(kv);
            return kv;
        };
        final DeterminismCheck.Report report = DeterminismCheck.check("kv", factory, settings(Workload.RESP));
        assertTrue(report.passed(), () -> String.valueOf(report.firstFailure()));
        assertEquals(6, report.results().stream().filter(r -> r.check().equals("snapshot") &&
            r.outcome() == DeterminismCheck.Outcome.PASSED).count(), "kv is a SnapshotService: every round snapshots " +
            "it half way, connections open, and a fresh instance loaded from it carries on with the same bytes");
        assertTrue(made.stream().mapToLong(io.ertcp.engine.service.KvService::expiredKeys).sum() > 100,
            "keys set with PX and EX expired on the check's clock: " +
                made.stream().mapToLong(io.ertcp.engine.service.KvService::expiredKeys).sum());
    }

    /**
     * A service's timers fire on the check's clock, at their deadlines, from a start drawn from the seed: a ticker
     * that writes the cluster time from its timers passes, and its ticks show times a few ms apart in the round's
     * year; the same ticker writing the wall clock from its timers fails the replay, at a tick.
     */
    @Test
    void timersFireOnTheChecksClockAndAWallClockReadInOneIsCaught()
    {
        final List<Ticker> made = new java.util.ArrayList<>();
        final DeterminismCheck.Report report = DeterminismCheck.check("ticker", () ->
        {
            final Ticker ticker = new Ticker(false);
            made.add(ticker);
            return ticker;
        }, FIVE_ROUNDS);
        assertTrue(report.passed(), () -> String.valueOf(report.firstFailure()));
        assertTrue(report.compared() > 0);
        final List<Long> ticks = made.get(1).ticks; // the first run's (made.get(0) only said whether it shares state)
        assertTrue(ticks.size() >= 8, "ticks on most of the first run's 8 connections: " + ticks);
        assertTrue(ticks.getFirst() >= Schedule.EPOCH_MS && ticks.getFirst() < Schedule.EPOCH_MS + 366L * 86_400_000L,
            "cluster time from the seeded start: " + ticks.getFirst());

        final DeterminismCheck.Result failure =
            DeterminismCheck.check("wall-ticker", () -> new Ticker(true), FIVE_ROUNDS).firstFailure();
        assertNotNull(failure, "the wall clock read in a timer is caught");
        assertEquals("replay", failure.check());
        assertTrue(failure.detail().contains("the output before it, the same in both: \"tick at "), failure.detail());
    }

    /**
     * On open a timer 5 ms on; each time it fires, "tick at MS" to that connection, three times, 7 ms apart. What the
     * connection cannot take yet waits for onWritable.
     */
    static final class Ticker extends Quiet
    {
        private final boolean wall;
        private final java.util.Map<Long, Connection> byTimer = new java.util.HashMap<>();
        private final java.util.Map<Long, byte[]> pending = new java.util.HashMap<>();
        private final java.util.Map<Long, Integer> count = new java.util.HashMap<>();
        final List<Long> ticks = new java.util.ArrayList<>();
        private io.ertcp.service.ClusterClock clock;

        Ticker(final boolean wall)
        {
            this.wall = wall;
        }

        public void clusterClock(final io.ertcp.service.ClusterClock clock)
        {
            this.clock = clock;
        }

        public void onOpen(final Connection connection)
        {
            byTimer.put(connection.id(), connection);
            clock.scheduleTimer(connection.id(), clock.timeMillis() + 5);
        }

        public void onTimer(final long timerId)
        {
            final Connection connection = byTimer.get(timerId);
            if (null == connection)
            {
                return;
            }
            final long now = wall ? System.currentTimeMillis() * 1000 + System.nanoTime() % 1000 : clock.timeMillis();
            ticks.add(now);
            final byte[] waiting = pending.getOrDefault(timerId, new byte[0]);
            final byte[] tick = ("tick at " + now + "\n").getBytes(StandardCharsets.US_ASCII);
            final byte[] all = java.util.Arrays.copyOf(waiting, waiting.length + tick.length);
            System.arraycopy(tick, 0, all, waiting.length, tick.length);
            pending.put(timerId, all);
            onWritable(connection);
            if (count.merge(timerId, 1, Integer::sum) < 3)
            {
                clock.scheduleTimer(timerId, clock.timeMillis() + 7);
            }
        }

        public void onWritable(final Connection connection)
        {
            final byte[] waiting = pending.get(connection.id());
            if (null != waiting && waiting.length > 0)
            {
                final int written = Math.max(0, connection.write(new UnsafeBuffer(waiting), 0, waiting.length));
                pending.put(connection.id(), java.util.Arrays.copyOfRange(waiting, written, waiting.length));
            }
        }

        public void onClosed(final Connection connection, final CloseReason reason)
        {
            byTimer.remove(connection.id());
            pending.remove(connection.id());
            clock.cancelTimer(connection.id());
        }
    }

    @Test
    void theSameSeedGivesTheSameScheduleAndAnotherSeedAnother()
    {
        final Schedule a = Schedule.generate(7, 4, Workload.RESP, true);
        final Schedule b = Schedule.generate(7, 4, Workload.RESP, true);
        final Schedule c = Schedule.generate(8, 4, Workload.RESP, true);
        assertEquals(a.events(), b.events());
        assertFalse(a.events().equals(c.events()));
        final Schedule cut = a.recut(7);
        assertTrue(cut.events().size() > a.events().size(), "arrivals cut into more pieces");
        for (int connection = 0; connection < 4; connection++)
        {
            assertEquals(bytesOf(a, connection), bytesOf(cut, connection), "the same bytes in the same order");
            assertEquals(bytesOf(a, connection), bytesOf(a.interleave(7), connection));
        }
    }

    private static String bytesOf(final Schedule schedule, final int connection)
    {
        final StringBuilder ranges = new StringBuilder();
        int next = 0;
        for (final Schedule.Event event : schedule.events())
        {
            if (event.connection() == connection && event.kind() == Schedule.Kind.DATA)
            {
                assertEquals(next, event.from(), "arrivals are contiguous");
                next = event.to();
            }
        }
        return ranges.append(next).toString();
    }

    /** Writes text to a connection, all of it or what fits. */
    private static void say(final Connection connection, final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        connection.write(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    /** Planted: greets with the wall clock. */
    static final class WallClockGreeter extends Quiet
    {
        public void onOpen(final Connection connection)
        {
            say(connection, "hello at " + System.currentTimeMillis() + System.nanoTime() + "\n");
        }
    }

    /** Planted: answers each arrival with a number from an unseeded Random. */
    static final class UnseededRandom extends Quiet
    {
        private final Random random = new Random();

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            say(connection, random.nextInt() + "\n");
            return length;
        }
    }

    /** Planted: numbers visitors in a static field, which outlives the instance. */
    static final class StaticVisitorCount extends Quiet
    {
        private static long visitors;

        public void onOpen(final Connection connection)
        {
            say(connection, "you are visitor " + ++visitors + "\n");
        }
    }

    /** Planted: a room whose members sit in a HashSet of objects hashed by identity. */
    static final class IdentityOrderRoom extends Quiet
    {
        private final Set<Object> members = new HashSet<>();

        public boolean sharesStateAcrossConnections()
        {
            return true;
        }

        public void onOpen(final Connection connection)
        {
            final Object member = new Object();
            connection.attachment(member);
            members.add(member);
        }

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            final StringBuilder order = new StringBuilder();
            members.forEach(m -> order.append(m == connection.attachment() ? 'x' : 'o'));
            say(connection, order.append('\n').toString());
            return length;
        }

        public void onClosed(final Connection connection, final CloseReason reason)
        {
            members.remove(connection.attachment());
        }
    }

    /** Planted: counts the onData calls, which depend on how the bytes were cut. */
    static final class CallCounter extends Quiet
    {
        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            say(connection, "[" + length + "]");
            return length;
        }
    }

    /** Planted: says its connections are independent, but numbers lines across all of them. */
    static class IndependentLiar extends Quiet
    {
        private long lines;

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            for (int i = 0; i < length; i++)
            {
                if (buffer.getByte(offset + i) == '\n')
                {
                    say(connection, ++lines + "\n");
                }
            }
            return length;
        }
    }

    /** The same counter, saying that it shares state: deterministic. */
    static final class HonestCounter extends IndependentLiar
    {
        public boolean sharesStateAcrossConnections()
        {
            return true;
        }
    }

    /** Planted: echoes, dropping whatever its connection does not accept now. */
    static final class LossyEcho extends Quiet
    {
        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            connection.write(buffer, offset, length);
            return length;
        }

        public void onPeerClosed(final Connection connection)
        {
            connection.shutdownOutput();
        }
    }

    /** Planted: throws on a question mark. */
    static final class Thrower extends Quiet
    {
        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            for (int i = 0; i < length; i++)
            {
                if (buffer.getByte(offset + i) == 'e')
                {
                    throw new IllegalStateException("no questions");
                }
            }
            return length;
        }
    }

    /** A service that consumes everything and says nothing: the base of the planted ones. */
    abstract static class Quiet implements TcpService
    {
        public String name()
        {
            return getClass().getSimpleName();
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
            connection.shutdownOutput();
        }

        public void onWritable(final Connection connection)
        {
        }

        public void onClosed(final Connection connection, final CloseReason reason)
        {
        }
    }
}
