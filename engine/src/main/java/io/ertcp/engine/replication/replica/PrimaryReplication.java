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
 */
public final class PrimaryReplication implements TcpService, ReplicationSeam, ReplicatedService.Observer
{
    private static final int FLAG_SHUTDOWN = 1;
    private static final int FLAG_ABORT = 2;
    private static final long TICK_NS = 1L << 20;
    /** A TIME goes before a record once the clock moved on by this much since the last one. */
    public static final long TIME_RESOLUTION_NS = 1_000_000L;

    private final ReplicatedService replicated;
    private final RecordPublisher publisher;
    private final int nodeId;
    private final int maxDataPerRecord;
    private final long maxUnconfirmedBytes;
    private final Long2ObjectHashMap<Replica> byTcp = new Long2ObjectHashMap<>();
    /** Replica id to TCP connection id while the handshake is under way (no replica.tcp yet), for the SYN-ACK gate. */
    private final Long2LongHashMap handshaking = new Long2LongHashMap(-1);
    private final UnsafeBuffer scratch;
    private final OpenFlyweight open = new OpenFlyweight();
    private final DataFlyweight data = new DataFlyweight();
    private final ClientAckFlyweight clientAck = new ClientAckFlyweight();
    private final FinFlyweight fin = new FinFlyweight();
    private final ClosedFlyweight closed = new ClosedFlyweight();
    private final TimeoutFlyweight timeout = new TimeoutFlyweight();
    private final EpochChangeFlyweight epochChange = new EpochChangeFlyweight();
    private final TimeFlyweight time = new TimeFlyweight();
    /** TIME records have their own buffer: one may go out while {@link #scratch} holds the record it precedes. */
    private final UnsafeBuffer timeScratch = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private final ConnectionRestore restore = new ConnectionRestore();

    // Output commit: one entry per replica changed by a record, in position order.
    private long[] entryPosition = new long[1024];
    private long[] entryConnection = new long[1024];
    private long[] entryInput = new long[1024];
    private long[] entryOutput = new long[1024];
    private long[] entryBytes = new long[1024];
    private int[] entryFlags = new int[1024];
    private int entryHead;
    private int entryCount;

    private final ArrayList<Replica> acked = new ArrayList<>();
    private final ArrayList<Replica> starved = new ArrayList<>();
    private final ArrayList<Replica> stagedReplicas = new ArrayList<>();
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
    private final long wallOffsetNs;
    /** The last cluster time logged (or applied, before this node was primary). */
    private long loggedTimeNs;
    private long lastTimePosition = -1;
    /** A TIME was logged (or applied before this node was primary): the log has a time. */
    private boolean timeLogged;
    private long timeRecords;
    private long inputRefusals;
    private long restoreRefusals;
    private long tappedInputTaken;

    /**
     * @param replicated          the service replica to drive; on a new primary, the one its backup role applied into.
     * @param publisher           where records go.
     * @param nodeId              this node, named in an EPOCH_CHANGE record.
     * @param epoch               the epoch this primary publishes in.
     * @param maxDataPerRecord    the most input bytes one DATA record carries.
     * @param maxUnconfirmedBytes record bytes that may wait for confirmation before input is refused.
     * @param nowNs               the current time, for the timeout wheel.
     * @param stacks              builds the TCP stack this primary serves through, given the seam to build it with.
     */
    public PrimaryReplication(
        final ReplicatedService replicated,
        final RecordPublisher publisher,
        final int nodeId,
        final int epoch,
        final int maxDataPerRecord,
        final long maxUnconfirmedBytes,
        final long nowNs,
        final Function<ReplicationSeam, TcpStack> stacks)
    {
        this(replicated, publisher, nodeId, epoch, maxDataPerRecord, maxUnconfirmedBytes, nowNs, 0, stacks);
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
        final int maxDataPerRecord,
        final long maxUnconfirmedBytes,
        final long nowNs,
        final long wallOffsetNs,
        final Function<ReplicationSeam, TcpStack> stacks)
    {
        this.wallOffsetNs = wallOffsetNs;
        this.loggedTimeNs = replicated.clock().timeNs();
        this.timeLogged = replicated.clock().timeNs() != 0;
        this.replicated = replicated;
        this.publisher = publisher;
        this.nodeId = nodeId;
        this.epoch = epoch;
        this.maxDataPerRecord = maxDataPerRecord;
        this.maxUnconfirmedBytes = maxUnconfirmedBytes;
        this.scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(DataFlyweight.HEADER_LENGTH + maxDataPerRecord + 64));
        this.timers = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, nowNs, TICK_NS, 1024);
        this.nowNs = nowNs;
        this.confirmedPosition = replicated.appliedPosition();
        this.lastPublishedPosition = replicated.appliedPosition();
        replicated.observer(this);
        // Last: the stack is built with this primary as its seam, and calls nothing of it while being built.
        this.stack = stacks.apply(this);
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
        final UnsafeBuffer tappedBytes = null == tapped ? null :
            new UnsafeBuffer(ByteBuffer.allocateDirect(stack.config().receiveBufferBytes()));
        this.nowNs = nowNs;
        epochChange.wrap(scratch, 0).write(epoch, epoch, nodeId, previousLastPosition);
        publishRecord(scratch, EpochChangeFlyweight.LENGTH);

        final int[] restored = {0};
        replicated.forEach(replica ->
        {
            if (replica.serviceClosed)
            {
                return;
            }
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
            replica.tcp = tcp;
            byTcp.put(tcp.id(), replica);
            replica.durableInput = replica.inputOffset + (replica.peerFin ? 1 : 0);
            replica.releasedOutput = replica.produced;
            replica.releasedShutdown = replica.outputShutdown;
            replica.pushed = replica.outputAcked;
            replica.pendingClientAck = replica.outputAcked;
            if (replica.timeoutArmed)
            {
                onTimeoutScheduled(replica);
            }
            pump(replica);
            if (null != tappedBytes && !replica.peerFin)
            {
                final int length = tapped.copy(
                    replica.remoteIp, replica.remotePort, replica.inputOffset, tappedBytes, tappedBytes.capacity());
                tappedInputTaken += stack.receiveRecovered(tcp, tappedBytes, 0, length, nowNs);
            }
            restored[0]++;
        });
        return restored[0];
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
            final Replica replica = acked.get(i);
            replica.inPendingList = false;
            if (replica.pendingClientAck > replica.outputAcked && null != replica.tcp)
            {
                clientAck.wrap(scratch, 0).write(epoch, replica.id, replica.pendingClientAck);
                publishAndApply(ClientAckFlyweight.LENGTH);
                work++;
            }
        }
        acked.clear();
        work += timers.poll(nowNs, onTimer, 64);
        work += redeliverStarved();
        work += flushStaged();
        return work;
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
        final int mask = entryPosition.length - 1;
        while (entryCount > 0 && entryPosition[entryHead] <= confirmedPosition)
        {
            final Replica replica = replicated.replica(entryConnection[entryHead]);
            confirmedBytes = entryBytes[entryHead];
            if (null != replica)
            {
                release(replica, entryInput[entryHead], entryOutput[entryHead], entryFlags[entryHead]);
            }
            entryHead = (entryHead + 1) & mask;
            entryCount--;
        }
        if (0 == entryCount)
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
            final Replica replica = starved.get(i);
            if (replica.inputFree() > 0 || null == replica.tcp || replica.serviceClosed)
            {
                replica.starved = false;
                starved.remove(i);
                if (null != replica.tcp)
                {
                    stack.redeliver(replica.tcp.id());
                    work++;
                }
            }
        }
        return work;
    }

    private void release(final Replica replica, final long input, final long output, final int flags)
    {
        if (input > replica.durableInput)
        {
            replica.durableInput = input;
            final long tcpId = null != replica.tcp ? replica.tcp.id() : handshaking.get(replica.id);
            if (-1 != tcpId)
            {
                // Past the OPEN's confirmation this releases the SYN-ACK of a connection in SYN-RECEIVED.
                stack.receiveGateAdvanced(tcpId);
            }
        }
        if (output > replica.releasedOutput)
        {
            replica.releasedOutput = output;
        }
        if ((flags & FLAG_SHUTDOWN) != 0)
        {
            replica.releasedShutdown = true;
        }
        if ((flags & FLAG_ABORT) != 0)
        {
            replica.releasedAbort = true;
        }
        pump(replica);
    }

    /**
     * Hand the TCP connection the released output it has room for, then the FIN or RST once everything before it
     * went.
     */
    private void pump(final Replica replica)
    {
        final Connection tcp = replica.tcp;
        if (null == tcp)
        {
            return;
        }
        if (replica.releasedAbort)
        {
            if (!replica.abortSent)
            {
                replica.abortSent = true;
                tcp.abort();
            }
            return;
        }
        while (replica.pushed < replica.releasedOutput)
        {
            final int wanted = (int)Math.min(Integer.MAX_VALUE, replica.releasedOutput - replica.pushed);
            final int contiguous = replica.contiguousOutput(replica.pushed, wanted);
            final int written = tcp.write(replica.output, replica.outputIndex(replica.pushed), contiguous);
            replica.pushed += written;
            if (written < contiguous)
            {
                return;
            }
        }
        if (replica.releasedShutdown && !replica.finPushed && replica.pushed == replica.produced)
        {
            replica.finPushed = true;
            tcp.shutdownOutput();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // ReplicationSeam, for the stack
    // ---------------------------------------------------------------------------------------------

    public long acknowledgeLimit(final long connectionId, final long receivedBytes)
    {
        final Replica replica = byTcp.get(connectionId);
        return null == replica ? Long.MAX_VALUE : replica.durableInput;
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
        byTcp.put(connectionId, replicated.replica(id));
        handshaking.put(id, connectionId);
    }

    /**
     * The TCP connection is gone; for one that never reached ESTABLISHED (reset or timed out in
     * SYN-RECEIVED) the service never hears {@link #onClosed(Connection, CloseReason)}, so the
     * CLOSED record is published from here.
     */
    public void onClosed(final long connectionId, final CloseReason reason)
    {
        final Replica replica = byTcp.get(connectionId);
        if (null != replica && null == replica.tcp)
        {
            byTcp.remove(connectionId);
            handshaking.remove(replica.id);
            starved.remove(replica);
            closed.wrap(scratch, 0).write(epoch, replica.id, ReplicatedService.reasonCode(reason));
            publishAndApply(ClosedFlyweight.LENGTH);
        }
    }

    public void onPeerAcknowledged(final long connectionId, final long acknowledgedBytes)
    {
        final Replica replica = byTcp.get(connectionId);
        if (null != replica && acknowledgedBytes > replica.pendingClientAck)
        {
            replica.pendingClientAck = acknowledgedBytes;
            if (!replica.inPendingList)
            {
                replica.inPendingList = true;
                acked.add(replica);
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
        final Replica replica = byTcp.get(connection.id());
        if (null != replica)
        {
            handshaking.remove(replica.id);
            replica.tcp = connection;
            pump(replica);
        }
    }

    public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        final Replica replica = byTcp.get(connection.id());
        if (null == replica)
        {
            return length;
        }
        if (replica.serviceClosed)
        {
            // The service is done with this connection: what else arrives is dropped, as a closed socket would.
            return length;
        }
        int taken = 0;
        while (taken < length)
        {
            if (replica.staged == maxDataPerRecord)
            {
                publishStaged(replica);
            }
            final int room = Math.min(maxDataPerRecord - replica.staged, replica.inputFree() - replica.staged);
            if (room <= 0 || unconfirmedBytes() >= maxUnconfirmedBytes)
            {
                // The replica's input is full (the service waits for output room) or the logger is behind: TCP
                // keeps the rest, the client's window closes, and doWork offers it again once there is room.
                inputRefusals++;
                if (!replica.starved)
                {
                    replica.starved = true;
                    starved.add(replica);
                }
                break;
            }
            final int chunk = Math.min(length - taken, room);
            if (null == replica.staging)
            {
                // The record itself: input is gathered where its DATA record's bytes go, so publishing copies it no more.
                replica.staging = new UnsafeBuffer(ByteBuffer.allocateDirect(DataFlyweight.HEADER_LENGTH + maxDataPerRecord));
            }
            replica.staging.putBytes(DataFlyweight.DATA_OFFSET + replica.staged, buffer, offset + taken, chunk);
            if (0 == replica.staged)
            {
                stagedReplicas.add(replica);
            }
            replica.staged += chunk;
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

    private void publishStaged(final Replica replica)
    {
        if (replica.staged > 0)
        {
            data.wrap(replica.staging, 0).writeAround(epoch, replica.id, replica.inputOffset, replica.staged);
            final int length = DataFlyweight.HEADER_LENGTH + replica.staged;
            replica.staged = 0;
            publishAndApply(replica.staging, length);
        }
    }

    public void onPeerClosed(final Connection connection)
    {
        final Replica replica = byTcp.get(connection.id());
        if (null != replica && !replica.peerFin)
        {
            publishStaged(replica);
            fin.wrap(scratch, 0).write(epoch, replica.id, replica.inputOffset);
            publishAndApply(FinFlyweight.LENGTH);
        }
    }

    public void onWritable(final Connection connection)
    {
        final Replica replica = byTcp.get(connection.id());
        if (null != replica)
        {
            pump(replica);
        }
    }

    public void onClosed(final Connection connection, final CloseReason reason)
    {
        final Replica replica = byTcp.remove(connection.id());
        if (null == replica)
        {
            return;
        }
        replica.tcp = null;
        if (replica.starved)
        {
            replica.starved = false;
            starved.remove(replica);
        }
        publishStaged(replica);
        closed.wrap(scratch, 0).write(epoch, replica.id, ReplicatedService.reasonCode(reason));
        publishAndApply(ClosedFlyweight.LENGTH);
    }

    // ---------------------------------------------------------------------------------------------
    // ReplicatedService.Observer
    // ---------------------------------------------------------------------------------------------

    public void onChanged(final long position, final Replica replica)
    {
        if (entryCount == entryPosition.length)
        {
            growEntries();
        }
        final int mask = entryPosition.length - 1;
        final int index = (entryHead + entryCount) & mask;
        entryPosition[index] = position;
        entryConnection[index] = replica.id;
        entryInput[index] = replica.inputOffset + (replica.peerFin ? 1 : 0);
        entryOutput[index] = replica.produced;
        entryFlags[index] = (replica.outputShutdown ? FLAG_SHUTDOWN : 0) | (replica.aborted ? FLAG_ABORT : 0);
        entryBytes[index] = publishedBytes;
        entryCount++;
    }

    public void onTimeoutScheduled(final Replica replica)
    {
        if (replica.wheelTimerId != -1)
        {
            timers.cancelTimer(replica.wheelTimerId);
            timerConnections.remove(replica.wheelTimerId);
            replica.wheelTimerId = -1;
        }
        if (replica.timeoutArmed)
        {
            replica.wheelTimerId = timers.scheduleTimer(nowNs + replica.timeoutDelayMs * 1_000_000L);
            timerConnections.put(replica.wheelTimerId, replica.id);
        }
    }

    public void onRemoved(final Replica replica)
    {
        if (replica.wheelTimerId != -1)
        {
            timers.cancelTimer(replica.wheelTimerId);
            timerConnections.remove(replica.wheelTimerId);
            replica.wheelTimerId = -1;
        }
        if (replica.starved)
        {
            replica.starved = false;
            starved.remove(replica);
        }
        if (replica.inPendingList)
        {
            acked.remove(replica);
            replica.inPendingList = false;
        }
    }

    private boolean onTimerExpiry(final TimeUnit timeUnit, final long now, final long timerId)
    {
        final long connectionId = timerConnections.remove(timerId);
        final Replica replica = -1 == connectionId ? null : replicated.replica(connectionId);
        if (null != replica && replica.wheelTimerId == timerId)
        {
            replica.wheelTimerId = -1;
            timeout.wrap(scratch, 0).write(epoch, replica.id, replica.timerId, now);
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
        final long clusterTimeNs = clusterTimeNs();
        if (clusterTimeNs - loggedTimeNs >= TIME_RESOLUTION_NS || !timeLogged ||
            (lastTimePosition != lastPublishedPosition &&
            RecordType.OPEN == record.getShort(RecordHeaderFlyweight.TYPE_OFFSET, ByteOrder.LITTLE_ENDIAN)))
        {
            logTime();
        }
        publishRecord(record, length);
    }

    /**
     * Log the cluster time now: every replica applying it moves its service's clock there and fires the timers it
     * reaches.
     */
    private void logTime()
    {
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

    private void growEntries()
    {
        final int capacity = entryPosition.length;
        final int mask = capacity - 1;
        final long[] position = new long[capacity * 2];
        final long[] connection = new long[capacity * 2];
        final long[] input = new long[capacity * 2];
        final long[] output = new long[capacity * 2];
        final long[] bytes = new long[capacity * 2];
        final int[] flags = new int[capacity * 2];
        for (int i = 0; i < entryCount; i++)
        {
            final int from = (entryHead + i) & mask;
            position[i] = entryPosition[from];
            connection[i] = entryConnection[from];
            input[i] = entryInput[from];
            output[i] = entryOutput[from];
            bytes[i] = entryBytes[from];
            flags[i] = entryFlags[from];
        }
        entryPosition = position;
        entryConnection = connection;
        entryInput = input;
        entryOutput = output;
        entryBytes = bytes;
        entryFlags = flags;
        entryHead = 0;
    }
}
