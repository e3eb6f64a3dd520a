package io.ertcp.engine.replication.replica;

import org.agrona.collections.LongArrayQueue;

/**
 * The primary's output commit in log order (docs/architecture.md rule 2): one entry for each replica a published
 * record changed, saying what that record, once confirmed, releases: the replica's input up to {@link #input} (FIN
 * counted one), its output up to {@link #output}, a FIN or RST the service asked for, and the record bytes published
 * up to it. Entries are six longs in one Agrona {@link LongArrayQueue} (it grows by itself; none is allocated once it
 * has grown to the most entries waiting), read back through {@link #poll()} into the fields below.
 */
final class CommitQueue
{
    static final int FLAG_SHUTDOWN = 1;
    static final int FLAG_ABORT = 2;
    private static final int LONGS_PER_ENTRY = 6;

    private final LongArrayQueue entries = new LongArrayQueue(1024 * LONGS_PER_ENTRY, Long.MIN_VALUE);

    /** The last entry {@link #poll()} took: its record's position, replica, input, output, flags, published bytes. */
    long position;
    long connectionId;
    long input;
    long output;
    int flags;
    long publishedBytes;

    void add(
        final long position, final long connectionId, final long input, final long output, final int flags,
        final long publishedBytes)
    {
        entries.offerLong(position);
        entries.offerLong(connectionId);
        entries.offerLong(input);
        entries.offerLong(output);
        entries.offerLong(flags);
        entries.offerLong(publishedBytes);
    }

    boolean isEmpty()
    {
        return entries.isEmpty();
    }

    /**
     * @return the position of the oldest entry's record; only when not {@link #isEmpty()}.
     */
    long headPosition()
    {
        return entries.peekLong();
    }

    /**
     * Take the oldest entry into the fields; only when not {@link #isEmpty()}.
     */
    void poll()
    {
        position = entries.pollLong();
        connectionId = entries.pollLong();
        input = entries.pollLong();
        output = entries.pollLong();
        flags = (int)entries.pollLong();
        publishedBytes = entries.pollLong();
    }
}
