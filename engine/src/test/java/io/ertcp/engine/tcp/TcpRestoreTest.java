package io.ertcp.engine.tcp;

import io.ertcp.engine.counters.Counters;
import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.ertcp.engine.tcp.Segment.seg;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.ACK;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.FIN;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.PSH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TcpStack#restore} and the stack's timestamp clock, packet by packet: a connection the
 * stack never saw the handshake of, restored at takeover from a replica's state, continues where
 * the node before left it.
 */
class TcpRestoreTest extends TcpTestHarness
{
    /** Stream bytes the peer sent before the takeover, all received. */
    static final long RECEIVED = 5_000;
    /** Stream bytes of this side's output the peer acknowledged before the takeover. */
    static final long ACKNOWLEDGED = 3_000;
    static final int SEND_MSS = 1_448;
    static final int SEND_SHIFT = 3;
    static final int RECEIVE_SHIFT = 2;
    static final int TS_RECENT = 777_000;
    /** The old primary's timestamp clock, as the new one estimates it. */
    static final int CLOCK_FLOOR = 9_000_000;
    /** RCV.NXT and SND.UNA as the restore must set them. */
    static final int RCV_NXT = REMOTE_SEQ + 1 + (int)RECEIVED;
    static final int SND_UNA = LOCAL_SEQ + 1 + (int)ACKNOWLEDGED;

    final RecordingSink sink = new RecordingSink();
    /** How far the stack may acknowledge, as {@link ReplicationSeam#acknowledgeLimit}: the sink asks it. */
    Gate gate = (id, received) -> Long.MAX_VALUE;

    interface Gate
    {
        long acknowledgeLimit(long connectionId, long receivedBytes);
    }

    @BeforeEach
    void setUp()
    {
        startRestoring(baseConfig().windowScaling(true).timestamps(true).sack(true));
    }

    void startRestoring(final TcpConfig config)
    {
        this.config = config;
        stack = new TcpStack(config, output, new Counters(256), sink);
        stack.fixIsn(localSeq);
        stack.listen(LOCAL_IP, LOCAL_PORT, service);
    }

    static ConnectionRestore spec()
    {
        return new ConnectionRestore()
            .localIp(LOCAL_IP).localPort(LOCAL_PORT).remoteIp(REMOTE_IP).remotePort(REMOTE_PORT)
            .localIsn(LOCAL_SEQ).remoteIsn(REMOTE_SEQ)
            .sendMss(SEND_MSS).sendWindowScale(SEND_SHIFT).receiveWindowScale(RECEIVE_SHIFT)
            .timestamps(true).sack(true).tsRecent(TS_RECENT)
            .receivedBytes(RECEIVED).acknowledgedBytes(ACKNOWLEDGED)
            .duplicateAcks(0);
    }

    /** Takeover at {@code atMs}: the clock raised to CLOCK_FLOOR, then the restore. */
    TcpConnection restore(final long atMs, final ConnectionRestore spec)
    {
        stack.advanceTimestampClock(CLOCK_FLOOR, ns(atMs));
        final Connection connection = stack.restore(spec, service, ns(atMs));
        assertNotNull(connection);
        service.connection = connection;
        return (TcpConnection)connection;
    }

    /** The TSval the restored connection sends at {@code atMs} after a restore at {@code restoredAtMs}. */
    static int tsVal(final long restoredAtMs, final long atMs)
    {
        return CLOCK_FLOOR + (int)(atMs - restoredAtMs) + TcpConnection.timestampOffset(LOCAL_SEQ);
    }

    /** A segment from the peer, which echoes {@code tsEcr} and sends a TSval above TS_RECENT. */
    static Segment fromPeer(final int flags, final int seq, final int ack, final int tsEcr)
    {
        return seg(flags, seq, ack).timestamps(TS_RECENT + 100, tsEcr);
    }

    @Nested
    class Restore
    {
        /**
         * A standby primary's stack builds its connections ahead, one a call and never past the table's maximum; a
         * restore then takes one of them, builds none, and the connection is as any restored one.
         */
        @Test
        void connectionsBuiltAheadAreWhatARestoreTakes()
        {
            assertEquals(0, stack.connectionsBuilt());
            assertEquals(1, stack.reserve(2));
            assertEquals(1, stack.reserve(2));
            assertEquals(0, stack.reserve(2), "two asked for, two built");
            assertEquals(2, stack.connectionsBuilt());
            final TcpConnection connection = restore(100, spec());
            assertEquals(2, stack.connectionsBuilt(), "the restore took a connection built ahead");
            recv(100, seg(ACK, SND_UNA, RCV_NXT).window(BUFFER >> RECEIVE_SHIFT)
                .timestamps(tsVal(100, 100), TS_RECENT));
            assertEquals(TcpState.ESTABLISHED, connection.state());
            for (int i = 0; i < 200; i++)
            {
                stack.reserve(1_000);
            }
            assertEquals(64, stack.connectionsBuilt(), "never more than the table holds");
        }

        @Test
        void acksTheRestoredReceivePointWithScaledWindowAndNoOpen()
        {
            final TcpConnection connection = restore(100, spec());
            assertEquals(TcpState.ESTABLISHED, connection.state());
            recv(100, seg(ACK, SND_UNA, RCV_NXT).window(BUFFER >> RECEIVE_SHIFT)
                .timestamps(tsVal(100, 100), TS_RECENT));
            recvNothing(5_000);
            assertTrue(service.events.isEmpty(), "no onOpen for a restored connection: " + service.events);
            assertEquals(0, sink.opens, "no OPEN record for a restored connection");
            assertEquals(1, stack.connectionCount());
            assertEquals(1, stack.counters().connectionsRestored.get());
            assertEquals(0, stack.counters().connectionsOpened.get());
        }

        @Test
        void ackIsHeldBackByTheReceiveGate()
        {
            gate = (id, received) -> RECEIVED - 1_000;
            restore(100, spec());
            recv(100, seg(ACK, SND_UNA, RCV_NXT - 1_000));
        }

        @Test
        void withoutWindowScalingTheWindowIsUnscaled()
        {
            restore(100, spec().sendWindowScale(-1).receiveWindowScale(-1).timestamps(false));
            recv(100, seg(ACK, SND_UNA, RCV_NXT).window(Math.min(BUFFER, 0xFFFF)).noTimestamps());
        }

        @Test
        void writtenOutputGoesOutFromSndUnaWithTheNegotiatedMssAndTimestamps()
        {
            final TcpConnection connection = restore(100, spec());
            final byte[] unacknowledged = bytes(4_000, 3);
            write(unacknowledged);
            // One MSS of send window until the peer's first ACK; the data carries the owed ACK.
            final List<Segment> first = drain(100);
            assertEquals(1, first.size(), first.toString());
            final Segment segment = first.get(0);
            final String mismatch = seg(ACK | PSH, SND_UNA, RCV_NXT).payload(slice(unacknowledged, 0, SEND_MSS))
                .window(BUFFER >> RECEIVE_SHIFT).timestamps(tsVal(100, 100), TS_RECENT).mismatch(segment);
            assertNull(mismatch, mismatch);
            assertTrue(segment.tsVal - TcpConnection.timestampOffset(LOCAL_SEQ) - CLOCK_FLOOR >= 0,
                "TSval is built on a clock at least the floor");

            // The peer's ACK opens the real window (scaled by 2^3) and releases the first MSS.
            send(110, fromPeer(ACK, RCV_NXT, SND_UNA + SEND_MSS, segment.tsVal).window(1_000));
            assertEquals(ACKNOWLEDGED + SEND_MSS, sink.lastAcknowledged);
            assertEquals(4_000 - SEND_MSS, connection.sendBuffer.length());
            recv(110, seg(ACK, SND_UNA + SEND_MSS, RCV_NXT).payload(slice(unacknowledged, SEND_MSS, SEND_MSS))
                .timestamps(tsVal(100, 110), TS_RECENT + 100));
            assertEquals(8_000, connection.sndWnd);

            // Nagle holds the last runt until the second MSS is acknowledged.
            send(120, fromPeer(ACK, RCV_NXT, SND_UNA + 2 * SEND_MSS, tsVal(100, 110)).window(1_000));
            recv(120, seg(ACK | PSH, SND_UNA + 2 * SEND_MSS, RCV_NXT)
                .payload(slice(unacknowledged, 2 * SEND_MSS, 4_000 - 2 * SEND_MSS)));

            send(130, fromPeer(ACK, RCV_NXT, SND_UNA + 4_000, tsVal(100, 120)).window(1_000));
            assertEquals(ACKNOWLEDGED + 4_000, sink.lastAcknowledged);
            assertEquals(0, connection.sendBuffer.length());
            assertEquals(List.of(ACKNOWLEDGED + SEND_MSS, ACKNOWLEDGED + 2 * SEND_MSS, ACKNOWLEDGED + 4_000), sink.acknowledged);
        }

        @Test
        void peerAckForBytesTheOldNodeSentReleasesThem()
        {
            final TcpConnection connection = restore(100, spec());
            write(bytes(4_000, 3));
            // Before this node sent anything, the peer acknowledges 2,500 bytes the old node had sent.
            send(100, fromPeer(ACK, RCV_NXT, SND_UNA + 2_500, 0).window(1_000));
            assertEquals(List.of(ACKNOWLEDGED + 2_500), sink.acknowledged);
            assertEquals(1_500, connection.sendBuffer.length());
            assertEquals(0, stack.counters().dropBadAck.get());
            // Sending resumes there, one MSS (Nagle holds the runt after it).
            recv(100, seg(ACK, SND_UNA + 2_500, RCV_NXT).payload(slice(bytes(4_000, 3), 2_500, SEND_MSS)));
        }

        @Test
        void peerAckBeyondTheWrittenOutputReleasesWhatIsWritten()
        {
            final TcpConnection connection = restore(100, spec());
            final byte[] output = bytes(3_000, 5);
            connection.write(new org.agrona.concurrent.UnsafeBuffer(output), 0, 1_000);
            // The old node had sent 2,500 bytes; the service has written only 1,000 of them yet.
            send(100, fromPeer(ACK, RCV_NXT, SND_UNA + 2_500, 0).window(1_000));
            assertEquals(List.of(ACKNOWLEDGED + 1_000), sink.acknowledged);
            assertEquals(0, connection.sendBuffer.length());
            assertEquals(0, stack.counters().dropBadAck.get());
            recv(100, seg(ACK, SND_UNA + 1_000, RCV_NXT));
            // The rest, written later, goes out; the peer's duplicate ACK releases what it held.
            connection.write(new org.agrona.concurrent.UnsafeBuffer(output), 1_000, 2_000);
            recv(100, seg(ACK, SND_UNA + 1_000, RCV_NXT).payload(slice(output, 1_000, SEND_MSS)));
            send(110, fromPeer(ACK, RCV_NXT, SND_UNA + 2_500, 0).window(1_000));
            assertEquals(List.of(ACKNOWLEDGED + 1_000, ACKNOWLEDGED + 2_500), sink.acknowledged);
            recv(110, seg(ACK | PSH, SND_UNA + 2_500, RCV_NXT).payload(slice(output, 2_500, 500)));
        }

        @Test
        void anAckOnASegmentPastTheWindowStillCatchesUpWithWhatThePeerHolds()
        {
            // The old node offered a window further on than this one can: the peer's ACK arrives with a sequence
            // number past our right edge, acknowledging 2,500 bytes of output the old node had sent.
            final TcpConnection connection = restore(100, spec());
            write(bytes(4_000, 3));
            final int pastTheEdge = RCV_NXT + BUFFER + 5_000;
            send(100, fromPeer(ACK, pastTheEdge, SND_UNA + 2_500, 0).window(1_000));
            assertEquals(1, stack.counters().dropOutOfWindow.get(), "the segment itself is still out of window");
            assertEquals(List.of(ACKNOWLEDGED + 2_500), sink.acknowledged, "but its ACK was taken");
            assertEquals(1_500, connection.sendBuffer.length());
            // Our next segment starts where the peer is, so it accepts the ACK of its data that the segment carries.
            recv(100, seg(ACK, SND_UNA + 2_500, RCV_NXT).payload(slice(bytes(4_000, 3), 2_500, SEND_MSS)));
        }

        @Test
        void anAckWithinWhatThisNodeSentOnADataSegmentPastTheWindowIsTakenToo()
        {
            // The receive buffer holds input the service takes only once its output is acknowledged, so every
            // segment of the peer lies past the window; dropping the ACK they carry would hold both ends for good
            // (the in-process ST-TCP demo at 12 MiB stalled so after its takeover).
            final TcpConnection connection = restore(100, spec());
            final byte[] output = bytes(4_000, 3);
            write(output);
            final List<Segment> first = drain(100);
            assertEquals(1, first.size(), first.toString());
            final int pastTheEdge = RCV_NXT + BUFFER + 5_000;
            send(110, fromPeer(ACK | PSH, pastTheEdge, SND_UNA + SEND_MSS, first.get(0).tsVal).window(1_000)
                .payload("more"));
            assertEquals(1, stack.counters().dropOutOfWindow.get(), "the segment itself is still out of window");
            assertEquals("", service.receivedText(), "and its data not taken");
            assertEquals(List.of(ACKNOWLEDGED + SEND_MSS), sink.acknowledged, "but its ACK was");
            assertEquals(4_000 - SEND_MSS, connection.sendBuffer.length());
        }

        @Test
        void peerDataContinuesAtTheRestoredReceivePoint()
        {
            final TcpConnection connection = restore(100, spec());
            recv(100, seg(ACK, SND_UNA, RCV_NXT));
            send(110, fromPeer(ACK | PSH, RCV_NXT, SND_UNA, tsVal(100, 100)).payload("hello"));
            assertEquals("hello", service.receivedText());
            assertEquals(List.of("data 5"), service.events);
            assertEquals(RECEIVED + 5, connection.rcvStreamBytes, "the stream offset continues at the restored point");
            recv(150, seg(ACK, SND_UNA, RCV_NXT + 5).timestamps(tsVal(100, 150), TS_RECENT + 100));
            // An old retransmission overlapping the restored point: only the new bytes count.
            send(160, fromPeer(ACK | PSH, RCV_NXT + 3, SND_UNA, tsVal(100, 150)).payload("lo world"));
            assertEquals("hello world", service.receivedText());
            assertEquals(RECEIVED + 11, connection.rcvStreamBytes);
        }

        @Test
        void bytesRecoveredPastTheRestoredPointAreTakenAndAckedAndThePeersRetransmissionIsADuplicate()
        {
            final TcpConnection connection = restore(100, spec());
            recv(100, seg(ACK, SND_UNA, RCV_NXT));
            final UnsafeBuffer tapped = new UnsafeBuffer("hello".getBytes());
            assertEquals(5, stack.receiveRecovered(connection, tapped, 0, 5, ns(105)));
            assertEquals("hello", service.receivedText());
            assertEquals(RECEIVED + 5, connection.rcvStreamBytes);
            recv(105, seg(ACK, SND_UNA, RCV_NXT + 5).timestamps(tsVal(100, 105), TS_RECENT));
            // The client never heard of the takeover: it sends the same bytes again, and more.
            send(300, fromPeer(ACK | PSH, RCV_NXT, SND_UNA, tsVal(100, 105)).payload("hello world"));
            assertEquals("hello world", service.receivedText());
            assertEquals(RECEIVED + 11, connection.rcvStreamBytes);
        }

        @Test
        void recoveredBytesAreTakenOnlyAsFarAsTheReceiveWindowAndNotBeforeTheHandshake()
        {
            final TcpConnection connection = restore(100, spec());
            final UnsafeBuffer tapped = new UnsafeBuffer(new byte[BUFFER + 100]);
            service.consumeLimit = 0;
            assertEquals(BUFFER, stack.receiveRecovered(connection, tapped, 0, BUFFER + 100, ns(105)));
            assertEquals(0, stack.receiveRecovered(connection, tapped, 0, 10, ns(106)), "the window is full");

            stack.release(connection);
            final TcpConnection handshaking = restore(200, spec().receivedBytes(0).acknowledgedBytes(0)
                .handshakeComplete(false));
            assertEquals(TcpState.SYN_RECEIVED, handshaking.state());
            assertEquals(0, stack.receiveRecovered(handshaking, tapped, 0, 10, ns(205)));
        }

        @Test
        void peerFinAfterRestoreClosesNormally()
        {
            final TcpConnection connection = restore(100, spec());
            recv(100, seg(ACK, SND_UNA, RCV_NXT));
            send(110, fromPeer(ACK | FIN, RCV_NXT, SND_UNA, tsVal(100, 100)));
            assertTrue(connection.finReceived, "the peer's FIN, in order");
            assertEquals(RECEIVED, connection.rcvStreamBytes, "the FIN follows the restored stream");
            assertEquals(List.of("peer-closed"), service.events);
            recv(110, seg(ACK, SND_UNA, RCV_NXT + 1));
            service.connection.shutdownOutput();
            recv(110, seg(ACK | FIN, SND_UNA, RCV_NXT + 1));
            send(120, fromPeer(ACK, RCV_NXT + 1, SND_UNA + 1, tsVal(100, 110)));
            assertNull(connection());
            assertEquals(List.of("peer-closed", "closed CLOSED"), service.events);
        }

        @Test
        void closeWaitRestoreThenShutdownSendsFinAndCloses()
        {
            final TcpConnection connection = restore(100, spec().peerFinReceived(true));
            assertEquals(TcpState.CLOSE_WAIT, connection.state());
            recv(100, seg(ACK, SND_UNA, RCV_NXT + 1));
            write("bye");
            connection.shutdownOutput();
            assertEquals(TcpState.LAST_ACK, connection.state());
            recv(100, seg(ACK | PSH | FIN, SND_UNA, RCV_NXT + 1).payload("bye"));
            send(110, fromPeer(ACK, RCV_NXT + 1, SND_UNA + 4, tsVal(100, 100)));
            assertEquals(TcpState.FREE, connection.state());
            assertNull(connection());
            assertEquals(List.of("closed CLOSED"), service.events);
            assertEquals(List.of(ACKNOWLEDGED + 3), sink.acknowledged);
            assertEquals(1, sink.closed);
        }

        @Test
        void unansweredOutputIsRetransmittedOnTimeout()
        {
            restore(100, spec());
            write("abc");
            recv(100, seg(ACK | PSH, SND_UNA, RCV_NXT).payload("abc"));
            // A fresh RTO estimate: RFC 6298's initial second.
            recvNothing(1_099);
            recv(1_100, seg(ACK | PSH, SND_UNA, RCV_NXT).payload("abc"));
        }

        @Test
        void existingFourTupleIsRefused()
        {
            startRestoring(baseConfig());
            established();
            final IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> stack.restore(spec(), service, ns(10)));
            assertTrue(ex.getMessage().contains("already exists"), ex.getMessage());
            assertEquals(1, stack.connectionCount());
        }

        @Test
        void restoringTwiceIsRefused()
        {
            restore(100, spec());
            assertThrows(IllegalStateException.class, () -> stack.restore(spec(), service, ns(100)));
        }

        @Test
        void fullTableIsReportedAsConnectDoes()
        {
            startRestoring(baseConfig().maxConnections(1));
            restore(100, spec());
            assertNull(stack.restore(spec().remotePort(REMOTE_PORT + 1), service, ns(100)));
            assertNull(stack.connect(LOCAL_IP, REMOTE_IP, REMOTE_PORT + 2, service, ns(100)));
        }

        @Test
        void impossibleSpecIsRefused()
        {
            assertThrows(IllegalArgumentException.class,
                () -> stack.restore(spec().sendWindowScale(-1), service, ns(0)));
            assertThrows(IllegalArgumentException.class, () -> stack.restore(spec().sendMss(0), service, ns(0)));
            assertThrows(IllegalArgumentException.class, () -> stack.restore(spec().localPort(0), service, ns(0)));
            assertThrows(IllegalArgumentException.class,
                () -> stack.restore(spec().receivedBytes(-1), service, ns(0)));
            assertEquals(0, stack.connectionCount());
        }
    }

    /**
     * {@link TakeoverPrompt}'s SACK prompt: the peer (a Linux client, say) sent bytes to the node before that no
     * replica holds; a SACK sender ignores pure duplicate ACKs, so the restored connection learns the peer's
     * SND.NXT with an out-of-window probe and SACKs the peer's last segment once.
     */
    @Nested
    class SackPrompt
    {
        /** The peer's SND.NXT: 10,000 bytes past the restored receive point are in flight to nobody. */
        static final int PEER_SND_NXT = RCV_NXT + 10_000;

        int maxSegment()
        {
            return config.mss() - TcpOptions.ALIGNED_TIMESTAMPS_LENGTH;
        }

        /** The restore's first ACK and three duplicates (no SACK), then the probe one below SND.UNA. */
        void restoreAndProbe()
        {
            restore(100, spec().duplicateAcks(3));
            final List<Segment> sent = drain(100);
            assertEquals(5, sent.size(), sent.toString());
            for (int i = 0; i < 4; i++)
            {
                assertSegment(sent.get(i), SND_UNA, null);
            }
            assertSegment(sent.get(4), SND_UNA - 1, null);
            assertEquals(1, stack.counters().takeoverProbes.get());
        }

        void assertSegment(final Segment segment, final int seq, final int[] sack)
        {
            assertEquals(ACK, segment.flags, segment.toString());
            assertEquals(seq, segment.seq, segment.toString());
            assertEquals(RCV_NXT, segment.ack, segment.toString());
            assertEquals(0, segment.payload.length, segment.toString());
            if (sack == null)
            {
                assertNull(segment.sack, "no SACK block: " + segment);
            }
            else
            {
                assertArrayEquals(sack, segment.sack, segment.toString());
            }
        }

        /** The peer's answer to the probe: a pure ACK whose SEQ is its SND.NXT. */
        Segment answer(final int peerSndNxt)
        {
            return fromPeer(ACK, peerSndNxt, SND_UNA, tsVal(100, 100));
        }

        @Test
        void theProbesAnswerBringsFourAcksSackingThePeersLastSegmentOnce()
        {
            restoreAndProbe();
            send(101, answer(PEER_SND_NXT));
            final List<Segment> prompt = drain(101);
            assertEquals(4, prompt.size(), "the first ACK and three duplicates, each with the block: " + prompt);
            for (final Segment segment : prompt)
            {
                assertSegment(segment, SND_UNA, new int[]{PEER_SND_NXT - maxSegment(), PEER_SND_NXT});
            }
            assertEquals(1, stack.counters().takeoverSackPrompts.get());
            recvNothing(5_000);
            assertEquals("", service.receivedText(), "a SACK sent is no byte received");
        }

        @Test
        void theBlockIsNeverReportedAgainAndTheFrontComesInOrder()
        {
            restoreAndProbe();
            send(101, answer(PEER_SND_NXT));
            drain(101);
            // The peer resends its front at once; this side ACKs it and SACKs nothing it does not hold (it reneges).
            final byte[] front = bytes(maxSegment(), 5);
            send(102, fromPeer(ACK | PSH, RCV_NXT, SND_UNA, tsVal(100, 101)).payload(front));
            final List<Segment> acks = drain(150);
            assertEquals(1, acks.size(), acks.toString());
            assertEquals(RCV_NXT + front.length, acks.get(0).ack);
            assertNull(acks.get(0).sack, "the prompt's block is not reported again: " + acks.get(0));
            assertArrayEquals(front, service.received.toByteArray(), "exactly the bytes that arrived");
            // Another pure ACK from the peer, still above RCV.NXT, prompts nothing more.
            send(160, answer(PEER_SND_NXT));
            recvNothing(160);
            assertEquals(1, stack.counters().takeoverSackPrompts.get());
        }

        @Test
        void lessThanASegmentInFlightIsSackedFromOnePastTheReceivePoint()
        {
            restoreAndProbe();
            send(101, answer(RCV_NXT + 100));
            final List<Segment> prompt = drain(101);
            assertEquals(4, prompt.size(), prompt.toString());
            assertSegment(prompt.get(0), SND_UNA, new int[]{RCV_NXT + 1, RCV_NXT + 100});
        }

        @Test
        void aPeerWithNothingInFlightGetsNoPrompt()
        {
            restoreAndProbe();
            send(101, answer(RCV_NXT));
            recvNothing(101);
            assertEquals(0, stack.counters().takeoverSackPrompts.get());
        }

        @Test
        void aSendPointPastTheOfferedWindowIsStillHeard()
        {
            restoreAndProbe();
            final int far = RCV_NXT + 4 * BUFFER;
            send(101, answer(far));
            final List<Segment> sent = drain(101);
            // The answer itself is out of this side's window: it is ACKed too, after the prompt.
            assertTrue(sent.size() >= 4, sent.toString());
            for (int i = 0; i < 4; i++)
            {
                assertSegment(sent.get(i), SND_UNA, new int[]{far - maxSegment(), far});
            }
            for (int i = 4; i < sent.size(); i++)
            {
                assertSegment(sent.get(i), SND_UNA, null);
            }
        }

        @Test
        void dataFromThePeerFirstEndsThePrompt()
        {
            restoreAndProbe();
            send(101, fromPeer(ACK | PSH, RCV_NXT, SND_UNA, tsVal(100, 100)).payload("hello"));
            send(102, answer(PEER_SND_NXT));
            for (final Segment segment : drain(150))
            {
                assertNull(segment.sack, segment.toString());
            }
            assertEquals(0, stack.counters().takeoverSackPrompts.get());
            assertEquals("hello", service.receivedText());
        }

        @Test
        void outOfOrderBytesHeldAreSackedTruthfullyInstead()
        {
            restoreAndProbe();
            send(101, fromPeer(ACK | PSH, RCV_NXT + 1_000, SND_UNA, tsVal(100, 100)).payload("later"));
            final List<Segment> sent = drain(101);
            assertEquals(1, sent.size(), sent.toString());
            assertSegment(sent.get(0), SND_UNA, new int[]{RCV_NXT + 1_000, RCV_NXT + 1_005});
            send(102, answer(PEER_SND_NXT));
            for (final Segment segment : drain(150))
            {
                assertArrayEquals(new int[]{RCV_NXT + 1_000, RCV_NXT + 1_005}, segment.sack, segment.toString());
            }
            assertEquals(0, stack.counters().takeoverSackPrompts.get());
        }

        @Test
        void withoutSackOnlyTheDuplicateAcks()
        {
            restore(100, spec().sack(false).duplicateAcks(3));
            assertEquals(4, drain(100).size());
            assertEquals(0, stack.counters().takeoverProbes.get());
        }

        @Test
        void noneWithDuplicateAcksOff()
        {
            restore(100, spec());
            assertEquals(1, drain(100).size());
            send(101, answer(PEER_SND_NXT));
            recvNothing(101);
            assertEquals(0, stack.counters().takeoverProbes.get());
        }

        @Test
        void restoredInSynReceivedThePeersHandshakeAckTellsItsSendPoint()
        {
            restore(100, spec().duplicateAcks(3).handshakeComplete(false).receivedBytes(0).acknowledgedBytes(0));
            final List<Segment> synAck = drain(100);
            assertEquals(1, synAck.size(), synAck.toString());
            // The peer was ESTABLISHED with the node before and sent 3,000 bytes no replica holds.
            final int handshakeRcvNxt = REMOTE_SEQ + 1;
            send(101, fromPeer(ACK, handshakeRcvNxt + 3_000, LOCAL_SEQ + 1, tsVal(100, 100)));
            final List<Segment> sent = drain(101);
            assertEquals(0, stack.counters().takeoverProbes.get(), "no probe: the ACK said it");
            final List<Segment> sacked = sent.stream().filter(segment -> segment.sack != null).toList();
            assertEquals(4, sacked.size(), sent.toString());
            assertArrayEquals(new int[]{handshakeRcvNxt + 3_000 - maxSegment(), handshakeRcvNxt + 3_000}, sacked.get(0).sack);
            assertEquals(handshakeRcvNxt, sacked.get(0).ack);
        }
    }

    @Nested
    class TimestampClock
    {
        @Test
        void followsNowAndNeverGoesBack()
        {
            assertEquals(100, stack.timestampClockMs(ns(100)));
            stack.advanceTimestampClock(5_000, ns(100));
            assertEquals(5_000, stack.timestampClockMs(ns(100)));
            stack.advanceTimestampClock(4_000, ns(100));
            assertEquals(5_000, stack.timestampClockMs(ns(100)), "a lower value never lowers the clock");
            stack.advanceTimestampClock(5_000, ns(100));
            assertEquals(5_000, stack.timestampClockMs(ns(100)));
            assertEquals(5_100, stack.timestampClockMs(ns(200)));
            stack.advanceTimestampClock(0, ns(300));
            assertEquals(5_200, stack.timestampClockMs(ns(300)));
            stack.advanceTimestampClock(5_250, ns(300));
            assertEquals(5_250, stack.timestampClockMs(ns(300)));
        }

        @Test
        void comparesModulo2To32()
        {
            stack.advanceTimestampClock(0x7000_0000L, ns(0));
            stack.advanceTimestampClock(0xE000_0000L, ns(0));
            assertEquals(0xE000_0000, stack.timestampClockMs(ns(0)));
            // 0x10 is 0x20000010 ms past 0xE0000000 modulo 2^32: the clock moves on through the wrap.
            stack.advanceTimestampClock(0x10, ns(0));
            assertEquals(0x10, stack.timestampClockMs(ns(0)));
            // Now 0xFFFFFF00 is 0x110 ms behind: nothing changes.
            stack.advanceTimestampClock(0xFFFF_FF00L, ns(0));
            assertEquals(0x10, stack.timestampClockMs(ns(0)));
        }

        @Test
        void everyConnectionsTsValIsBuiltOnIt()
        {
            startRestoring(baseConfig().timestamps(true));
            stack.advanceTimestampClock(70_000, ns(0));
            send(0, seg(TcpHeaderFlyweight.SYN, REMOTE_SEQ, 0).mss(1460).timestamps(55, 0));
            recv(0, seg(TcpHeaderFlyweight.SYN | ACK, LOCAL_SEQ, REMOTE_SEQ + 1)
                .timestamps(70_000 + TcpConnection.timestampOffset(LOCAL_SEQ), 55));
        }
    }

    /** Records the replication events of the stack under test. */
    final class RecordingSink implements ReplicationSeam
    {
        int opens;
        int closed;
        long lastAcknowledged = -1;
        final List<Long> acknowledged = new ArrayList<>();

        public void onOpen(
            final long connectionId, final int localIp, final int localPort, final int remoteIp, final int remotePort,
            final int localIsn, final int remoteIsn, final int sendMss, final int sendWindowScale,
            final int receiveWindowScale, final boolean timestamps, final boolean sack)
        {
            opens++;
        }

        public long acknowledgeLimit(final long connectionId, final long receivedBytes)
        {
            return gate.acknowledgeLimit(connectionId, receivedBytes);
        }

        public void onPeerAcknowledged(final long connectionId, final long acknowledgedBytes)
        {
            lastAcknowledged = acknowledgedBytes;
            acknowledged.add(acknowledgedBytes);
        }

        public void onClosed(final long connectionId, final CloseReason reason)
        {
            closed++;
        }
    }
}
