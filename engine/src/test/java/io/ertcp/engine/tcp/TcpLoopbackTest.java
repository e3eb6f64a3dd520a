package io.ertcp.engine.tcp;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.Ipv4Output;
import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.PriorityQueue;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two stacks joined by a fake IP wire with seeded loss and reordering: a client sends 10 MB
 * through an echo service and checks every byte that comes back. Time is simulated, so the
 * retransmission timers cost no wall time. The seed is printed; rerun one with -Dertcp.seed=N.
 */
class TcpLoopbackTest
{
    private static final int CLIENT_IP = 0x0A00_0001;
    private static final int SERVER_IP = 0x0A00_0002;
    private static final int PORT = 7;
    private static final int TOTAL = 10 * 1024 * 1024;
    private static final long ONE_WAY_NS = 100_000L;

    @ParameterizedTest
    @EnumSource(CongestionControlAlgorithm.class)
    void tenMegabytesThroughEchoWithLossAndReorder(final CongestionControlAlgorithm algorithm)
    {
        final long seed = Long.getLong("ertcp.seed", System.nanoTime());
        System.out.println("TcpLoopbackTest " + algorithm + " seed " + seed + " (rerun with -Dertcp.seed=" + seed + ")");
        final Random random = new Random(seed);

        final Wire wire = new Wire(random, Double.parseDouble(System.getProperty("ertcp.loss", "0.01")),
            Double.parseDouble(System.getProperty("ertcp.reorder", "0.05")));
        final TcpConfig config = new TcpConfig().congestionControl(algorithm).isnSecretSeed(seed | 1)
            .maxConnections(4);
        final TcpStack client = new TcpStack(config, wire.endpoint(CLIENT_IP), new Counters(256));
        final Counters serverCounters = new Counters(256);
        final TcpStack server = new TcpStack(config, wire.endpoint(SERVER_IP), serverCounters);
        wire.connect(client, server);

        final byte[] data = new byte[TOTAL];
        random.nextBytes(data);
        final EchoService echo = new EchoService();
        final Source source = new Source(data);
        server.listen(SERVER_IP, PORT, echo);
        client.connect(CLIENT_IP, SERVER_IP, PORT, source, 0);

        long nowNs = 0;
        final long limitNs = 600_000_000_000L;
        while (!(source.closed && echo.closed) && nowNs < limitNs)
        {
            wire.deliverDue(nowNs);
            client.doWork(nowNs);
            server.doWork(nowNs);
            if (source.closed && echo.closed)
            {
                break;
            }
            final long next = Math.min(wire.nextNs(), Math.min(client.nextDeadlineNs(), server.nextDeadlineNs()));
            nowNs = Math.max(nowNs + 1, next);
            if (Boolean.getBoolean("ertcp.debug") && source.completedAtNs > 0 && nowNs < source.completedAtNs + 5_000_000_000L)
            {
                System.out.println(nowNs + " " + source.closed + " " + echo.closed + " " + source.connection + " srv " +
                    server.connection(SERVER_IP, PORT, CLIENT_IP, source.connection.localPort()));
            }
        }

        if (Boolean.getBoolean("ertcp.debug"))
        {
            serverCounters.forEach((label, value) -> System.out.println("  server " + label + " " + value));
        }
        if (source.verified != TOTAL)
        {
            System.out.println("  stalled at " + nowNs / 1_000_000 + " ms: client " + source.connection + " server " +
                server.connection(SERVER_IP, PORT, CLIENT_IP, source.connection.localPort()) + " written " +
                source.written + " verified " + source.verified + " reason " + source.reason);
            serverCounters.forEach((label, value) -> System.out.println("  server " + label + " " + value));
            wire.recent.forEach(System.out::println);
        }
        assertEquals(TOTAL, source.verified, "seed " + seed);
        assertTrue(source.closed && echo.closed, "both sides closed; seed " + seed);
        assertEquals(CloseReason.CLOSED, source.reason, "seed " + seed);
        System.out.println("  all bytes back at " + source.completedAtNs / 1_000_000 + " ms; simulated " + nowNs / 1_000_000 + " ms, frames dropped " + wire.dropped +
            ", reordered " + wire.reordered + ", retransmitted " +
            (client.counters().retransmittedSegments.get() + server.counters().retransmittedSegments.get()) +
            ", fast retransmits " + (client.counters().fastRetransmits.get() + server.counters().fastRetransmits.get()) +
            ", timeouts " + (client.counters().retransmitTimeouts.get() + server.counters().retransmitTimeouts.get()));
    }

    /** Writes the data as room allows, checks what comes back, closes when all is back. */
    static final class Source implements TcpService
    {
        final byte[] data;
        final UnsafeBuffer view;
        Connection connection;
        long completedAtNs;
        int written;
        int verified;
        boolean closed;
        CloseReason reason;

        Source(final byte[] data)
        {
            this.data = data;
            this.view = new UnsafeBuffer(data);
        }

        public String name()
        {
            return "source";
        }

        public void onOpen(final Connection connection)
        {
            this.connection = connection;
            pump(connection);
        }

        private void pump(final Connection connection)
        {
            while (written < data.length)
            {
                final int accepted = connection.write(view, written, data.length - written);
                if (accepted == 0)
                {
                    return;
                }
                written += accepted;
            }
        }

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            for (int i = 0; i < length; i++)
            {
                if (buffer.getByte(offset + i) != data[verified])
                {
                    throw new AssertionError("byte " + verified + " differs");
                }
                verified++;
            }
            if (verified == data.length)
            {
                completedAtNs = ((TcpConnection)connection).stackNowNs();
                connection.shutdownOutput();
            }
            return length;
        }

        public void onPeerClosed(final Connection connection)
        {
        }

        public void onWritable(final Connection connection)
        {
            pump(connection);
        }

        public void onClosed(final Connection connection, final CloseReason reason)
        {
            closed = true;
            this.reason = reason;
        }
    }

    /** RFC 862 echo: consumes only what it could write back. */
    static final class EchoService implements TcpService
    {
        boolean closed;

        public String name()
        {
            return "echo";
        }

        public void onOpen(final Connection connection)
        {
        }

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            return connection.write(buffer, offset, length);
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
            closed = true;
        }
    }

    /** The fake IP wire: per-frame loss and extra delay (reordering), from one seeded Random. */
    static final class Wire
    {
        private final Random random;
        private final double loss;
        private final double reorder;
        private final PriorityQueue<Frame> inFlight = new PriorityQueue<>();
        final java.util.ArrayDeque<String> recent = new java.util.ArrayDeque<>();
        private TcpStack a;
        private TcpStack b;
        private int aIp;
        private long sequence;
        long nowNs;
        int dropped;
        int reordered;

        Wire(final Random random, final double loss, final double reorder)
        {
            this.random = random;
            this.loss = loss;
            this.reorder = reorder;
        }

        void connect(final TcpStack a, final TcpStack b)
        {
            this.a = a;
            this.b = b;
            this.aIp = CLIENT_IP;
        }

        Ipv4Output endpoint(final int ip)
        {
            return new Ipv4Output()
            {
                private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[70_000]);
                private int source;
                private int destination;
                private int length;

                public int claim(final int sourceIp, final int destinationIp, final int protocol, final int length)
                {
                    this.source = sourceIp;
                    this.destination = destinationIp;
                    this.length = length;
                    return 34;
                }

                public MutableDirectBuffer buffer()
                {
                    return buffer;
                }

                public void commit()
                {
                    if (random.nextDouble() < loss)
                    {
                        if (Boolean.getBoolean("ertcp.debug"))
                        {
                            recent.addLast(nowNs / 1000 + "us LOST " + (source == aIp ? "c->s " : "s->c ") +
                                Segment.parse(buffer, 34, length));
                        }
                        dropped++;
                        return;
                    }
                    long delay = ONE_WAY_NS;
                    if (random.nextDouble() < reorder)
                    {
                        delay += 1 + random.nextInt(300_000);
                        reordered++;
                    }
                    final byte[] bytes = new byte[length];
                    buffer.getBytes(34, bytes);
                    if (Boolean.getBoolean("ertcp.debug"))
                    {
                        recent.addLast(nowNs / 1000 + "us " + (source == aIp ? "c->s " : "s->c ") +
                            Segment.parse(new UnsafeBuffer(bytes), 0, length));
                        if (recent.size() > 60)
                        {
                            recent.removeFirst();
                        }
                    }
                    inFlight.add(new Frame(lastNow() + delay, sequence++, source, destination, bytes));
                }
            };
        }

        private long lastNow()
        {
            return nowNs;
        }

        void deliverDue(final long nowNs)
        {
            this.nowNs = nowNs;
            while (!inFlight.isEmpty() && inFlight.peek().atNs <= nowNs)
            {
                final Frame frame = inFlight.poll();
                final TcpStack to = frame.destination == aIp ? a : b;
                to.onDatagram(frame.source, frame.destination, new UnsafeBuffer(frame.bytes), 0, frame.bytes.length, nowNs);
            }
        }

        long nextNs()
        {
            return inFlight.isEmpty() ? Long.MAX_VALUE : inFlight.peek().atNs;
        }
    }

    record Frame(long atNs, long sequence, int source, int destination, byte[] bytes) implements Comparable<Frame>
    {
        public int compareTo(final Frame other)
        {
            final int byTime = Long.compare(atNs, other.atNs);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }
}
