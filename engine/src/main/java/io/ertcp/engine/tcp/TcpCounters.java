package io.ertcp.engine.tcp;

import io.ertcp.engine.counters.Counters;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The TCP layer's counters, one per outcome worth watching; every dropped segment lands in
 * exactly one named drop counter.
 */
public final class TcpCounters
{
    public final AtomicCounter segmentsReceived;
    public final AtomicCounter segmentsSent;
    public final AtomicCounter bytesReceived;
    public final AtomicCounter bytesSent;
    public final AtomicCounter retransmittedSegments;
    public final AtomicCounter fastRetransmits;
    public final AtomicCounter retransmitTimeouts;
    public final AtomicCounter connectionsOpened;
    /** Connections made live at takeover by {@link TcpStack#restore}, not opened by a handshake. */
    public final AtomicCounter connectionsRestored;
    /** Restored connections' out-of-window probes for the peer's SND.NXT (see TakeoverPrompt). */
    public final AtomicCounter takeoverProbes;
    /** Restored connections that SACKed the peer's last segment so that it resends the rest at once. */
    public final AtomicCounter takeoverSackPrompts;
    public final AtomicCounter connectionsClosed;
    public final AtomicCounter connectionsReset;
    public final AtomicCounter connectionsTimedOut;
    public final AtomicCounter resetsSent;
    public final AtomicCounter challengeAcks;
    public final AtomicCounter challengeAcksSuppressed;
    public final AtomicCounter synCookiesSent;
    public final AtomicCounter synCookiesAccepted;
    public final AtomicCounter outputBlocked;

    public final AtomicCounter dropMalformedHeader;
    public final AtomicCounter dropMalformedOptions;
    public final AtomicCounter dropSynFin;
    public final AtomicCounter dropNoConnection;
    public final AtomicCounter dropOutOfWindow;
    public final AtomicCounter dropBadAck;
    public final AtomicCounter dropPaws;
    public final AtomicCounter dropNoAckFlag;
    public final AtomicCounter dropSynBacklogFull;
    public final AtomicCounter dropTableFull;
    public final AtomicCounter dropBadCookie;
    public final AtomicCounter dropReassemblyFull;

    public TcpCounters(final Counters counters)
    {
        segmentsReceived = counters.newCounter("tcp rx-segments");
        segmentsSent = counters.newCounter("tcp tx-segments");
        bytesReceived = counters.newCounter("tcp rx-bytes");
        bytesSent = counters.newCounter("tcp tx-bytes");
        retransmittedSegments = counters.newCounter("tcp retransmitted-segments");
        fastRetransmits = counters.newCounter("tcp fast-retransmits");
        retransmitTimeouts = counters.newCounter("tcp retransmit-timeouts");
        connectionsOpened = counters.newCounter("tcp connections-opened");
        connectionsRestored = counters.newCounter("tcp connections-restored");
        takeoverProbes = counters.newCounter("tcp takeover-probes");
        takeoverSackPrompts = counters.newCounter("tcp takeover-sack-prompts");
        connectionsClosed = counters.newCounter("tcp connections-closed");
        connectionsReset = counters.newCounter("tcp connections-reset");
        connectionsTimedOut = counters.newCounter("tcp connections-timed-out");
        resetsSent = counters.newCounter("tcp resets-sent");
        challengeAcks = counters.newCounter("tcp challenge-acks");
        challengeAcksSuppressed = counters.newCounter("tcp challenge-acks-suppressed");
        synCookiesSent = counters.newCounter("tcp syn-cookies-sent");
        synCookiesAccepted = counters.newCounter("tcp syn-cookies-accepted");
        outputBlocked = counters.newCounter("tcp output-blocked");
        dropMalformedHeader = counters.newCounter("tcp drop-malformed-header");
        dropMalformedOptions = counters.newCounter("tcp drop-malformed-options");
        dropSynFin = counters.newCounter("tcp drop-syn-fin");
        dropNoConnection = counters.newCounter("tcp drop-no-connection");
        dropOutOfWindow = counters.newCounter("tcp drop-out-of-window");
        dropBadAck = counters.newCounter("tcp drop-bad-ack");
        dropPaws = counters.newCounter("tcp drop-paws");
        dropNoAckFlag = counters.newCounter("tcp drop-no-ack-flag");
        dropSynBacklogFull = counters.newCounter("tcp drop-syn-backlog-full");
        dropTableFull = counters.newCounter("tcp drop-table-full");
        dropBadCookie = counters.newCounter("tcp drop-bad-cookie");
        dropReassemblyFull = counters.newCounter("tcp drop-reassembly-full");
    }
}
