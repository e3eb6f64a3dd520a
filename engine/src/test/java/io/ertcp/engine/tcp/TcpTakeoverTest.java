package io.ertcp.engine.tcp;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.Ipv4Output;
import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.PriorityQueue;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole takeover between real stacks: a client sends through an echo service on a primary;
 * the primary dies mid-transfer (its in-flight segments still arrive, the client's to it are
 * lost); a fresh stack, whose clock reads an hour behind the old primary's, raises its timestamp
 * clock, restores the connection from what the old primary's event sink reported, writes the
 * echo output the client had not acknowledged, and the client finishes a byte-exact transfer and
 * an orderly close, never seeing a RST. Time is simulated.
 */
class TcpTakeoverTest
{
    private static final int CLIENT_IP = 0x0A00_0001;
    private static final int SERVER_IP = 0x0A00_0002;
    private static final int PORT = 7;
    private static final int TOTAL = 2 * 1024 * 1024;
    private static final long ONE_WAY_NS = 200_000L;
    /** The old primary's clock reads an hour ahead of the new one's. */
    private static final long OLD_SKEW_NS = 3_600_000_000_000L;
    private static final long OUTAGE_NS = 30_000_000L;
    private static final long LIMIT_NS = 300_000_000_000L;

    @ParameterizedTest
    @ValueSource(ints = {1, TOTAL / 3, TOTAL - 1})
    void clientFinishesByteExactTransferAfterTakeover(final int killAfterReceived)
    {
        final Run run = new Run(true, 0, killAfterReceived);
        run.run();
        assertTrue(run.restored, "the takeover happened");
        assertEquals(TOTAL, run.source.verified, "every echoed byte came back, in order");
        assertTrue(run.source.closed && run.echo.closed, "both sides closed");
        assertEquals(CloseReason.CLOSED, run.source.reason);
        assertEquals(0, run.client.counters().connectionsReset.get(), "the client never saw a RST");
        assertEquals(0, run.client.counters().resetsSent.get());
        assertEquals(0, run.newServer.counters().resetsSent.get());
        assertEquals(0, run.client.counters().dropPaws.get(), "TSvals never went backwards for the client");
        if (run.spec.receivedBytes() < TOTAL)
        {
            assertEquals(run.spec.receivedBytes(), run.echo.firstDataOffset, "stream offsets continue");
        }
        assertEquals(TOTAL, run.echo.finOffset, "the client's FIN came after the whole stream");
        assertEquals(TOTAL, run.newSink.lastAcknowledged, "the peer acknowledged the whole echo");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void takeoverSurvivesLossAndReordering(final long seed)
    {
        final Run run = new Run(true, 0, TOTAL / 2);
        run.wire.impair(new Random(seed), 0.01, 0.05);
        run.run();
        assertTrue(run.restored, "seed " + seed);
        assertEquals(TOTAL, run.source.verified, "seed " + seed);
        assertEquals(CloseReason.CLOSED, run.source.reason, "seed " + seed);
        assertEquals(0, run.client.counters().connectionsReset.get(), "seed " + seed);
        assertEquals(0, run.newServer.counters().resetsSent.get(), "seed " + seed);
    }

    @Test
    void staleAcknowledgedBytesOnlyCostRetransmission()
    {
        // The replica heard of the client's ACKs up to 64 KiB less than the client had sent:
        // the new primary resends bytes the client holds, and the client's ACKs beyond the
        // restored SND.UNA release them.
        final Run run = new Run(true, 64 * 1024, TOTAL / 3);
        run.run();
        assertTrue(run.restored);
        assertEquals(TOTAL, run.source.verified);
        assertEquals(CloseReason.CLOSED, run.source.reason);
        assertEquals(0, run.client.counters().connectionsReset.get());
        assertEquals(0, run.newServer.counters().resetsSent.get());
        assertEquals(0, run.newServer.counters().dropBadAck.get());
    }

    @Test
    void withoutRaisingTheClockTheClientDropsTheNewPrimarysSegments()
    {
        final Run run = new Run(false, 0, TOTAL / 3);
        run.limitNs = 20_000_000_000L;
        run.run();
        assertTrue(run.restored);
        assertTrue(run.client.counters().dropPaws.get() > 0, "PAWS dropped the segments with old TSvals");
        assertNotEquals(TOTAL, run.source.verified);
    }

    @Test
    void duplicateAcksMakeTheClientResendWellBeforeItsRto()
    {
        final Run prompt = new Run(true, 0, TOTAL / 3);
        prompt.run();
        final Run plain = new Run(true, 0, TOTAL / 3);
        plain.duplicateAcks = 0;
        plain.run();
        for (final Run run : new Run[]{prompt, plain})
        {
            assertTrue(run.restored);
            assertEquals(TOTAL, run.source.verified);
            assertEquals(CloseReason.CLOSED, run.source.reason);
            assertEquals(0, run.client.counters().connectionsReset.get());
        }
        final long promptNs = prompt.firstClientRetransmitNs - prompt.takeoverNs;
        final long plainNs = plain.firstClientRetransmitNs - plain.takeoverNs;
        System.out.println("TcpTakeoverTest first client retransmission after the takeover: " + promptNs / 1000 +
            " us with duplicate ACKs, " + plainNs / 1000 + " us without");
        // The client lost what it sent during the outage; its RTO is at least 200 ms.
        assertTrue(plainNs >= 100_000_000L, "without duplicate ACKs the client waits for its RTO: " + plainNs + " ns");
        assertTrue(promptNs >= 0 && promptNs < 2_000_000L,
            "with them it fast-retransmits within a round trip or two: " + promptNs + " ns");
        assertTrue(prompt.client.counters().fastRetransmits.get() > prompt.clientFastRetransmitsAtTakeover,
            "by fast retransmit");
        assertEquals(prompt.clientTimeoutsAtTakeover, prompt.clientTimeoutsAtFirstRetransmit,
            "not by a timeout");
    }

    /** One transfer with a takeover in the middle. */
    static final class Run
    {
        final boolean advanceClock;
        final int staleAcknowledged;
        final int killAfterReceived;
        final byte[] data = new byte[TOTAL];
        final Wire wire = new Wire();
        final TcpConfig config = new TcpConfig().isnSecretSeed(11).maxConnections(4)
            .congestionControl(CongestionControlAlgorithm.CUBIC);
        final TcpStack client;
        final TcpLoopbackTest.Source source;
        final Sink oldSink = new Sink();
        final TcpStack oldServer;
        final BacklogEcho oldEcho = new BacklogEcho();
        final Sink newSink = new Sink();
        TcpStack newServer;
        BacklogEcho echo = oldEcho;
        ConnectionRestore spec;
        boolean killed;
        boolean restored;
        long killedAtNs;
        long limitNs = LIMIT_NS;
        int duplicateAcks = ConnectionRestore.DEFAULT_DUPLICATE_ACKS;
        long takeoverNs = -1;
        long clientRetransmittedAtTakeover;
        long clientFastRetransmitsAtTakeover;
        long clientTimeoutsAtTakeover;
        long clientTimeoutsAtFirstRetransmit;
        long firstClientRetransmitNs = -1;

        Run(final boolean advanceClock, final int staleAcknowledged, final int killAfterReceived)
        {
            this.advanceClock = advanceClock;
            this.staleAcknowledged = staleAcknowledged;
            this.killAfterReceived = killAfterReceived;
            new Random(5).nextBytes(data);
            source = new TcpLoopbackTest.Source(data);
            client = new TcpStack(config, wire.endpoint(), new Counters(256));
            oldServer = new TcpStack(config, wire.endpoint(), new Counters(256), oldSink);
            wire.client = client;
            wire.server = oldServer;
            wire.serverSkewNs = OLD_SKEW_NS;
            oldServer.listen(SERVER_IP, PORT, oldEcho);
        }

        void run()
        {
            assertNotNull(client.connect(CLIENT_IP, SERVER_IP, PORT, source, 0));
            long nowNs = 0;
            while (!(source.closed && echo.closed) && nowNs < limitNs)
            {
                wire.deliverDue(nowNs);
                client.doWork(nowNs);
                if (restored && firstClientRetransmitNs < 0 &&
                    client.counters().retransmittedSegments.get() > clientRetransmittedAtTakeover)
                {
                    firstClientRetransmitNs = nowNs;
                    clientTimeoutsAtFirstRetransmit = client.counters().retransmitTimeouts.get();
                }
                if (!killed)
                {
                    oldServer.doWork(nowNs + OLD_SKEW_NS);
                    if (receivedByOldServer() >= killAfterReceived)
                    {
                        kill(nowNs);
                    }
                }
                else if (newServer != null)
                {
                    newServer.doWork(nowNs);
                }
                if (killed && !restored && nowNs - killedAtNs >= OUTAGE_NS)
                {
                    takeOver(nowNs);
                    continue;
                }
                long next = Math.min(wire.nextNs(), client.nextDeadlineNs());
                if (!killed)
                {
                    next = Math.min(next, oldServer.nextDeadlineNs() - OLD_SKEW_NS);
                }
                else if (newServer != null)
                {
                    next = Math.min(next, newServer.nextDeadlineNs());
                }
                else
                {
                    next = Math.min(next, killedAtNs + OUTAGE_NS);
                }
                nowNs = Math.max(nowNs + 1, next);
            }
            System.out.println("TcpTakeoverTest killed at " + killedAtNs / 1_000_000 + " ms, " + spec + "; verified " +
                source.verified + " by " + nowNs / 1_000_000 + " ms; client retransmitted " +
                client.counters().retransmittedSegments.get() + ", PAWS drops " + client.counters().dropPaws.get() +
                (newServer == null ? "" : "; new primary retransmitted " +
                newServer.counters().retransmittedSegments.get() + ", timeouts " +
                newServer.counters().retransmitTimeouts.get()));
        }

        /** In-order bytes the old primary's connection received so far, as a replica's log would hold them. */
        private long receivedByOldServer()
        {
            final TcpConnection old = null == source.connection ? null :
                oldServer.connection(SERVER_IP, PORT, CLIENT_IP, source.connection.localPort());
            return null == old ? 0 : old.rcvStreamBytes;
        }

        /** The primary dies: what its seam reported and its connection received is what a replica holds. */
        private void kill(final long nowNs)
        {
            killed = true;
            killedAtNs = nowNs;
            wire.serverDown = true;
            final TcpConnection old = oldServer.connection(SERVER_IP, PORT, CLIENT_IP, source.connection.localPort());
            assertNotNull(old);
            assertEquals(old.rcvStreamBytes, oldEcho.tail, "the echo holds every byte received");
            spec = new ConnectionRestore()
                .localIp(SERVER_IP).localPort(PORT).remoteIp(CLIENT_IP).remotePort(source.connection.localPort())
                .localIsn(oldSink.localIsn).remoteIsn(oldSink.remoteIsn).sendMss(oldSink.sendMss)
                .sendWindowScale(oldSink.sendWindowScale).receiveWindowScale(oldSink.receiveWindowScale)
                .timestamps(oldSink.timestamps).sack(oldSink.sack).tsRecent(old.tsRecent)
                .receivedBytes(old.rcvStreamBytes)
                .acknowledgedBytes(Math.max(0, oldSink.lastAcknowledged - staleAcknowledged));
            assertTrue(spec.timestamps() && spec.sack() && spec.sendWindowScale() >= 0, spec.toString());
        }

        /** A fresh stack on the same address restores the connection and the echo's state. */
        private void takeOver(final long nowNs)
        {
            restored = true;
            takeoverNs = nowNs;
            clientRetransmittedAtTakeover = client.counters().retransmittedSegments.get();
            clientFastRetransmitsAtTakeover = client.counters().fastRetransmits.get();
            clientTimeoutsAtTakeover = client.counters().retransmitTimeouts.get();
            spec.duplicateAcks(duplicateAcks);
            newServer = new TcpStack(config, wire.endpoint(), new Counters(256), newSink);
            if (advanceClock)
            {
                // The old primary's clock as the new one estimates it: the last it knew, plus the outage.
                final long estimateMs = (oldSink.oldClockAtKill(oldServer, killedAtNs + OLD_SKEW_NS) & 0xFFFF_FFFFL) +
                    OUTAGE_NS / 1_000_000L;
                newServer.advanceTimestampClock(estimateMs, nowNs);
            }
            echo = new BacklogEcho();
            final Connection connection = newServer.restore(spec, echo, nowNs);
            assertNotNull(connection);
            // The application state a replica rebuilt: every byte received, echoed from the
            // first one the client has not acknowledged.
            echo.restore(connection, data, (int)spec.acknowledgedBytes(), (int)spec.receivedBytes());
            newServer.listen(SERVER_IP, PORT, echo);
            wire.server = newServer;
            wire.serverSkewNs = 0;
            wire.serverDown = false;
        }
    }

    /** An echo that consumes everything and keeps what it could not write yet. */
    static final class BacklogEcho implements TcpService
    {
        final byte[] stream = new byte[TOTAL];
        final UnsafeBuffer view = new UnsafeBuffer(stream);
        int head;
        int tail;
        boolean peerClosed;
        boolean closed;
        /** The stream offset of the first byte offered to this echo, and where the peer's FIN came: -1 before. */
        long firstDataOffset = -1;
        long finOffset = -1;

        void restore(final Connection connection, final byte[] data, final int acknowledged, final int received)
        {
            System.arraycopy(data, 0, stream, 0, received);
            head = acknowledged;
            tail = received;
            pump(connection);
        }

        public String name()
        {
            return "backlog-echo";
        }

        public void onOpen(final Connection connection)
        {
        }

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            if (firstDataOffset < 0)
            {
                // The stream offset of the first byte offered: what the connection received less what it still holds.
                final TcpConnection tcp = (TcpConnection)connection;
                firstDataOffset = tcp.rcvStreamBytes - tcp.receiveBuffer.readable();
            }
            buffer.getBytes(offset, stream, tail, length);
            tail += length;
            pump(connection);
            return length;
        }

        private void pump(final Connection connection)
        {
            while (head < tail)
            {
                final int written = connection.write(view, head, tail - head);
                if (written == 0)
                {
                    return;
                }
                head += written;
            }
            if (peerClosed)
            {
                connection.shutdownOutput();
            }
        }

        public void onPeerClosed(final Connection connection)
        {
            finOffset = ((TcpConnection)connection).rcvStreamBytes;
            peerClosed = true;
            pump(connection);
        }

        public void onWritable(final Connection connection)
        {
            pump(connection);
        }

        public void onClosed(final Connection connection, final CloseReason reason)
        {
            closed = true;
        }
    }

    /** What a replica learns of the connection from the primary's events. */
    static final class Sink implements ReplicationSeam
    {
        int localIsn;
        int remoteIsn;
        int sendMss;
        int sendWindowScale;
        int receiveWindowScale;
        boolean timestamps;
        boolean sack;
        long lastAcknowledged;

        public void onOpen(
            final long connectionId, final int localIp, final int localPort, final int remoteIp, final int remotePort,
            final int localIsn, final int remoteIsn, final int sendMss, final int sendWindowScale,
            final int receiveWindowScale, final boolean timestamps, final boolean sack)
        {
            this.localIsn = localIsn;
            this.remoteIsn = remoteIsn;
            this.sendMss = sendMss;
            this.sendWindowScale = sendWindowScale;
            this.receiveWindowScale = receiveWindowScale;
            this.timestamps = timestamps;
            this.sack = sack;
        }

        public long acknowledgeLimit(final long connectionId, final long receivedBytes)
        {
            return Long.MAX_VALUE;
        }

        public void onClosed(final long connectionId, final CloseReason reason)
        {
        }

        public void onPeerAcknowledged(final long connectionId, final long acknowledgedBytes)
        {
            assertTrue(acknowledgedBytes > lastAcknowledged, "acknowledged offsets only grow");
            lastAcknowledged = acknowledgedBytes;
        }

        int oldClockAtKill(final TcpStack oldServer, final long oldNowNs)
        {
            return oldServer.timestampClockMs(oldNowNs);
        }
    }

    /** A lossless wire with a fixed delay; while the server is down its frames are lost. */
    static final class Wire
    {
        private final PriorityQueue<TcpLoopbackTest.Frame> inFlight = new PriorityQueue<>();
        private long sequence;
        private Random random;
        private double loss;
        private double reorder;
        TcpStack client;
        TcpStack server;
        long serverSkewNs;
        boolean serverDown;
        long nowNs;

        /** Lose and delay frames at random from here on, repeatably for a seed. */
        void impair(final Random random, final double loss, final double reorder)
        {
            this.random = random;
            this.loss = loss;
            this.reorder = reorder;
        }

        Ipv4Output endpoint()
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
                    return 0;
                }

                public MutableDirectBuffer buffer()
                {
                    return buffer;
                }

                public void commit()
                {
                    long delayNs = ONE_WAY_NS;
                    if (random != null)
                    {
                        if (random.nextDouble() < loss)
                        {
                            return;
                        }
                        if (random.nextDouble() < reorder)
                        {
                            delayNs += 1 + random.nextInt(300_000);
                        }
                    }
                    final byte[] bytes = new byte[length];
                    buffer.getBytes(0, bytes);
                    inFlight.add(new TcpLoopbackTest.Frame(nowNs + delayNs, sequence++, source, destination, bytes));
                }
            };
        }

        void deliverDue(final long nowNs)
        {
            this.nowNs = nowNs;
            while (!inFlight.isEmpty() && inFlight.peek().atNs() <= nowNs)
            {
                final TcpLoopbackTest.Frame frame = inFlight.poll();
                final UnsafeBuffer bytes = new UnsafeBuffer(frame.bytes());
                if (frame.destination() == CLIENT_IP)
                {
                    client.onDatagram(frame.source(), frame.destination(), bytes, 0, bytes.capacity(), nowNs);
                }
                else if (!serverDown)
                {
                    server.onDatagram(frame.source(), frame.destination(), bytes, 0, bytes.capacity(),
                        nowNs + serverSkewNs);
                }
            }
        }

        long nextNs()
        {
            return inFlight.isEmpty() ? Long.MAX_VALUE : inFlight.peek().atNs();
        }
    }
}
