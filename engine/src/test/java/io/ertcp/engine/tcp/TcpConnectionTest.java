package io.ertcp.engine.tcp;

import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.ertcp.engine.tcp.Segment.seg;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.ACK;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.FIN;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.PSH;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.RST;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TCP state machine segment by segment, one nested class per state or behaviour.
 */
class TcpConnectionTest extends TcpTestHarness
{
    @BeforeEach
    void setUp()
    {
        start(baseConfig());
    }

    @Nested
    class Listen
    {
        @Test
        void synGetsSynAck()
        {
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1400));
            recv(0, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1).mss(1460).window(BUFFER));
            assertEquals(TcpState.SYN_RECEIVED, connection().state());
            assertEquals(1400, connection().sendMss);
        }

        @Test
        void closedPortGetsReset()
        {
            final Segment syn = seg(SYN, REMOTE_SEQ, 0);
            syn.destinationPort = 81;
            send(0, syn);
            final Segment rst = seg(RST | ACK, 0, REMOTE_SEQ + 1);
            rst.window = 0;
            recv(0, rst);
            assertEquals(1, stack.counters().dropNoConnection.get());
        }

        @Test
        void closedPortAckGetsResetAtItsAck()
        {
            final Segment ack = seg(ACK, REMOTE_SEQ, 1234);
            ack.destinationPort = 81;
            send(0, ack);
            recv(0, seg(RST, 1234, 0));
        }

        @Test
        void resetToClosedPortIsIgnored()
        {
            final Segment rst = seg(RST, REMOTE_SEQ, 0);
            rst.destinationPort = 81;
            send(0, rst);
            recvNothing(0);
        }

        @Test
        void stray_ackToListenerGetsReset()
        {
            send(0, seg(ACK, REMOTE_SEQ, 5555));
            recv(0, seg(RST, 5555, 0));
            assertEquals(1, stack.counters().dropBadCookie.get());
        }

        @Test
        void resetToListenerIsIgnored()
        {
            send(0, seg(RST, REMOTE_SEQ, 0));
            recvNothing(0);
            assertEquals(0, stack.connectionCount());
        }
    }

    @Nested
    class SynReceived
    {
        @Test
        void ackEstablishes()
        {
            established();
            assertEquals(List.of("open"), service.events);
        }

        @Test
        void synAckRetransmittedOnTimeout()
        {
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            recv(0, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            recvNothing(999);
            recv(1000, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            recvNothing(2999);
            recv(3000, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
        }

        @Test
        void duplicateSynGetsSynAckAgain()
        {
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            recv(0, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            send(10, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            recv(10, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
        }

        @Test
        void badAckGetsReset()
        {
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            recv(0, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 100));
            recv(10, seg(RST, LOCAL_SEQ + 100, 0));
            assertEquals(TcpState.SYN_RECEIVED, connection().state());
        }

        @Test
        void givesUpAfterSynRetries()
        {
            start(baseConfig().maxSynRetransmissions(1));
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            recv(0, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            recv(1000, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            recvNothing(3000);
            assertNull(connection());
            assertTrue(service.events.isEmpty(), "a never-opened connection is not the service's");
        }

        @Test
        void dataWithHandshakeAckIsDelivered()
        {
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            recv(0, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            send(5, seg(ACK | PSH, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload("hi"));
            assertEquals("hi", service.receivedText());
            recv(45, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 3));
        }
    }

    @Nested
    class SynSent
    {
        Connection client;
        final RecordingService clientService = new RecordingService();

        @BeforeEach
        void connect()
        {
            client = stack.connect(LOCAL_IP, REMOTE_IP, REMOTE_PORT, clientService, 0);
            assertNotNull(client);
        }

        private Segment fromClient(final Segment s)
        {
            return s;
        }

        private void sendToClient(final long atMs, final Segment s)
        {
            s.destinationPort = client.localPort();
            send(atMs, s);
        }

        @Test
        void sendsSynWithOptions()
        {
            start(baseConfig().windowScaling(true).sack(true).timestamps(false));
            client = stack.connect(LOCAL_IP, REMOTE_IP, REMOTE_PORT, clientService, 0);
            recv(0, seg(SYN, LOCAL_SEQ, 0).mss(1460).windowScale(0).sackPermitted(true));
        }

        @Test
        void synAckEstablishes()
        {
            recv(0, fromClient(seg(SYN, LOCAL_SEQ, 0).mss(1460)));
            sendToClient(10, seg(SYN | ACK, REMOTE_SEQ, LOCAL_SEQ + 1).mss(1200));
            recv(10, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1));
            assertEquals(List.of("open"), clientService.events);
            assertEquals(TcpState.ESTABLISHED, ((TcpConnection)client).state());
            assertEquals(1200, ((TcpConnection)client).sendMss);
        }

        @Test
        void synRetransmittedWithBackoff()
        {
            recv(0, seg(SYN, LOCAL_SEQ, 0));
            recvNothing(999);
            recv(1000, seg(SYN, LOCAL_SEQ, 0));
            recv(3000, seg(SYN, LOCAL_SEQ, 0));
            recv(7000, seg(SYN, LOCAL_SEQ, 0));
        }

        @Test
        void resetWithAckRefuses()
        {
            recv(0, seg(SYN, LOCAL_SEQ, 0));
            sendToClient(10, seg(RST | ACK, 0, LOCAL_SEQ + 1));
            recvNothing(10);
            assertEquals(List.of("closed RESET"), clientService.events);
            assertEquals(0, stack.connectionCount());
        }

        @Test
        void badAckGetsReset()
        {
            recv(0, seg(SYN, LOCAL_SEQ, 0));
            sendToClient(10, seg(SYN | ACK, REMOTE_SEQ, LOCAL_SEQ + 5));
            recv(10, seg(RST, LOCAL_SEQ + 5, 0));
            assertEquals(TcpState.SYN_SENT, ((TcpConnection)client).state());
        }

        @Test
        void simultaneousOpen()
        {
            recv(0, seg(SYN, LOCAL_SEQ, 0));
            sendToClient(10, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            recv(10, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            assertEquals(TcpState.SYN_RECEIVED, ((TcpConnection)client).state());
            sendToClient(20, seg(SYN | ACK, REMOTE_SEQ, LOCAL_SEQ + 1));
            // RFC 9293 figure 8: the peer's SYN-ACK, whose SYN is old, draws an ACK and establishes.
            sendToClient(20, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1));
            assertEquals(TcpState.ESTABLISHED, ((TcpConnection)client).state());
            assertEquals(List.of("open"), clientService.events);
        }
    }

    @Nested
    class Established
    {
        @BeforeEach
        void open()
        {
            established();
        }

        @Test
        void receivesDataAndDelaysAck()
        {
            send(10, seg(ACK | PSH, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload("abcdef"));
            assertEquals("abcdef", service.receivedText());
            recvNothing(49);
            recv(50, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 7).window(BUFFER));
        }

        @Test
        void acksEverySecondFullSegmentAtOnce()
        {
            final byte[] data = bytes(2920, 1);
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload(slice(data, 0, 1460)));
            recvNothing(10);
            send(11, seg(ACK, REMOTE_SEQ + 1461, LOCAL_SEQ + 1).payload(slice(data, 1460, 1460)));
            recv(11, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 2921));
            assertArrayEquals(data, service.received.toByteArray());
        }

        @Test
        void sendsDataAndReleasesOnAck()
        {
            write("hello");
            recv(0, seg(ACK | PSH, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload("hello"));
            assertEquals(5, connection().sendBuffer.length());
            send(20, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 6));
            assertEquals(0, connection().sendBuffer.length());
            recvNothing(2000);
        }

        @Test
        void piggybacksAckOnData()
        {
            service.echo = true;
            send(10, seg(ACK | PSH, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload("ping"));
            recv(10, seg(ACK | PSH, LOCAL_SEQ + 1, REMOTE_SEQ + 5).payload("ping"));
            recvNothing(100);
        }

        @Test
        void nagleHoldsSmallSegmentWhileUnacked()
        {
            write("a");
            recv(0, seg(ACK | PSH, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload("a"));
            write("b");
            write("c");
            recvNothing(1);
            send(5, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 2));
            recv(5, seg(ACK | PSH, LOCAL_SEQ + 2, REMOTE_SEQ + 1).payload("bc"));
        }

        @Test
        void nagleOffSendsAtOnce()
        {
            start(baseConfig().nagle(false));
            established();
            write("a");
            recv(0, seg(ACK | PSH, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload("a"));
            write("b");
            recv(1, seg(ACK | PSH, LOCAL_SEQ + 2, REMOTE_SEQ + 1).payload("b"));
        }

        @Test
        void segmentsLargeWritesByMss()
        {
            final byte[] data = bytes(3000, 3);
            write(data);
            recv(0,
                seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload(slice(data, 0, 1460)),
                seg(ACK, LOCAL_SEQ + 1461, REMOTE_SEQ + 1).payload(slice(data, 1460, 1460)));
            // Nagle holds the 80-byte tail until the data in flight is acknowledged.
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 2921));
            recv(10, seg(ACK | PSH, LOCAL_SEQ + 2921, REMOTE_SEQ + 1).payload(slice(data, 2920, 80)));
        }

        @Test
        void ackBeyondSndMaxIsAckedAndDropped()
        {
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1000).payload("x"));
            recv(10, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1));
            assertEquals("", service.receivedText());
            assertEquals(1, stack.counters().dropBadAck.get());
        }

        @Test
        void outOfWindowSegmentGetsAck()
        {
            send(10, seg(ACK, REMOTE_SEQ + 1 + BUFFER + 10, LOCAL_SEQ + 1).payload("x"));
            recv(10, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1));
            assertEquals(1, stack.counters().dropOutOfWindow.get());
        }

        @Test
        void pureAckAtTheRightEdgeIsTaken()
        {
            write("abc");
            recv(0, seg(ACK | PSH, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload("abc"));
            send(10, seg(ACK, REMOTE_SEQ + 1 + BUFFER, LOCAL_SEQ + 4));
            recvNothing(5_000);
            assertEquals(0, stack.counters().dropOutOfWindow.get());
            assertEquals(0, stack.counters().retransmittedSegments.get(), "the ACK released the data");
        }

        @Test
        void oldDuplicateGetsAck()
        {
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload("abc"));
            recv(50, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 4));
            send(60, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload("abc"));
            recv(60, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 4));
            assertEquals("abc", service.receivedText());
        }

        @Test
        void segmentWithoutAckIsDropped()
        {
            send(10, seg(PSH, REMOTE_SEQ + 1, 0).payload("abc"));
            recvNothing(100);
            assertEquals("", service.receivedText());
            assertEquals(1, stack.counters().dropNoAckFlag.get());
        }

        @Test
        void serviceTimeoutIsDelivered()
        {
            connection().scheduleTimeout(500);
            recvNothing(499);
            assertEquals(List.of("open"), service.events);
            recvNothing(500);
            assertEquals(List.of("open", "timeout"), service.events);
        }

        @Test
        void abortSendsReset()
        {
            connection().abort();
            recv(1, seg(RST, LOCAL_SEQ + 1, 0));
            assertEquals(0, stack.connectionCount());
            assertEquals("closed CLOSED", service.events.get(service.events.size() - 1));
        }

        @Test
        void onWritableAfterShortWrite()
        {
            final byte[] big = bytes(70_000, 9);
            final int accepted = connection().write(new org.agrona.concurrent.UnsafeBuffer(big), 0, big.length);
            assertEquals(65_536, accepted);
            final List<Segment> sent = drain(0);
            assertEquals(10, sent.size(), "initial window of 10 segments");
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1 + 1460));
            assertTrue(service.events.contains("writable"));
        }
    }

    @Nested
    class OutOfOrder
    {
        @BeforeEach
        void open()
        {
            established();
        }

        @Test
        void gapIsAckedAtOnceAndFilled()
        {
            send(10, seg(ACK, REMOTE_SEQ + 4, LOCAL_SEQ + 1).payload("def"));
            recv(10, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1));
            assertEquals("", service.receivedText());
            send(20, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload("abc"));
            recv(20, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 7));
            assertEquals("abcdef", service.receivedText());
        }

        @Test
        void overlappingSegmentsAreMerged()
        {
            send(10, seg(ACK, REMOTE_SEQ + 3, LOCAL_SEQ + 1).payload("cdef"));
            send(11, seg(ACK, REMOTE_SEQ + 5, LOCAL_SEQ + 1).payload("efgh"));
            send(12, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload("abcd"));
            drain(12);
            assertEquals("abcdefgh", service.receivedText());
            send(13, seg(ACK, REMOTE_SEQ + 2, LOCAL_SEQ + 1).payload("bcdefghij"));
            assertEquals("abcdefghij", service.receivedText());
        }

        @Test
        void manyHolesBeyondAssemblerAreDroppedAndCounted()
        {
            for (int i = 0; i < Assembler.MAX_RANGES + 2; i++)
            {
                send(10, seg(ACK, REMOTE_SEQ + 1 + 10 * (i + 1), LOCAL_SEQ + 1).payload("x"));
            }
            assertEquals(2, stack.counters().dropReassemblyFull.get());
        }

        @Test
        void finAfterGapIsNotProcessedEarly()
        {
            send(10, seg(ACK | FIN, REMOTE_SEQ + 4, LOCAL_SEQ + 1).payload("def"));
            assertEquals(TcpState.ESTABLISHED, connection().state());
            send(20, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload("abc"));
            send(30, seg(ACK | FIN, REMOTE_SEQ + 4, LOCAL_SEQ + 1).payload("def"));
            assertEquals(TcpState.CLOSE_WAIT, connection().state());
            assertEquals("abcdef", service.receivedText());
        }
    }

    @Nested
    class Retransmission
    {
        @BeforeEach
        void open()
        {
            established();
        }

        @Test
        void retransmitsWithExponentialBackoff()
        {
            write("hello");
            recv(0, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload("hello"));
            recvNothing(999);
            recv(1000, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload("hello"));
            recvNothing(2999);
            recv(3000, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload("hello"));
            recvNothing(6999);
            recv(7000, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload("hello"));
            assertEquals(3, stack.counters().retransmitTimeouts.get());
        }

        @Test
        void rttSampleShortensRto()
        {
            write("a");
            recv(0, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload("a"));
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 2));
            // srtt 10 ms, rttvar 5 ms: RTO = 30 ms, raised to the 200 ms minimum.
            assertEquals(200_000_000L, connection().rtt.rtoNs());
            write("b");
            recv(20, seg(ACK, LOCAL_SEQ + 2, REMOTE_SEQ + 1).payload("b"));
            recvNothing(219);
            recv(220, seg(ACK, LOCAL_SEQ + 2, REMOTE_SEQ + 1).payload("b"));
        }

        @Test
        void givesUpAfterMaxRetransmissions()
        {
            start(baseConfig().maxRetransmissions(2));
            established();
            write("x");
            recv(0, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload("x"));
            recv(1000, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload("x"));
            recv(3000, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload("x"));
            recvNothing(7000);
            assertEquals(CloseReason.TIMED_OUT, service.closeReason);
            assertEquals(0, stack.connectionCount());
        }

        @Test
        void timeoutGoesBackToSndUnaWithOneSegmentWindow()
        {
            final byte[] data = bytes(2920, 5);
            write(data);
            assertEquals(2, drain(0).size());
            recv(1000, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload(slice(data, 0, 1460)));
            send(1010, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1461));
            recv(1010, seg(ACK, LOCAL_SEQ + 1461, REMOTE_SEQ + 1).payload(slice(data, 1460, 1460)));
        }
    }

    @Nested
    class FastRetransmit
    {
        final byte[] data = bytes(5 * 1460, 11);

        @BeforeEach
        void open()
        {
            established();
            write(data);
            assertEquals(5, drain(0).size());
        }

        private Segment dataSegment(final int index)
        {
            return seg(ACK, LOCAL_SEQ + 1 + index * 1460, REMOTE_SEQ + 1).payload(slice(data, index * 1460, 1460));
        }

        @Test
        void threeDuplicateAcksRetransmitAndNewRenoRecovers()
        {
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1461));
            recvNothing(10);
            send(11, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1461));
            send(12, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1461));
            recvNothing(12);
            send(13, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1461));
            recv(13, dataSegment(1));
            assertTrue(connection().inRecovery);
            assertEquals(1, stack.counters().fastRetransmits.get());

            // A partial ACK (RFC 6582): the next hole is resent at once.
            send(20, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1 + 3 * 1460));
            recv(20, dataSegment(3));
            assertTrue(connection().inRecovery);

            send(30, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1 + 5 * 1460));
            recvNothing(30);
            assertTrue(!connection().inRecovery);
            // RFC 6582 3.2 step 3 (1): cwnd = min(ssthresh, FlightSize + SMSS) with nothing in flight.
            assertEquals(2 * 1460, connection().congestion.ssthresh());
            assertEquals(1460, connection().congestion.cwnd());
        }

        @Test
        void duplicateAcksWithDataDoNotCount()
        {
            for (int i = 0; i < 3; i++)
            {
                send(10 + i, seg(ACK, REMOTE_SEQ + 1 + i, LOCAL_SEQ + 1461).payload("z"));
            }
            assertTrue(!connection().inRecovery);
        }
    }

    @Nested
    class Sack
    {
        final byte[] data = bytes(4 * 1460, 13);

        @BeforeEach
        void open()
        {
            start(baseConfig().sack(true));
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460).sackPermitted(true));
            recv(0, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1).sackPermitted(true));
            send(0, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1));
            assertTrue(connection().sackPermitted);
        }

        @Test
        void outOfOrderDataIsSacked()
        {
            send(10, seg(ACK, REMOTE_SEQ + 101, LOCAL_SEQ + 1).payload(bytes(100, 1)));
            recv(10, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).sack(REMOTE_SEQ + 101, REMOTE_SEQ + 201));
            send(11, seg(ACK, REMOTE_SEQ + 301, LOCAL_SEQ + 1).payload(bytes(100, 1)));
            // The latest block first (RFC 2018 section 4).
            recv(11, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1)
                .sack(REMOTE_SEQ + 301, REMOTE_SEQ + 401, REMOTE_SEQ + 101, REMOTE_SEQ + 201));
            send(12, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload(bytes(100, 1)));
            recv(12, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 201).sack(REMOTE_SEQ + 301, REMOTE_SEQ + 401));
        }

        @Test
        void retransmissionSkipsSackedData()
        {
            write(data);
            assertEquals(4, drain(0).size());
            final int b = LOCAL_SEQ + 1 + 1460;
            final int d = LOCAL_SEQ + 1 + 3 * 1460;
            for (int i = 0; i < 3; i++)
            {
                send(10 + i, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).sack(b, d));
            }
            recv(12, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload(slice(data, 0, 1460)));
            // A partial ACK: B and C are held by the peer, so D is the hole to fill.
            send(20, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1461).sack(b, d));
            recv(20, seg(ACK, d, REMOTE_SEQ + 1).payload(slice(data, 3 * 1460, 1460)));
        }

        /**
         * The last segment sent went out with a SACK block (RFC 6691: 12 bytes less payload) and was
         * lost; the fast retransmit goes without the block. It must still end at SND.MAX: 12 bytes
         * more would be data never counted as sent, the peer's ACK of them would lie beyond SND.MAX
         * and be dropped, and with the peer's window full neither end would advance again (the
         * seeded CUBIC loopback run that stalled at 9.69 MB).
         */
        @Test
        void fastRetransmitEndsAtSndMaxWhenTheOriginalCarriedSack()
        {
            final byte[] data = bytes(8 * 1460, 17);
            final int window = 4 * 1460;
            final int sent = 4 * 1448;
            send(1, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).window(window));
            recvNothing(1);
            // A gap in the peer's data: our segments carry a SACK block and 1448 bytes each.
            send(2, seg(ACK, REMOTE_SEQ + 101, LOCAL_SEQ + 1).window(window).payload(bytes(100, 1)));
            recv(2, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).sack(REMOTE_SEQ + 101, REMOTE_SEQ + 201));
            write(data);
            final int[] block = {REMOTE_SEQ + 101, REMOTE_SEQ + 201};
            recv(3,
                seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload(slice(data, 0, 1448)).sack(block),
                seg(ACK, LOCAL_SEQ + 1 + 1448, REMOTE_SEQ + 1).payload(slice(data, 1448, 1448)).sack(block),
                seg(ACK, LOCAL_SEQ + 1 + 2 * 1448, REMOTE_SEQ + 1).payload(slice(data, 2 * 1448, 1448)).sack(block),
                seg(ACK, LOCAL_SEQ + 1 + 3 * 1448, REMOTE_SEQ + 1).payload(slice(data, 3 * 1448, 1448)).sack(block));
            assertEquals(LOCAL_SEQ + 1 + sent, connection().sndMax);

            // The gap fills: no SACK block from here on.
            send(4, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).window(window).payload(bytes(100, 0)));
            recv(4, seg(ACK, LOCAL_SEQ + 1 + sent, REMOTE_SEQ + 201));
            // Three segments acknowledged, the right edge where it was; the last one was lost.
            final int una = LOCAL_SEQ + 1 + 3 * 1448;
            final int rest = window - 3 * 1448;
            send(10, seg(ACK, REMOTE_SEQ + 201, una).window(rest));
            recvNothing(10);
            for (int i = 0; i < 3; i++)
            {
                send(11 + i, seg(ACK, REMOTE_SEQ + 201, una).window(rest));
            }
            assertTrue(connection().inRecovery);
            recv(13, seg(ACK | PSH, una, REMOTE_SEQ + 201).payload(slice(data, 3 * 1448, 1448)));
            assertEquals(LOCAL_SEQ + 1 + sent, connection().sndMax);

            // The peer acknowledges all it got; it is acceptable and the transfer goes on.
            send(20, seg(ACK, REMOTE_SEQ + 201, LOCAL_SEQ + 1 + sent).window(window));
            assertEquals(LOCAL_SEQ + 1 + sent, connection().sndUna);
            recv(20, seg(ACK, LOCAL_SEQ + 1 + sent, REMOTE_SEQ + 201).payload(slice(data, sent, 1460)));
        }
    }

    @Nested
    class ZeroWindow
    {
        @BeforeEach
        void open()
        {
            established();
        }

        @Test
        void probesWithBackoffAndSendsWhenOpened()
        {
            send(0, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).window(0));
            write("abc");
            recvNothing(0);
            recvNothing(999);
            recv(1000, seg(ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            recvNothing(2999);
            recv(3000, seg(ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            send(3010, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).window(100));
            recv(3010, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload("abc"));
        }

        @Test
        void receiveWindowShrinksThenUpdates()
        {
            service.consumeLimit = 0;
            final byte[] data = bytes(1460, 2);
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload(data));
            recv(50, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1461).window(BUFFER - 1460));
            service.consumeLimit = Integer.MAX_VALUE;
            // Consumed on the next arrival; the window grew by 2 MSS or more, so an update goes at once.
            send(60, seg(ACK, REMOTE_SEQ + 1461, LOCAL_SEQ + 1).payload(data));
            recv(60, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 2921).window(BUFFER));
            assertEquals(2920, service.received.size());
        }

        @Test
        void fullBufferAdvertisesZeroAndRefusesMore()
        {
            service.consumeLimit = 0;
            for (int i = 0; i < BUFFER / 1024; i++)
            {
                send(10, seg(ACK, REMOTE_SEQ + 1 + i * 1024, LOCAL_SEQ + 1).payload(bytes(1024, i)));
            }
            drain(10);
            send(20, seg(ACK, REMOTE_SEQ + 1 + BUFFER, LOCAL_SEQ + 1).payload("x"));
            recv(20, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1 + BUFFER).window(0));
        }

        /**
         * Data went out past the edge the peer's window now has (here the peer shrank it; in the
         * seeded loopback run a retransmitted segment could not update SND.WND): the peer kept
         * only what fit and, its buffer full, takes a lone ACK only at its RCV.NXT, the edge. An
         * ACK at SND.MAX would be dropped unheard, and the peer, resending data we already hold,
         * would never learn it arrived and time out (the stall of seed 20005024407961).
         */
        @Test
        void ackBeyondAShrunkWindowGoesAtItsRightEdge()
        {
            final byte[] data = bytes(4 * 1460, 5);
            send(0, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).window(2 * 1460));
            write(data);
            recv(0,
                seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload(slice(data, 0, 1460)),
                seg(ACK, LOCAL_SEQ + 1461, REMOTE_SEQ + 1).payload(slice(data, 1460, 1460)));
            // The peer took the first segment only, and its buffer is full.
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1461).window(0).payload("abc"));
            assertEquals(LOCAL_SEQ + 1 + 2 * 1460, connection().sndMax);
            recv(50, seg(ACK, LOCAL_SEQ + 1461, REMOTE_SEQ + 4));
            // That ACK was lost: the peer resends its data, and the answer must again be acceptable to it.
            send(300, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1461).window(0).payload("abc"));
            recv(300, seg(ACK, LOCAL_SEQ + 1461, REMOTE_SEQ + 4));
        }
    }

    @Nested
    class KeepAlive
    {
        @Test
        void probesThenTimesOut()
        {
            start(baseConfig().keepAlive(true).keepAliveIdleNs(ns(10_000)).keepAliveIntervalNs(ns(1000))
                .keepAliveProbes(2));
            established();
            recvNothing(9999);
            recv(10_000, seg(ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            recv(11_000, seg(ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            recvNothing(12_000);
            assertEquals(CloseReason.TIMED_OUT, service.closeReason);
        }

        @Test
        void answerKeepsConnection()
        {
            start(baseConfig().keepAlive(true).keepAliveIdleNs(ns(10_000)).keepAliveIntervalNs(ns(1000))
                .keepAliveProbes(2));
            established();
            recv(10_000, seg(ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            send(10_005, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1));
            recvNothing(12_000);
            recv(20_005, seg(ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            assertNull(service.closeReason);
        }

        @Test
        void offByDefault()
        {
            established();
            recvNothing(10_000_000);
            assertEquals(TcpState.ESTABLISHED, connection().state());
        }
    }

    @Nested
    class Close
    {
        @BeforeEach
        void open()
        {
            established();
        }

        @Test
        void activeCloseThroughTimeWait()
        {
            connection().shutdownOutput();
            recv(0, seg(ACK | FIN, LOCAL_SEQ + 1, REMOTE_SEQ + 1));
            assertEquals(TcpState.FIN_WAIT_1, connection().state());
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 2));
            assertEquals(TcpState.FIN_WAIT_2, connection().state());
            send(20, seg(ACK | FIN, REMOTE_SEQ + 1, LOCAL_SEQ + 2));
            recv(20, seg(ACK, LOCAL_SEQ + 2, REMOTE_SEQ + 2));
            assertEquals(TcpState.TIME_WAIT, connection().state());
            assertEquals(List.of("open", "peer-closed", "closed CLOSED"), service.events);
            // A retransmitted FIN is ACKed again and restarts 2 MSL.
            send(1000, seg(ACK | FIN, REMOTE_SEQ + 1, LOCAL_SEQ + 2));
            recv(1000, seg(ACK, LOCAL_SEQ + 2, REMOTE_SEQ + 2));
            recvNothing(2999);
            assertEquals(1, stack.connectionCount());
            recvNothing(3000);
            assertEquals(0, stack.connectionCount());
        }

        @Test
        void finFollowsData()
        {
            write("bye");
            connection().shutdownOutput();
            recv(0, seg(ACK | FIN, LOCAL_SEQ + 1, REMOTE_SEQ + 1).payload("bye"));
            send(10, seg(ACK | FIN, REMOTE_SEQ + 1, LOCAL_SEQ + 5));
            recv(10, seg(ACK, LOCAL_SEQ + 5, REMOTE_SEQ + 2));
            assertEquals(TcpState.TIME_WAIT, connection().state());
        }

        @Test
        void passiveClose()
        {
            send(10, seg(ACK | FIN, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload("end"));
            recv(10, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 5));
            assertEquals(TcpState.CLOSE_WAIT, connection().state());
            assertEquals(List.of("open", "data 3", "peer-closed"), service.events);
            connection().shutdownOutput();
            recv(11, seg(ACK | FIN, LOCAL_SEQ + 1, REMOTE_SEQ + 5));
            assertEquals(TcpState.LAST_ACK, connection().state());
            send(20, seg(ACK, REMOTE_SEQ + 5, LOCAL_SEQ + 2));
            assertEquals(0, stack.connectionCount());
            assertEquals(CloseReason.CLOSED, service.closeReason);
        }

        @Test
        void simultaneousClose()
        {
            connection().shutdownOutput();
            recv(0, seg(ACK | FIN, LOCAL_SEQ + 1, REMOTE_SEQ + 1));
            send(10, seg(ACK | FIN, REMOTE_SEQ + 1, LOCAL_SEQ + 1));
            recv(10, seg(ACK, LOCAL_SEQ + 2, REMOTE_SEQ + 2));
            assertEquals(TcpState.CLOSING, connection().state());
            send(20, seg(ACK, REMOTE_SEQ + 2, LOCAL_SEQ + 2));
            assertEquals(TcpState.TIME_WAIT, connection().state());
            recvNothing(2020);
            assertEquals(0, stack.connectionCount());
        }

        @Test
        void finRetransmitted()
        {
            connection().shutdownOutput();
            recv(0, seg(ACK | FIN, LOCAL_SEQ + 1, REMOTE_SEQ + 1));
            recv(1000, seg(ACK | FIN, LOCAL_SEQ + 1, REMOTE_SEQ + 1));
        }

        @Test
        void peerClosedWaitsForUnconsumedBytes()
        {
            service.consumeLimit = 0;
            send(10, seg(ACK | FIN, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload("abc"));
            assertTrue(!service.events.contains("peer-closed"));
            service.consumeLimit = Integer.MAX_VALUE;
            connection().offer();
            assertEquals("peer-closed", service.events.get(service.events.size() - 1));
        }
    }

    @Nested
    class ResetAndChallengeAck
    {
        @BeforeEach
        void open()
        {
            established();
        }

        @Test
        void exactResetCloses()
        {
            send(10, seg(RST, REMOTE_SEQ + 1, 0));
            recvNothing(10);
            assertEquals(CloseReason.RESET, service.closeReason);
            assertEquals(0, stack.connectionCount());
        }

        @Test
        void inWindowResetGetsChallengeAck()
        {
            send(10, seg(RST, REMOTE_SEQ + 100, 0));
            recv(10, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1));
            assertEquals(TcpState.ESTABLISHED, connection().state());
            assertEquals(1, stack.counters().challengeAcks.get());
        }

        @Test
        void outOfWindowResetIsIgnored()
        {
            send(10, seg(RST, REMOTE_SEQ - 100, 0));
            recvNothing(10);
            assertEquals(TcpState.ESTABLISHED, connection().state());
        }

        @Test
        void synInWindowGetsChallengeAck()
        {
            send(10, seg(SYN, REMOTE_SEQ + 50, 0));
            recv(10, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1));
            assertEquals(TcpState.ESTABLISHED, connection().state());
        }

        @Test
        void challengeAcksAreRateLimited()
        {
            start(baseConfig().challengeAcksPerSecond(2));
            established();
            for (int i = 0; i < 5; i++)
            {
                send(10, seg(RST, REMOTE_SEQ + 100 + i, 0));
            }
            recv(10, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1));
            assertEquals(2, stack.counters().challengeAcks.get());
            assertEquals(3, stack.counters().challengeAcksSuppressed.get());
            send(1100, seg(RST, REMOTE_SEQ + 100, 0));
            recv(1100, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1));
        }

        @Test
        void tooOldAckGetsChallengeAck()
        {
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ - 200_000));
            recv(10, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 1));
            assertEquals(1, stack.counters().dropBadAck.get());
        }
    }

    @Nested
    class Timestamps
    {
        @BeforeEach
        void open()
        {
            start(baseConfig().timestamps(true));
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460).timestamps(100, 0));
            final List<Segment> synAck = drain(0);
            assertEquals(1, synAck.size());
            assertTrue(synAck.get(0).hasTimestamps);
            assertEquals(100, synAck.get(0).tsEcr);
            send(0, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).timestamps(101, synAck.get(0).tsVal));
            assertTrue(connection().timestamps);
            assertEquals(1460 - 12, connection().sendMss);
        }

        @Test
        void echoesTsRecent()
        {
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).timestamps(200, 0).payload("abc"));
            final List<Segment> ack = drain(50);
            assertEquals(1, ack.size());
            assertEquals(200, ack.get(0).tsEcr);
        }

        @Test
        void pawsDropsOldTimestamp()
        {
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).timestamps(200, 0).payload("abc"));
            drain(50);
            send(60, seg(ACK, REMOTE_SEQ + 4, LOCAL_SEQ + 1).timestamps(150, 0).payload("def"));
            final List<Segment> ack = drain(60);
            assertEquals(1, ack.size());
            assertEquals(REMOTE_SEQ + 4, ack.get(0).ack);
            assertEquals("abc", service.receivedText());
            assertEquals(1, stack.counters().dropPaws.get());
        }

        @Test
        void rttFromTimestampEcho()
        {
            write("x");
            final List<Segment> data = drain(100);
            send(130, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 2).timestamps(300, data.get(0).tsVal));
            assertEquals(30_000_000L, connection().rtt.srttNs(), 1_000_000L);
        }
    }

    @Nested
    class WindowScaling
    {
        @Test
        void negotiatedBothWays()
        {
            start(baseConfig().windowScaling(true).receiveBufferBytes(1 << 20));
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460).windowScale(7));
            // The SYN-ACK's window is never scaled (RFC 7323 2.2).
            recv(0, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1).windowScale(5).window(65_535));
            send(0, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).window(100));
            assertEquals(100 << 7, connection().sndWnd);
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload("abc"));
            recv(50, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 4).window((1 << 20) >> 5));
        }

        @Test
        void notUsedUnlessBothOffer()
        {
            start(baseConfig().windowScaling(true).receiveBufferBytes(1 << 20));
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            final List<Segment> synAck = drain(0);
            assertEquals(-1, synAck.get(0).windowScale);
            send(0, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).window(100));
            assertEquals(100, connection().sndWnd);
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).payload("abc"));
            recv(50, seg(ACK, LOCAL_SEQ + 1, REMOTE_SEQ + 4).window(65_535));
        }

        @Test
        void shiftAbove14IsClamped()
        {
            start(baseConfig().windowScaling(true));
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460).windowScale(20));
            drain(0);
            send(0, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).window(1));
            assertEquals(1 << 14, connection().sndWnd);
        }
    }

    @Nested
    class Wraparound
    {
        @Test
        void dataAcrossTheWrapBothWays()
        {
            localSeq = -3;
            remoteSeq = -5;
            start(baseConfig());
            established();
            final byte[] in = bytes(100, 4);
            send(10, seg(ACK, remoteSeq + 1, localSeq + 1).payload(in));
            recv(50, seg(ACK, localSeq + 1, remoteSeq + 101));
            assertArrayEquals(in, service.received.toByteArray());
            final byte[] out = bytes(50, 8);
            write(out);
            recv(60, seg(ACK, localSeq + 1, remoteSeq + 101).payload(out));
            send(70, seg(ACK, remoteSeq + 101, localSeq + 51));
            assertEquals(0, connection().sendBuffer.length());
            assertEquals(48, connection().sndUna);
        }
    }

    @Nested
    class SynFlood
    {
        @Test
        void backlogFullUsesCookies()
        {
            start(baseConfig().synBacklog(1));
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            recv(0, seg(SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1));
            final Segment second = seg(SYN, 777, 0).mss(1460);
            second.sourcePort = REMOTE_PORT + 1;
            send(0, second);
            final List<Segment> cookieSynAck = drain(0);
            assertEquals(1, cookieSynAck.size());
            assertEquals(1460, cookieSynAck.get(0).mss);
            assertEquals(1, stack.connectionCount(), "no state for the cookie");
            final int cookie = cookieSynAck.get(0).seq;

            final Segment ack = seg(ACK, 778, cookie + 1).payload("GET");
            ack.sourcePort = REMOTE_PORT + 1;
            send(10, ack);
            assertEquals(2, stack.connectionCount());
            assertEquals(1, stack.counters().synCookiesAccepted.get());
            assertEquals("GET", service.receivedText());
            final TcpConnection fromCookie = stack.connection(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT + 1);
            assertEquals(TcpState.ESTABLISHED, fromCookie.state());
            assertEquals(1460, fromCookie.sendMss);
        }

        @Test
        void forgedCookieGetsReset()
        {
            start(baseConfig().synBacklog(0));
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            final int cookie = drain(0).get(0).seq;
            send(10, seg(ACK, REMOTE_SEQ + 1, cookie + 2));
            recv(10, seg(RST, cookie + 2, 0));
            assertEquals(1, stack.counters().dropBadCookie.get());
            assertEquals(0, stack.connectionCount());
        }

        @Test
        void cookiesOffDropsAndCounts()
        {
            start(baseConfig().synBacklog(1).synCookies(false));
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            drain(0);
            final Segment second = seg(SYN, 777, 0);
            second.sourcePort = REMOTE_PORT + 1;
            send(0, second);
            recvNothing(0);
            assertEquals(1, stack.counters().dropSynBacklogFull.get());
        }

        @Test
        void tableFullDropsAndCounts()
        {
            start(baseConfig().maxConnections(1));
            send(0, seg(SYN, REMOTE_SEQ, 0).mss(1460));
            drain(0);
            final Segment second = seg(SYN, 777, 0);
            second.sourcePort = REMOTE_PORT + 1;
            send(0, second);
            recvNothing(0);
            assertEquals(1, stack.counters().dropTableFull.get());
        }
    }

    @Nested
    class Malformed
    {
        @BeforeEach
        void open()
        {
            established();
        }

        @Test
        void dataOffsetTooSmall()
        {
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).headerLength(16).payload("x"));
            recvNothing(10);
            assertEquals(1, stack.counters().dropMalformedHeader.get());
        }

        @Test
        void dataOffsetBeyondSegment()
        {
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).headerLength(60));
            recvNothing(10);
            assertEquals(1, stack.counters().dropMalformedHeader.get());
        }

        @Test
        void truncatedHeader()
        {
            stack.onDatagram(REMOTE_IP, LOCAL_IP, frame, 0, 12, 0);
            assertEquals(1, stack.counters().dropMalformedHeader.get());
        }

        @Test
        void synFin()
        {
            send(10, seg(SYN | FIN, REMOTE_SEQ + 1, 0));
            recvNothing(10);
            assertEquals(1, stack.counters().dropSynFin.get());
        }

        @Test
        void badOptionLength()
        {
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).rawOptions((byte)2, (byte)3, (byte)5, (byte)0));
            recvNothing(10);
            assertEquals(1, stack.counters().dropMalformedOptions.get());
        }

        @Test
        void optionRunningPastHeader()
        {
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1).rawOptions((byte)1, (byte)1, (byte)30, (byte)9));
            assertEquals(1, stack.counters().dropMalformedOptions.get());
        }

        @Test
        void unknownOptionSkipped()
        {
            send(10, seg(ACK, REMOTE_SEQ + 1, LOCAL_SEQ + 1)
                .rawOptions((byte)30, (byte)4, (byte)0, (byte)0).payload("ok"));
            assertEquals("ok", service.receivedText());
        }
    }
}
