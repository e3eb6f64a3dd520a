package io.ertcp.engine.replication.tap;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * One client connection as the tap sees it: the client's byte stream in a ring of {@code window}
 * bytes starting at {@link #taken}, which of those bytes are present, and what the client said about
 * its FIN, its RST and its ACK of the server's stream. Pooled by {@link TapAssembler}: the ring and
 * the bitmap are allocated when an entry is first used and kept when it is freed, so the steady state
 * allocates nothing.
 * <p>
 * Stream offsets are longs that never wrap: the client's byte at sequence number {@code irs + 1 + k}
 * (mod 2^32) is at offset {@code k}. The ring slot of offset {@code k} is {@code k & (window - 1)}.
 */
final class TapStream
{
    static final long NONE = -1L;

    private final int windowBytes;
    private UnsafeBuffer ring;
    private PresenceBitmap present;

    /** The client's address and port as {@link TapAssembler#key} keys them; valid while the entry is in use. */
    long key;
    int clientIp;
    int clientPort;
    /** The client's initial sequence number (its SYN's). */
    int irs;
    /** The server's initial sequence number, valid when {@link #serverIssKnown}. */
    int serverIss;
    boolean serverIssKnown;
    /** An OPEN record confirmed the connection: the primary accepted it with {@link #irs}. */
    boolean confirmed;
    /**
     * The entry is on the assembler's list of entries a SYN made and no OPEN confirmed yet, oldest
     * first, linked by {@link #olderPending} and {@link #newerPending}. Never true with {@link #confirmed}.
     */
    boolean pending;
    TapStream olderPending;
    TapStream newerPending;
    /** Bytes were stored or taken: a SYN with another ISN no longer replaces the entry silently. */
    boolean used;
    /** The client sent an RST. */
    boolean reset;
    /**
     * No more bytes are stored: the client reset the connection or sent a SYN with another ISN on its
     * 4-tuple, so later segments may belong to another incarnation and would land at wrong offsets.
     * What the ordering records still need the backup fetches from the primary.
     */
    boolean frozen;
    /** The stream offset of the client's FIN (its sequence number's offset), or {@link #NONE}. */
    long finOffset;
    /**
     * The highest cumulative ACK the client sent for the server's stream, as an offset from
     * {@code serverIss + 1} (so 0 acknowledges the SYN-ACK and nothing more), or {@link #NONE}.
     * Never decreases while {@link #serverIss} stays.
     */
    long clientAcked;
    /**
     * Everything below was taken and is forgotten; the ring holds {@code [taken, taken + window)}.
     * Never decreases. Invariant: no bit is set for an offset below it or at or past taken + window.
     */
    long taken;

    TapStream(final int windowBytes)
    {
        this.windowBytes = windowBytes;
    }

    /** Make the entry a fresh connection; the ring is cleared (and allocated on first use). */
    void begin(final long key, final int clientIp, final int clientPort, final int irs)
    {
        this.key = key;
        this.clientIp = clientIp;
        this.clientPort = clientPort;
        this.irs = irs;
        serverIss = 0;
        serverIssKnown = false;
        confirmed = false;
        used = false;
        reset = false;
        frozen = false;
        finOffset = NONE;
        clientAcked = NONE;
        taken = 0;
        if (present == null)
        {
            try
            {
                // Off heap: a backup follows as many connections as the primary serves, a window each.
                ring = new UnsafeBuffer(ByteBuffer.allocateDirect(windowBytes));
                present = new PresenceBitmap(windowBytes);
            }
            catch (final OutOfMemoryError ex)
            {
                // No memory for this connection's window (ERTCP_DIRECT_MEMORY): store nothing; every ordering
                // record of it is fetched from the primary instead. Tried again when the entry is reused.
                ring = null;
                present = null;
                frozen = true;
            }
        }
        else
        {
            present.clearAll();
        }
    }

    /**
     * @return false when this entry got no memory for its window: nothing is stored in it.
     */
    boolean hasWindow()
    {
        return present != null;
    }

    /**
     * @return the stream offset of the client's sequence number {@code seq}, taken as the nearest
     * to {@link #taken} in 32-bit sequence space (within 2^31 either side).
     */
    long offsetOf(final int seq)
    {
        final int seqOfTaken = irs + 1 + (int)taken;
        return taken + (seq - seqOfTaken);
    }

    /**
     * Store {@code length} bytes at {@code [offset, offset + length)}, which lie within
     * {@code [taken, taken + window)}.
     */
    void store(final long offset, final DirectBuffer src, final int srcIndex, final int length)
    {
        final int mask = windowBytes - 1;
        final int slot = (int)offset & mask;
        final int first = Math.min(length, windowBytes - slot);
        ring.putBytes(slot, src, srcIndex, first);
        if (first < length)
        {
            ring.putBytes(0, src, srcIndex + first, length - first);
        }
        present.set(offset, length);
        used = true;
    }

    /**
     * @return how many bytes from {@code offset} on are present without a gap, at most
     * {@code limit}; 0 when {@code offset} lies outside the window.
     */
    int contiguous(final long offset, final int limit)
    {
        if (present == null || offset < taken || offset >= taken + windowBytes)
        {
            return 0;
        }
        final int room = (int)(taken + windowBytes - offset);
        return present.contiguous(offset, Math.min(limit, room));
    }

    /** Copy {@code [offset, offset + length)}, all present, into {@code dst}. */
    void copy(final long offset, final MutableDirectBuffer dst, final int dstIndex, final int length)
    {
        final int slot = (int)offset & (windowBytes - 1);
        final int first = Math.min(length, windowBytes - slot);
        dst.putBytes(dstIndex, ring, slot, first);
        if (first < length)
        {
            dst.putBytes(dstIndex + first, ring, 0, length - first);
        }
    }

    /** Forget every byte below {@code upTo} and slide the window there; a point at or below {@link #taken} does nothing. */
    void take(final long upTo)
    {
        if (upTo <= taken)
        {
            return;
        }
        final long freed = upTo - taken;
        if (present == null)
        {
            taken = upTo;
            return;
        }
        if (freed >= windowBytes)
        {
            present.clearAll();
        }
        else
        {
            present.clear(taken, (int)freed);
        }
        taken = upTo;
        used = true;
    }

    int windowBytes()
    {
        return windowBytes;
    }
}
