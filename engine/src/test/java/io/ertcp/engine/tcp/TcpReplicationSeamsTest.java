package io.ertcp.engine.tcp;

import io.ertcp.engine.counters.Counters;
import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.ertcp.engine.tcp.Segment.seg;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.ACK;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.FIN;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.PSH;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.RST;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replication seams where docs/architecture.md rule 1 (durable before acknowledged) meets the handshake and
 * the FIN, packet by packet: the SYN-ACK waits for the gate to release the SYN (the OPEN record),
 * a FIN is acknowledged only once the gate is past the data, a connection whose handshake the
 * replica never saw completed is restored in SYN-RECEIVED, and a restored connection's first ACK
 * is followed by duplicates.
 */
class TcpReplicationSeamsTest extends TcpTestHarness
{
    final EventLog sink = new EventLog();
    /** What the gate returns for every connection. */
    long limit = Long.MAX_VALUE;

    void startGated(final TcpConfig config)
    {
        this.config = config;
        stack = new TcpStack(config, output, new Counters(256), sink);
        stack.fixIsn(localSeq);
        stack.listen(LOCAL_IP, LOCAL_PORT, service);
    }

    @Nested
    class SynAckGate
    {
        @Test
        void synAckWaitsUntilTheGateReleasesTheSyn()
        {
            startGated(baseConfig());
            limit = -1;
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            assertEquals(List.of("open " + LOCAL_SEQ + " " + REMOTE_SEQ + " mss 1460"), sink.events,
                "the OPEN is reported in SYN-RECEIVED, before any SYN-ACK");
            recvNothing(0);
            // No SYN-ACK, so no retransmission timer either.
            recvNothing(5_000);
            assertEquals(TcpState.SYN_RECEIVED, connection().state());

            // The peer's retransmitted SYN does not get the SYN-ACK out either.
            send(5_100, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            recvNothing(5_100);

            limit = 0;
            stack.receiveGateAdvanced(connection().id());
            recv(5_200, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1).mss(config.mss()));
            // The retransmission timer runs from the first SYN-ACK sent: RFC 6298's initial second.
            recvNothing(6_199);
            recv(6_200, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1));

            send(6_300, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1));
            assertEquals(TcpState.ESTABLISHED, connection().state());
            assertEquals(List.of("open " + LOCAL_SEQ + " " + REMOTE_SEQ + " mss 1460"), sink.events,
                "onOpen exactly once");
            assertEquals(List.of("open"), service.events, "the service hears onOpen at ESTABLISHED");
        }

        @Test
        void unlimitedGateSendsTheSynAckAtOnce()
        {
            startGated(baseConfig());
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            assertEquals(1, sink.opens());
            assertTrue(service.events.isEmpty(), service.events.toString());
            recv(0, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            send(0, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1));
            assertEquals(1, sink.opens());
            assertEquals(List.of("open"), service.events);
        }

        @Test
        void resetInSynReceivedReportsClosed()
        {
            startGated(baseConfig());
            limit = -1;
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            send(10, seg(RST, REMOTE_SEQ + 1, 0));
            assertNull(connection());
            assertEquals(List.of("open " + LOCAL_SEQ + " " + REMOTE_SEQ + " mss 1460", "closed RESET"),
                sink.events);
            assertTrue(service.events.isEmpty(), "the service never had the connection: " + service.events);
        }

        @Test
        void synAckRetransmissionsExhaustedReportsClosed()
        {
            startGated(baseConfig().maxSynRetransmissions(1));
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            recv(0, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            recv(1_000, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            recvNothing(3_000);
            assertNull(connection());
            assertEquals("closed TIMED_OUT", sink.events.getLast());
            assertEquals(1, sink.opens());
            assertTrue(service.events.isEmpty(), service.events.toString());
        }

        @Test
        void cookieConnectionReportsItsOpenOnceAtEstablished()
        {
            startGated(baseConfig().synBacklog(0));
            // Under a SYN flood the cookie SYN-ACK is stateless: nothing to gate, nothing reported.
            limit = -1;
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            final List<Segment> synAck = drain(0);
            assertEquals(1, synAck.size());
            assertTrue(sink.events.isEmpty(), sink.events.toString());
            send(10, seg(ACK, REMOTE_SEQ + 1, synAck.get(0).seq + 1));
            assertEquals(TcpState.ESTABLISHED, connection().state());
            assertEquals(List.of("open " + synAck.get(0).seq + " " + REMOTE_SEQ + " mss 1460"),
                sink.events);
            assertEquals(List.of("open"), service.events);
        }
    }

    @Nested
    class FinGate
    {
        @Test
        void finIsAcknowledgedOnlyOnceTheGateIsPastTheData()
        {
            startGated(baseConfig());
            established();
            limit = 0;
            send(10, seg(ACK | PSH | FIN, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload("hello"));
            assertEquals(List.of("open", "data 5", "peer-closed"), service.events);
            recv(10, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1));

            // The data is durable, the FIN not yet: the ACK covers the data only.
            limit = 5;
            stack.receiveGateAdvanced(connection().id());
            recv(20, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 6));

            limit = 6;
            stack.receiveGateAdvanced(connection().id());
            recv(30, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 7));
        }

        @Test
        void unlimitedGateAcknowledgesTheFinAtOnce()
        {
            startGated(baseConfig());
            established();
            send(10, seg(ACK | PSH | FIN, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload("hello"));
            recv(10, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 7));
        }
    }

    @Nested
    class RestoreInSynReceived
    {
        static final int SEND_MSS = 1_448;
        static final int RECEIVE_SHIFT = 2;
        static final int TS_RECENT = 777_000;
        static final int CLOCK_FLOOR = 9_000_000;

        ConnectionRestore spec()
        {
            return new ConnectionRestore()
                .localIp(LOCAL_IP).localPort(LOCAL_PORT).remoteIp(REMOTE_IP).remotePort(REMOTE_PORT)
                .localIsn(LOCAL_SEQ).remoteIsn(REMOTE_SEQ)
                .sendMss(SEND_MSS).sendWindowScale(3).receiveWindowScale(RECEIVE_SHIFT)
                .timestamps(true).sack(true).tsRecent(TS_RECENT)
                .handshakeComplete(false);
        }

        TcpConnection restore(final ConnectionRestore spec)
        {
            startGated(baseConfig().windowScaling(true).timestamps(true).sack(true));
            stack.advanceTimestampClock(CLOCK_FLOOR, ns(100));
            final Connection connection = stack.restore(spec, service, ns(100));
            assertNotNull(connection);
            service.connection = connection;
            return (TcpConnection)connection;
        }

        int tsVal(final long atMs)
        {
            return CLOCK_FLOOR + (int)(atMs - 100) + TcpConnection.timestampOffset(LOCAL_SEQ);
        }

        Segment fromPeer(final int flags, final int seq, final int ack)
        {
            return seg(flags, seq, ack).timestamps(TS_RECENT + 100, tsVal(100)).window(1_000);
        }

        /** The SYN-ACK again, with the logged ISS and options and no data. */
        Segment synAck()
        {
            return seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1).mss(config.mss()).windowScale(RECEIVE_SHIFT)
                .sackPermitted(true).timestamps(tsVal(100), TS_RECENT).window(BUFFER);
        }

        @Test
        void clientStillInSynSentCompletesTheHandshake()
        {
            final TcpConnection connection = restore(spec());
            assertEquals(TcpState.SYN_RECEIVED, connection.state());
            recv(100, synAck());
            send(110, fromPeer(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1));
            assertEquals(TcpState.ESTABLISHED, connection.state());
            // Nothing is missing: no duplicate ACKs, which would make the client retransmit for nothing.
            recvNothing(110);
            assertTrue(sink.events.isEmpty(), "no second OPEN for a restored connection: " + sink.events);
            assertTrue(service.events.isEmpty(), "no onOpen: the service already holds it: " + service.events);
            assertEquals(8_000, connection.sndWnd, "the window is scaled from here on");

            send(120, fromPeer(ACK | PSH, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload("hi"));
            assertEquals(List.of("data 2"), service.events);
            assertTrue(sink.events.isEmpty(), sink.events.toString());
            assertEquals(2, connection.rcvStreamBytes, "the stream offsets start at the restored receive point");
            assertEquals(1, stack.counters().connectionsRestored.get());
            assertEquals(0, stack.counters().connectionsOpened.get());
        }

        @Test
        void establishedClientAnswersTheOldSynAckAndGetsDuplicateAcks()
        {
            final TcpConnection connection = restore(spec());
            recv(100, synAck());
            // The client was ESTABLISHED with the old node and had sent 3,000 bytes it never made
            // durable: it answers the old SYN-ACK with an ACK from its SND.NXT.
            send(110, fromPeer(ACK, REMOTE_SEQ + 1 + 3_000, LOCAL_SEQ + 1));
            assertEquals(TcpState.ESTABLISHED, connection.state());
            // The first ACK and three duplicates: same ACK number, same window, no data. Then, for a SACK sender
            // that counts no pure duplicate ACK, the same four SACKing the client's last segment (TakeoverPrompt).
            final Segment ack = seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).window(BUFFER >> RECEIVE_SHIFT);
            final int peerSndNxt = REMOTE_SEQ + 1 + 3_000;
            final Segment sacking = seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).window(BUFFER >> RECEIVE_SHIFT)
                .sack(peerSndNxt - (config.mss() - TcpOptions.ALIGNED_TIMESTAMPS_LENGTH), peerSndNxt);
            recv(110, ack, ack, ack, ack, sacking, sacking, sacking, sacking);
            recvNothing(200);
            assertEquals(0, stack.counters().resetsSent.get());
        }

        @Test
        void clientAcknowledgingTheOldNodesOutputReleasesIt()
        {
            final TcpConnection connection = restore(spec());
            // The service wrote a greeting when the OPEN was applied; the old node sent it.
            write("greeting");
            recv(100, synAck());
            send(110, fromPeer(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1 + 8));
            assertEquals(TcpState.ESTABLISHED, connection.state());
            assertEquals(0, connection.sendBuffer.length());
            assertEquals(List.of("acknowledged 8"), sink.events);
            assertEquals(0, stack.counters().resetsSent.get());
            assertEquals(0, stack.counters().dropBadAck.get());
        }

        @Test
        void clientSegmentBeforeOurSynAckCompletesTheHandshake()
        {
            final TcpConnection connection = restore(spec());
            write("greeting");
            // The client's retransmission arrives before this node's first dispatch.
            send(100, fromPeer(ACK | PSH, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload("abc"));
            assertEquals(TcpState.ESTABLISHED, connection.state());
            assertEquals(List.of("data 3"), service.events);
            recv(100, seg(ACK | PSH, LOCAL_SEQ + 1, REMOTE_SEQ + 4).payload("greeting"));
            assertEquals(0, stack.counters().resetsSent.get());
        }

        @Test
        void gateHoldsTheRestoredSynAck()
        {
            limit = -1;
            final TcpConnection connection = restore(spec());
            recvNothing(100);
            limit = 0;
            stack.receiveGateAdvanced(connection.id());
            recv(100, synAck());
        }

        @Test
        void impossibleSpecIsRefused()
        {
            startGated(baseConfig());
            assertThrows(IllegalArgumentException.class, () -> stack.restore(spec().receivedBytes(1), service, 0));
            assertThrows(IllegalArgumentException.class, () -> stack.restore(spec().acknowledgedBytes(1), service, 0));
            assertThrows(IllegalArgumentException.class,
                () -> stack.restore(spec().peerFinReceived(true), service, 0));
            assertThrows(IllegalArgumentException.class,
                () -> stack.restore(spec().handshakeComplete(true).duplicateAcks(-1), service, 0));
            assertEquals(0, stack.connectionCount());
        }
    }

    @Nested
    class DuplicateAcksAfterRestore
    {
        ConnectionRestore spec()
        {
            return new ConnectionRestore()
                .localIp(LOCAL_IP).localPort(LOCAL_PORT).remoteIp(REMOTE_IP).remotePort(REMOTE_PORT)
                .localIsn(LOCAL_SEQ).remoteIsn(REMOTE_SEQ).sendMss(1_460)
                .receivedBytes(5_000).acknowledgedBytes(3_000);
        }

        @Test
        void firstAckAndThreeDuplicatesGoOutBeforeAnyData()
        {
            startGated(baseConfig());
            final Connection connection = stack.restore(spec(), service, ns(100));
            service.connection = connection;
            write("abc");
            final Segment ack = seg(ACK, LOCAL_SEQ + 3_001, REMOTE_SEQ + 5_001).window(BUFFER);
            recv(100, ack, ack, ack, ack, seg(ACK | PSH, LOCAL_SEQ + 3_001, REMOTE_SEQ + 5_001).payload("abc"));
            recvNothing(150);
        }

        @Test
        void noneWhenAskedForNone()
        {
            startGated(baseConfig());
            stack.restore(spec().duplicateAcks(0), service, ns(100));
            recv(100, seg(ACK, LOCAL_SEQ + 3_001, REMOTE_SEQ + 5_001));
        }
    }

    /** The stack's replication events, in order; its acknowledge limit is {@link #limit}. */
    final class EventLog implements ReplicationSeam
    {
        final List<String> events = new ArrayList<>();

        long opens()
        {
            return events.stream().filter(e -> e.startsWith("open")).count();
        }

        public void onOpen(
            final long connectionId, final int localIp, final int localPort, final int remoteIp, final int remotePort,
            final int localIsn, final int remoteIsn, final int sendMss, final int sendWindowScale,
            final int receiveWindowScale, final boolean timestamps, final boolean sack)
        {
            events.add("open " + localIsn + " " + remoteIsn + " mss " + sendMss);
        }

        public long acknowledgeLimit(final long connectionId, final long receivedBytes)
        {
            return limit;
        }

        public void onPeerAcknowledged(final long connectionId, final long acknowledgedBytes)
        {
            events.add("acknowledged " + acknowledgedBytes);
        }

        public void onClosed(final long connectionId, final CloseReason reason)
        {
            events.add("closed " + reason);
        }
    }
}
