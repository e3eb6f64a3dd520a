package io.ertcp.engine.replication.primary;

import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.replication.channel.RecordReceiver;
import io.ertcp.engine.replication.channel.RecordSender;
import io.ertcp.engine.replication.replica.RecordPublisher;
import io.ertcp.log.DataRefFlyweight;
import io.ertcp.log.LogReader;
import io.ertcp.log.LogWriter;
import io.ertcp.log.RecordCodec;
import io.ertcp.log.RecordHandler;
import io.ertcp.log.RecordHeaderFlyweight;
import io.ertcp.log.RecordType;
import io.ertcp.log.ReplicationLog;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * The primary's publisher: each record gets the position after the last published one and goes into the
 * {@link RecordSender} towards the logger. When the sender's window is full, the records wait in the primary's own
 * copy of the log and {@link #doWork} feeds them to the sender as confirmations free room, in order; so publishing
 * never refuses and the primary's order is the log's order. The local copy is also what a newly promoted logger is
 * filled from after the logger is lost.
 * <p>
 * ER-TCP writes that copy off the critical path: a record the window took waits there (the window holds every
 * unconfirmed record) and {@link #appendPending} writes it to the log once the duty cycle's frames are out. The
 * node calls it after every flush, so between duty cycles the log holds every published record, as it did when
 * publishing appended first; no record can be confirmed, and so released from the window, before the flush that
 * carries its frames. Whatever reads the log here (the backlog, a retarget) appends what waits first.
 * <p>
 * With {@link #appendOnWriterThread} (ER-TCP where the process may use more than one CPU) that append is not even on the duty cycle: {@link
 * #appendPending} hands each record, as an address in the window, to the log's {@link LogWriter}, which copies it into
 * the log on a thread of its own (a cycle's few small records, under {@link #WRITER_MIN_BYTES}, are still appended
 * here while the writer is idle); the window keeps a record's room until the logger confirmed it <em>and</em> the log
 * holds it ({@link RecordSender#holdAbove}), and the log waits for the writer before any other append or read from
 * here. The logger's confirmation still makes a record durable at once (docs/architecture.md, "The primary's own log
 * copy").
 * <p>
 * In ST-TCP ({@link #tapped}) the peer is the backup, which taps the client's bytes off the LAN: each DATA record
 * goes to it as a DATA_REF ordering record, without its bytes, and the whole record only when the backup FETCHes it
 * (its tap missed some of them; a FETCH names a run of positions, and FETCHes are answered in the order they came).
 * Records before the position the backup started tapping from go whole.
 * <p>
 * One thread: the node's duty cycle.
 */
public final class LogPublisher implements RecordPublisher
{
    /**
     * A duty cycle's records for the log of fewer bytes than this are appended on the duty cycle when the writer is
     * idle: waking it (a system call on each side, a context switch where the cores are shared) costs more than
     * appending a few small records, and a ping-pong's round trip would carry it (BENCHMARKS.md, "The primary's own
     * log copy on a thread of its own").
     */
    static final int WRITER_MIN_BYTES = 8 * 1024;

    /**
     * A parked writer is woken once this many bytes wait for it, or in the first cycle that hands it nothing more: one
     * wake-up (a futex call on each side, two context switches) for a few dozen records rather than per duty cycle.
     * The window keeps their room meanwhile, an eighth of its default 1 MiB.
     */
    static final int WRITER_WAKE_BYTES = 128 * 1024;

    /** The most FETCHed ranges waiting; more are dropped, and the backup asks again a NAK interval later. */
    static final int MAX_FETCH_RANGES = 2 * RecordReceiver.MAX_NAK_RUNS;

    private final ReplicationLog log;
    private RecordSender sender;
    private final RecordCodec codec = new RecordCodec();
    // The handlers are classes of their own, not method references: a method reference links its call site the first
    // time it runs (a hidden class and method handles, a millisecond or more on a cold JVM), and a node builds its
    // first LogPublisher at its first takeover (docs/architecture.md, "The takeover's first run").
    private final RecordHandler backlogHandler = new RecordHandler()
    {
        public void onRecord(final DirectBuffer buffer, final int offset, final int length, final long position)
        {
            offerBacklog(buffer, offset, length, position);
        }
    };
    private LogReader backlog;
    private boolean behind;
    /** The next position the sender has not been offered. */
    private long nextToOffer;
    /** The last position given; the log holds up to it, or the window holds what the log lacks (ER-TCP). */
    private long publishedPosition;
    /** The log holds, or its writer was handed, every record up to here. */
    private long handedPosition;
    /** Hand the log's appends to its writer thread ({@link #appendOnWriterThread}). */
    private boolean onWriterThread;
    private LogWriter writer;
    private long handedToWriter;
    private long appendedHere;
    /** Bytes handed to the writer since it was last woken. */
    private long unwokenBytes;
    private final UnsafeBuffer pendingView = new UnsafeBuffer(0, 0);
    private boolean refused;

    /** ST-TCP: DATA records from this position on go as DATA_REF; Long.MAX_VALUE in ER-TCP or while the peer catches up. */
    private long elideFrom = Long.MAX_VALUE;
    private boolean tapMode;
    private final UnsafeBuffer refBuffer = new UnsafeBuffer(new byte[DataRefFlyweight.LENGTH]);
    private final RecordHandler fetchHandler = new RecordHandler()
    {
        public void onRecord(final DirectBuffer buffer, final int offset, final int length, final long position)
        {
            sendFetched(buffer, offset, length, position);
        }
    };
    private final RecordSender.FetchListener fetchListener = new RecordSender.FetchListener()
    {
        public void onFetch(final long fromPosition, final long toPosition)
        {
            LogPublisher.this.onFetch(fromPosition, toPosition);
        }
    };
    private LogReader fetchReader;
    /** FETCHed ranges not served yet, oldest first: a backup asks for each run of records its tap missed. */
    private final long[] fetchFrom = new long[MAX_FETCH_RANGES];
    private final long[] fetchTo = new long[MAX_FETCH_RANGES];
    private int fetchHead;
    private int fetchCount;
    private FrameOutput fetchOut;
    private boolean fetchSent;

    /**
     * @param log    the primary's copy of the log; its last position is where publishing continues.
     * @param sender towards the logger; its first offered record is the log's next. Null for an ST-TCP primary
     *               running without a backup: records then only go into the local log until {@link #retarget}.
     */
    public LogPublisher(final ReplicationLog log, final RecordSender sender)
    {
        this.log = log;
        this.sender = sender;
        this.nextToOffer = log.lastPosition() + 1;
        this.publishedPosition = log.lastPosition();
        this.handedPosition = log.lastPosition();
        this.behind = null == sender;
    }

    /**
     * ER-TCP: write the primary's own copy of the log on the log's writer thread from now on, started by the first
     * {@link #appendPending} (so that it belongs to the thread of the duty cycle); see the class comment.
     */
    public void appendOnWriterThread()
    {
        onWriterThread = true;
    }

    /**
     * @return the log's writer this publisher hands its appends to, or null while it appends on the duty cycle.
     */
    public LogWriter writer()
    {
        return writer;
    }

    /**
     * Stop handing appends to the writer, once it appended everything: the role ends (the node closes or reopens its
     * log) or ST-TCP takes over the window.
     */
    public void stopWriterThread()
    {
        onWriterThread = false;
        unwokenBytes = 0;
        if (null != writer)
        {
            log.stopWriter();
            writer = null;
            if (null != sender)
            {
                sender.holdAbove(Long.MAX_VALUE);
            }
        }
    }

    /**
     * Send from now on to another logger (rule 6: the logger was lost and a backup promoted), starting with the
     * first position it lacks; everything from there waits in the local log and is fed to the new sender in order.
     */
    public void retarget(final RecordSender newSender, final long fromPosition)
    {
        appendPending();
        if (null != writer)
        {
            // The old window's records must be in the log before it goes; the new one is read from the log.
            writer.drain();
        }
        this.sender = newSender;
        holdForWriter();
        this.fetchCount = 0;
        if (tapMode)
        {
            // A peer that starts behind (it rejoined, it catches up) has not tapped what it lacks, and while it is
            // behind the client's bytes pass its tap before it can place them: whole records until it is in step.
            elideFrom = Long.MAX_VALUE;
            if (null != newSender)
            {
                newSender.fetchListener(fetchListener);
            }
        }
        // Retention may have deleted the start of the log: the peer is then told where it starts (BASE).
        this.nextToOffer = Math.max(Math.max(1, fromPosition), Math.min(log.firstPosition(), log.lastPosition() + 1));
        this.behind = null == newSender || nextToOffer <= log.lastPosition();
    }

    /**
     * ST-TCP: send DATA records from {@code fromPosition} on as DATA_REF, since the peer taps their bytes from then
     * on; answer its FETCHes from this log.
     */
    public void tapped(final long fromPosition)
    {
        stopWriterThread(); // the window holds DATA_REFs, not what the log takes
        this.tapMode = true;
        this.elideFrom = Math.max(1, fromPosition);
        if (null != sender)
        {
            sender.fetchListener(fetchListener);
        }
    }

    /**
     * @return whether DATA records go as DATA_REF now (ST-TCP with the peer in step).
     */
    public boolean isTapped()
    {
        return elideFrom != Long.MAX_VALUE;
    }

    /**
     * ER-TCP, with the sender in step: room in the sender's window ({@link RecordSender#claim}), so a record built there
     * is sent, kept for retransmission and appended to this log from where it was built.
     */
    public boolean claim(final int maxLength, final UnsafeBuffer view)
    {
        holdForWriter();
        return !tapMode && !behind && null != sender &&
            nextToOffer == Math.max(publishedPosition, log.lastPosition()) + 1 && sender.claim(maxLength, view);
    }

    public void cancelClaim()
    {
        if (null != sender)
        {
            sender.cancelClaim();
        }
    }

    public long publish(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        try
        {
            return publishRecord(buffer, offset, length);
        }
        finally
        {
            // A claimed record the window did not take (the log did) leaves its room unused.
            cancelClaim();
        }
    }

    private long publishRecord(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        final long position = Math.max(publishedPosition, log.lastPosition()) + 1;
        buffer.putLong(offset + RecordHeaderFlyweight.POSITION_OFFSET, position, ByteOrder.LITTLE_ENDIAN);
        if (!tapMode && !behind && null != sender && position == nextToOffer)
        {
            // Checked now, as the append would, so a record the log refuses never reaches the logger either.
            log.checkAppendable(buffer, offset, length);
            codec.stampChecksum(buffer, offset, length);
            if (offer(buffer, offset, length, position))
            {
                nextToOffer++;
                publishedPosition = position;
                return position;
            }
            behind = true;
        }

        // ST-TCP (the window holds DATA_REFs, not the bytes), or the record waits in the log: append it now, after
        // the ones waiting in the window, to keep the log's order.
        appendPending();
        codec.stampChecksum(buffer, offset, length);
        log.appendStamped(buffer, offset, length); // after what the writer was handed: the log waits for it
        publishedPosition = position;
        handedPosition = position;
        if (!behind && null != sender && position == nextToOffer)
        {
            if (offer(buffer, offset, length, position))
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
     * Write the published records the log lacks from the sender's window to the log: after the flush that sent
     * their frames (ER-TCP), so the primary's own append is off the path from the client's bytes to the logger.
     *
     * @return the records appended.
     * @throws IllegalStateException when the window no longer holds one (a confirmation before its frames were out).
     */
    public int appendPending()
    {
        if (handedPosition >= publishedPosition)
        {
            if (unwokenBytes > 0 && null != writer)
            {
                // Nothing more came this cycle: what waits goes into the log now, not at the next batch.
                writer.wake();
                unwokenBytes = 0;
            }
            holdForWriter();
            return 0;
        }
        if (onWriterThread && null == writer)
        {
            writer = log.startWriter();
        }
        // A few small records cost less appended here than a wake-up of the writer (when it is idle): a ping-pong's.
        final boolean here = null == writer || (pendingBytesBelow(WRITER_MIN_BYTES) && writer.tryHold());
        int appended = 0;
        for (long position = handedPosition + 1; position <= publishedPosition; position++)
        {
            final int length = null == sender ? 0 : sender.heldRecord(position, pendingView);
            if (0 == length)
            {
                throw new IllegalStateException("Record " + position + " was released from the window before the " +
                    "primary's log held it: a confirmation came for frames not yet sent.");
            }
            // Stamped once when published: the window's copy goes to the log as it is.
            if (here)
            {
                log.appendStamped(pendingView, 0, length);
            }
            else
            {
                if (!writer.hand(pendingView.addressOffset(), length))
                {
                    writer.drain(); // its ring is full, a thousand records behind: let it catch up
                    writer.hand(pendingView.addressOffset(), length);
                }
                unwokenBytes += length;
            }
            handedPosition = position;
            appended++;
        }
        if (here)
        {
            appendedHere += appended;
        }
        else
        {
            handedToWriter += appended;
            if (unwokenBytes >= WRITER_WAKE_BYTES)
            {
                writer.wake();
                unwokenBytes = 0;
            }
        }
        holdForWriter();
        return appended;
    }

    /** Whether the records waiting for the log come to fewer than {@code limit} bytes. */
    private boolean pendingBytesBelow(final int limit)
    {
        long bytes = 0;
        for (long position = handedPosition + 1; position <= publishedPosition && bytes < limit; position++)
        {
            bytes += null == sender ? 0 : sender.heldRecord(position, pendingView);
        }
        return bytes < limit;
    }

    /**
     * @return the records {@link #appendPending} handed to the log's writer thread so far.
     */
    public long recordsHandedToWriter()
    {
        return handedToWriter;
    }

    /**
     * @return the records {@link #appendPending} appended on the duty cycle so far (no writer, or a few small ones).
     */
    public long recordsAppendedHere()
    {
        return appendedHere;
    }

    /** The window keeps what the log lacks: the writer may still be copying it. */
    private void holdForWriter()
    {
        if (null != writer && null != sender)
        {
            sender.holdAbove(log.lastPosition());
        }
    }

    /**
     * @return the last position published; the log holds it once {@link #appendPending} ran (and its writer, when it
     * has one, appended it).
     */
    public long publishedPosition()
    {
        return publishedPosition;
    }

    /**
     * Feed waiting records to the sender, then let it send.
     *
     * @return frames sent and records fed.
     */
    public int doWork(final long nowNs, final FrameOutput out)
    {
        if (null == sender)
        {
            return 0;
        }
        holdForWriter();
        int work = 0;
        if (fetchCount > 0)
        {
            work += serveFetches(out);
        }
        if (behind)
        {
            work += drainBacklog();
        }
        return work + sender.doWork(nowNs, out);
    }

    /**
     * @return the first position the peer may still need sent (retention keeps it): the first not offered to the
     * sender yet, or the first it holds unconfirmed; past the end without a peer.
     */
    public long neededPosition()
    {
        return null == sender ? log.lastPosition() + 1 : Math.min(nextToOffer, sender.releasedPosition() + 1);
    }

    /**
     * @return the highest position the logger confirmed.
     */
    public long confirmedPosition()
    {
        return null == sender ? 0 : sender.releasedPosition();
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
        if (!offer(buffer, offset, length, position))
        {
            refused = true;
        }
    }

    private boolean offer(final DirectBuffer buffer, final int offset, final int length, final long position)
    {
        if (position >= elideFrom &&
            RecordType.DATA == (buffer.getShort(offset + RecordHeaderFlyweight.TYPE_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF))
        {
            final int refLength = DataRefFlyweight.elide(buffer, offset, refBuffer, 0, codec);
            return sender.offer(refBuffer, 0, refLength);
        }
        return sender.offer(buffer, offset, length);
    }

    private void onFetch(final long from, final long to)
    {
        final long first = Math.max(1, from);
        final long last = Math.min(to, log.lastPosition());
        if (last < first || fetchCount == MAX_FETCH_RANGES)
        {
            return;
        }
        for (int i = 0; i < fetchCount; i++)
        {
            final int at = (fetchHead + i) % MAX_FETCH_RANGES;
            if (fetchFrom[at] == first && fetchTo[at] == last)
            {
                return;
            }
        }
        final int at = (fetchHead + fetchCount) % MAX_FETCH_RANGES;
        fetchFrom[at] = first;
        fetchTo[at] = last;
        fetchCount++;
    }

    /**
     * Answer the waiting FETCHes in the order they came. A range the output has no room for is dropped: the backup
     * asks for what it still lacks again.
     */
    private int serveFetches(final FrameOutput out)
    {
        if (null == fetchReader)
        {
            fetchReader = log.newReader(fetchFrom[fetchHead]);
        }
        fetchOut = out;
        int sent = 0;
        while (fetchCount > 0)
        {
            final long to = fetchTo[fetchHead];
            for (long position = fetchFrom[fetchHead]; position <= to; position++)
            {
                fetchReader.seek(position);
                fetchSent = false;
                if (fetchReader.poll(fetchHandler, 1) == 0 || !fetchSent)
                {
                    fetchCount = 0;
                    return sent;
                }
                sent++;
            }
            fetchHead = (fetchHead + 1) % MAX_FETCH_RANGES;
            fetchCount--;
        }
        return sent;
    }

    private void sendFetched(final DirectBuffer buffer, final int offset, final int length, final long position)
    {
        fetchSent = sender.sendWhole(fetchOut, buffer, offset, length);
    }
}
