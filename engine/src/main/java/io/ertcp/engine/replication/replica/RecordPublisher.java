package io.ertcp.engine.replication.replica;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Where the primary's records go: the local copy of the log and the channel to the logger. Publishing never
 * refuses (the local log holds what the channel's window cannot yet), so the order in which records are published
 * is the order in which they are applied, and that is the log order.
 */
public interface RecordPublisher
{
    /**
     * Give the record the next position and send it on. The header's type, length and epoch are written; the
     * publisher writes the position (and checksum) into the buffer before it returns.
     *
     * @return the position given.
     */
    long publish(MutableDirectBuffer buffer, int offset, int length);

    /**
     * Point {@code view} at room for the next record, of up to {@code maxLength} bytes, where the publisher keeps
     * records to send them (its sender's window), so that a record built there and published from there ({@code
     * publish(view, 0, length)}) is copied by nobody on its way to the channel. Until then no other record may be
     * published; {@link #cancelClaim} gives the room up.
     *
     * @return false when there is no such room now: build the record elsewhere.
     */
    default boolean claim(final int maxLength, final UnsafeBuffer view)
    {
        return false;
    }

    /** Give up a {@link #claim} whose record will not be published. */
    default void cancelClaim()
    {
    }
}
