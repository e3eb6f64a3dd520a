package io.ertcp.engine.replication.tap;

import io.ertcp.engine.counters.Counters;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * What a {@link TapAssembler} counts: every tapped frame it does not store has a named reason here,
 * since the tap path logs nothing and throws nothing. Written by the assembler's thread, read from
 * any (the CLI, tests).
 */
public final class TapCounters
{
    /** Every frame handed to {@link TapAssembler#onFrame}. */
    public final AtomicCounter framesSeen;
    /** Frames that are not IPv4/TCP between a client and the service address and port: not ours. */
    public final AtomicCounter ignored;
    /** Client segments whose payload was stored, in part or whole. */
    public final AtomicCounter segmentsStored;
    /** Payload bytes written into the window (bytes already present and rewritten count again). */
    public final AtomicCounter bytesStored;
    /** Client segments that brought no new byte: all already present, or all below what was taken. */
    public final AtomicCounter duplicates;
    /** Client segments with bytes at or past taken + window: those bytes were dropped. */
    public final AtomicCounter beyondWindow;
    /** Truncated frames, bad IPv4 or TCP lengths, a bad IP version. */
    public final AtomicCounter malformed;
    /** A bad IPv4 header checksum or a bad TCP checksum. */
    public final AtomicCounter badChecksum;
    /** IPv4 fragments for the service: never reassembled (clients send with DF and a fitting MSS). */
    public final AtomicCounter fragments;
    /** Client data or FIN for a connection without an entry (neither its SYN nor its OPEN seen). */
    public final AtomicCounter unknownConnection;
    /** A SYN or an OPEN that needed a new entry when all {@code maxConnections} were in use and confirmed. */
    public final AtomicCounter tableFull;
    /** Entries a SYN made, never confirmed by an OPEN, evicted (oldest first) to make room. */
    public final AtomicCounter evicted;
    /** A SYN with a new ISN on a 4-tuple whose entry is confirmed, or in use and not closed: ignored. */
    public final AtomicCounter synConflicts;
    /** Client data segments not stored because their entry is frozen (after an RST or a conflicting SYN). */
    public final AtomicCounter frozen;
    /** Client RSTs recorded. */
    public final AtomicCounter resets;

    /**
     * @param counters where the counters are allocated.
     * @param name     prefixes each label, such as {@code "tap"}.
     */
    public TapCounters(final Counters counters, final String name)
    {
        framesSeen = counters.newCounter(name + " frames-seen");
        ignored = counters.newCounter(name + " ignored");
        segmentsStored = counters.newCounter(name + " segments-stored");
        bytesStored = counters.newCounter(name + " bytes-stored");
        duplicates = counters.newCounter(name + " duplicates");
        beyondWindow = counters.newCounter(name + " beyond-window");
        malformed = counters.newCounter(name + " malformed");
        badChecksum = counters.newCounter(name + " bad-checksum");
        fragments = counters.newCounter(name + " fragments");
        unknownConnection = counters.newCounter(name + " unknown-connection");
        tableFull = counters.newCounter(name + " table-full");
        evicted = counters.newCounter(name + " evicted");
        synConflicts = counters.newCounter(name + " syn-conflicts");
        frozen = counters.newCounter(name + " frozen");
        resets = counters.newCounter(name + " resets");
    }
}
