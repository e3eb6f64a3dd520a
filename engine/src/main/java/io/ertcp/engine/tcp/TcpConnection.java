package io.ertcp.engine.tcp;

import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import static io.ertcp.engine.tcp.SeqNum.ge;
import static io.ertcp.engine.tcp.SeqNum.gt;
import static io.ertcp.engine.tcp.SeqNum.le;
import static io.ertcp.engine.tcp.SeqNum.lt;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.ACK;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.FIN;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.PSH;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.RST;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.SYN;

/**
 * Why one class of about 1,700 lines: this is one TCB, and the RFC 9293 3.10.7.4 phases of ingress, ACK
 * processing with its loss recovery (RFC 5681, 6582, 6675) and the timers read and write the same
 * sequence-space fields, whose invariants are stated once, here; split apart they would each need
 * all of them (lwIP's tcp_in.c and smoltcp's socket keep them together too). Egress
 * ({@link TcpSender}) and takeover ({@link Takeover}) are apart because they are separate concerns
 * that touch the TCB at a few points.
 * <p>
 * One TCP connection's whole transmission control block (RFC 9293 section 3.3.1) and its state
 * machine. Ingress ({@link #onSegment}) runs in the phases of RFC 9293 3.10.7.4 and lwIP's
 * tcp_in.c: reject unacceptable segments, RST and SYN checks, ACK processing (state transitions,
 * remote window, RTT and congestion control, timers), then reassembly into the receive buffer and
 * FIN. Egress is decided in one {@link #dispatch} that the stack calls when the connection is
 * pending or a timer is due, by its {@link TcpSender}; {@link #nextDeadlineNs()} says when that is.
 * What a connection restored at takeover adds is its {@link Takeover}, null on every other one.
 * <p>
 * Pooled: {@link #reset} readies it for another 4-tuple, keeping its buffers. Time only enters as
 * {@code nowNs} parameters.
 */
public final class TcpConnection implements Connection
{
    /** No deadline. */
    static final long NONE = Long.MAX_VALUE;
    static final long MAX_PERSIST_NS = 60_000_000_000L;

    private final TcpStack stack;
    private final TcpConfig config;
    private final TcpCounters counters;
    /** Bytes from SND.UNA on (less a SYN or FIN, which hold no bytes). */
    final SendBuffer sendBuffer;
    /** Unconsumed in-order bytes, then out-of-order room up to RCV.NXT + free. */
    final ReceiveBuffer receiveBuffer;
    /** Out-of-order ranges above RCV.NXT held in {@link #receiveBuffer}. */
    final Assembler assembler = new Assembler();
    /** Ranges the peer SACKed, all above SND.UNA. */
    final SackScoreboard scoreboard = new SackScoreboard();
    final RttEstimator rtt;
    final CongestionControl congestion;
    /** Scratch for the SACK blocks of outgoing segments. */
    final int[] sackEdges = new int[TcpOptions.MAX_SACK_BLOCKS * 2];
    /** What this connection sends when dispatched. */
    final TcpSender sender;

    /** Slot in the stack's timer heap, -1 when no deadline is set; owned by {@link TimerHeap}. */
    int heapIndex = -1;
    /** True while queued on the stack's pending list; the list owns the flag. */
    boolean pending;

    // Identity.
    /** Unique for the node's lifetime; 0 while FREE. */
    private long id;
    TcpState state = TcpState.FREE;
    private int localIp;
    private int localPort;
    private int remoteIp;
    private int remotePort;
    private TcpService service;
    private TcpListener listener;
    private Object attachment;
    /** The service has been given this connection (onOpen, or connect returned it): it hears onClosed. */
    private boolean serviceAttached;
    /** onClosed has been delivered; nothing more goes to the service. */
    private boolean serviceClosed;

    // Send sequence space (RFC 9293 3.3.1).
    /** Initial send sequence number. */
    int iss;
    /** Oldest unacknowledged sequence number; the send buffer's head is this byte (after the SYN). */
    int sndUna;
    /** Next sequence number to send: sndUna <= sndNxt <= sndMax; below sndMax only while retransmitting. */
    int sndNxt;
    /** Highest sequence number sent plus one: every ACK above it is invalid. */
    int sndMax;
    /** The peer's window, already scaled: bytes beyond sndUna the peer accepts. */
    int sndWnd;
    /** Largest window the peer has offered (RFC 5961 5.2 MAX.SND.WND). */
    int maxSndWnd;
    /** Sequence number of the segment last used to update sndWnd. */
    int sndWl1;
    /** Acknowledgment number of the segment last used to update sndWnd. */
    int sndWl2;
    /** Shift applied to the peer's window field; 0 without window scaling. */
    int sndWindowScale;
    /** Payload per segment: the smaller MSS, less 12 when timestamps ride on every segment. */
    int sendMss;
    /** The peer's MSS option (or 536 without one), before options are subtracted. */
    int peerMss;
    /** The service asked to close its output: a FIN follows the last byte in the send buffer. */
    boolean finQueued;
    /** Our FIN has been acknowledged: sndUna is past it. */
    boolean finAcked;
    /** Stream bytes the peer has acknowledged (SND.UNA as a stream offset that does not wrap). */
    long sndStreamAcked;
    /** A write was refused for lack of room: onWritable when room opens. */
    private boolean writeBlocked;

    // Receive sequence space.
    /** Initial receive sequence number. */
    int irs;
    /** Next sequence number expected: every byte before it is in the receive buffer or consumed. */
    int rcvNxt;
    /** Shift applied to the windows this side advertises; 0 without window scaling. */
    int rcvWindowScale;
    /** In-order stream bytes received: the stream offset of rcvNxt (the FIN excluded). */
    long rcvStreamBytes;
    /** The peer's FIN has been received in order (rcvNxt counts it). */
    boolean finReceived;
    /** onPeerClosed is owed once the service consumed every byte before the FIN. */
    private boolean peerClosedOwed;
    /** Acknowledgment number of the last segment sent (RFC 7323 Last.ACK.sent). */
    int lastAckSent;
    /** Right edge of the window last advertised: lastAckSent + window. */
    int advertisedEdge;

    // Options.
    /** RFC 7323 window scaling is in use (both SYNs carried the option). */
    boolean windowScaling;
    boolean timestamps;
    boolean sackPermitted;
    /** RFC 7323 TS.Recent: the peer's timestamp to echo. */
    int tsRecent;
    /**
     * Added to the stack's timestamp clock for this connection's TSvals (RFC 7323 5.4 advises an
     * offset); a function of ISS alone, so a connection restored with the same ISS continues it.
     */
    private int tsOffset;
    /** {@link ReplicationSeam#onOpen} has been called: it is called once per connection. */
    private boolean openReported;
    /**
     * Restored from a replica ({@link #openRestored}) only, else null: what a takeover adds to the TCB (the node
     * before's output and clock, the prompts that make the peer resend what it never made durable). The RFC phases
     * call into it at a few points, each {@code takeover != null}.
     */
    Takeover takeover;
    /** This pooled connection's {@link Takeover}, made when it is first restored and kept for the next restore. */
    private Takeover takeoverState;

    // ACK policy.
    /** An ACK must go out with the next dispatch. */
    boolean ackNow;
    /** In-order bytes received since the last ACK sent (delayed ACK: ACK every second full segment). */
    private int bytesSinceAck;
    /** The largest payload received so far (at least 536, at most our MSS): a "full-sized" segment. */
    private int receiveMss;

    // Loss recovery.
    int dupAcks;
    /** The window (scaled) of the last acceptable ACK, for RFC 5681's duplicate-ACK test; -1 before one. */
    int lastAckWindow;
    /** In NewReno fast recovery until an ACK reaches {@link #recover}. */
    boolean inRecovery;
    /** RFC 6582 "recover": sndMax when recovery began. */
    int recover;
    /** Resend the next hole (first unSACKed bytes at or after highRetransmitted) in the next dispatch. */
    boolean retransmitFront;
    /** RFC 6675 HighRxt: end of the highest retransmission in this recovery. */
    int highRetransmitted;
    /** {@link #recover} holds a value from an earlier recovery or timeout. */
    boolean recoverValid;
    /** Consecutive retransmission timeouts of the same data. */
    int retransmissions;
    /** A segment is being timed (no timestamps): its end sequence and send time. */
    boolean rttTiming;
    int rttSeq;
    long rttStartNs;
    /** The connection shall send a RST and close in the next dispatch. */
    boolean abortRequested;

    // Timers, each an absolute time in ns or NONE.
    long rtoDeadlineNs = NONE;
    long delayedAckDeadlineNs = NONE;
    long persistDeadlineNs = NONE;
    int persistBackoff;
    long keepAliveDeadlineNs = NONE;
    private int keepAliveProbesSent;
    long timeWaitDeadlineNs = NONE;
    long serviceTimeoutDeadlineNs = NONE;

    TcpConnection(final TcpStack stack, final TcpConfig config, final TcpCounters counters, final UnsafeBuffer memory)
    {
        this.stack = stack;
        this.config = config;
        this.counters = counters;
        final int sendBytes = config.sendBufferBytes();
        final int receiveBytes = config.receiveBufferBytes();
        sendBuffer = new SendBuffer(new UnsafeBuffer(memory, 0, sendBytes));
        receiveBuffer = new ReceiveBuffer(new UnsafeBuffer(memory, sendBytes, receiveBytes));
        rtt = new RttEstimator(config.minRtoNs(), config.maxRtoNs(), config.initialRtoNs());
        congestion = CongestionControl.create(config.congestionControl());
        sender = new TcpSender(this, stack, config, counters);
    }

    /**
     * Ready this pooled connection for a new 4-tuple.
     */
    void reset(
        final long id,
        final int localIp,
        final int localPort,
        final int remoteIp,
        final int remotePort,
        final TcpService service,
        final TcpListener listener,
        final int iss,
        final long nowNs)
    {
        this.id = id;
        this.localIp = localIp;
        this.localPort = localPort;
        this.remoteIp = remoteIp;
        this.remotePort = remotePort;
        this.service = service;
        this.listener = listener;
        attachment = null;
        serviceAttached = false;
        serviceClosed = false;
        this.iss = iss;
        sndUna = iss;
        sndNxt = iss;
        sndMax = iss;
        sndWnd = 0;
        maxSndWnd = 0;
        sndWl1 = 0;
        sndWl2 = 0;
        sndWindowScale = 0;
        peerMss = 536;
        sendMss = Math.min(536, config.mss());
        finQueued = false;
        finAcked = false;
        sndStreamAcked = 0;
        writeBlocked = false;
        irs = 0;
        rcvNxt = 0;
        rcvWindowScale = 0;
        rcvStreamBytes = 0;
        finReceived = false;
        peerClosedOwed = false;
        lastAckSent = 0;
        advertisedEdge = 0;
        windowScaling = false;
        timestamps = false;
        sackPermitted = false;
        tsRecent = 0;
        tsOffset = timestampOffset(iss);
        openReported = false;
        takeover = null;
        ackNow = false;
        bytesSinceAck = 0;
        receiveMss = Math.min(536, config.mss());
        dupAcks = 0;
        lastAckWindow = -1;
        inRecovery = false;
        recover = iss;
        recoverValid = false;
        highRetransmitted = iss;
        retransmitFront = false;
        retransmissions = 0;
        rttTiming = false;
        abortRequested = false;
        rtoDeadlineNs = NONE;
        delayedAckDeadlineNs = NONE;
        persistDeadlineNs = NONE;
        persistBackoff = 0;
        keepAliveDeadlineNs = NONE;
        keepAliveProbesSent = 0;
        timeWaitDeadlineNs = NONE;
        serviceTimeoutDeadlineNs = NONE;
        sendBuffer.clear();
        receiveBuffer.clear();
        assembler.clear();
        scoreboard.clear();
        rtt.reset();
        congestion.init(sendMss, config.initialWindowSegments(), nowNs);
    }

    // ------------------------------------------------------------------------------------------
    // Opens
    // ------------------------------------------------------------------------------------------

    /**
     * Active open: the SYN goes out in the next dispatch.
     */
    void openActive(final long nowNs)
    {
        state = TcpState.SYN_SENT;
        serviceAttached = true;
        timestamps = config.timestamps();
        sackPermitted = config.sack();
        rcvWindowScale = config.windowScaling() ? config.receiveWindowScale() : 0;
        stack.markPending(this);
    }

    /**
     * Passive open from a listener's SYN: SYN-RECEIVED, the SYN-ACK goes out in the next dispatch.
     */
    void openPassive(final int remoteIsn, final int window, final TcpOptions options, final long nowNs)
    {
        state = TcpState.SYN_RECEIVED;
        irs = remoteIsn;
        rcvNxt = remoteIsn + 1;
        lastAckSent = rcvNxt;
        negotiate(options, window);
        if (timestamps)
        {
            tsRecent = options.tsVal;
        }
        congestion.init(sendMss, config.initialWindowSegments(), nowNs);
        // ISNs and options are fixed now: the replica logs the OPEN, and the gate holds the
        // SYN-ACK until that is durable (see dispatch).
        reportOpen();
        stack.markPending(this);
    }

    /**
     * Open straight into ESTABLISHED from a SYN cookie: no window scaling, SACK or timestamps.
     */
    void openFromCookie(final int remoteIsn, final int mss, final long nowNs)
    {
        irs = remoteIsn;
        rcvNxt = remoteIsn + 1;
        lastAckSent = rcvNxt;
        sndUna = iss;
        sndNxt = iss + 1;
        sndMax = iss + 1;
        peerMss = mss;
        sendMss = Math.min(mss, config.mss());
        congestion.init(sendMss, config.initialWindowSegments(), nowNs);
        state = TcpState.SYN_RECEIVED;
    }

    /**
     * Takeover: straight into ESTABLISHED (or CLOSE-WAIT after the peer's FIN) from a replica's
     * state, without the handshake and without onOpen; see {@link TcpStack#restore}. The peer
     * learns RCV.NXT from the ACK the next dispatch sends, followed by duplicates of it. When the
     * replica never saw the handshake complete, into SYN-RECEIVED instead: the next dispatch sends
     * the SYN-ACK again (as the gate allows).
     */
    void openRestored(final ConnectionRestore spec, final long nowNs)
    {
        serviceAttached = true;
        irs = spec.remoteIsn();
        rcvStreamBytes = spec.receivedBytes();
        finReceived = spec.peerFinReceived();
        rcvNxt = irs + 1 + (int)rcvStreamBytes + (finReceived ? 1 : 0);
        lastAckSent = rcvNxt;
        advertisedEdge = rcvNxt;

        sndStreamAcked = spec.acknowledgedBytes();
        // In SYN-RECEIVED our SYN is not acknowledged yet: SND.UNA = ISS.
        sndUna = spec.handshakeComplete() ? iss + 1 + (int)sndStreamAcked : iss;
        sndNxt = sndUna;
        // In SYN-RECEIVED the node before sent the SYN-ACK (the peer may acknowledge it before ours
        // goes out): ours is a retransmission of it.
        sndMax = spec.handshakeComplete() ? sndUna : iss + 1;
        recover = sndUna;
        highRetransmitted = sndUna;

        windowScaling = spec.sendWindowScale() >= 0;
        sndWindowScale = windowScaling ? spec.sendWindowScale() : 0;
        rcvWindowScale = windowScaling ? spec.receiveWindowScale() : 0;
        timestamps = spec.timestamps();
        sackPermitted = spec.sack();
        tsRecent = timestamps ? spec.tsRecent() : 0;
        sendMss = spec.sendMss();
        peerMss = sendMss + (timestamps ? TcpOptions.ALIGNED_TIMESTAMPS_LENGTH : 0);
        receiveMss = Math.min(config.mss(), Math.max(receiveMss, sendMss));

        // One MSS until the peer says more; WL1 far below RCV.NXT so that the first acceptable
        // segment, whatever its sequence number, sets the window (RFC 9293 3.10.7.4).
        sndWnd = sendMss;
        maxSndWnd = sendMss;
        sndWl1 = rcvNxt - 0x4000_0000;
        sndWl2 = sndUna;
        congestion.init(sendMss, config.initialWindowSegments(), nowNs);

        counters.connectionsRestored.incrementRelease();
        openReported = true;
        prepareTakeover();
        takeover = takeoverState;
        takeover.begin(spec, nowNs);
        if (!spec.handshakeComplete())
        {
            state = TcpState.SYN_RECEIVED;
            stack.markPending(this);
            return;
        }
        state = finReceived ? TcpState.CLOSE_WAIT : TcpState.ESTABLISHED;
        if (config.keepAlive())
        {
            keepAliveDeadlineNs = nowNs + config.keepAliveIdleNs();
        }
        ackNow = true;
        stack.markPending(this);
    }

    /**
     * Build what a takeover adds to this connection ({@link Takeover}) if it has none yet: a stack building
     * connections ahead ({@link TcpStack#reserve}) does it off the takeover.
     */
    void prepareTakeover()
    {
        if (null == takeoverState)
        {
            takeoverState = new Takeover(this, stack, counters);
        }
    }

    /**
     * Apply the peer's SYN options to this side's offer (RFC 7323 2.2 and 3.2, RFC 2018 section 2).
     */
    private void negotiate(final TcpOptions options, final int window)
    {
        windowScaling = config.windowScaling() && options.windowScale >= 0;
        if (windowScaling)
        {
            sndWindowScale = options.windowScale;
            rcvWindowScale = config.receiveWindowScale();
        }
        else
        {
            sndWindowScale = 0;
            rcvWindowScale = 0;
        }
        timestamps = config.timestamps() && options.hasTimestamps &&
            (state == TcpState.SYN_RECEIVED || timestamps);
        sackPermitted = config.sack() && options.sackPermitted &&
            (state == TcpState.SYN_RECEIVED || sackPermitted);
        peerMss = options.mss > 0 ? options.mss : 536;
        sendMss = Math.max(64, Math.min(peerMss, config.mss()) - (timestamps ? TcpOptions.ALIGNED_TIMESTAMPS_LENGTH : 0));
        // RFC 7323 2.2: the window field of a SYN is never scaled.
        sndWnd = window;
        maxSndWnd = window;
    }

    // ------------------------------------------------------------------------------------------
    // Ingress
    // ------------------------------------------------------------------------------------------

    /**
     * One segment for this connection, checked for length and options by the stack.
     */
    void onSegment(
        final TcpHeaderFlyweight header,
        final TcpOptions options,
        final DirectBuffer buffer,
        final int payloadOffset,
        final int payloadLength,
        final long nowNs)
    {
        final int flags = header.flags();
        final int seq = header.sequence();
        final int ack = header.acknowledgment();
        final int window = header.window();

        if (state == TcpState.SYN_SENT)
        {
            onSegmentInSynSent(flags, seq, ack, window, options, nowNs);
            return;
        }

        // Phase 1: PAWS (RFC 7323 5.3): an old timestamp marks an old duplicate.
        if (timestamps && options.hasTimestamps && (flags & RST) == 0 &&
            (null == takeover || takeover.pawsReady()) && lt(options.tsVal, tsRecent))
        {
            counters.dropPaws.incrementRelease();
            ackNow = true;
            stack.markPending(this);
            return;
        }

        if (null != takeover && takeover.onPeerSegment(flags, seq, payloadLength))
        {
            // Before the acceptability check: the peer's SND.NXT may lie past the window this node offers.
            stack.markPending(this);
        }

        // Phase 2: sequence acceptability (RFC 9293 3.10.7.4, first check).
        final int segLen = TcpHeaderFlyweight.sequenceLength(flags, payloadLength);
        final int rcvWnd = receiveWindow();
        // Acceptability uses the window as advertised (Linux's tcp_sequence does too): a peer that
        // sent within it must have its ACKs heard even after the buffer filled, or two peers with
        // full buffers wait on each other forever. Bytes beyond the free space are trimmed below.
        final int advertised = state.isSynchronized() ? advertisedEdge - rcvNxt : 0;
        if (!acceptable(seq, segLen, Math.max(rcvWnd, advertised)))
        {
            if (state == TcpState.SYN_RECEIVED && (flags & SYN) != 0 && seq == irs)
            {
                // The peer retransmitted its SYN: our SYN-ACK was lost; send it again.
                sndNxt = iss;
                stack.markPending(this);
                return;
            }
            if (state == TcpState.TIME_WAIT && (flags & FIN) != 0)
            {
                // RFC 9293 3.10.7.4: a retransmitted FIN is ACKed and restarts 2 MSL.
                timeWaitDeadlineNs = nowNs + config.timeWaitNs();
            }
            else
            {
                counters.dropOutOfWindow.incrementRelease();
                if (null != takeover && (flags & (ACK | RST | SYN)) == ACK && gt(ack, sndUna))
                {
                    // After a takeover the ends may each find the other's segments out of window: take the ACK
                    // field alone (Takeover.takeOverAck says why).
                    final int taken = takeover.takeOverAck(ack);
                    if (gt(taken, sndUna))
                    {
                        onNewAck(taken, options, nowNs);
                        if (isGone())
                        {
                            return;
                        }
                    }
                }
            }
            if ((flags & RST) == 0)
            {
                ackNow = true;
                stack.markPending(this);
            }
            return;
        }

        // Phase 3: RST (RFC 5961 section 3.2): only the exact next sequence resets.
        if ((flags & RST) != 0)
        {
            if (seq == rcvNxt)
            {
                onReset();
            }
            else
            {
                challengeAck(nowNs);
            }
            return;
        }

        // Phase 4: SYN in a synchronized state or in SYN-RECEIVED (RFC 5961 section 4.2).
        if ((flags & SYN) != 0)
        {
            challengeAck(nowNs);
            return;
        }

        // Phase 5: no ACK, no processing (RFC 9293 3.10.7.4, fifth check).
        if ((flags & ACK) == 0)
        {
            counters.dropNoAckFlag.incrementRelease();
            return;
        }

        if (timestamps && options.hasTimestamps && le(seq, lastAckSent))
        {
            // RFC 7323 4.3 (2): remember the timestamp of the segment that fills Last.ACK.sent.
            tsRecent = options.tsVal;
            if (null != takeover)
            {
                takeover.tsRecentSet();
            }
        }
        if (config.keepAlive())
        {
            keepAliveDeadlineNs = nowNs + config.keepAliveIdleNs();
            keepAliveProbesSent = 0;
        }

        // Phase 6: ACK processing, state transitions on our SYN and FIN being acknowledged.
        if (state == TcpState.SYN_RECEIVED)
        {
            // A connection restored in SYN-RECEIVED: the peer may acknowledge output the node
            // before sent after its own handshake; processAck below takes it as Takeover.takeOverAck does.
            final boolean beyond = null != takeover && gt(ack, sndMax);
            if (!beyond && !(gt(ack, sndUna) && le(ack, sndMax)))
            {
                counters.dropBadAck.incrementRelease();
                stack.sendReset(localIp, localPort, remoteIp, remotePort, ack, 0, false);
                return;
            }
            sndUna = iss + 1;
            if (lt(sndNxt, sndUna))
            {
                // Restored: the peer acknowledged the old node's SYN-ACK before ours went out.
                sndNxt = sndUna;
            }
            sndWnd = window << sndWindowScale;
            lastAckWindow = sndWnd;
            maxSndWnd = Math.max(maxSndWnd, sndWnd);
            sndWl1 = seq;
            sndWl2 = beyond ? sndUna : ack;
            rtoDeadlineNs = NONE;
            retransmissions = 0;
            if (null != takeover && gt(seq, rcvNxt))
            {
                // The peer sent data this node never got (it was ESTABLISHED with the node before):
                // duplicate ACKs make it resend at once instead of at its RTO.
                ackNow = true;
                takeover.onHandshakeGap(ack);
                stack.markPending(this);
            }
            if (beyond)
            {
                established(nowNs);
                if (isGone() || !processAck(flags, seq, ack, window, payloadLength, options, nowNs))
                {
                    return;
                }
            }
            else
            {
                if (ack != sndUna)
                {
                    // Cannot happen (no data rides on a SYN-ACK here), but never trust the peer.
                    counters.dropBadAck.incrementRelease();
                    return;
                }
                established(nowNs);
                if (isGone())
                {
                    return;
                }
            }
        }
        else if (!processAck(flags, seq, ack, window, payloadLength, options, nowNs))
        {
            return;
        }
        if (isGone())
        {
            return;
        }

        // Phase 7: payload into the receive buffer, in order or into the assembler.
        int dataSeq = seq;
        int dataOffset = payloadOffset;
        int dataLength = payloadLength;
        boolean fin = (flags & FIN) != 0;
        if (lt(dataSeq, rcvNxt))
        {
            final int trim = rcvNxt - dataSeq;
            dataOffset += Math.min(trim, dataLength);
            dataLength = Math.max(0, dataLength - trim);
            dataSeq = rcvNxt;
        }
        if (dataLength > rcvWnd - (dataSeq - rcvNxt))
        {
            dataLength = Math.max(0, rcvWnd - (dataSeq - rcvNxt));
            fin = false;
        }
        if (dataLength > 0 || (payloadLength > 0 && dataLength == 0))
        {
            if (acceptsData())
            {
                receive(dataSeq, buffer, dataOffset, dataLength, nowNs);
            }
            else
            {
                fin = false;
            }
        }
        if (isGone())
        {
            return;
        }

        // Phase 8: FIN, processed only in order (an early FIN is forgotten; the peer resends it).
        if (fin && dataSeq + dataLength == rcvNxt)
        {
            onFin(nowNs);
        }
        else if (fin && state == TcpState.TIME_WAIT)
        {
            ackNow = true;
            timeWaitDeadlineNs = nowNs + config.timeWaitNs();
            stack.markPending(this);
        }
    }

    private void onSegmentInSynSent(
        final int flags, final int seq, final int ack, final int window, final TcpOptions options, final long nowNs)
    {
        // RFC 9293 3.10.7.3.
        final boolean hasAck = (flags & ACK) != 0;
        if (hasAck && (le(ack, iss) || gt(ack, sndMax)))
        {
            counters.dropBadAck.incrementRelease();
            if ((flags & RST) == 0)
            {
                stack.sendReset(localIp, localPort, remoteIp, remotePort, ack, 0, false);
            }
            return;
        }
        if ((flags & RST) != 0)
        {
            if (hasAck)
            {
                onReset();
            }
            else
            {
                counters.dropNoAckFlag.incrementRelease();
            }
            return;
        }
        if ((flags & SYN) == 0)
        {
            counters.dropNoAckFlag.incrementRelease();
            return;
        }

        irs = seq;
        rcvNxt = seq + 1;
        negotiate(options, window);
        if (timestamps)
        {
            tsRecent = options.tsVal;
        }
        congestion.init(sendMss, config.initialWindowSegments(), nowNs);
        sndWl1 = seq;
        sndWl2 = ack;
        lastAckWindow = sndWnd;
        ackNow = true;
        stack.markPending(this);
        if (hasAck)
        {
            sndUna = ack;
            if (!rttTimingDone(ack, options, nowNs))
            {
                rtt.clearBackoff();
            }
            rtoDeadlineNs = NONE;
            retransmissions = 0;
            established(nowNs);
        }
        else
        {
            // Simultaneous open (RFC 9293 figure 7): answer with SYN-ACK from SYN-RECEIVED.
            state = TcpState.SYN_RECEIVED;
            sndNxt = iss;
        }
    }

    /**
     * RFC 9293 3.10.7.4 ACK processing in the synchronized states, with RFC 5961 5.2 checks.
     *
     * @return false when the segment is to be dropped.
     */
    private boolean processAck(
        final int flags,
        final int seq,
        final int ackField,
        final int window,
        final int payloadLength,
        final TcpOptions options,
        final long nowNs)
    {
        final int ack = null == takeover ? ackField : takeover.onAck(ackField);
        if (gt(ack, sndMax))
        {
            counters.dropBadAck.incrementRelease();
            ackNow = true;
            stack.markPending(this);
            return false;
        }
        if (lt(ack, sndUna - maxSndWnd))
        {
            counters.dropBadAck.incrementRelease();
            challengeAck(nowNs);
            return false;
        }

        if (sackPermitted && options.sackBlockCount > 0)
        {
            for (int b = 0; b < options.sackBlockCount; b++)
            {
                scoreboard.add(options.sackBlocks[2 * b], options.sackBlocks[2 * b + 1], SeqNum.max(sndUna, ack), sndMax);
            }
        }

        final int scaledWindow = window << sndWindowScale;
        if (gt(ack, sndUna))
        {
            onNewAck(ack, options, nowNs);
            if (isGone())
            {
                return false;
            }
        }
        else if (ack == sndUna && payloadLength == 0 && (flags & (SYN | FIN)) == 0 &&
            scaledWindow == lastAckWindow && sndMax != sndUna)
        {
            // RFC 5681 section 2: no data, same ACK, same window as the last incoming ACK (not
            // SND.WND, which an old segment may not update), data outstanding.
            onDuplicateAck(nowNs);
        }
        lastAckWindow = scaledWindow;
        if (sackPermitted && options.sackBlockCount > 0 && sndMax != sndUna)
        {
            onSackInformation(nowNs);
        }

        // Remote window (RFC 9293 3.10.7.4, SND.WL1/SND.WL2 rule).
        if (lt(sndWl1, seq) || (sndWl1 == seq && le(sndWl2, ack)))
        {
            final boolean opened = sndWnd == 0 && scaledWindow > 0;
            sndWnd = scaledWindow;
            maxSndWnd = Math.max(maxSndWnd, scaledWindow);
            sndWl1 = seq;
            sndWl2 = ack;
            if (opened)
            {
                persistDeadlineNs = NONE;
                persistBackoff = 0;
                stack.markPending(this);
            }
        }
        return true;
    }

    private void onNewAck(final int ack, final TcpOptions options, final long nowNs)
    {
        final int flightBefore = sndMax - sndUna;
        final int acked = ack - sndUna;
        sndUna = ack;
        if (lt(sndNxt, sndUna))
        {
            sndNxt = sndUna;
        }

        // Bytes of data released; a FIN counts one sequence number but holds no byte.
        final int dataAcked = Math.min(acked, sendBuffer.length());
        sendBuffer.release(dataAcked);
        if (dataAcked > 0)
        {
            sndStreamAcked += dataAcked;
            stack.replication().onPeerAcknowledged(id, sndStreamAcked);
        }
        scoreboard.pruneBelow(sndUna);
        retransmissions = 0;
        dupAcks = 0;

        // RTT (RFC 7323 4.1 or one timed segment, RFC 6298 3 Karn).
        if (!rttTimingDone(ack, options, nowNs))
        {
            rtt.clearBackoff();
        }

        // Congestion control and NewReno recovery (RFC 6582 3.2 step 3).
        if (inRecovery)
        {
            if (ge(ack, recover))
            {
                inRecovery = false;
                congestion.onRecoveryEnd(sndMax - sndUna);
            }
            else
            {
                // RFC 6582 3.2 step 3: retransmit the first unacknowledged segment.
                congestion.onPartialAck(acked);
                highRetransmitted = sndUna;
                retransmitFront = true;
            }
        }
        else
        {
            congestion.onAck(acked, flightBefore, rtt.srttNs(), nowNs);
        }

        // RFC 6298 5.2 and 5.3: stop the timer when all is acked, else restart it.
        rtoDeadlineNs = sndUna == sndMax ? NONE : nowNs + rtt.rtoNs();

        // Our FIN acknowledged? It takes the sequence number after the last data byte.
        if (finQueued && acked > dataAcked && !finAcked)
        {
            finAcked = true;
            switch (state)
            {
                case FIN_WAIT_1:
                    state = TcpState.FIN_WAIT_2;
                    break;
                case CLOSING:
                    enterTimeWait(nowNs);
                    break;
                case LAST_ACK:
                    close(CloseReason.CLOSED);
                    return;
                default:
                    break;
            }
        }

        stack.markPending(this);
        if (writeBlocked && sendBuffer.free() > 0 && !serviceClosed && !finQueued)
        {
            writeBlocked = false;
            service.onWritable(this);
            offer();
        }
    }

    /**
     * @return true when this ACK produced an RTT sample.
     */
    private boolean rttTimingDone(final int ack, final TcpOptions options, final long nowNs)
    {
        if (timestamps && options.hasTimestamps && options.tsEcr != 0 &&
            (null == takeover || takeover.echoSamplesRtt(options.tsEcr)))
        {
            final int elapsedMs = tsClock(nowNs) - options.tsEcr;
            if (elapsedMs >= 0)
            {
                rtt.sample(Math.max(elapsedMs, 0) * 1_000_000L + 1);
                rtt.clearBackoff();
                return true;
            }
        }
        if (rttTiming && ge(ack, rttSeq))
        {
            rttTiming = false;
            rtt.sample(nowNs - rttStartNs);
            rtt.clearBackoff();
            return true;
        }
        return false;
    }

    private void onDuplicateAck(final long nowNs)
    {
        dupAcks++;
        if (inRecovery)
        {
            congestion.onDuplicateAckInRecovery();
            stack.markPending(this);
        }
        else if (dupAcks == 3)
        {
            enterRecovery(nowNs);
        }
    }

    /**
     * RFC 6675 section 4 IsLost, simplified: more than (DupThresh - 1) * SMSS bytes SACKed above
     * SND.UNA mark the first hole lost even when the ACKs carried data (and so were not duplicate
     * ACKs), as on a connection busy both ways. In recovery, each ACK with SACK news releases the
     * retransmission of the next hole.
     */
    private void onSackInformation(final long nowNs)
    {
        if (inRecovery)
        {
            retransmitFront = true;
            stack.markPending(this);
        }
        else if (scoreboard.sackedBytes() > 2 * sendMss)
        {
            enterRecovery(nowNs);
        }
    }

    private void enterRecovery(final long nowNs)
    {
        // RFC 6582 section 3.2 step 1: no second recovery for losses of the same window.
        if (lt(sndUna, recover) && recoverValid)
        {
            return;
        }
        // RFC 5681 3.2 step 2 and 3.
        inRecovery = true;
        recoverValid = true;
        recover = sndMax;
        highRetransmitted = sndUna;
        congestion.onFastRetransmit(sndMax - sndUna, nowNs);
        retransmitFront = true;
        rttTiming = false;
        counters.fastRetransmits.incrementRelease();
        stack.markPending(this);
    }

    private void established(final long nowNs)
    {
        state = TcpState.ESTABLISHED;
        if (listener != null)
        {
            listener.synReceived--;
            listener = null;
        }
        if (config.keepAlive())
        {
            keepAliveDeadlineNs = nowNs + config.keepAliveIdleNs();
        }
        // Active and SYN-cookie opens report the OPEN here; passive ones did in openPassive.
        reportOpen();
        if (null != takeover)
        {
            // Restored in SYN-RECEIVED: the service already holds the connection.
            return;
        }
        counters.connectionsOpened.incrementRelease();
        serviceAttached = true;
        service.onOpen(this);
    }

    private void reportOpen()
    {
        if (!openReported)
        {
            openReported = true;
            stack.replication().onOpen(
                id, localIp, localPort, remoteIp, remotePort, iss, irs, sendMss,
                windowScaling ? sndWindowScale : -1,
                windowScaling ? rcvWindowScale : -1,
                timestamps, sackPermitted);
        }
    }

    private boolean acceptsData()
    {
        return state == TcpState.ESTABLISHED || state == TcpState.FIN_WAIT_1 || state == TcpState.FIN_WAIT_2;
    }

    /**
     * RFC 9293 3.10.7.4 table of the four acceptability cases, with a segment at exactly RCV.NXT
     * always acceptable so that its ACK and flags are processed when the window is zero.
     */
    private boolean acceptable(final int seq, final int segLen, final int rcvWnd)
    {
        if (seq == rcvNxt)
        {
            return true;
        }
        if (segLen == 0)
        {
            // The right edge itself is taken as Linux takes it (tcp_sequence): a peer whose SND.NXT ran past the
            // window it was last offered sends its ACKs at SND.UNA + SND.WND, exactly our edge. After a takeover
            // that is how the client's first ACKs arrive, and dropping them would leave both ends deaf.
            return rcvWnd > 0 && ge(seq, rcvNxt) && le(seq, rcvNxt + rcvWnd);
        }
        if (rcvWnd == 0)
        {
            return false;
        }
        final int last = seq + segLen - 1;
        return (ge(seq, rcvNxt) && lt(seq, rcvNxt + rcvWnd)) || (ge(last, rcvNxt) && lt(last, rcvNxt + rcvWnd));
    }

    /**
     * @return RCV.WND: room for bytes past RCV.NXT.
     */
    int receiveWindow()
    {
        return state.isSynchronized() || state == TcpState.SYN_RECEIVED ? receiveBuffer.free() : 0;
    }

    /**
     * Take bytes the peer sent at RCV.NXT that reached this node another way, as if they had just arrived in order:
     * an ST-TCP backup that takes a connection over holds the client's bytes it tapped past the log, and the client
     * need not wait out its retransmission timeout to send them again. Only as much as the receive window holds;
     * the peer's retransmission of them later is a duplicate.
     *
     * @return the bytes taken.
     */
    int receiveRecovered(final DirectBuffer buffer, final int offset, final int length, final long nowNs)
    {
        if (length <= 0 || !state.isSynchronized() || !acceptsData())
        {
            return 0;
        }
        final int taken = Math.min(length, receiveWindow());
        if (taken > 0)
        {
            receive(rcvNxt, buffer, offset, taken, nowNs);
            ackNow = true;
            stack.markPending(this);
        }
        return taken;
    }

    private void receive(final int seq, final DirectBuffer buffer, final int offset, final int length, final long nowNs)
    {
        if (length == 0)
        {
            ackNow = true;
            stack.markPending(this);
            return;
        }
        final int distance = seq - rcvNxt;
        counters.bytesReceived.getAndAddRelease(length);
        if (distance == 0)
        {
            final boolean hadGap = !assembler.isEmpty();
            receiveBuffer.put(0, buffer, offset, length);
            final int newNxt = assembler.advance(rcvNxt + length);
            final int advanced = newNxt - rcvNxt;
            deliverInOrder(advanced);
            if (hadGap)
            {
                // RFC 5681 4.2: ACK at once a segment that fills a gap.
                ackNow = true;
            }
            else
            {
                bytesSinceAck += length;
                // RFC 5681 4.2: ACK at least every second full-sized segment; "full" is the largest seen.
                receiveMss = Math.min(config.mss(), Math.max(receiveMss, length));
                if (bytesSinceAck >= 2 * receiveMss || config.delayedAckNs() <= 0)
                {
                    ackNow = true;
                }
                else if (delayedAckDeadlineNs == NONE)
                {
                    delayedAckDeadlineNs = nowNs + config.delayedAckNs();
                }
            }
            offer();
        }
        else
        {
            if (assembler.add(seq, seq + length))
            {
                receiveBuffer.put(distance, buffer, offset, length);
            }
            else
            {
                counters.dropReassemblyFull.incrementRelease();
            }
            // RFC 5681 4.2: an out-of-order segment is ACKed at once (a duplicate ACK with SACK).
            ackNow = true;
        }
        stack.markPending(this);
    }

    private void deliverInOrder(final int advanced)
    {
        if (advanced <= 0)
        {
            return;
        }
        receiveBuffer.commit(advanced);
        rcvNxt += advanced;
        rcvStreamBytes += advanced;
    }

    /**
     * Offer the unconsumed bytes to the service, then owe it the peer's close once they are gone.
     */
    void offer()
    {
        if (!serviceAttached || serviceClosed)
        {
            return;
        }
        final int edgeBefore = rcvNxt + advertisableWindow();
        while (receiveBuffer.readable() > 0)
        {
            final int contiguous = receiveBuffer.contiguousReadable();
            final int consumed = service.onData(this, receiveBuffer.ring(), receiveBuffer.readIndex(), contiguous);
            if (serviceClosed || state == TcpState.FREE)
            {
                return;
            }
            final int taken = Math.max(0, Math.min(consumed, contiguous));
            receiveBuffer.consume(taken);
            if (taken < contiguous)
            {
                break;
            }
        }
        if (peerClosedOwed && receiveBuffer.readable() == 0)
        {
            peerClosedOwed = false;
            service.onPeerClosed(this);
        }
        // Window update: the right edge moved by at least 2 MSS or half the buffer (RFC 1122 4.2.3.3).
        final int edgeNow = rcvNxt + advertisableWindow();
        if (edgeNow != edgeBefore && state.isSynchronized())
        {
            final int growth = edgeNow - advertisedEdge;
            if (growth >= Math.min(2 * config.mss(), receiveBuffer.capacity() / 2))
            {
                ackNow = true;
                stack.markPending(this);
            }
        }
    }

    /**
     * @return the window a segment can say now: the free space, within what the 16-bit field
     * holds at this connection's shift.
     */
    private int advertisableWindow()
    {
        return Math.min(receiveBuffer.free(), 0xFFFF << rcvWindowScale);
    }

    private void onFin(final long nowNs)
    {
        rcvNxt += 1;
        finReceived = true;
        ackNow = true;
        stack.markPending(this);
        boolean timeWait = false;
        switch (state)
        {
            case SYN_RECEIVED:
            case ESTABLISHED:
                state = TcpState.CLOSE_WAIT;
                break;
            case FIN_WAIT_1:
                // Had this segment acknowledged our FIN, ACK processing would have left FIN-WAIT-1.
                state = TcpState.CLOSING;
                break;
            case FIN_WAIT_2:
                timeWait = true;
                break;
            default:
                break;
        }
        // The service hears of the peer's close (once it consumed the bytes before it) before
        // TIME-WAIT tells it the connection is closed.
        if (!serviceClosed)
        {
            peerClosedOwed = true;
            offer();
        }
        if (timeWait && state == TcpState.FIN_WAIT_2)
        {
            enterTimeWait(nowNs);
        }
    }

    private void enterTimeWait(final long nowNs)
    {
        state = TcpState.TIME_WAIT;
        rtoDeadlineNs = NONE;
        persistDeadlineNs = NONE;
        keepAliveDeadlineNs = NONE;
        delayedAckDeadlineNs = NONE;
        serviceTimeoutDeadlineNs = NONE;
        timeWaitDeadlineNs = nowNs + config.timeWaitNs();
        notifyClosed(CloseReason.CLOSED);
    }

    private void onReset()
    {
        counters.connectionsReset.incrementRelease();
        close(CloseReason.RESET);
    }

    private void challengeAck(final long nowNs)
    {
        if (stack.allowChallengeAck(nowNs))
        {
            counters.challengeAcks.incrementRelease();
            ackNow = true;
            stack.markPending(this);
        }
        else
        {
            counters.challengeAcksSuppressed.incrementRelease();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Timers
    // ------------------------------------------------------------------------------------------

    /**
     * @return the earliest of this connection's deadlines, or Long.MAX_VALUE.
     */
    long nextDeadlineNs()
    {
        long next = rtoDeadlineNs;
        next = Math.min(next, delayedAckDeadlineNs);
        next = Math.min(next, persistDeadlineNs);
        next = Math.min(next, keepAliveDeadlineNs);
        next = Math.min(next, timeWaitDeadlineNs);
        next = Math.min(next, serviceTimeoutDeadlineNs);
        return next;
    }

    /**
     * Run the timers that are due.
     */
    void onTimers(final long nowNs)
    {
        if (due(timeWaitDeadlineNs, nowNs))
        {
            timeWaitDeadlineNs = NONE;
            close(CloseReason.CLOSED);
            return;
        }
        if (due(rtoDeadlineNs, nowNs))
        {
            rtoDeadlineNs = NONE;
            onRetransmitTimeout(nowNs);
            if (isGone())
            {
                return;
            }
        }
        if (due(delayedAckDeadlineNs, nowNs))
        {
            delayedAckDeadlineNs = NONE;
            ackNow = true;
            stack.markPending(this);
        }
        if (due(persistDeadlineNs, nowNs))
        {
            persistDeadlineNs = NONE;
            probeWindow(nowNs);
        }
        if (due(keepAliveDeadlineNs, nowNs))
        {
            keepAliveDeadlineNs = NONE;
            keepAlive(nowNs);
            if (isGone())
            {
                return;
            }
        }
        if (due(serviceTimeoutDeadlineNs, nowNs))
        {
            serviceTimeoutDeadlineNs = NONE;
            if (!serviceClosed)
            {
                service.onTimeout(this);
            }
        }
    }

    private static boolean due(final long deadlineNs, final long nowNs)
    {
        return deadlineNs != NONE && (deadlineNs - nowNs) <= 0;
    }

    private void onRetransmitTimeout(final long nowNs)
    {
        if (sndUna == sndMax)
        {
            return;
        }
        if (sndWnd == 0 && state.isSynchronized())
        {
            // The peer's window is closed: not a loss; the persist timer probes from here.
            sndNxt = sndUna;
            stack.markPending(this);
            return;
        }
        retransmissions++;
        final int limit = state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED ?
            config.maxSynRetransmissions() : config.maxRetransmissions();
        if (retransmissions > limit)
        {
            counters.connectionsTimedOut.incrementRelease();
            close(CloseReason.TIMED_OUT);
            return;
        }
        counters.retransmitTimeouts.incrementRelease();
        // RFC 6298 5.5 back off; RFC 5681 3.1 loss window; go back to SND.UNA.
        rtt.backOff();
        if (state.isSynchronized())
        {
            congestion.onRetransmitTimeout(sndMax - sndUna, nowNs);
        }
        inRecovery = false;
        // RFC 6582 section 4: after a timeout, recovery may not start again below the old high water.
        recover = sndMax;
        recoverValid = true;
        dupAcks = 0;
        rttTiming = false;
        // RFC 2018 section 8: the receiver may renege, so forget what it SACKed.
        scoreboard.clear();
        sndNxt = sndUna;
        stack.markPending(this);
    }

    private void probeWindow(final long nowNs)
    {
        if (sndWnd != 0 || !state.isSynchronized())
        {
            return;
        }
        // A zero-window probe: an old sequence number draws an ACK with the current window.
        stack.sendSegment(this, sndUna - 1, ACK, 0, 0, nowNs);
        persistBackoff = Math.min(persistBackoff + 1, 30);
        persistDeadlineNs = nowNs + Math.min(MAX_PERSIST_NS, rtt.rtoNs() << persistBackoff);
    }

    private void keepAlive(final long nowNs)
    {
        if (!(state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT))
        {
            return;
        }
        if (sndMax != sndUna)
        {
            keepAliveDeadlineNs = nowNs + config.keepAliveIntervalNs();
            return;
        }
        if (keepAliveProbesSent >= config.keepAliveProbes())
        {
            counters.connectionsTimedOut.incrementRelease();
            close(CloseReason.TIMED_OUT);
            return;
        }
        keepAliveProbesSent++;
        stack.sendSegment(this, sndUna - 1, ACK, 0, 0, nowNs);
        keepAliveDeadlineNs = nowNs + config.keepAliveIntervalNs();
    }

    // ------------------------------------------------------------------------------------------
    // Egress
    // ------------------------------------------------------------------------------------------

    /**
     * Send everything due now ({@link TcpSender#dispatch}).
     */
    void dispatch(final long nowNs)
    {
        sender.dispatch(nowNs);
    }

    /**
     * The SACK blocks of the next segment, into {@link #sackEdges}: the prompt's while it is
     * written, else those of the out-of-order data held.
     *
     * @return the number of blocks, at most {@code room}.
     */
    int sackBlocks(final int room)
    {
        final int prompt = null == takeover ? 0 : takeover.writeSackBlock(sackEdges);
        if (prompt > 0 || assembler.isEmpty())
        {
            return prompt;
        }
        return assembler.sackBlocks(sackEdges, room);
    }

    /** Segments sent by this connection; lets dispatch see whether an ACK already went. */
    int sentSegments;

    /**
     * Called by the stack after every segment it sent for this connection.
     */
    void onSegmentSent(final int ackNumber, final int window)
    {
        sentSegments++;
        ackNow = false;
        bytesSinceAck = 0;
        delayedAckDeadlineNs = NONE;
        lastAckSent = ackNumber;
        advertisedEdge = ackNumber + window;
    }

    /**
     * @return the acknowledgment number to send: RCV.NXT, held back by {@link ReplicationSeam#acknowledgeLimit}.
     */
    int ackNumber()
    {
        final long limit = stack.replication().acknowledgeLimit(id, rcvStreamBytes);
        if (limit > rcvStreamBytes)
        {
            return rcvNxt;
        }
        if (limit == rcvStreamBytes)
        {
            // The data is durable; a received FIN is acknowledged only once it is too (limit + 1).
            return finReceived ? rcvNxt - 1 : rcvNxt;
        }
        final long held = rcvStreamBytes - Math.max(0, limit);
        return rcvNxt - (int)held - (finReceived ? 1 : 0);
    }

    /**
     * @return the window to advertise from {@code ackNumber}, in bytes, before scaling.
     */
    int windowFrom(final int ackNumber)
    {
        final int edge = rcvNxt + receiveWindow();
        return Math.max(0, edge - ackNumber);
    }

    /**
     * @return this connection's TSval now: the stack's timestamp clock plus the offset from ISS.
     */
    int tsClock(final long nowNs)
    {
        return stack.timestampClockMs(nowNs) + tsOffset;
    }

    /**
     * @return the TSval offset of a connection with this ISS (RFC 7323 5.4), the same on every node.
     */
    static int timestampOffset(final int iss)
    {
        return iss * 0x9E3779B1;
    }

    /**
     * @return true when the connection has been closed (and maybe pooled again) during a callback.
     */
    private boolean isGone()
    {
        return state == TcpState.FREE || state == TcpState.CLOSED || abortRequested;
    }

    // ------------------------------------------------------------------------------------------
    // Closing
    // ------------------------------------------------------------------------------------------

    private void notifyClosed(final CloseReason reason)
    {
        if (serviceAttached && !serviceClosed)
        {
            serviceClosed = true;
            service.onClosed(this, reason);
        }
        serviceClosed = true;
    }

    /**
     * Leave the table and the pool: the connection is over.
     */
    void close(final CloseReason reason)
    {
        if (state == TcpState.FREE)
        {
            return;
        }
        if (listener != null)
        {
            listener.synReceived--;
            listener = null;
        }
        state = TcpState.CLOSED;
        if (reason == CloseReason.CLOSED)
        {
            counters.connectionsClosed.incrementRelease();
        }
        stack.replication().onClosed(id, reason);
        notifyClosed(reason);
        stack.release(this);
    }

    // ------------------------------------------------------------------------------------------
    // Connection, for the service
    // ------------------------------------------------------------------------------------------

    public long id()
    {
        return id;
    }

    public int localIp()
    {
        return localIp;
    }

    public int localPort()
    {
        return localPort;
    }

    public int remoteIp()
    {
        return remoteIp;
    }

    public int remotePort()
    {
        return remotePort;
    }

    public TcpState state()
    {
        return state;
    }

    public int writableBytes()
    {
        if (finQueued || abortRequested || !(state.isSynchronized() || state == TcpState.SYN_SENT ||
            state == TcpState.SYN_RECEIVED))
        {
            return 0;
        }
        return sendBuffer.free();
    }

    public int write(final DirectBuffer buffer, final int offset, final int length)
    {
        if (writableBytes() == 0)
        {
            writeBlocked = length > 0 && !finQueued;
            return 0;
        }
        final int accepted = sendBuffer.write(buffer, offset, length);
        if (accepted < length)
        {
            writeBlocked = true;
        }
        if (accepted > 0)
        {
            counters.bytesSent.getAndAddRelease(accepted);
            stack.markPending(this);
        }
        return accepted;
    }

    public void shutdownOutput()
    {
        if (finQueued)
        {
            return;
        }
        switch (state)
        {
            case SYN_RECEIVED:
            case ESTABLISHED:
                finQueued = true;
                state = TcpState.FIN_WAIT_1;
                break;
            case CLOSE_WAIT:
                finQueued = true;
                state = TcpState.LAST_ACK;
                break;
            case SYN_SENT:
                close(CloseReason.CLOSED);
                return;
            default:
                return;
        }
        stack.markPending(this);
    }

    public void abort()
    {
        if (state == TcpState.FREE || state == TcpState.CLOSED || abortRequested)
        {
            return;
        }
        if (state == TcpState.TIME_WAIT || state == TcpState.SYN_SENT)
        {
            close(CloseReason.CLOSED);
            return;
        }
        abortRequested = true;
        stack.markPending(this);
    }

    public void scheduleTimeout(final long delayMs)
    {
        serviceTimeoutDeadlineNs = delayMs <= 0 ? NONE : stack.lastNowNs() + delayMs * 1_000_000L;
        stack.reschedule(this);
    }

    /**
     * @return the time the stack last saw, for tests and diagnostics.
     */
    long stackNowNs()
    {
        return stack.lastNowNs();
    }

    public Object attachment()
    {
        return attachment;
    }

    public void attachment(final Object attachment)
    {
        this.attachment = attachment;
    }

    public String toString()
    {
        return "TcpConnection{id=" + id + ", state=" + state + ", sndUna=" + sndUna + ", sndNxt=" + sndNxt +
            ", sndMax=" + sndMax + ", sndWnd=" + sndWnd + ", cwnd=" + congestion.cwnd() + ", ssthresh=" +
            congestion.ssthresh() + ", buffered=" + sendBuffer.length() + ", inRecovery=" + inRecovery +
            ", rcvNxt=" + rcvNxt + ", readable=" + receiveBuffer.readable() + ", ooo=" + assembler.count() +
            ", sacked=" + scoreboard.count() + ", rto=" + (rtoDeadlineNs == NONE ? "-" : rtoDeadlineNs / 1_000_000) +
            ", persist=" + (persistDeadlineNs == NONE ? "-" : persistDeadlineNs / 1_000_000) + '}';
    }
}
