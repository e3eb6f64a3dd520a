package io.ertcp.engine.replication.logger;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.node.DutyCycle;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.replication.channel.ChannelCounters;
import io.ertcp.engine.replication.channel.RecordReceiver;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import io.ertcp.log.ReplicationLog;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.ByteOrder;

/**
 * The logger role of ER-TCP: the one replica the primary waits for (DESIGN rule 1, durable before acknowledged).
 * Records arrive through a {@link RecordReceiver}, which hands them on strictly by position, and each is appended to
 * the {@link ReplicationLog} in the same call. The receiver confirms what it has delivered, which is not the same as
 * what the log holds when an append is refused; so every CONFIRM the receiver writes passes through a gate that
 * lowers its position to the highest one the log holds (or, with {@code syncBeforeConfirm}, the highest one forced to
 * disk). A confirm therefore never runs ahead of the log, whatever goes wrong below it, and the primary keeps in its
 * window every record the log lacks.
 * <p>
 * A refused append is a bug (the receiver already checked position and CRC32C, so only a record malformed for its
 * type or a fenced epoch gets this far): it is counted and its reason kept, never thrown, and the logger stops
 * confirming past it, which stalls the primary visibly rather than losing the record silently.
 * <p>
 * After a restart the receiver starts at {@code log.lastPosition() + 1}, so the logger asks the primary only for
 * what its log lacks; the primary still holds all of it, since nothing past the log was ever confirmed.
 * <p>
 * One thread: the agent that owns the port calls {@link #onFrame} and {@link #doWork}.
 */
public final class LoggerAgent implements FrameHandler, DutyCycle, AutoCloseable
{
    private final ReplicationLog log;
    private final RecordReceiver receiver;
    private final ConfirmGate gate;
    private final boolean syncBeforeConfirm;
    private final ChannelCounters channelCounters;
    private final AtomicCounter recordsAppended;
    private final AtomicCounter appendsRefused;
    private final AtomicCounter confirmsHeldBack;
    private final AtomicCounter syncs;

    private long syncedPosition;
    private long confirmRequestedPosition;
    private String firstRefusal;

    /**
     * @param nodeId            this node's id, carried in NAK and CONFIRM frames.
     * @param localMac          the source MAC of those frames.
     * @param epoch             the oldest epoch accepted; raised to the log's last epoch when that is newer.
     * @param slots             how many records may wait out of order.
     * @param maxRecordLength   the longest record accepted, at most {@link ReplicationLog#MAX_RECORD_LENGTH}.
     * @param nakIntervalNs     the least time between two rounds of NAKs.
     * @param confirmIntervalNs the longest time between two CONFIRMs (one also follows every append at once).
     * @param log               the log to append to, already open; this agent owns and closes it.
     * @param syncBeforeConfirm force appended records to disk before confirming them (survives a machine crash).
     * @param out               where NAKs and CONFIRMs go.
     * @param counters          where this logger counts.
     * @param name              the prefix of its counters' labels.
     */
    public LoggerAgent(
        final int nodeId,
        final long localMac,
        final int epoch,
        final int slots,
        final int maxRecordLength,
        final long nakIntervalNs,
        final long confirmIntervalNs,
        final ReplicationLog log,
        final boolean syncBeforeConfirm,
        final FrameOutput out,
        final Counters counters,
        final String name)
    {
        if (maxRecordLength > ReplicationLog.MAX_RECORD_LENGTH)
        {
            throw new IllegalArgumentException("maxRecordLength " + maxRecordLength +
                " is more than the log's limit of " + ReplicationLog.MAX_RECORD_LENGTH + " bytes.");
        }
        this.log = log;
        this.syncBeforeConfirm = syncBeforeConfirm;
        this.syncedPosition = log.lastPosition();
        this.confirmRequestedPosition = log.lastPosition();
        this.channelCounters = new ChannelCounters(counters, name);
        this.recordsAppended = counters.newCounter(name + " records-appended");
        this.appendsRefused = counters.newCounter(name + " appends-refused");
        this.confirmsHeldBack = counters.newCounter(name + " confirms-held-back");
        this.syncs = counters.newCounter(name + " syncs");
        this.gate = new ConfirmGate(out);
        this.receiver = new RecordReceiver(
            nodeId,
            localMac,
            Math.max(epoch, log.lastEpoch()),
            log.lastPosition() + 1,
            slots,
            maxRecordLength,
            nakIntervalNs,
            confirmIntervalNs,
            this::append,
            channelCounters);
    }

    public void onFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        receiver.onFrame(buffer, offset, length, flags);
    }

    /**
     * Force new records to disk when asked to, then ask for gaps and confirm what the log holds.
     *
     * @return the number of frames sent.
     */
    public int doWork(final long nowNs)
    {
        final long appended = log.lastPosition();
        if (syncBeforeConfirm && appended > syncedPosition)
        {
            log.sync();
            syncedPosition = appended;
            syncs.incrementRelease();
        }
        if (appended > confirmRequestedPosition)
        {
            // The primary acknowledges its clients only after this confirm: send it now, not at the next interval.
            confirmRequestedPosition = appended;
            receiver.confirmNow();
        }
        return receiver.doWork(nowNs, gate);
    }

    /**
     * @return the highest position a CONFIRM may carry: appended, and forced to disk when sync is on.
     */
    public long confirmablePosition()
    {
        return syncBeforeConfirm ? syncedPosition : log.lastPosition();
    }

    /**
     * @return the highest position the receiver handed on; above {@link #confirmablePosition()} only after a refusal.
     */
    public long deliveredPosition()
    {
        return receiver.deliveredPosition();
    }

    public ReplicationLog log()
    {
        return log;
    }

    public ChannelCounters channelCounters()
    {
        return channelCounters;
    }

    public long recordsAppended()
    {
        return recordsAppended.get();
    }

    public long appendsRefused()
    {
        return appendsRefused.get();
    }

    public long confirmsHeldBack()
    {
        return confirmsHeldBack.get();
    }

    /**
     * @return why the first refused append was refused, or null when none was.
     */
    public String firstRefusal()
    {
        return firstRefusal;
    }

    public void close()
    {
        log.close();
    }

    private void append(final DirectBuffer buffer, final int offset, final int length, final long position)
    {
        try
        {
            log.append(buffer, offset, length);
            recordsAppended.incrementRelease();
        }
        catch (final IllegalArgumentException ex)
        {
            appendsRefused.incrementRelease();
            if (null == firstRefusal)
            {
                firstRefusal = "Position " + position + ": " + ex.getMessage();
            }
        }
    }

    /**
     * Passes frames through to the port, lowering a CONFIRM's position to what the log holds.
     */
    private final class ConfirmGate implements FrameOutput
    {
        private final FrameOutput out;

        ConfirmGate(final FrameOutput out)
        {
            this.out = out;
        }

        public int claim(final int length)
        {
            return out.claim(length);
        }

        public MutableDirectBuffer buffer()
        {
            return out.buffer();
        }

        public void commit(final int offset)
        {
            final MutableDirectBuffer buffer = out.buffer();
            final int frameOffset = offset + EthernetFlyweight.HEADER_LENGTH;
            if ((buffer.getByte(frameOffset + ReplicationFrameFlyweight.KIND_OFFSET) & 0xFF) ==
                ReplicationFrameFlyweight.KIND_CONFIRM)
            {
                final int at = frameOffset + ReplicationFrameFlyweight.POSITION_OFFSET;
                final long confirmable = confirmablePosition();
                if (buffer.getLong(at, ByteOrder.LITTLE_ENDIAN) > confirmable)
                {
                    buffer.putLong(at, confirmable, ByteOrder.LITTLE_ENDIAN);
                    confirmsHeldBack.incrementRelease();
                }
            }
            out.commit(offset);
        }
    }
}
