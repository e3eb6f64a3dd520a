package io.ertcp.engine.port;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The one seam between the wire and the engine: bursts of Ethernet frames in and out.
 * <p>
 * A port is owned by one thread (the agent that polls it); none of its methods are thread safe.
 * Receive hands each frame to a {@link FrameHandler} in place, valid only for the duration of the
 * callback. Transmit is claim, write, commit, then {@link #flush()} sends every committed frame in
 * one burst: one syscall or one downcall per burst, never per frame.
 * <pre>
 *   int offset = port.txClaim(length);        // -1: the burst is full, flush() and claim again
 *   if (offset >= 0) {
 *       MutableDirectBuffer tx = port.txBuffer();
 *       ... write the frame at tx[offset, offset + length) ...
 *       port.txCommit(length);                // at most the claimed length
 *   }
 *   port.flush();
 * </pre>
 */
public interface PacketPort extends AutoCloseable
{
    /** Largest frame a port carries: a 1500-byte MTU plus the 14-byte Ethernet header. */
    int MAX_FRAME_LENGTH = 1514;

    /**
     * @return a name for messages and counters, such as {@code af-packet:veth0}.
     */
    String name();

    /**
     * @return the port's MAC address in the low 48 bits, first octet most significant.
     */
    long macAddress();

    /**
     * Receive up to {@code limit} frames, handing each to the handler in place.
     *
     * @param handler called once per frame.
     * @param limit   the most frames to deliver in this call.
     * @return the number of frames delivered.
     */
    int receive(FrameHandler handler, int limit);

    /**
     * @return the longest frame this port carries, Ethernet header included: {@link #MAX_FRAME_LENGTH} unless the
     * port was made for jumbo frames (the in-memory LAN can be).
     */
    default int maxFrameLength()
    {
        return MAX_FRAME_LENGTH;
    }

    /**
     * @return true when {@link #awaitFrames(int)} sleeps until a frame arrives (a port with a file descriptor to poll);
     * false when it returns at once and an idle thread has to sleep on its own.
     */
    default boolean canAwaitFrames()
    {
        return false;
    }

    /**
     * Block until a received frame waits or the timeout passes: an idle thread sleeps here instead of parking, so
     * a frame (a record, a CONFIRM) wakes it at once rather than after its park. Ports that cannot block return at once.
     *
     * @param timeoutMs the longest wait, 0 to only look, -1 to wait for ever.
     * @return true when a frame is waiting (false too when the port cannot tell).
     */
    default boolean awaitFrames(final int timeoutMs)
    {
        return false;
    }

    /**
     * Claim space for one outgoing frame.
     *
     * @param length the frame's length in bytes, at most {@link #MAX_FRAME_LENGTH}.
     * @return the offset in {@link #txBuffer()} where the frame is to be written, or -1 when the
     * current burst is full or the wire has not yet released the slots of earlier bursts (call
     * {@link #flush()} and claim again, now or on a later duty cycle).
     */
    int txClaim(int length);

    /**
     * @return the buffer that the last successful {@link #txClaim(int)} points into.
     */
    MutableDirectBuffer txBuffer();

    /**
     * Commit the claimed frame with its final length, which is at most the claimed length.
     *
     * @param length the number of bytes written.
     */
    void txCommit(int length);

    /**
     * Commit the claimed frame with flags for the port: {@link FrameFlags#FILL_CHECKSUM} or 0.
     *
     * @param length the number of bytes written.
     * @param flags  {@link FrameFlags#FILL_CHECKSUM} only on a port that {@link #fillsTcpChecksums()}.
     */
    default void txCommit(final int length, final int flags)
    {
        if ((flags & FrameFlags.FILL_CHECKSUM) != 0)
        {
            throw new IllegalArgumentException(name() + " fills in no checksums: compute the frame's own");
        }
        txCommit(length);
    }

    /**
     * @return true when the port (its NIC) fills in the TCP checksum of IPv4 frames committed with
     * {@link FrameFlags#FILL_CHECKSUM}; false when the stack computes every checksum itself.
     */
    default boolean fillsTcpChecksums()
    {
        return false;
    }

    /**
     * Send every committed frame.
     *
     * @return the number of frames handed to the wire; frames the wire would not take are counted
     * as {@link PortCounters#txDropped()} and freed.
     */
    int flush();

    /**
     * @return the port's frame and byte counters.
     */
    PortCounters counters();

    /**
     * Copy one frame into the current burst; a convenience over claim, write and commit.
     *
     * @return true when the frame was queued; false when the burst was full even after a flush.
     */
    default boolean send(final DirectBuffer frame, final int offset, final int length)
    {
        int claim = txClaim(length);
        if (claim < 0)
        {
            flush();
            claim = txClaim(length);
            if (claim < 0)
            {
                return false;
            }
        }

        txBuffer().putBytes(claim, frame, offset, length);
        txCommit(length);
        return true;
    }

    /**
     * Release the port's resources; frames not yet flushed are discarded.
     */
    void close();
}
