package io.ertcp.log;

import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Reads the replication log in order from any position: how a backup that fell behind, or a node that rejoins,
 * catches up from the logger's copy. Records are delivered as views of the mapped file with their positions, each
 * exactly once and with no gap; torn records cut at a restart (see {@link ReplicationLog}) are skipped. A gap in the
 * positions of intact records means the files were damaged in the middle: the reader stops there and says so.
 * <p>
 * One thread per reader; {@link #poll} allocates nothing.
 */
public final class LogReader implements AutoCloseable
{
    private final ReplicationLog log;
    private final ExcerptTailer tailer;
    private final RecordCodec codec = new RecordCodec();
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private long nextPosition = 1;
    private long skippedRecords;
    /** Check structure only, not the CRC32C: the log's owner verified every record once when it took it. */
    private final boolean trusted;

    LogReader(final ReplicationLog log, final ExcerptTailer tailer, final boolean trusted)
    {
        this.log = log;
        this.tailer = tailer;
        this.trusted = trusted;
    }

    /**
     * The position the next delivered record will have.
     */
    public long nextPosition()
    {
        return nextPosition;
    }

    /**
     * How many torn or corrupt records this reader stepped over.
     */
    public long skippedRecords()
    {
        return skippedRecords;
    }

    /**
     * Move so the next record delivered is {@code position}; a position after the end waits for it to be appended.
     *
     * @throws IllegalArgumentException with one sentence when retention already deleted the position.
     */
    public void seek(final long position)
    {
        final long target = Math.max(1, position);
        for (final Long cycle : log.cycles().descendingSet())
        {
            final long first = log.firstPositionOfCycle(tailer, cycle.intValue(), view);
            if (first > 0 && first <= target)
            {
                final long firstIndex = tailer.lastReadIndex();
                // Cut records only ever add excerpts, so the record sits at this index or after it: poll skips ahead.
                if (!tailer.moveToIndex(firstIndex + (target - first)))
                {
                    tailer.moveToIndex(firstIndex);
                }
                nextPosition = target;
                return;
            }
        }

        final long oldest = log.firstPosition();
        if (target < oldest && oldest <= log.lastPosition())
        {
            throw new IllegalArgumentException(
                "Position " + target + " is no longer in the replication log (retention deleted it); the oldest is " +
                oldest + ".");
        }

        tailer.direction(TailerDirection.FORWARD).toStart();
        nextPosition = target;
    }

    /**
     * Deliver up to {@code limit} records in order.
     *
     * @return how many records were delivered; 0 when the reader is at the end of the log.
     * @throws IllegalStateException with one sentence when the log has a gap (damaged in the middle).
     */
    public int poll(final RecordHandler handler, final int limit)
    {
        int delivered = 0;
        while (delivered < limit)
        {
            try (DocumentContext dc = tailer.readingDocument())
            {
                if (!dc.isPresent())
                {
                    break;
                }

                if (!ReplicationLog.wrapExcerpt(dc, view) ||
                    !(trusted ? codec.isWellFormed(view, 0, view.capacity()) : codec.isIntact(view, 0, view.capacity())))
                {
                    skippedRecords++;
                    continue;
                }

                final long position = view.getLong(RecordHeaderFlyweight.POSITION_OFFSET, ByteOrder.LITTLE_ENDIAN);
                if (position < nextPosition)
                {
                    continue;
                }

                if (position > nextPosition)
                {
                    dc.rollbackOnClose();
                    throw new IllegalStateException(
                        "The replication log in " + log.directory() + " has a gap: expected position " + nextPosition +
                        " but found " + position + " (its files were damaged or deleted in the middle).");
                }

                handler.onRecord(view, 0, view.capacity(), position);
                nextPosition++;
                delivered++;
            }
        }

        return delivered;
    }

    @Override
    public void close()
    {
        tailer.close();
    }
}
