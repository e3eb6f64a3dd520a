package io.ertcp.engine.replication.replica;

import org.agrona.MutableDirectBuffer;

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
}
