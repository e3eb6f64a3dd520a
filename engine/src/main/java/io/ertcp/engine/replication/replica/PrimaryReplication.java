package io.ertcp.engine.replication.replica;

import io.ertcp.engine.tcp.ConnectionRestore;
import io.ertcp.engine.tcp.ReplicationSeam;
import io.ertcp.engine.tcp.TcpStack;
import io.ertcp.log.ClientAckFlyweight;
import io.ertcp.log.ClosedFlyweight;
import io.ertcp.log.DataFlyweight;
import io.ertcp.log.EpochChangeFlyweight;
import io.ertcp.log.FinFlyweight;
import io.ertcp.log.OpenFlyweight;
import io.ertcp.log.RecordHeaderFlyweight;
import io.ertcp.log.RecordType;
import io.ertcp.log.TimeFlyweight;
import io.ertcp.log.SnapshotFlyweight;
import io.ertcp.log.TimeoutFlyweight;
import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.DeadlineTimerWheel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The primary's side of replication, between its TCP stack and the {@link ReplicatedService}: every connection
 * event becomes a record, published (given its log position) and applied at once, so the primary's service sees
 * exactly what every backup's will, in the same order. It builds its TCP stack with itself as the stack's
 * {@link ReplicationSeam} (no second wiring step), and serves the stack's listeners as their {@link TcpService}.
 * <p>
 * The rules of docs/architecture.md hold here:
 * <ul>
 * <li>Durable before acknowledged (rule 1): the gate lets TCP acknowledge a connection's input only up to the last
 * DATA (or FIN) record the durability rule has confirmed; {@link #confirmed(long)} moves it.</li>
 * <li>Output commit (rule 2): output the service wrote while a record was applied stays in the replica's ring until
 * that record is confirmed, then goes to the TCP connection; a FIN or RST the service asked for likewise.</li>
 * <li>Time and chance are logged: a timeout the service asked for fires here, as a TIMEOUT record; this node's
 * clock enters the log as TIME records (docs/architecture.md, "Cluster time"): before a record when the clock moved on
 * by a millisecond or more since the last TIME, before every OPEN, and when the earliest service timer falls due.
 * The time logged never goes back, so a new primary whose clock is behind the old one's holds the time still until
 * its clock catches up.</li>
 * </ul>
 * Records of input wait in the log for the logger: when more than {@code maxUnconfirmedBytes} are unconfirmed, new
 * input is refused (TCP keeps it and the client's window closes) until confirmations catch up.
 * <p>
 * A backup that wins an election builds one of these over the replicated service it has been applying and calls
 * {@link #takeOver}: each replica becomes a live TCP connection again.
 * <p>
 * One thread: the node's duty cycle.
 * <p>
 * Over 800 lines, on purpose: every path here (the stack's seam and service callbacks, the duty cycle, the takeover,
 * the TIME records) publishes through the same dense position counter, scratch buffers and unconfirmed-bytes budget,
 * and applies what it publishes at once; split apart they would share all of that. Its per-connection state is a
 * {@link PrimaryConnection} and its output commit a {@link CommitQueue}.
 */
public final class PrimaryReplication implements TcpService, ReplicationSeam, ReplicatedService.Observer
{
    private static final long TICK_NS = 1L << 20;
    /** A TIME goes before a record once the clock moved on by this much since the last one. */
    public static final long TIME_RESOLUTION_NS = 1_000_000L;

    /** The service replica driven, and where records go: given by {@link #activate}; null on a standby. */
    private ReplicatedService replicated;
    private RecordPublisher publisher;
    private final int nodeId;
    private final int maxDataPerRecord;
    private final long maxUnconfirmedBytes;
    /** This primary's side of each replica it serves, by TCP connection id. */
    private final Long2ObjectHashMap<PrimaryConnection> byTcp = new Long2ObjectHashMap<>();
    /** The same by replica id, with those of replicas no TCP connection carries (a takeover could not restore). */
    private final Long2ObjectHashMap<PrimaryConnection> byReplica = new Long2ObjectHashMap<>();
    private final ArrayList<PrimaryConnection> pool = new ArrayList<>();
    private final UnsafeBuffer scratch;
    private final OpenFlyweight open = new OpenFlyweight();
    private final DataFlyweight data = new DataFlyweight();
    private final ClientAckFlyweight clientAck = new ClientAckFlyweight();
    private final FinFlyweight fin = new FinFlyweight();
    private final ClosedFlyweight closed = new ClosedFlyweight();
    private final TimeoutFlyweight timeout = new TimeoutFlyweight();
    private final SnapshotFlyweight snapshotRecord = new SnapshotFlyweight();
    /** A snapshot is due this many records after the last (0: never by count). */
    private long snapshotEveryRecords;
    /** A snapshot is due this long after the last, on this primary's clock (0: never by time). */
    private long snapshotEveryNs;
    private long lastSnapshotNs;
    /** True while this node's previous snapshot is still being written: the next waits (it would be skipped). */
    private java.util.function.BooleanSupplier snapshotWriterBusy = () -> false;
    private final EpochChangeFlyweight epochChange = new EpochChangeFlyweight();
    private final TimeFlyweight time = new TimeFlyweight();
    /** TIME records have their own buffer: one may go out while {@link #scratch} holds the record it precedes. */
    private final UnsafeBuffer timeScratch = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private final ConnectionRestore restore = new ConnectionRestore();

    /** Output commit: one entry per replica changed by a record, in position order. */
    private final CommitQueue commits = new CommitQueue();

    private final ArrayList<PrimaryConnection> acked = new ArrayList<>();
    private final ArrayList<PrimaryConnection> starved = new ArrayList<>();
    private final ArrayList<PrimaryConnection> stagedReplicas = new ArrayList<>();
    /**
     * The connection whose DATA record is being built in the publisher's window ({@link RecordPublisher#claim}), at
     * most one; the others stage theirs in their own buffers. It is published before any other record.
     */
    private PrimaryConnection claimHolder;
    private final UnsafeBuffer claimView = new UnsafeBuffer(0, 0);
    private long dataRecordsInWindow;
    private long dataRecordsStagedApart;
    private final DeadlineTimerWheel timers;
    private final Long2LongHashMap timerConnections = new Long2LongHashMap(-1);
    private final DeadlineTimerWheel.TimerHandler onTimer = this::onTimerExpiry;

    private final TcpStack stack;
    private int epoch;
    private long connectionSequence;
    private long publishedBytes;
    private long confirmedBytes;
    private long confirmedPosition;
    private long lastPublishedPosition;
    private long nowNs;
    /** Added to the node's clock ({@code nowNs}) to give wall-clock time since the Unix epoch: the cluster time. */
    private long wallOffsetNs;
    /** The last cluster time logged (or applied, before this node was primary). */
    private long loggedTimeNs;
    private long lastTimePosition = -1;
    /** A TIME was logged (or applied before this node was primary): the log has a time. */
    private boolean timeLogged;
    private long timeRecords;
    private long inputRefusals;
    private long restoreRefusals;
    private long tappedInputTaken;
    /** ST-TCP: where a takeover copies each connection's tapped bytes; built ahead by {@link #reserveTappedInput}. */
    private UnsafeBuffer tappedBytes;
    /** The takeover's arguments while it walks the replicas ({@link #restoreOne}), so the walk allocates nothing. */
    private long takeoverNowNs;
    private TappedInput takeoverTapped;
    private int takeoverRestored;
    private final java.util.function.Consumer<Replica> restoreOne = this::restoreOne;

    /**
     * How a primary sizes its records and bounds what waits for the logger, named and checked once (the style of
     * {@link io.ertcp.engine.replication.channel.ReceiverSettings}).
     *
     * @param maxDataPerRecord    the most input bytes one DATA record carries.
     * @param maxUnconfirmedBytes record bytes that may wait for confirmation before input is refused.
     */
    public record Settings(int maxDataPerRecord, long maxUnconfirmedBytes)
    {
        /** The most input bytes a DATA record may be set to carry: its record, headers included, stays an int. */
        public static final int MAX_DATA_PER_RECORD = 1 << 30;

        /**
         * What a cluster node's primary uses: 8 KiB of input a DATA record (the node sets its mode's and MTU's,
         * ClusterNode.maxDataPerRecord), 8 MiB of records waiting for the logger.
         */
        public static final Settings DEFAULT = new Settings(8192, 8L << 20);

        public Settings
        {
            if (maxDataPerRecord < 1 || maxDataPerRecord > MAX_DATA_PER_RECORD)
            {
                throw new IllegalArgumentException("A DATA record must carry 1.." + MAX_DATA_PER_RECORD +
                    " input bytes, not " + maxDataPerRecord + ".");
            }
            if (maxUnconfirmedBytes < 1)
            {
                throw new IllegalArgumentException("At least 1 record byte must be allowed to wait for the logger's " +
                    "confirmation, not " + maxUnconfirmedBytes + ".");
            }
        }

        /** @return these settings with DATA records of up to {@code newMaxDataPerRecord} input bytes. */
        public Settings withMaxDataPerRecord(final int newMaxDataPerRecord)
        {
            return new Settings(newMaxDataPerRecord, maxUnconfirmedBytes);
        }

        /** @return these settings with input refused once {@code newMaxUnconfirmedBytes} record bytes wait. */
        public Settings withMaxUnconfirmedBytes(final long newMaxUnconfirmedBytes)
        {
            return new Settings(maxDataPerRecord, newMaxUnconfirmedBytes);
        }
    }

    /**
     * @param replicated the service replica to drive; on a new primary, the one its backup role applied into.
     * @param publisher  where records go.
     * @param nodeId     this node, named in an EPOCH_CHANGE record.
     * @param epoch      the epoch this primary publishes in.
     * @param settings   record size and the bound on unconfirmed bytes.
     * @param nowNs      the current time, for the timeout wheel.
     * @param stacks     builds the TCP stack this primary serves through, given the seam to build it with.
     */
    public PrimaryReplication(
        final ReplicatedService replicated,
        final RecordPublisher publisher,
        final int nodeId,
        final int epoch,
        final Settings settings,
        final long nowNs,
        final Function<ReplicationSeam, TcpStack> stacks)
    {
        this(replicated, publisher, nodeId, epoch, settings, nowNs, 0, stacks);
    }

    /**
     * As the other constructor, with the cluster time this node logs being {@code nowNs + wallOffsetNs}: the node
     * reads its wall clock once, when it becomes primary, and follows its monotonic clock from there.
     *
     * @param wallOffsetNs nanoseconds since the Unix epoch less the node's clock, at the same instant.
     */
    public PrimaryReplication(
        final ReplicatedService replicated,
        final RecordPublisher publisher,
        final int nodeId,
        final int epoch,
        final Settings settings,
        final long nowNs,
        final long wallOffsetNs,
        final Function<ReplicationSeam, TcpStack> stacks)
    {
        this(nodeId, settings, stacks);
        activate(replicated, publisher, epoch, nowNs, wallOffsetNs);
    }

    /**
     * A standby primary (docs/architecture.md rule 5): everything a primary is made of (its TCP stack, scratch
     * buffers, timeout wheel, the pools {@link #reserve} fills), built by a backup ahead of any takeover, so that a
     * takeover only {@link #activate}s it and restores the connections. It serves nothing until activated: its stack
     * has no listener and no connection, and the node hands it no segment.
     *
     * @param nodeId   this node, named in an EPOCH_CHANGE record.
     * @param settings record size and the bound on unconfirmed bytes.
     * @param stacks   builds the TCP stack this primary serves through, given the seam to build it with.
     */
    public PrimaryReplication(
        final int nodeId,
        final Settings settings,
        final Function<ReplicationSeam, TcpStack> stacks)
    {
        this.nodeId = nodeId;
        this.maxDataPerRecord = settings.maxDataPerRecord();
        this.maxUnconfirmedBytes = settings.maxUnconfirmedBytes();
        this.scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(DataFlyweight.HEADER_LENGTH + maxDataPerRecord + 64));
        this.timers = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, 0, TICK_NS, 1024);
        // Last: the stack is built with this primary as its seam, and calls nothing of it while being built.
        this.stack = stacks.apply(this);
    }

    /**
     * Start serving as the primary in {@code epoch} over {@code replicated} (on a new primary, the replica its backup
     * role applied into), publishing to {@code publisher}; once only.
     *
     * @param wallOffsetNs nanoseconds since the Unix epoch less the node's clock, at the same instant.
     * @throws IllegalStateException when this primary is active already.
     */
    public void activate(
        final ReplicatedService replicated,
        final RecordPublisher publisher,
        final int epoch,
        final long nowNs,
        final long wallOffsetNs)
    {
        if (null != this.replicated)
        {
            throw new IllegalStateException("this primary serves already; a standby is activated once.");
        }
        this.wallOffsetNs = wallOffsetNs;
        this.loggedTimeNs = replicated.clock().timeNs();
        this.timeLogged = replicated.clock().timeNs() != 0;
        this.replicated = replicated;
        this.publisher = publisher;
        this.epoch = epoch;
        this.nowNs = nowNs;
        // No timer was scheduled on a standby; the wheel's ticks start now, not when it was built.
        this.timers.resetStartTime(nowNs);
        this.confirmedPosition = replicated.appliedPosition();
        this.lastPublishedPosition = replicated.appliedPosition();
        replicated.observer(this);
    }

    /**
     * @return true once {@link #activate}d.
     */
    public boolean active()
    {
        return null != replicated;
    }

    /**
     * Build ahead what serving {@code connections} connections takes (a TCP connection with its buffers, this
     * primary's side of its replica with its staging buffer), at most one a call: a backup calls this on its duty
     * cycle with the number of connections it follows, so a takeover finds them ready ({@link TcpStack#reserve}); a
     * node with {@code tcp.spare-connections} calls it in idle duty cycles with the connections in use plus that many,
     * so that a storm of opens allocates nothing. Bounded by the stack's connection table and the off-heap limit.
     *
     * @return 1 when something was built, else 0.
     */
    public int reserve(final int connections)
    {
        final int built = stack.reserve(connections);
        if (built > 0 && pool.size() + byReplica.size() < stack.connectionsBuilt())
        {
            final PrimaryConnection live = new PrimaryConnection();
            live.ownStaging = newStaging();
            pool.add(live);
        }
        return built;
    }

    /**
     * ST-TCP: build ahead the buffer a takeover copies each connection's tapped bytes into.
     */
    public void reserveTappedInput()
    {
        if (null == tappedBytes)
        {
            tappedBytes = new UnsafeBuffer(ByteBuffer.allocateDirect(stack.config().receiveBufferBytes()));
        }
    }

    private UnsafeBuffer newStaging()
    {
        return new UnsafeBuffer(ByteBuffer.allocateDirect(DataFlyweight.HEADER_LENGTH + maxDataPerRecord));
    }

    /**
     * Log a SNAPSHOT record every {@code records} records or every {@code intervalNs} of this primary's clock,
     * whichever comes first (0 turns either off), open connections and all: every replica snapshots its service and
     * its connections there (docs/architecture.md rule 7). A due snapshot waits only while
     * {@code writerBusy} says this node still writes the previous one: a replica whose writer is busy passes a
     * SNAPSHOT record over, and the logger's retention counts every SNAPSHOT record it logged.
     */
    public void snapshotEvery(final long records, final long intervalNs, final java.util.function.BooleanSupplier writerBusy)
    {
        this.snapshotEveryRecords = Math.max(0, records);
        this.snapshotEveryNs = Math.max(0, intervalNs);
        this.lastSnapshotNs = nowNs;
        this.snapshotWriterBusy = writerBusy;
    }

    /**
     * @return the TCP stack this primary serves through, built with this primary as its {@link ReplicationSeam}.
     */
    public TcpStack stack()
    {
        return stack;
    }

    public int epoch()
    {
        return epoch;
    }

    public ReplicatedService replicated()
    {
        return replicated;
    }

    /**
     * @return the highest position the durability rule has confirmed.
     */
    public long confirmedPosition()
    {
        return confirmedPosition;
    }

    /**
     * @return record bytes published but not yet confirmed.
     */
    public long unconfirmedBytes()
    {
        return publishedBytes - confirmedBytes;
    }

    /**
     * @return how many times input was refused because too much waited for confirmation.
     */
    public long inputRefusals()
    {
        return inputRefusals;
    }

    /**
     * @return connections a takeover could not restore because the stack's table or buffer pool was full.
     */
    public long restoreRefusals()
    {
        return restoreRefusals;
    }

    /**
     * @return the client bytes past the log that the takeover took from the tap ({@link #takeOver(long, long,
     * TappedInput)}).
     */
    public long tappedInputTaken()
    {
        return tappedInputTaken;
    }

    /**
     * The node's clock as it is now, for the callbacks the stack makes during a receive burst (before
     * {@link #doWork}), so the time a TIME record logs is this duty cycle's.
     */
    public void nowNs(final long nowNs)
    {
        this.nowNs = nowNs;
    }

    /**
     * @return the cluster time this primary would log now: its wall clock, never behind the last time logged.
     */
    public long clusterTimeNs()
    {
        return Math.max(nowNs + wallOffsetNs, loggedTimeNs);
    }

    /**
     * @return TIME records this primary published.
     */
    public long timeRecords()
    {
        return timeRecords;
    }

    /**
     * @return DATA records built where the publisher sends them from (its window): the client's bytes copied once,
     * from TCP's receive buffer into the record.
     */
    public long dataRecordsInWindow()
    {
        return dataRecordsInWindow;
    }

    /**
     * @return DATA records gathered in a connection's own staging buffer (another connection held the window's room,
     * the window was full or behind, or ST-TCP) and copied into the window when published.
     */
    public long dataRecordsStagedApart()
    {
        return dataRecordsStagedApart;
    }

    // ---------------------------------------------------------------------------------------------
    // Takeover
    // ---------------------------------------------------------------------------------------------

    /**
     * Become the primary for connections a backup has been following (docs/architecture.md rule 5): publish the EPOCH_CHANGE,
     * then turn each replica into a live TCP connection at the sequence numbers the client expects (receive point
     * from the logged input, send point from the logged client acknowledgement), hand it the output the client has
     * not acknowledged (all of it produced by records already durable) and re-arm the timeouts the service asked
     * for. The stack sends an ACK on each, so the client resends whatever was never made durable.
     * Call after the log is drained and before the stack sees client traffic.
     *
     * @param previousLastPosition the log's last position when this node was elected.
     * @return the number of connections restored.
     */
    public int takeOver(final long previousLastPosition, final long nowNs)
    {
        return takeOver(previousLastPosition, nowNs, null);
    }

    /**
     * The client's bytes past the log that an ST-TCP backup tapped: a connection restored at the log's receive point
     * takes them at once, where an ER-TCP backup, which never saw them, has the client resend them.
     */
    @FunctionalInterface
    public interface TappedInput
    {
        /**
         * Copy the bytes the client at {@code clientIp:clientPort} sent from {@code streamOffset} on, without a gap
         * and at most {@code maxLength}, to {@code dst} at 0.
         *
         * @return how many were copied, 0 for none.
         */
        int copy(int clientIp, int clientPort, long streamOffset, MutableDirectBuffer dst, int maxLength);
    }

    /**
     * As {@link #takeOver(long, long)}, with each connection then given the client's bytes past the log that
     * {@code tapped} holds (null for none), as far as its receive window reaches.
     */
    public int takeOver(final long previousLastPosition, final long nowNs, final TappedInput tapped)
    {
        if (null != tapped)
        {
            reserveTappedInput();
        }
        this.nowNs = nowNs;
        epochChange.wrap(scratch, 0).write(epoch, epoch, nodeId, previousLastPosition);
        publishRecord(scratch, EpochChangeFlyweight.LENGTH);

        takeoverNowNs = nowNs;
        takeoverTapped = tapped;
        takeoverRestored = 0;
        replicated.forEach(restoreOne);
        takeoverTapped = null;
        return takeoverRestored;
    }

    private void restoreOne(final Replica replica)
    {
        if (replica.serviceClosed)
        {
            return;
        }
        final long nowNs = takeoverNowNs;
        restore.localIp(replica.localIp).localPort(replica.localPort)
            .remoteIp(replica.remoteIp).remotePort(replica.remotePort)
            .localIsn(replica.localIsn).remoteIsn(replica.remoteIsn)
            .sendMss(replica.sendMss)
            .sendWindowScale(replica.sendWindowScale).receiveWindowScale(replica.receiveWindowScale)
            .timestamps(replica.timestamps).sack(replica.sack).tsRecent(replica.tsRecent)
            .receivedBytes(replica.inputOffset).peerFinReceived(replica.peerFin)
            .acknowledgedBytes(replica.outputAcked)
            // Only the OPEN is logged (no DATA, CLIENT_ACK or FIN shows the client's ACK of our
            // SYN-ACK): restore in SYN-RECEIVED, which resends the SYN-ACK.
            .handshakeComplete(replica.inputOffset > 0 || replica.peerFin || replica.outputAcked > 0);
        final Connection tcp = stack.restore(restore, this, nowNs);
        if (null == tcp)
        {
            // The table or the buffer pool is full (the stack counted it): this one connection is lost.
            restoreRefusals++;
            return;
        }
        final PrimaryConnection live = live(replica);
        live.tcp = tcp;
        live.tcpId = tcp.id();
        byTcp.put(tcp.id(), live);
        live.durableInput = replica.inputOffset + (replica.peerFin ? 1 : 0);
        live.releasedOutput = replica.produced;
        live.releasedShutdown = replica.outputShutdown;
        live.pushed = replica.outputAcked;
        live.pendingClientAck = replica.outputAcked;
        if (replica.timeoutArmed)
        {
            onTimeoutScheduled(replica);
        }
        pump(live);
        if (null != takeoverTapped && !replica.peerFin)
        {
            final int length = takeoverTapped.copy(
                replica.remoteIp, replica.remotePort, replica.inputOffset, tappedBytes, tappedBytes.capacity());
            tappedInputTaken += stack.receiveRecovered(tcp, tappedBytes, 0, length, nowNs);
        }
        takeoverRestored++;
    }

    // ---------------------------------------------------------------------------------------------
    // Duty cycle
    // ---------------------------------------------------------------------------------------------

    /**
     * Publish the client acknowledgements gathered since the last call and fire due timeouts.
     *
     * @return work done.
     */
    public int doWork(final long nowNs)
    {
        this.nowNs = nowNs;
        int work = flushStaged();
        if (replicated.clock().nextDeadlineNs() <= clusterTimeNs())
        {
            logTime();
            work++;
        }
        for (int i = 0; i < acked.size(); i++)
        {
            final PrimaryConnection live = acked.get(i);
            live.inPendingList = false;
            if (live.pendingClientAck > live.replica.outputAcked && null != live.tcp)
            {
                clientAck.wrap(scratch, 0).write(epoch, live.replica.id, live.pendingClientAck);
                publishAndApply(ClientAckFlyweight.LENGTH);
                work++;
            }
        }
        acked.clear();
        work += timers.poll(nowNs, onTimer, 64);
        work += redeliverStarved();
        work += flushStaged();
        work += snapshotIfDue(nowNs);
        return work;
    }

    private int snapshotIfDue(final long nowNs)
    {
        if (0 == snapshotEveryRecords && 0 == snapshotEveryNs)
        {
            return 0;
        }
        final long since = lastPublishedPosition - replicated.snapshotPosition();
        final boolean due = (snapshotEveryRecords > 0 && since >= snapshotEveryRecords) ||
            (snapshotEveryNs > 0 && since > 0 && nowNs - lastSnapshotNs >= snapshotEveryNs);
        if (!due || snapshotWriterBusy.getAsBoolean())
        {
            return 0;
        }
        lastSnapshotNs = nowNs;
        snapshotRecord.wrap(scratch, 0).write(epoch, nowNs);
        publishAndApply(SnapshotFlyweight.LENGTH);
        return 1;
    }

    /**
     * The durability rule now holds every record up to {@code position}: release the input acknowledgements and the
     * output those records allow.
     */
    public void confirmed(final long position)
    {
        if (position <= confirmedPosition)
        {
            return;
        }
        confirmedPosition = Math.min(position, lastPublishedPosition);
        while (!commits.isEmpty() && commits.headPosition() <= confirmedPosition)
        {
            commits.poll();
            confirmedBytes = commits.publishedBytes;
            final PrimaryConnection live = byReplica.get(commits.connectionId);
            if (null != live)
            {
                release(live, commits.input, commits.output, commits.flags);
            }
        }
        if (commits.isEmpty())
        {
            confirmedBytes = publishedBytes;
        }
    }

    /**
     * Offer TCP's held input again to each replica that refused it and now has room.
     */
    private int redeliverStarved()
    {
        if (starved.isEmpty() || unconfirmedBytes() >= maxUnconfirmedBytes)
        {
            return 0;
        }
        int work = 0;
        for (int i = starved.size() - 1; i >= 0; i--)
        {
            final PrimaryConnection live = starved.get(i);
            if (live.replica.inputFree() > 0 || null == live.tcp || live.replica.serviceClosed)
            {
                live.starved = false;
                starved.remove(i);
                if (null != live.tcp)
                {
                    stack.redeliver(live.tcp.id());
                    work++;
                }
            }
        }
        return work;
    }

    private void release(final PrimaryConnection live, final long input, final long output, final int flags)
    {
        if (input > live.durableInput)
        {
            live.durableInput = input;
            if (-1 != live.tcpId)
            {
                // Past the OPEN's confirmation this releases the SYN-ACK of a connection in SYN-RECEIVED.
                stack.receiveGateAdvanced(live.tcpId);
            }
        }
        if (output > live.releasedOutput)
        {
            live.releasedOutput = output;
        }
        if ((flags & CommitQueue.FLAG_SHUTDOWN) != 0)
        {
            live.releasedShutdown = true;
        }
        if ((flags & CommitQueue.FLAG_ABORT) != 0)
        {
            live.releasedAbort = true;
        }
        pump(live);
    }

    /**
     * Hand the TCP connection the released output it has room for, then the FIN or RST once everything before it
     * went.
     */
    private void pump(final PrimaryConnection live)
    {
        final Connection tcp = live.tcp;
        if (null == tcp)
        {
            return;
        }
        if (live.releasedAbort)
        {
            if (!live.abortSent)
            {
                live.abortSent = true;
                tcp.abort();
            }
            return;
        }
        final Replica replica = live.replica;
        while (live.pushed < live.releasedOutput)
        {
            final int wanted = (int)Math.min(Integer.MAX_VALUE, live.releasedOutput - live.pushed);
            final int contiguous = replica.contiguousOutput(live.pushed, wanted);
            final int written = tcp.write(replica.output, replica.outputIndex(live.pushed), contiguous);
            live.pushed += written;
            if (written < contiguous)
            {
                return;
            }
        }
        if (live.releasedShutdown && !live.finPushed && live.pushed == replica.produced)
        {
            live.finPushed = true;
            tcp.shutdownOutput();
        }
    }

    /**
     * @return this primary's side of the replica, made (or taken from the pool) on first use.
     */
    private PrimaryConnection live(final Replica replica)
    {
        PrimaryConnection live = byReplica.get(replica.id);
        if (null == live)
        {
            live = pool.isEmpty() ? new PrimaryConnection() : pool.removeLast();
            live.reset(replica);
            byReplica.put(replica.id, live);
        }
        return live;
    }

    // ---------------------------------------------------------------------------------------------
    // ReplicationSeam, for the stack
    // ---------------------------------------------------------------------------------------------

    public long acknowledgeLimit(final long connectionId, final long receivedBytes)
    {
        final PrimaryConnection live = byTcp.get(connectionId);
        return null == live ? Long.MAX_VALUE : live.durableInput;
    }

    public void onOpen(
        final long connectionId,
        final int localIp,
        final int localPort,
        final int remoteIp,
        final int remotePort,
        final int localIsn,
        final int remoteIsn,
        final int sendMss,
        final int sendWindowScale,
        final int receiveWindowScale,
        final boolean timestamps,
        final boolean sack)
    {
        final long id = ((long)epoch << 40) | ++connectionSequence;
        open.wrap(scratch, 0)
            .write(epoch, id, localIp, localPort, remoteIp, remotePort, localIsn, remoteIsn)
            .options(sendMss, Math.max(0, sendWindowScale), Math.max(0, receiveWindowScale), timestamps, sack)
            .timestamps(0, 0);
        publishAndApply(OpenFlyweight.LENGTH);
        final PrimaryConnection live = live(replicated.replica(id));
        live.tcpId = connectionId;
        byTcp.put(connectionId, live);
    }

    /**
     * The TCP connection is gone; for one that never reached ESTABLISHED (reset or timed out in
     * SYN-RECEIVED) the service never hears {@link #onClosed(Connection, CloseReason)}, so the
     * CLOSED record is published from here.
     */
    public void onClosed(final long connectionId, final CloseReason reason)
    {
        final PrimaryConnection live = byTcp.get(connectionId);
        if (null != live && null == live.tcp)
        {
            byTcp.remove(connectionId);
            live.tcpId = -1;
            starved.remove(live);
            closed.wrap(scratch, 0).write(epoch, live.replica.id, ReplicatedService.reasonCode(reason));
            publishAndApply(ClosedFlyweight.LENGTH);
        }
    }

    public void onPeerAcknowledged(final long connectionId, final long acknowledgedBytes)
    {
        final PrimaryConnection live = byTcp.get(connectionId);
        if (null != live && acknowledgedBytes > live.pendingClientAck)
        {
            live.pendingClientAck = acknowledgedBytes;
            if (!live.inPendingList)
            {
                live.inPendingList = true;
                acked.add(live);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // TcpService, for the stack
    // ---------------------------------------------------------------------------------------------

    public String name()
    {
        return replicated.service().name();
    }

    public void onOpen(final Connection connection)
    {
        final PrimaryConnection live = byTcp.get(connection.id());
        if (null != live)
        {
            live.tcp = connection;
            pump(live);
        }
    }

    public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        final PrimaryConnection live = byTcp.get(connection.id());
        if (null == live)
        {
            return length;
        }
        final Replica replica = live.replica;
        if (replica.serviceClosed)
        {
            // The service is done with this connection: what else arrives is dropped, as a closed socket would.
            return length;
        }
        int taken = 0;
        while (taken < length)
        {
            if (live.staged == maxDataPerRecord)
            {
                publishStaged(live);
            }
            final int room = Math.min(maxDataPerRecord - live.staged, replica.inputFree() - live.staged);
            if (room <= 0 || unconfirmedBytes() >= maxUnconfirmedBytes)
            {
                // The replica's input is full (the service waits for output room) or the logger is behind: TCP
                // keeps the rest, the client's window closes, and doWork offers it again once there is room.
                inputRefusals++;
                if (!live.starved)
                {
                    live.starved = true;
                    starved.add(live);
                }
                break;
            }
            final int chunk = Math.min(length - taken, room);
            if (0 == live.staged)
            {
                startRecord(live);
                stagedReplicas.add(live);
            }
            live.staging.putBytes(DataFlyweight.DATA_OFFSET + live.staged, buffer, offset + taken, chunk);
            live.staged += chunk;
            taken += chunk;
        }
        return taken;
    }

    /**
     * Publish the input gathered from one receive burst as one DATA record per connection (up to
     * {@code maxDataPerRecord}), rather than one per segment: a full-MSS segment plus a record header does not fit
     * one channel frame, so a record per segment would cost the logger two frames for each.
     *
     * @return the records published.
     */
    public int flushStaged()
    {
        final int count = stagedReplicas.size();
        for (int i = 0; i < count; i++)
        {
            publishStaged(stagedReplicas.get(i));
        }
        stagedReplicas.clear();
        return count;
    }

    /**
     * Choose where a connection's next DATA record is gathered: the record itself, in the publisher's window when no
     * other connection builds one there (so the client's bytes are copied once, from the receive buffer into the record
     * its frames are sent from), else the connection's own staging buffer. A TIME that is due goes before a record
     * built in the window now, since nothing can be published while it is being built.
     */
    private void startRecord(final PrimaryConnection live)
    {
        if (null == claimHolder)
        {
            if (timeDue(false))
            {
                logTime();
            }
            if (publisher.claim(DataFlyweight.HEADER_LENGTH + maxDataPerRecord, claimView))
            {
                claimHolder = live;
                live.staging = claimView;
                dataRecordsInWindow++;
                return;
            }
        }
        if (null == live.ownStaging)
        {
            live.ownStaging = newStaging();
        }
        live.staging = live.ownStaging;
        dataRecordsStagedApart++;
    }

    /** Publish the record being built in the window, if any: before any other record, whose place it holds. */
    private void publishClaimed()
    {
        if (null != claimHolder)
        {
            publishStaged(claimHolder);
        }
    }

    private void publishStaged(final PrimaryConnection live)
    {
        if (live.staged > 0)
        {
            data.wrap(live.staging, 0).writeAround(epoch, live.replica.id, live.replica.inputOffset, live.staged);
            final int length = DataFlyweight.HEADER_LENGTH + live.staged;
            live.staged = 0;
            if (live == claimHolder)
            {
                claimHolder = null;
                // Its TIME went before it when it started (startRecord); one due since goes right after it.
                publishRecord(live.staging, length);
                live.staging = live.ownStaging;
                if (timeDue(false))
                {
                    logTime();
                }
            }
            else
            {
                publishAndApply(live.staging, length);
            }
        }
    }

    public void onPeerClosed(final Connection connection)
    {
        final PrimaryConnection live = byTcp.get(connection.id());
        if (null != live && !live.replica.peerFin)
        {
            publishStaged(live);
            fin.wrap(scratch, 0).write(epoch, live.replica.id, live.replica.inputOffset);
            publishAndApply(FinFlyweight.LENGTH);
        }
    }

    public void onWritable(final Connection connection)
    {
        final PrimaryConnection live = byTcp.get(connection.id());
        if (null != live)
        {
            pump(live);
        }
    }

    public void onClosed(final Connection connection, final CloseReason reason)
    {
        final PrimaryConnection live = byTcp.remove(connection.id());
        if (null == live)
        {
            return;
        }
        live.tcp = null;
        live.tcpId = -1;
        if (live.starved)
        {
            live.starved = false;
            starved.remove(live);
        }
        publishStaged(live);
        closed.wrap(scratch, 0).write(epoch, live.replica.id, ReplicatedService.reasonCode(reason));
        publishAndApply(ClosedFlyweight.LENGTH);
    }

    // ---------------------------------------------------------------------------------------------
    // ReplicatedService.Observer
    // ---------------------------------------------------------------------------------------------

    public void onChanged(final long position, final Replica replica)
    {
        commits.add(
            position,
            replica.id,
            replica.inputOffset + (replica.peerFin ? 1 : 0),
            replica.produced,
            (replica.outputShutdown ? CommitQueue.FLAG_SHUTDOWN : 0) | (replica.aborted ? CommitQueue.FLAG_ABORT : 0),
            publishedBytes);
    }

    public void onTimeoutScheduled(final Replica replica)
    {
        final PrimaryConnection live = live(replica);
        if (live.wheelTimerId != -1)
        {
            timers.cancelTimer(live.wheelTimerId);
            timerConnections.remove(live.wheelTimerId);
            live.wheelTimerId = -1;
        }
        if (replica.timeoutArmed)
        {
            live.wheelTimerId = timers.scheduleTimer(nowNs + replica.timeoutDelayMs * 1_000_000L);
            timerConnections.put(live.wheelTimerId, replica.id);
        }
    }

    public void onRemoved(final Replica replica)
    {
        final PrimaryConnection live = byReplica.remove(replica.id);
        if (null == live)
        {
            return;
        }
        if (live.wheelTimerId != -1)
        {
            timers.cancelTimer(live.wheelTimerId);
            timerConnections.remove(live.wheelTimerId);
            live.wheelTimerId = -1;
        }
        if (live.starved)
        {
            live.starved = false;
            starved.remove(live);
        }
        if (live.inPendingList)
        {
            acked.remove(live);
            live.inPendingList = false;
        }
        if (live == claimHolder)
        {
            claimHolder = null;
            publisher.cancelClaim();
        }
        live.reset(null);
        pool.add(live);
    }

    private boolean onTimerExpiry(final TimeUnit timeUnit, final long now, final long timerId)
    {
        final long connectionId = timerConnections.remove(timerId);
        final PrimaryConnection live = -1 == connectionId ? null : byReplica.get(connectionId);
        if (null != live && live.wheelTimerId == timerId)
        {
            live.wheelTimerId = -1;
            timeout.wrap(scratch, 0).write(epoch, live.replica.id, live.replica.timerId, now);
            publishAndApply(TimeoutFlyweight.LENGTH);
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * Publish and apply the record in {@link #scratch}, after a TIME when the clock has moved on by
     * {@link #TIME_RESOLUTION_NS} (or, for an OPEN, whenever the record before is not a TIME).
     */
    private void publishAndApply(final int length)
    {
        publishAndApply(scratch, length);
    }

    private void publishAndApply(final UnsafeBuffer record, final int length)
    {
        if (timeDue(RecordType.OPEN == record.getShort(RecordHeaderFlyweight.TYPE_OFFSET, ByteOrder.LITTLE_ENDIAN)))
        {
            logTime();
        }
        publishRecord(record, length);
    }

    /**
     * @return whether a TIME goes before the next record: the clock moved on by {@link #TIME_RESOLUTION_NS}, none was
     * logged yet, or the record is an OPEN and the last record is not a TIME.
     */
    private boolean timeDue(final boolean open)
    {
        return clusterTimeNs() - loggedTimeNs >= TIME_RESOLUTION_NS || !timeLogged ||
            (open && lastTimePosition != lastPublishedPosition);
    }

    /**
     * Log the cluster time now: every replica applying it moves its service's clock there and fires the timers it
     * reaches.
     */
    private void logTime()
    {
        final long timesBefore = timeRecords;
        publishClaimed();
        if (timeRecords != timesBefore && lastTimePosition == lastPublishedPosition)
        {
            // Publishing the record built in the window logged the time right after it: this TIME is that one.
            return;
        }
        final long clusterTimeNs = clusterTimeNs();
        time.wrap(timeScratch, 0).write(epoch, clusterTimeNs);
        final long position = publisher.publish(timeScratch, 0, TimeFlyweight.LENGTH);
        if (position != lastPublishedPosition + 1)
        {
            throw new IllegalStateException(
                "the publisher gave position " + position + " after " + lastPublishedPosition + ": positions must be dense");
        }
        lastPublishedPosition = position;
        lastTimePosition = position;
        loggedTimeNs = clusterTimeNs;
        timeLogged = true;
        publishedBytes += TimeFlyweight.LENGTH;
        timeRecords++;
        replicated.apply(timeScratch, 0, TimeFlyweight.LENGTH);
    }

    private void publishRecord(final UnsafeBuffer record, final int length)
    {
        if (record != claimView)
        {
            publishClaimed();
        }
        final long position = publisher.publish(record, 0, length);
        if (position != lastPublishedPosition + 1)
        {
            throw new IllegalStateException(
                "the publisher gave position " + position + " after " + lastPublishedPosition + ": positions must be dense");
        }
        lastPublishedPosition = position;
        publishedBytes += length;
        replicated.apply(record, 0, length);
    }
}
