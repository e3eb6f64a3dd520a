package io.ertcp.engine.replication.channel;

import io.ertcp.engine.counters.Counters;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * What one end of the replication channel counts. The hot path logs nothing: every record sent again, every frame
 * ignored and every gap asked for has a counter here, and tests assert on them.
 */
public final class ChannelCounters
{
    // Sender
    public final AtomicCounter framesSent;
    public final AtomicCounter recordsSent;
    /** Records sent again, for a NAK or a tail probe. */
    public final AtomicCounter recordsRetransmitted;
    public final AtomicCounter naksReceived;
    /** NAKed positions already released from the window: the receiver must fetch them from the logger's log. */
    public final AtomicCounter nakedPositionsUnavailable;
    /** NAKs dropped because the retransmit queue was full (the receiver asks again). */
    public final AtomicCounter naksDropped;
    public final AtomicCounter confirmsReceived;
    /** The last record sent again because nothing was confirmed for a while (its loss leaves no gap to see). */
    public final AtomicCounter tailProbes;
    /** ST-TCP: FETCHes received, and whole records sent for them from the primary's log. */
    public final AtomicCounter fetchesReceived;
    public final AtomicCounter recordsFetched;
    /** The receiver served restarted without its state (a newer incarnation); its frames of an older one. */
    public final AtomicCounter receiverRestarts;
    public final AtomicCounter staleIncarnationFrames;

    // Receiver
    public final AtomicCounter framesReceived;
    public final AtomicCounter recordsDelivered;
    /** Records or fragments already held or delivered. */
    public final AtomicCounter duplicates;
    /** Frames of an epoch older than the newest seen: a deposed primary's. */
    public final AtomicCounter staleEpochFrames;
    /** Frames too short, of another version or kind, or whose records do not add up. */
    public final AtomicCounter malformedFrames;
    /** Records whose CRC32C does not match: dropped and asked for again. */
    public final AtomicCounter corruptRecords;
    /** Records too far ahead to buffer: dropped and asked for again. */
    public final AtomicCounter beyondWindow;
    public final AtomicCounter naksSent;
    public final AtomicCounter confirmsSent;
    /** ST-TCP: FETCHes sent for records the tap could not fill. */
    public final AtomicCounter fetchesSent;

    public ChannelCounters(final Counters counters, final String name)
    {
        framesSent = counters.newCounter(name + " frames-sent");
        recordsSent = counters.newCounter(name + " records-sent");
        recordsRetransmitted = counters.newCounter(name + " records-retransmitted");
        naksReceived = counters.newCounter(name + " naks-received");
        nakedPositionsUnavailable = counters.newCounter(name + " naked-positions-unavailable");
        naksDropped = counters.newCounter(name + " naks-dropped");
        confirmsReceived = counters.newCounter(name + " confirms-received");
        tailProbes = counters.newCounter(name + " tail-probes");
        fetchesReceived = counters.newCounter(name + " fetches-received");
        recordsFetched = counters.newCounter(name + " records-fetched");
        receiverRestarts = counters.newCounter(name + " receiver-restarts");
        staleIncarnationFrames = counters.newCounter(name + " stale-incarnation-frames");
        framesReceived = counters.newCounter(name + " frames-received");
        recordsDelivered = counters.newCounter(name + " records-delivered");
        duplicates = counters.newCounter(name + " duplicates");
        staleEpochFrames = counters.newCounter(name + " stale-epoch-frames");
        malformedFrames = counters.newCounter(name + " malformed-frames");
        corruptRecords = counters.newCounter(name + " corrupt-records");
        beyondWindow = counters.newCounter(name + " beyond-window");
        naksSent = counters.newCounter(name + " naks-sent");
        confirmsSent = counters.newCounter(name + " confirms-sent");
        fetchesSent = counters.newCounter(name + " fetches-sent");
    }
}
