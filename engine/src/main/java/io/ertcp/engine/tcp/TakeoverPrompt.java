package io.ertcp.engine.tcp;

import static io.ertcp.engine.tcp.SeqNum.gt;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.ACK;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.FIN;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.RST;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.SYN;

/**
 * A restored connection's one-time prompt (rule 5 of docs/architecture.md): the peer may hold
 * bytes in flight that the node before never made durable, and would resend them only at its
 * retransmission timeout (200 ms or more). Held by a restored connection's {@link Takeover}, which sends what it owes.
 * <p>
 * Two prompts, for two kinds of peer:
 * <ul>
 *   <li>Duplicate ACKs (RFC 5681 3.2): the first ACK, then {@link ConnectionRestore#duplicateAcks()}
 *   copies. A sender without SACK counts them and fast-retransmits.</li>
 *   <li>A SACK connection's sender counts no pure duplicate ACK (Linux with RACK, RFC 8985, marks
 *   a segment lost only when one sent after it was delivered). So the connection sends an
 *   out-of-window probe (SEQ = SND.UNA - 1), which the peer must answer with an ACK carrying its
 *   SND.NXT (RFC 9293 3.10.7.4); then ACKs that SACK the peer's last segment: the range
 *   [SND.NXT - largest segment, SND.NXT), cut to start past RCV.NXT. The peer marks whatever it
 *   sent before that segment lost and retransmits it at once. This side never holds the SACKed
 *   range and never reports it again: when its cumulative ACK reaches it, the peer sees the
 *   receiver renege (RFC 2018 section 8, which obliges it to keep SACKed data until it is
 *   cumulatively acknowledged) and resends it too, Linux after max(RTT/2, 10 ms). Nothing is
 *   delivered that did not arrive: the SACK is only in what this side sends.</li>
 * </ul>
 * A single segment in flight cannot be SACKed this way (a SACK block must start past the
 * peer's SND.UNA, and Linux marks only whole segments), so the peer then still waits for its
 * timeout; see BENCHMARKS.md, "Takeover prompt".
 */
final class TakeoverPrompt
{
    private static final int OFF = 0;
    /** The probe goes out with the next dispatch. */
    private static final int PROBE_OWED = 1;
    /** Waiting for the peer's first pure ACK: its SEQ is the peer's SND.NXT. */
    private static final int AWAITING_PEER = 2;
    /** The SACK prompt goes out with the next dispatch. */
    private static final int SACK_OWED = 3;

    /** Duplicate ACKs to send after the first ACK, once there is a first ACK. */
    int duplicateAcksOwed;
    /** Restored in SYN-RECEIVED: duplicate ACKs to owe when the handshake completes with a gap. */
    int duplicateAcksAfterHandshake;
    /**
     * Duplicate ACKs to owe again when the peer's first ACK lies beyond SND.MAX. The first burst
     * then carried a sequence number below the peer's RCV.NXT, which the peer drops as
     * unacceptable (RFC 9293 3.10.7.4; Linux too) without looking at its ACK.
     */
    int duplicateAcksRetry;
    /** The sequence number of the owed burst when above SND.MAX: the peer's ACK number. */
    int duplicateAckSeq;

    private int sackState = OFF;
    /** The SACK block of the prompt, [sackStart, sackEnd): the peer's last segment. */
    private int sackStart;
    private int sackEnd;
    /** True only while the prompt's ACKs are being written: they, and only they, carry its block. */
    private boolean writingSack;

    void clear()
    {
        duplicateAcksOwed = 0;
        duplicateAcksAfterHandshake = 0;
        duplicateAcksRetry = 0;
        duplicateAckSeq = 0;
        sackState = OFF;
        sackStart = 0;
        sackEnd = 0;
        writingSack = false;
    }

    /**
     * Restored into ESTABLISHED or CLOSE-WAIT with SACK: probe for the peer's SND.NXT.
     */
    void probeForPeerSendPoint()
    {
        sackState = PROBE_OWED;
    }

    /**
     * Restored into SYN-RECEIVED with SACK: the peer's ACK of the SYN-ACK tells its SND.NXT, no
     * probe needed.
     */
    void awaitPeerSendPoint()
    {
        sackState = AWAITING_PEER;
    }

    boolean probeOwed()
    {
        return sackState == PROBE_OWED;
    }

    void probeSent()
    {
        sackState = AWAITING_PEER;
    }

    boolean awaitingPeer()
    {
        return sackState == AWAITING_PEER;
    }

    /**
     * The peer's first segment after the probe (or after the restore): a pure ACK says where the
     * peer's send point is; anything else (data, a FIN) shows the peer sending already, and a
     * retransmission or genuine SACKs then do the work.
     *
     * @param rcvNxt        this side's RCV.NXT.
     * @param maxSegment    the most payload the peer can put in one segment.
     * @param holdsAboveRcv this side holds out-of-order bytes (then it SACKs those, truthfully).
     * @return true when a SACK prompt is now owed.
     */
    boolean onPeerSegment(
        final int flags, final int seq, final int payloadLength, final int rcvNxt, final int maxSegment,
        final boolean holdsAboveRcv)
    {
        if ((flags & (ACK | SYN | FIN | RST)) != ACK || payloadLength != 0)
        {
            sackState = OFF;
            return false;
        }
        if (!gt(seq, rcvNxt) || holdsAboveRcv)
        {
            // The peer has nothing in flight that this side lacks (or SACKs of real data will tell it).
            sackState = OFF;
            return false;
        }
        sackEnd = seq;
        sackStart = gt(seq - maxSegment, rcvNxt) ? seq - maxSegment : rcvNxt + 1;
        sackState = SACK_OWED;
        return true;
    }

    boolean sackOwed()
    {
        return sackState == SACK_OWED;
    }

    /** The prompt's ACKs are being written: {@link #writeSackBlock} gives them the block. */
    void beginSack()
    {
        writingSack = true;
    }

    /**
     * The prompt's ACKs are written.
     *
     * @param sent at least one went out: the prompt is over and its block never reported again.
     */
    void endSack(final boolean sent)
    {
        writingSack = false;
        if (sent)
        {
            sackState = OFF;
        }
    }

    /**
     * @return 1 and the block in {@code edges[0..1]} while the prompt's ACKs are written, else 0.
     */
    int writeSackBlock(final int[] edges)
    {
        if (!writingSack)
        {
            return 0;
        }
        edges[0] = sackStart;
        edges[1] = sackEnd;
        return 1;
    }
}
