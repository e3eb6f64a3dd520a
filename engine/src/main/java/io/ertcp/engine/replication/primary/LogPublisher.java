package io.ertcp.engine.replication.primary;

import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.replication.channel.RecordSender;
import io.ertcp.engine.replication.replica.RecordPublisher;
import io.ertcp.log.LogReader;
import io.ertcp.log.RecordCodec;
import io.ertcp.log.RecordHandler;
import io.ertcp.log.RecordHeaderFlyweight;
import io.ertcp.log.ReplicationLog;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The primary's publisher: each record goes into the primary's own copy of the log first (which gives its
 * position), then into the {@link RecordSender} towards the logger. When the sender's window is full, the records
 * wait in the local log and {@link #doWork} feeds them to the sender as confirmations free room, in order; so
 * publishing never refuses and the primary's order is the log's order. The local copy is also what a newly promoted
 * logger is filled from after the logger is lost.
 * <p>
 * One thread: the node's duty cycle.
 */
public final class LogPublisher implements RecordPublisher
{
    private final ReplicationLog log;
    private RecordSender sender;
    private final RecordCodec codec = new RecordCodec();
    private final RecordHandler backlogHandler = this::offerBacklog;
    private LogReader backlog;
    private boolean behind;
    /** The next position the sender has not been offered. */
    private long nextToOffer;
    private boolean refused;

    /**
     * @param log    the primary's copy of the log; its last position is where publishing continues.
     * @param sender towards the logger; its first offered record is the log's next.
     */
    public LogPublisher(final ReplicationLog log, final RecordSender sender)
    {
        this.log = log;
        this.sender = sender;
        this.nextToOffer = log.lastPosition() + 1;
    }

    /**
     * Send from now on to another logger (rule 6: the logger was lost and a backup promoted), starting with the
     * first position it lacks; everything from there waits in the local log and is fed to the new sender in order.
     */
    public void retarget(final RecordSender newSender, final long fromPosition)
    {
        this.sender = newSender;
        this.nextToOffer = Math.max(1, fromPosition);
        this.behind = nextToOffer <= log.lastPosition();
    }

    public long publish(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        buffer.putLong(offset + RecordHeaderFlyweight.POSITION_OFFSET, 0L, ByteOrder.LITTLE_ENDIAN);
        final long position = log.append(buffer, offset, length);
        buffer.putLong(offset + RecordHeaderFlyweight.POSITION_OFFSET, position, ByteOrder.LITTLE_ENDIAN);
        codec.stampChecksum(buffer, offset, length);
        if (!behind && position == nextToOffer)
        {
            if (sender.offer(buffer, offset, length))
            {
                nextToOffer++;
            }
            else
            {
                behind = true;
            }
        }
        else
        {
            behind = true;
        }
        return position;
    }

    /**
     * Feed waiting records to the sender, then let it send.
     *
     * @return frames sent and records fed.
     */
    public int doWork(final long nowNs, final FrameOutput out)
    {
        int work = 0;
        if (behind)
        {
            work += drainBacklog();
        }
        return work + sender.doWork(nowNs, out);
    }

    /**
     * @return the highest position the logger confirmed.
     */
    public long confirmedPosition()
    {
        return sender.releasedPosition();
    }

    public RecordSender sender()
    {
        return sender;
    }

    private int drainBacklog()
    {
        final long next = nextToOffer;
        if (null == backlog)
        {
            backlog = log.newReader(next);
        }
        else if (backlog.nextPosition() != next)
        {
            backlog.seek(next);
        }
        int fed = 0;
        refused = false;
        while (!refused && backlog.nextPosition() <= log.lastPosition())
        {
            final long before = backlog.nextPosition();
            if (backlog.poll(backlogHandler, 1) == 0)
            {
                break;
            }
            if (refused)
            {
                backlog.seek(before);
            }
            else
            {
                fed++;
                nextToOffer++;
            }
        }
        if (nextToOffer > log.lastPosition())
        {
            behind = false;
        }
        return fed;
    }

    private void offerBacklog(final DirectBuffer buffer, final int offset, final int length, final long position)
    {
        if (!sender.offer(buffer, offset, length))
        {
            refused = true;
        }
    }
}
