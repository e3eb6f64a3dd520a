package io.ertcp.engine.replication.logger;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.node.DutyCycle;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.replication.channel.ChannelCounters;
import io.ertcp.engine.replication.channel.ReceiverSettings;
import io.ertcp.engine.replication.channel.RecordReceiver;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import io.ertcp.log.LogReader;
import io.ertcp.log.ReplicationLog;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The logger role of ER-TCP: the one replica the primary waits for (docs/architecture.md rule 1, durable before acknowledged).
 * Records arrive through a {@link RecordReceiver}, which hands them on strictly by position, and each is appended to
 * the {@link ReplicationLog} in the same call. The receiver confirms what it has delivered, which is not the same as
 * what the log holds when an append is refused; so every CONFIRM the receiver writes passes through a gate that
 * lowers its position to the highest one the log holds (or, with {@code syncBeforeConfirm}, the highest one forced to
 * disk). A confirm therefore never runs ahead of the log, whatever goes wrong below it, and the primary keeps in its
 * window every record the log lacks.
 * <p>
 * A refused append is a bug (the receiver already checked position and CRC32C, so only a record malformed for its
 * type or a fenced epoch gets this far): it is counted and its reason kept, never thrown, and the logger stops
 * confirming past it, which stalls the primary visibly rather than losing the record silently, until a takeover's
 * {@link #fence(int)} points the receiver back at the log's end.
 * <p>
 * After a restart the receiver starts at {@code log.lastPosition() + 1}, so the logger asks the primary only for
 * what its log lacks; the primary still holds all of it, since nothing past the log was ever confirmed.
 * <p>
 * <b>Feeds.</b> Backups read the log from the logger at their own speed (docs/architecture.md rule 3): when the node layer hears a
 * backup report its position it calls {@link #serveBackup}, and the logger keeps one {@link LogFeed} per backup,
 * rebuilt from the reported position when the backup reports less than it had confirmed (it restarted without its
 * state) and dropped by {@link #stopServing}. NAKs and CONFIRMs reach a feed by their sender's node id; a slow backup
 * fills only its own feed's window, and every feed sends a bounded number of frames per {@link #doWork}, the
 * primary's CONFIRM going first.
 * <p>
 * <b>Durability quorum</b> ({@code logger+K}, docs/architecture.md rule 1): with {@link #requiredBackupConfirms(int)} at k > 0 a
 * CONFIRM to the primary carries at most the k-th highest position the backups' feeds have had confirmed, as well as
 * at most what the log holds. The primary still waits for the logger alone: the logger's CONFIRM already speaks for
 * the k backups. Fewer than k backups served means nothing new is confirmed: the primary stalls rather than
 * acknowledge what fewer replicas hold.
 * <p>
 * <b>Fencing</b> (docs/architecture.md rule 4): {@link #fence(int)}, or the first well-formed RECORDS frame of a newer epoch,
 * refuses frames of older epochs from then on, so a deposed primary gets nothing appended and no CONFIRM it can use,
 * and points the receiver at {@code log.lastPosition() + 1}, where the new primary continues with its EPOCH_CHANGE
 * record; that also recovers from a refused append, after which the receiver had run ahead of the log. The feeds'
 * frames carry the logger's current epoch; the records keep their own.
 * <p>
 * One thread: the agent that owns the port calls every method.
 */
public final class LoggerAgent implements FrameHandler, DutyCycle, AutoCloseable
{
    private final int nodeId;
    private final long localMac;
    private final int maxRecordLength;
    private final FrameOutput out;
    private final Counters counters;
    private final String name;
    private final LogFeed.Settings feedSettings;
    private final Int2ObjectHashMap<ChannelCounters> feedCounters = new Int2ObjectHashMap<>();
    private final AtomicCounter feedsBuilt;
    private final AtomicCounter feedsRefused;
    private final ReplicationFrameFlyweight inbound = new ReplicationFrameFlyweight();

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
    private String firstFeedRefusal;
    private final OpenConnections openConnections = new OpenConnections();

    /** Feeds {@code [0, feedCount)}, one per backup node id; {@code confirmedScratch} is as long as the array. */
    private LogFeed[] feeds = new LogFeed[4];
    private long[] confirmedScratch = new long[4];
    private int feedCount;
    private int nextFeedFirst;
    /** 0: the logger alone; k: the log and the k-th best backup bound every CONFIRM to the primary. */
    private int requiredBackupConfirms;

    /**
     * @param nodeId            this node's id, carried in NAK and CONFIRM frames.
     * @param localMac          the source MAC of those frames.
     * @param epoch             the oldest epoch accepted; raised to the log's last epoch when that is newer.
     * @param receiving         its receiving end: slots for records out of order, the longest record accepted (at most
     *                          {@link ReplicationLog#MAX_RECORD_LENGTH}), the least time between two rounds of NAKs,
     *                          the longest between two CONFIRMs (one also follows every append at once), and the
     *                          cluster's {@code replication-mtu}, the feeds' too.
     * @param log               the log to append to, already open; this agent owns and closes it.
     * @param syncBeforeConfirm force appended records to disk before confirming them (survives a machine crash).
     * @param feedSettings      every feed's window and pacing; its window bytes at least the longest record, its
     *                          MTU the receiver's.
     * @param out               where NAKs and CONFIRMs go.
     * @param counters          where this logger counts.
     * @param name              the prefix of its counters' labels.
     */
    public LoggerAgent(
        final int nodeId,
        final long localMac,
        final int epoch,
        final ReceiverSettings receiving,
        final ReplicationLog log,
        final boolean syncBeforeConfirm,
        final LogFeed.Settings feedSettings,
        final FrameOutput out,
        final Counters counters,
        final String name)
    {
        final int maxRecordLength = receiving.maxRecordLength();
        if (feedSettings.mtu() != receiving.mtu())
        {
            throw new IllegalArgumentException("The feeds' MTU of " + feedSettings.mtu() + " bytes is not the " +
                "receiver's " + receiving.mtu() + ": a logger sends and receives with the one replication-mtu.");
        }
        if (feedSettings.windowBytes() < maxRecordLength)
        {
            throw new IllegalArgumentException("The feeds' window of " + feedSettings.windowBytes() +
                " bytes cannot hold a record of maxRecordLength " + maxRecordLength + " bytes: make it at least that.");
        }
        if (maxRecordLength > ReplicationLog.MAX_RECORD_LENGTH)
        {
            throw new IllegalArgumentException("maxRecordLength " + maxRecordLength +
                " is more than the log's limit of " + ReplicationLog.MAX_RECORD_LENGTH + " bytes.");
        }
        this.nodeId = nodeId;
        this.localMac = localMac;
        this.maxRecordLength = maxRecordLength;
        this.out = out;
        this.counters = counters;
        this.name = name;
        this.feedSettings = feedSettings;
        this.feedsBuilt = counters.newCounter(name + " feeds-built");
        this.feedsRefused = counters.newCounter(name + " feeds-refused");
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
        // A logger that restarts (or a backup promoted to logger) learns the open connections from its log.
        try (LogReader reader = log.newReader(log.firstPosition()))
        {
            while (reader.poll((buffer, offset, length, position) -> openConnections.onRecord(buffer, offset, position), 1024) > 0)
            {
            }
        }
        this.receiver = new RecordReceiver(
            nodeId,
            localMac,
            Math.max(epoch, log.lastEpoch()),
            log.lastPosition() + 1,
            receiving,
            this::append,
            channelCounters);
    }

    /**
     * RECORDS go to the receiver (a well-formed one of a newer epoch first {@link #fence fences} the older one off);
     * NAKs and CONFIRMs to the feed of the backup that sent them; other kinds belong to the node layer.
     */
    public void onFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        if (length < EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH)
        {
            receiver.onFrame(buffer, offset, length, flags);
            return;
        }
        inbound.wrap(buffer, offset + EthernetFlyweight.HEADER_LENGTH);
        switch (inbound.kind())
        {
            case ReplicationFrameFlyweight.KIND_RECORDS ->
            {
                if (inbound.epoch() > receiver.epoch() &&
                    inbound.version() == ReplicationFrameFlyweight.CURRENT_VERSION &&
                    inbound.payloadLength() > 0 &&
                    EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH +
                    inbound.payloadLength() <= length)
                {
                    fence(inbound.epoch());
                }
                receiver.onFrame(buffer, offset, length, flags);
            }
            case ReplicationFrameFlyweight.KIND_NAK, ReplicationFrameFlyweight.KIND_CONFIRM ->
            {
                final int index = indexOfFeed(inbound.nodeId());
                if (index >= 0)
                {
                    feeds[index].onFrame(buffer, offset, length, flags);
                }
            }
            default ->
            {
            }
        }
    }

    /**
     * Force new records to disk when asked to, confirm to the primary what the log (and the quorum) holds and ask it
     * for gaps, then drive every feed, each a bounded number of frames, starting one further along each time.
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
        final long confirmable = confirmablePosition();
        if (confirmable > confirmRequestedPosition)
        {
            // The primary acknowledges its clients only after this confirm: send it now, not at the next interval.
            confirmRequestedPosition = confirmable;
            receiver.confirmNow();
        }
        int frames = receiver.doWork(nowNs, gate);

        final int count = feedCount;
        if (count > 0)
        {
            final int epoch = receiver.epoch();
            final int first = nextFeedFirst < count ? nextFeedFirst : 0;
            for (int i = 0; i < count; i++)
            {
                frames += feeds[(first + i) % count].doWork(nowNs, out, epoch);
            }
            nextFeedFirst = first + 1;
            for (int i = feedCount - 1; i >= 0; i--)
            {
                final LogFeed feed = feeds[i];
                final long holds = feed.restartedBackupHolds();
                if (holds >= 0)
                {
                    // The backup restarted without its state (its frames carry a newer incarnation): whatever the
                    // old feed released on the old incarnation's CONFIRMs proves nothing now. Start over from what
                    // the new one holds.
                    final int backupNodeId = feed.backupNodeId();
                    final long backupMac = feed.backupMac();
                    removeFeed(i);
                    serveBackup(backupNodeId, backupMac, holds + 1, nowNs);
                }
            }
        }
        return frames;
    }

    /**
     * A backup reported that it holds every position below {@code fromPosition} (its heartbeat): feed it from there
     * if no feed serves it yet, or anew if it reports nothing though it had said it holds something (it restarted and
     * lost its state; see {@link LogFeed#backupHolds()}) or moved to another MAC. Otherwise nothing changes, so the
     * node layer may call this on every heartbeat.
     * A heartbeat overtaken by a later CONFIRM looks like a restart and rebuilds the feed: harmless, the backup drops
     * what it already holds.
     *
     * @param nodeId       the backup's node id: its CONFIRMs and NAKs carry it.
     * @param mac          the backup's MAC.
     * @param fromPosition the first position the backup lacks, at least 1.
     * @param nowNs        when the report was heard.
     * @return true when a feed serves the backup; false when the log no longer holds {@code fromPosition}
     * (counted, see {@link #firstFeedRefusal()}).
     */
    public boolean serveBackup(final int nodeId, final long mac, final long fromPosition, final long nowNs)
    {
        final int index = indexOfFeed(nodeId);
        if (index >= 0)
        {
            final LogFeed feed = feeds[index];
            // A heartbeat may report less than the feed already had confirmed: it was written before the latest
            // confirms, and rebuilding on it would send the backup what it has again. A backup that restarted without
            // its log reports nothing at all (position 0) once it had said it holds something (in the report the
            // feed was built from, or a CONFIRM since): that, or another MAC under the same id, rebuilds the feed.
            // Not the feed's confirmed position: after retention a feed for a backup that holds nothing starts at the
            // log's first position, and rebuilding it on every heartbeat of nothing dropped, each time, the NAK that
            // would have told the backup where the log starts (a rejoin that never ended; docs/architecture.md rule 7).
            final boolean restarted = fromPosition <= 1 && feed.backupHolds() > 0;
            if (feed.backupMac() == mac && !restarted)
            {
                return true;
            }
            removeFeed(index);
        }

        final LogFeed feed;
        try
        {
            feed = new LogFeed(
                this.nodeId,
                localMac,
                receiver.epoch(),
                nodeId,
                mac,
                Math.max(1, fromPosition),
                maxRecordLength,
                log,
                feedSettings,
                feedCounters.computeIfAbsent(nodeId, (id) -> new ChannelCounters(counters, name + " feed-" + id)));
        }
        catch (final IllegalArgumentException ex)
        {
            feedsRefused.incrementRelease();
            if (null == firstFeedRefusal)
            {
                firstFeedRefusal = "Backup " + nodeId + " from position " + fromPosition + ": " + ex.getMessage();
            }
            return false;
        }

        if (feedCount == feeds.length)
        {
            feeds = Arrays.copyOf(feeds, feedCount * 2);
            confirmedScratch = new long[feedCount * 2];
        }
        feeds[feedCount++] = feed;
        feedsBuilt.incrementRelease();
        return true;
    }

    /**
     * Stop feeding a backup (suspected dead); a later {@link #serveBackup} builds a new feed.
     *
     * @return true when a feed was dropped.
     */
    public boolean stopServing(final int nodeId)
    {
        final int index = indexOfFeed(nodeId);
        if (index < 0)
        {
            return false;
        }
        removeFeed(index);
        return true;
    }

    /**
     * Set the durability quorum {@code logger+k}: from now on a CONFIRM to the primary carries at most the k-th
     * highest position confirmed by the backups' feeds. 0 (the default) is the logger alone.
     */
    public void requiredBackupConfirms(final int k)
    {
        if (k < 0)
        {
            throw new IllegalArgumentException("requiredBackupConfirms must be 0 or more, not " + k + ".");
        }
        requiredBackupConfirms = k;
    }

    public int requiredBackupConfirms()
    {
        return requiredBackupConfirms;
    }

    /**
     * Refuse RECORDS frames of epochs older than {@code epoch} from now on (docs/architecture.md rule 4) and expect the next record
     * at {@code log.lastPosition() + 1}: records buffered from the old primary are dropped, records delivered but
     * refused by the log are asked for again, and no CONFIRM goes out until the new epoch's primary is heard. A
     * deposed primary thus gets nothing appended and no CONFIRM past what it had. Calling it again, or with an older
     * epoch, only re-aligns the receiver with the log.
     */
    public void fence(final int epoch)
    {
        receiver.fence(epoch);
        if (receiver.deliveredPosition() != log.lastPosition())
        {
            receiver.resetTo(log.lastPosition() + 1);
        }
    }

    /**
     * @return the newest epoch accepted: the fenced one, or the newest a primary's RECORDS frames carried.
     */
    public int epoch()
    {
        return receiver.epoch();
    }

    /**
     * @return the last position the log holds: what this logger offers in a vote.
     */
    public long lastPosition()
    {
        return log.lastPosition();
    }

    /**
     * @return the highest position a CONFIRM may carry: appended (and forced to disk when sync is on), and confirmed
     * by {@link #requiredBackupConfirms()} backups when that is not 0.
     */
    public long confirmablePosition()
    {
        final long held = syncBeforeConfirm ? syncedPosition : log.lastPosition();
        return requiredBackupConfirms > 0 ? Math.min(held, backupQuorumPosition()) : held;
    }

    /**
     * @return the k-th highest position the backups' feeds have had confirmed, k = {@link #requiredBackupConfirms()};
     * 0 when fewer backups are served.
     */
    public long backupQuorumPosition()
    {
        final int k = requiredBackupConfirms;
        if (k == 0)
        {
            return Long.MAX_VALUE;
        }
        if (feedCount < k)
        {
            return 0;
        }
        for (int i = 0; i < feedCount; i++)
        {
            confirmedScratch[i] = feeds[i].confirmedPosition();
        }
        Arrays.sort(confirmedScratch, 0, feedCount);
        return confirmedScratch[feedCount - k];
    }

    /**
     * @return how many backups are fed; {@link #feed(int)} for each.
     */
    public int feedCount()
    {
        return feedCount;
    }

    /**
     * @param index 0 to {@link #feedCount()} - 1; the order changes when a feed is dropped.
     */
    public LogFeed feed(final int index)
    {
        if (index < 0 || index >= feedCount)
        {
            throw new IndexOutOfBoundsException("Feed " + index + " of " + feedCount + ".");
        }
        return feeds[index];
    }

    /**
     * @return the feed serving a backup, or null.
     */
    public LogFeed feedFor(final int backupNodeId)
    {
        final int index = indexOfFeed(backupNodeId);
        return index < 0 ? null : feeds[index];
    }

    /**
     * @return why the first refused feed was refused, or null when none was.
     */
    public String firstFeedRefusal()
    {
        return firstFeedRefusal;
    }

    /**
     * @return the highest position the receiver handed on; above {@link #lastPosition()} only after a refused append,
     * until {@link #fence(int)} realigns it.
     */
    public long deliveredPosition()
    {
        return receiver.deliveredPosition();
    }

    /**
     * @return the first position retention must keep on the logger: the oldest live connection's OPEN, and what any
     * backup's feed has yet to confirm; {@code lastPosition() + 1} when nothing is needed.
     */
    public long neededPosition()
    {
        long needed = Math.min(log.lastPosition() + 1, openConnections.oldestOpenPosition());
        for (int i = 0; i < feedCount; i++)
        {
            needed = Math.min(needed, feeds[i].confirmedPosition() + 1);
        }
        return needed;
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
        for (int i = 0; i < feedCount; i++)
        {
            feeds[i].close();
        }
        feedCount = 0;
        log.close();
    }

    private int indexOfFeed(final int backupNodeId)
    {
        for (int i = 0; i < feedCount; i++)
        {
            if (feeds[i].backupNodeId() == backupNodeId)
            {
                return i;
            }
        }
        return -1;
    }

    private void removeFeed(final int index)
    {
        feeds[index].close();
        feeds[index] = feeds[--feedCount];
        feeds[feedCount] = null;
    }

    private void append(final DirectBuffer buffer, final int offset, final int length, final long position)
    {
        try
        {
            // The receiver checked the CRC32C and the position: stored as it came, no second checksum.
            log.appendStamped(buffer, offset, length);
            recordsAppended.incrementRelease();
            openConnections.onRecord(buffer, offset, position);
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
