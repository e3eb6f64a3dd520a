package io.ertcp.engine.tcp;

import io.ertcp.service.CloseReason;

import static io.ertcp.engine.tcp.SeqNum.ge;
import static io.ertcp.engine.tcp.SeqNum.gt;
import static io.ertcp.engine.tcp.SeqNum.le;
import static io.ertcp.engine.tcp.SeqNum.lt;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.ACK;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.FIN;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.PSH;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.SYN;

/**
 * A connection's egress, as lwIP's tcp_out.c and Linux's tcp_output.c are a connection's: what one
 * {@link TcpConnection} sends when the stack dispatches it (it is pending, or a timer is due). In
 * one {@link #dispatch}: a RST the service asked for, the SYN or SYN-ACK (the latter as far as
 * {@link ReplicationSeam#acknowledgeLimit} allows), what a {@link Takeover} owes, the next hole in
 * recovery, new data within the congestion and peer windows (Nagle and sender SWS avoidance) and
 * the FIN, else a lone ACK when one is owed; then the timers what was sent needs. It reads and
 * writes the connection's send sequence space, whose invariants are documented on
 * {@link TcpConnection}'s fields; it holds no state of its own. Segments are written by
 * {@link TcpStack#sendSegment}.
 */
final class TcpSender
{
    private final TcpConnection c;
    private final TcpStack stack;
    private final TcpCounters counters;
    private final TcpConfig config;

    TcpSender(final TcpConnection connection, final TcpStack stack, final TcpConfig config, final TcpCounters counters)
    {
        this.c = connection;
        this.stack = stack;
        this.config = config;
        this.counters = counters;
    }

    /**
     * Send everything due now: SYN or SYN-ACK, retransmissions, new data within the windows, FIN,
     * or a lone ACK when one is owed; arm the timers that what was sent needs.
     */
    void dispatch(final long nowNs)
    {
        if (c.abortRequested)
        {
            stack.sendReset(c.localIp(), c.localPort(), c.remoteIp(), c.remotePort(), c.sndMax, 0, false);
            c.close(CloseReason.CLOSED);
            return;
        }
        switch (c.state)
        {
            case SYN_SENT:
                if (c.sndNxt == c.iss)
                {
                    sendSyn(SYN, nowNs);
                }
                return;

            case SYN_RECEIVED:
                // The gate below 0: the replica has not made the OPEN durable, so the peer may not
                // complete the handshake yet; TcpStack.receiveGateAdvanced brings us back here.
                if (c.sndNxt == c.iss && stack.replication().acknowledgeLimit(c.id(), c.rcvStreamBytes) >= 0)
                {
                    sendSyn(SYN | ACK, nowNs);
                }
                else if (c.ackNow)
                {
                    stack.sendSegment(c, c.sndMax, ACK, 0, 0, nowNs);
                }
                return;

            case TIME_WAIT:
                if (c.ackNow)
                {
                    stack.sendSegment(c, c.sndMax, ACK, 0, 0, nowNs);
                }
                return;

            case FREE:
            case CLOSED:
                return;

            default:
                break;
        }

        if (null != c.takeover)
        {
            c.takeover.dispatch(nowNs);
        }
        final int sentBefore = c.sentSegments;
        if (c.retransmitFront)
        {
            c.retransmitFront = false;
            retransmitFirstHole(nowNs);
        }
        sendData(nowNs);
        if (c.ackNow && c.sentSegments == sentBefore)
        {
            stack.sendSegment(c, ackSequence(), ACK, 0, 0, nowNs);
        }

        // Zero window with data waiting and nothing in flight: the persist timer probes.
        final int unsent = c.sendBuffer.length() - (c.sndNxt - c.sndUna);
        if (c.sndWnd == 0 && unsent > 0 && c.sndNxt == c.sndUna && c.persistDeadlineNs == TcpConnection.NONE)
        {
            c.persistDeadlineNs = nowNs + Math.min(TcpConnection.MAX_PERSIST_NS, c.rtt.rtoNs() << c.persistBackoff);
        }
    }

    /**
     * The sequence number of a lone ACK: SND.MAX, unless SND.MAX lies past the right edge of the
     * peer's window, then that edge (Linux's tcp_acceptable_seq does the same). Bytes sent past the
     * edge (the window shrank, or was taken relative to a newer SND.UNA because a retransmitted
     * segment may not update it) were trimmed by the peer: its RCV.NXT stays at or below the edge,
     * and with its buffer full it takes a zero-length segment only at exactly RCV.NXT (RFC 9293
     * 3.10.7.4). An ACK at SND.MAX would then be dropped unheard, and a peer that retransmits
     * data we already hold never learns it was received and times out.
     */
    int ackSequence()
    {
        final int windowEnd = c.sndUna + c.sndWnd;
        return gt(c.sndMax, windowEnd) ? windowEnd : c.sndMax;
    }

    private void sendSyn(final int flags, final long nowNs)
    {
        if (stack.sendSegment(c, c.iss, flags, 0, 0, nowNs) < 0)
        {
            return;
        }
        if (c.sndMax != c.iss)
        {
            counters.retransmittedSegments.incrementRelease();
            c.rttTiming = false;
        }
        else if (!c.timestamps)
        {
            c.rttTiming = true;
            c.rttSeq = c.iss + 1;
            c.rttStartNs = nowNs;
        }
        c.sndNxt = c.iss + 1;
        c.sndMax = c.iss + 1;
        c.rtoDeadlineNs = nowNs + c.rtt.rtoNs();
    }

    private void retransmitFirstHole(final long nowNs)
    {
        final int from = gt(c.highRetransmitted, c.sndUna) ? c.highRetransmitted : c.sndUna;
        final int seq = c.scoreboard.skipSacked(from);
        // Beyond the first hole, only what lies below SACKed data counts as lost (RFC 6675 NextSeg).
        final int lostLimit = from == c.sndUna ? c.sndMax : SeqNum.min(c.sndMax, c.scoreboard.highestSacked(c.sndUna));
        if (ge(seq, lostLimit))
        {
            return;
        }
        final int dataEnd = c.sndUna + c.sendBuffer.length();
        // A retransmission resends only what was sent before: it ends at SND.MAX even when the
        // send buffer holds more. The segment first sent there may have been shorter than sendMss
        // (a SACK option took its room, RFC 6691, or it was the tail of the data then written),
        // and bytes past SND.MAX sent here would not be counted as sent: the peer's ACK of them
        // would lie beyond SND.MAX and be dropped (RFC 9293 3.10.7.4), while our ACKs, below its
        // RCV.NXT, would be dropped by the peer; with the peer's window full neither end advances.
        final int holeEnd = SeqNum.min(c.scoreboard.nextSackedStart(seq, dataEnd), c.sndMax);
        final int length = Math.min(c.sendMss, holeEnd - seq);
        if (length > 0)
        {
            int flags = ACK;
            if (seq + length == dataEnd && c.finQueued && gt(c.sndMax, dataEnd))
            {
                flags |= FIN;
            }
            final int sent = stack.sendSegment(c, seq, flags | PSH, seq - c.sndUna, length, nowNs);
            if (sent >= 0)
            {
                counters.retransmittedSegments.incrementRelease();
                c.highRetransmitted = seq + sent + (sent == length && (flags & FIN) != 0 ? 1 : 0);
            }
        }
        else if (seq == dataEnd && c.finQueued)
        {
            if (stack.sendSegment(c, seq, ACK | FIN, 0, 0, nowNs) >= 0)
            {
                counters.retransmittedSegments.incrementRelease();
                c.highRetransmitted = seq + 1;
            }
        }
        if (c.rtoDeadlineNs == TcpConnection.NONE)
        {
            c.rtoDeadlineNs = nowNs + c.rtt.rtoNs();
        }
    }

    private void sendData(final long nowNs)
    {
        final int dataEnd = c.sndUna + c.sendBuffer.length();
        while (true)
        {
            if (lt(c.sndNxt, c.sndMax) && c.sackPermitted)
            {
                // Retransmitting after a timeout: skip what the peer holds.
                final int skipped = c.scoreboard.skipSacked(c.sndNxt);
                if (skipped != c.sndNxt)
                {
                    c.sndNxt = SeqNum.min(skipped, dataEnd);
                    continue;
                }
            }
            final int unsent = dataEnd - c.sndNxt;
            final int window = Math.min(c.congestion.cwnd(), c.sndWnd);
            final int usable = c.sndUna + window - c.sndNxt;
            if (unsent <= 0)
            {
                if (unsent == 0 && c.finQueued && le(c.sndNxt, dataEnd))
                {
                    // FIN alone: it needs no window.
                    if (stack.sendSegment(c, c.sndNxt, ACK | FIN, 0, 0, nowNs) >= 0)
                    {
                        if (lt(c.sndNxt, c.sndMax))
                        {
                            counters.retransmittedSegments.incrementRelease();
                        }
                        advanceSndNxt(1, nowNs);
                    }
                }
                return;
            }
            if (usable <= 0)
            {
                return;
            }
            int length = Math.min(Math.min(unsent, c.sendMss), usable);
            if (lt(c.sndNxt, c.sndMax) && c.sackPermitted)
            {
                length = Math.min(length, c.scoreboard.nextSackedStart(c.sndNxt, dataEnd) - c.sndNxt);
            }
            final boolean retransmission = lt(c.sndNxt, c.sndMax);
            if (length < c.sendMss && !retransmission)
            {
                final boolean inFlight = c.sndMax != c.sndUna;
                // Nagle (RFC 1122 4.2.3.4): hold a small segment while data is unacknowledged.
                if (config.nagle() && inFlight && length == unsent)
                {
                    return;
                }
                // Sender SWS avoidance (RFC 9293 3.8.6.2.1): do not send a window-limited runt.
                if (length < unsent && inFlight && length < c.maxSndWnd / 2)
                {
                    return;
                }
            }
            int flags = ACK;
            if (length == unsent)
            {
                flags |= PSH;
                if (c.finQueued)
                {
                    flags |= FIN;
                }
            }
            final int sent = stack.sendSegment(c, c.sndNxt, flags, c.sndNxt - c.sndUna, length, nowNs);
            if (sent < 0)
            {
                return;
            }
            if (retransmission)
            {
                counters.retransmittedSegments.incrementRelease();
            }
            else if (!c.timestamps && !c.rttTiming)
            {
                c.rttTiming = true;
                c.rttSeq = c.sndNxt + sent;
                c.rttStartNs = nowNs;
            }
            advanceSndNxt(sent + (sent == length && (flags & FIN) != 0 ? 1 : 0), nowNs);
        }
    }

    private void advanceSndNxt(final int count, final long nowNs)
    {
        c.sndNxt += count;
        if (gt(c.sndNxt, c.sndMax))
        {
            c.sndMax = c.sndNxt;
        }
        if (c.rtoDeadlineNs == TcpConnection.NONE)
        {
            c.rtoDeadlineNs = nowNs + c.rtt.rtoNs();
        }
        c.persistDeadlineNs = TcpConnection.NONE;
    }
}
