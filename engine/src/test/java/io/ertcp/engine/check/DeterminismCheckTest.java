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
