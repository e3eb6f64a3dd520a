package io.ertcp.engine.replication.logger;

import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.replication.channel.ChannelCounters;
import io.ertcp.engine.replication.channel.RecordSender;
import io.ertcp.log.LogReader;
import io.ertcp.log.RecordHandler;
import io.ertcp.log.ReplicationLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * One backup's feed from the logger (docs/architecture.md rule 3, forward ingest; rule 7, rejoin): a {@link LogReader} over the
 * logger's log, from the first position the backup lacks, into a {@link RecordSender} addressed to that backup alone
 * and released only by that backup's CONFIRMs. The feed reads the log as far as the sender's window allows and
 * follows its tail as it grows, so a backup goes at its own speed: a slow one fills its own window and waits, and
 * neither the primary nor the other backups see it.
 * <p>
 * Invariants: every position in {@code [fromPosition, offeredPosition()]} was read from the log, in order, and offered
 * exactly once; {@code confirmedPosition() <= offeredPosition() <= log.lastPosition()} once anything was offered. A
 * record the window has no room for is copied once into a preallocated buffer and offered again first on the next
 * {@link #doWork}, since a reader cannot step back; nothing else is copied, and steady state allocates nothing.
 * <p>
 * One thread: the logger's agent calls every method.
 */
public final class LogFeed implements AutoCloseable
{
    /**
     * How a logger feeds its backups; the same for every backup.
     *
     * @param windowBytes    each feed's retransmit window in bytes: at least the longest record.
     * @param windowRecords  the most records each feed's window holds.
     * @param maxInFlightRecords the most records a feed has sent and its backup not yet confirmed. It may exceed the
     *                       backup's receiver slots: a backup takes records that arrive in order straight from the
     *                       frame, and its slots hold only those that arrive out of order; after a loss it drops what
     *                       lies beyond their reach and asks for it again in one run ({@link
     *                       io.ertcp.engine.replication.channel.RecordReceiver}).
     * @param tailProbeNs    how long without a backup's CONFIRM before its feed sends the last record again.
     * @param framesPerWork  the most frames one feed sends per {@link #doWork}: one backup's burst cannot hold the
     *                       port for long while another waits.
     * @param recordsPerWork the most records one feed reads from the log per {@link #doWork}; it also reads no more
     *                       bytes than {@code framesPerWork} frames carry, so what it reads in one work is what one
     *                       work can send, in records of any size.
     * @param mtu            the replication channel's MTU, the cluster's {@code replication-mtu}: the feeds' frames
     *                       and the logger's receiver both.
     */
    public record Settings(
        int windowBytes, int windowRecords, int maxInFlightRecords, long tailProbeNs, int framesPerWork,
        int recordsPerWork, int mtu)
    {
        /**
         * 1 MiB and 8192 records a feed, all of them in flight, a 2 ms tail probe, 64 frames and up to 1024 records
         * (as many as 64 frames carry) a work: a feed sends more per duty cycle than one receive burst of the
         * primary's brings in (32 full segments, about 34 channel frames at a 1500-byte MTU; or 32 frames of some 15
         * small records each), so a backup keeps up with a stream instead of falling behind it (issue 11 item 5; 16
         * frames a work let a backup lag by thousands of records). Records in flight are bounded by the window, not
         * by the backup's 256 slots: with small records (HTTP's, one DATA record a request) 256 in flight moved 256
         * records each time the logger and the backup both got the CPU, and a backup sharing a core with the logger
         * fell behind without bound (issue 12; BENCHMARKS.md "Many connections").
         */
        public static final Settings DEFAULT = new Settings(1 << 20, 8192, 8192, 2_000_000, 64, 1024);

        /** At the default replication MTU of 1500 bytes. */
        public Settings(
            final int windowBytes, final int windowRecords, final int maxInFlightRecords, final long tailProbeNs,
            final int framesPerWork, final int recordsPerWork)
        {
            this(windowBytes, windowRecords, maxInFlightRecords, tailProbeNs, framesPerWork, recordsPerWork,
                io.ertcp.engine.replication.channel.ReplicationFrameFlyweight.MTU);
        }

        /**
         * @return these settings with frames of up to {@code newMtu} bytes.
         */
        public Settings withMtu(final int newMtu)
        {
            return new Settings(windowBytes, windowRecords, maxInFlightRecords, tailProbeNs, framesPerWork, recordsPerWork,
                newMtu);
        }

        /**
         * @return what each feed's sender is built with: these window, pacing, records in flight and MTU.
         */
        public RecordSender.Settings sending()
        {
            return new RecordSender.Settings(
                windowBytes, windowRecords, tailProbeNs, framesPerWork, maxInFlightRecords, mtu);
        }

        public Settings
        {
            io.ertcp.engine.replication.channel.ReplicationFrameFlyweight.maxPayloadLength(mtu);
            if (windowBytes < 1 || windowRecords < 1 || maxInFlightRecords < 1 || tailProbeNs < 1 || framesPerWork < 1 ||
                recordsPerWork < 1)
            {
                throw new IllegalArgumentException("Every feed setting must be positive: " + windowBytes + " bytes, " +
                    windowRecords + " records, " + maxInFlightRecords + " records in flight, tail probe " + tailProbeNs +
                    " ns, " + framesPerWork + " frames and " + recordsPerWork + " records per work.");
            }
        }
    }

    private final int backupNodeId;
    private final long backupMac;
    private final long fromPosition;
    /** What the backup reported when the feed was built: it holds every position below this one. */
    private final long requestedFromPosition;
    private final ReplicationLog log;
    private final LogReader reader;
    private final RecordSender sender;
    private final int recordsPerWork;
    /** The record bytes one work reads at most: what its frames carry. */
    private final int bytesPerWork;
    /** Record bytes read in this work so far. */
    private int bytesRead;
    private final ChannelCounters counters;
    private final UnsafeBuffer pending;
    private final RecordHandler offerHandler = this::offerFromLog;

    /** Length of the record read but not yet taken by the window, 0 when none waits. */
    private int pendingLength;
    /** Why reading stopped for good (the log has a gap in the middle), or null while it reads on. */
    private String failure;

    /**
     * Open a reader on the log at {@code fromPosition}.
     *
     * @param loggerNodeId    the logger's node id, carried in the feed's frames.
     * @param loggerMac       the logger's MAC, their source.
     * @param epoch           the logger's epoch now; see {@link #doWork(long, FrameOutput, int)}.
     * @param backupNodeId    the backup served: only its CONFIRMs release the window.
     * @param backupMac       where the frames go.
     * @param fromPosition    the first position the backup lacks (its delivered position + 1), at least 1.
     * @param maxRecordLength the longest record the log holds, at most {@code settings.windowBytes()}.
     * @param log             the logger's log; the feed reads it and never appends.
     * @param settings        window and pacing.
     * @param counters        where the feed's sender counts.
     * When retention already deleted {@code fromPosition}, the feed starts at the oldest position the log holds, and
     * the backup, NAKing what lies before, is told where it starts (BASE) and starts its empty copy there.
     */
    public LogFeed(
        final int loggerNodeId,
        final long loggerMac,
        final int epoch,
        final int backupNodeId,
        final long backupMac,
        final long fromPosition,
        final int maxRecordLength,
        final ReplicationLog log,
        final Settings settings,
        final ChannelCounters counters)
    {
        if (fromPosition < 1)
        {
            throw new IllegalArgumentException("A feed starts at position 1 or later, not " + fromPosition + ".");
        }
        if (settings.windowBytes() < maxRecordLength)
        {
            throw new IllegalArgumentException("A feed window of " + settings.windowBytes() +
                " bytes cannot hold a record of " + maxRecordLength + " bytes: make it at least that large.");
        }
        this.backupNodeId = backupNodeId;
        this.backupMac = backupMac;
        this.requestedFromPosition = fromPosition;
        this.fromPosition = Math.max(fromPosition, Math.min(log.firstPosition(), log.lastPosition() + 1));
        this.log = log;
        this.recordsPerWork = settings.recordsPerWork();
        this.bytesPerWork = settings.framesPerWork() *
            io.ertcp.engine.replication.channel.ReplicationFrameFlyweight.maxPayloadLength(settings.mtu());
        this.counters = counters;
        this.sender = new RecordSender(loggerNodeId, epoch, loggerMac, backupMac, backupNodeId, settings.sending(),
            counters);
        this.sender.detectReceiverRestarts();
        this.pending = new UnsafeBuffer(ByteBuffer.allocateDirect(maxRecordLength));
        // Trusted: the logger verified every record's CRC32C when it took it, and the backup verifies it on arrival.
        this.reader = log.newReader(this.fromPosition, true);
    }

    /**
     * Read what the window has room for, then send what is due (at most the settings' frames per work).
     *
     * @param epoch the logger's epoch now: the frames carry it, so a backup follows a takeover the logger accepted.
     * @return the number of frames sent.
     */
    public int doWork(final long nowNs, final FrameOutput out, final int epoch)
    {
        sender.epoch(epoch);
        if (pendingLength > 0)
        {
            if (sender.offer(pending, 0, pendingLength))
            {
                pendingLength = 0;
            }
        }
        if (null == failure)
        {
            try
            {
                int read = 0;
                bytesRead = 0;
                while (0 == pendingLength && read < recordsPerWork && bytesRead < bytesPerWork &&
                    reader.poll(offerHandler, 1) > 0)
                {
                    read++;
                }
            }
            catch (final IllegalStateException ex)
            {
                // A damaged log: this feed sends what it has read and stops reading rather than throw in every work.
                failure = ex.getMessage();
            }
        }
        return sender.doWork(nowNs, out);
    }

    /**
     * A NAK or CONFIRM from the backup.
     */
    public void onFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        sender.onFrame(buffer, offset, length, flags);
    }

    public int backupNodeId()
    {
        return backupNodeId;
    }

    public long backupMac()
    {
        return backupMac;
    }

    /**
     * @return the first position this feed was built to send.
     */
    public long fromPosition()
    {
        return fromPosition;
    }

    /**
     * @return the highest position the backup holds as far as the logger knows: what it reported when the feed was
     * built, or what it has confirmed since.
     */
    public long confirmedPosition()
    {
        return Math.max(fromPosition - 1, sender.releasedPosition());
    }

    /**
     * @return the highest position the backup itself said it holds: in the report this feed was built from, or in a
     * CONFIRM since; 0 while it has said it holds nothing. Unlike {@link #confirmedPosition()} it does not count the
     * positions before {@link #fromPosition()} that a feed skips when retention deleted them: a backup that started
     * empty holds none of those.
     */
    public long backupHolds()
    {
        final long released = sender.releasedPosition();
        return Math.max(requestedFromPosition - 1, released >= fromPosition ? released : 0);
    }

    /**
     * @return -1 while the backup is the receiver this feed started with; else what the backup holds after it
     * restarted without its state (a newer incarnation in its frames): the logger builds a new feed from there.
     */
    public long restartedBackupHolds()
    {
        return sender.restartedReceiverHolds();
    }

    /**
     * @return the highest position read from the log and offered to the window.
     */
    public long offeredPosition()
    {
        return Math.max(fromPosition - 1, sender.highestOffered());
    }

    /**
     * @return how many records the log holds that the backup has not confirmed (negative when the backup claims
     * more than this log holds).
     */
    public long lag()
    {
        return log.lastPosition() - confirmedPosition();
    }

    /**
     * @return the epoch the feed's frames carry.
     */
    public int epoch()
    {
        return sender.epoch();
    }

    /**
     * @return why this feed stopped reading the log (it has a gap in the middle), or null while it reads on.
     */
    public String failure()
    {
        return failure;
    }

    public ChannelCounters counters()
    {
        return counters;
    }

    public void close()
    {
        reader.close();
    }

    private void offerFromLog(final DirectBuffer buffer, final int offset, final int length, final long position)
    {
        bytesRead += length;
        if (!sender.offer(buffer, offset, length))
        {
            // The view is valid only during this call and the reader has moved on: keep a copy for the next work.
            pending.putBytes(0, buffer, offset, length);
            pendingLength = length;
        }
    }
}
