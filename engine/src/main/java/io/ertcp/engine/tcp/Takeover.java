package io.ertcp.engine.tcp;

import static io.ertcp.engine.tcp.SeqNum.gt;
import static io.ertcp.engine.tcp.SeqNum.lt;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.ACK;

/**
 * What a connection restored at takeover (docs/architecture.md rule 5, {@link TcpStack#restore}) holds and does that
 * an ordinary connection does not: the node before it may have sent output the peer acknowledged and this node has
 * not written yet, used another clock for its TSvals, and left the peer holding bytes it never made durable. A
 * {@link TcpConnection} has one only while restored (its {@code takeover} field, null on every other connection);
 * the RFC phases of {@link TcpConnection#onSegment} and its dispatch call in at these points:
 * <ul>
 *   <li>PAWS ({@link #pawsReady}) waits for the peer's first TSval when the replica did not know TS.Recent;</li>
 *   <li>every segment from the peer ({@link #onPeerSegment}) may show where the peer's SND.NXT lies, for the SACK
 *   prompt of {@link TakeoverPrompt};</li>
 *   <li>an ACK beyond SND.MAX ({@link #takeOverAck}, {@link #onAck}) releases output the node before sent, instead
 *   of being dropped as RFC 9293 would for a connection that sent it itself; an out-of-window segment's ACK is taken
 *   the same way;</li>
 *   <li>completing a handshake restored in SYN-RECEIVED with a gap ({@link #onHandshakeGap}) owes duplicate
 *   ACKs;</li>
 *   <li>RTT samples ({@link #echoSamplesRtt}) ignore echoes of TSvals the node before sent on its clock;</li>
 *   <li>dispatch ({@link #dispatch}) sends the owed duplicate ACKs, the probe and the SACK prompt, and the prompt's
 *   SACK block rides on its ACKs ({@link #writeSackBlock}).</li>
 * </ul>
 * Made once per pooled connection when it is first restored, and kept for its next restore.
 */
final class Takeover
{
    private final TcpConnection c;
    private final TcpStack stack;
    private final TcpCounters counters;
    /** The duplicate ACKs and the SACK prompt that make the peer resend what the node before never made durable. */
    private final TakeoverPrompt prompt = new TakeoverPrompt();
    /** False while the replica's TS.Recent is unknown: PAWS waits for the peer's first TSval. */
    private boolean tsRecentKnown;
    /** TSvals below this were sent by the node before, on another clock: echoes of them give no RTT sample. */
    private int tsEcrFloor;
    private boolean tsEcrFloorActive;

    Takeover(final TcpConnection connection, final TcpStack stack, final TcpCounters counters)
    {
        this.c = connection;
        this.stack = stack;
        this.counters = counters;
    }

    /**
     * The connection was just restored from {@code spec}, its sequence space, options and state set: arm the prompts.
     */
    void begin(final ConnectionRestore spec, final long nowNs)
    {
        prompt.clear();
        tsRecentKnown = spec.tsRecent() != 0;
        tsEcrFloorActive = c.timestamps;
        tsEcrFloor = c.timestamps ? c.tsClock(nowNs) : 0;
        if (!spec.handshakeComplete())
        {
            prompt.duplicateAcksAfterHandshake = spec.duplicateAcks();
            if (c.sackPermitted)
            {
                prompt.awaitPeerSendPoint();
            }
            return;
        }
        prompt.duplicateAcksOwed = spec.duplicateAcks();
        prompt.duplicateAcksRetry = spec.duplicateAcks();
        prompt.duplicateAckSeq = c.sndMax;
        if (c.sackPermitted && spec.duplicateAcks() > 0)
        {
            prompt.probeForPeerSendPoint();
        }
    }

    /**
     * @return true when PAWS (RFC 7323 5.3) may judge the peer's TSvals: TS.Recent is known.
     */
    boolean pawsReady()
    {
        return tsRecentKnown;
    }

    /** TS.Recent was taken from the peer's segment. */
    void tsRecentSet()
    {
        tsRecentKnown = true;
    }

    /**
     * Every segment from the peer after PAWS, before the acceptability check (the peer's SND.NXT may lie past the
     * window this node offers).
     *
     * @return true when a SACK prompt is now owed: the connection is to be dispatched.
     */
    boolean onPeerSegment(final int flags, final int seq, final int payloadLength)
    {
        return prompt.awaitingPeer() && prompt.onPeerSegment(flags, seq, payloadLength, c.rcvNxt,
            stack.config().mss() - (c.timestamps ? TcpOptions.ALIGNED_TIMESTAMPS_LENGTH : 0), !c.assembler.isEmpty());
    }

    /**
     * The peer acknowledged beyond SND.MAX: the node before the takeover sent those bytes and the peer has them.
     * Count what of them the send buffer holds (and its FIN) as sent so that the ACK releases it; beyond that the ACK
     * is clamped, and the peer acknowledges again when the bytes written later reach it as duplicates.
     * <p>
     * Also for the ACK of an out-of-window segment: after a takeover the client may have sent past the window this
     * node can offer (the old primary's edge lay further on) and hold output past what the log says it acknowledged;
     * then each end finds the other's segments out of window and neither hears the other's ACK. Taking the ACK field
     * alone (within the output this node has written) lets SND.NXT catch up with what the client holds; the ACK sent
     * then is acceptable to it and the client learns RCV.NXT and resends from there. An ACK within SND.MAX counts too:
     * with the receive buffer full of input the service cannot take until its output is acknowledged, every segment
     * of the client lies past the window, and dropping its ACK would hold both ends for good.
     *
     * @return the acknowledgment number to process.
     */
    int takeOverAck(final int ack)
    {
        final int end = c.sndUna + c.sendBuffer.length() + (c.finQueued ? 1 : 0);
        final int accepted = SeqNum.min(ack, end);
        if (gt(accepted, c.sndMax))
        {
            c.sndMax = accepted;
            if (lt(c.sndNxt, c.sndMax))
            {
                c.sndNxt = c.sndMax;
            }
        }
        return accepted;
    }

    /**
     * An acceptable segment's ACK field, before ACK processing: when the peer is ahead of the replica's view, the
     * first ACKs were not acceptable to it and the duplicate ACKs are owed again (at its ACK number); an ACK beyond
     * SND.MAX is taken as {@link #takeOverAck} takes it.
     *
     * @return the acknowledgment number to process.
     */
    int onAck(final int ackField)
    {
        if (prompt.duplicateAcksRetry > 0)
        {
            if (gt(ackField, c.sndMax))
            {
                // The peer is ahead of the replica's view: our first ACKs were not acceptable to it.
                prompt.duplicateAcksOwed = prompt.duplicateAcksRetry;
                prompt.duplicateAckSeq = ackField;
                stack.markPending(c);
            }
            prompt.duplicateAcksRetry = 0;
        }
        return gt(ackField, c.sndMax) ? takeOverAck(ackField) : ackField;
    }

    /**
     * Restored in SYN-RECEIVED, the handshake completes with a segment past RCV.NXT: the peer sent data this node
     * never got (it was ESTABLISHED with the node before), and duplicate ACKs make it resend at once instead of at its
     * RTO.
     */
    void onHandshakeGap(final int ack)
    {
        prompt.duplicateAcksOwed = prompt.duplicateAcksAfterHandshake;
        prompt.duplicateAckSeq = gt(ack, c.sndUna) ? ack : c.sndUna;
    }

    /**
     * @return false when the echoed TSval is one the node before sent, on its own clock: no RTT sample from it.
     */
    boolean echoSamplesRtt(final int tsEcr)
    {
        return !(tsEcrFloorActive && lt(tsEcr, tsEcrFloor));
    }

    /**
     * In a synchronized state's dispatch, before data: the owed first ACK and duplicates, the probe, the SACK prompt.
     */
    void dispatch(final long nowNs)
    {
        if (prompt.duplicateAcksOwed > 0)
        {
            sendAckAndDuplicates(nowNs);
        }
        if (prompt.probeOwed())
        {
            sendProbe(nowNs);
        }
        if (prompt.sackOwed())
        {
            sendSackPrompt(nowNs);
        }
    }

    /**
     * @return 1 and the prompt's block in {@code edges[0..1]} while its ACKs are written, else 0.
     */
    int writeSackBlock(final int[] edges)
    {
        return prompt.writeSackBlock(edges);
    }

    /**
     * After a restore, before any data: the first ACK, then copies of it (same sequence and ACK number, same window,
     * no data) that the peer counts as duplicate ACKs (RFC 5681 section 2) while it has data outstanding. Sent back to
     * back so that nothing between them changes the window or the sequence number the peer's window-update rule looks
     * at.
     */
    private void sendAckAndDuplicates(final long nowNs)
    {
        // At the peer's RCV.NXT as far as we know it, so that the peer finds them acceptable even
        // when it holds output of the node before that this node has not written yet.
        final int seq = gt(prompt.duplicateAckSeq, c.sndMax) ? prompt.duplicateAckSeq : c.sndMax;
        if (stack.sendSegment(c, seq, ACK, 0, 0, nowNs) < 0)
        {
            return;
        }
        while (prompt.duplicateAcksOwed > 0)
        {
            if (stack.sendSegment(c, seq, ACK, 0, 0, nowNs) < 0)
            {
                return;
            }
            prompt.duplicateAcksOwed--;
        }
    }

    /**
     * After a restore with SACK: a zero-length segment one below SND.UNA, which lies below the peer's RCV.NXT, so the
     * peer finds it unacceptable and answers with an ACK whose SEQ is its SND.NXT (RFC 9293 3.10.7.4; Linux's
     * tcp_send_dupack). Its ACK field is not looked at.
     */
    private void sendProbe(final long nowNs)
    {
        if (stack.sendSegment(c, c.sndUna - 1, ACK, 0, 0, nowNs) >= 0)
        {
            prompt.probeSent();
            counters.takeoverProbes.incrementRelease();
        }
    }

    /**
     * The SACK prompt (see {@link TakeoverPrompt}): the first ACK and the duplicates again, at the same sequence
     * number, each with the block of the peer's last segment, so that a sender that counts duplicate ACKs counts these
     * too.
     */
    private void sendSackPrompt(final long nowNs)
    {
        final int seq = c.sender.ackSequence();
        int sent = 0;
        prompt.beginSack();
        try
        {
            while (sent <= ConnectionRestore.DEFAULT_DUPLICATE_ACKS && stack.sendSegment(c, seq, ACK, 0, 0, nowNs) >= 0)
            {
                sent++;
            }
        }
        finally
        {
            // Owed still when the output took none; a partial burst is enough for RACK.
            prompt.endSack(sent > 0);
        }
        if (sent > 0)
        {
            counters.takeoverSackPrompts.incrementRelease();
        }
    }
}
