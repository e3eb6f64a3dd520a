package io.ertcp.engine.replication.backup;

import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.replication.channel.ChannelCounters;
import io.ertcp.engine.replication.channel.ReceiverSettings;
import io.ertcp.engine.replication.channel.RecordReceiver;
import io.ertcp.engine.replication.replica.ReplicatedService;
import io.ertcp.engine.replication.tap.TapAssembler;
import io.ertcp.log.ClosedFlyweight;
import io.ertcp.log.DataFlyweight;
import io.ertcp.log.DataRefFlyweight;
import io.ertcp.log.OpenFlyweight;
import io.ertcp.log.RecordCodec;
import io.ertcp.log.RecordHeaderFlyweight;
import io.ertcp.log.RecordType;
import io.ertcp.log.ReplicationLog;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A backup's ingest (docs/architecture.md rule 3). The records arrive in order and each once (the {@link RecordReceiver} asks for
 * every gap), are kept in the backup's own copy of the log (so it can be made the logger, rule 6, or serve a backup
 * after a takeover) and applied to its {@link ReplicatedService}, whose replicas are the shadows a takeover turns
 * into live connections.
 * <ul>
 * <li><b>ER-TCP (forward):</b> the records come whole from the logger's feed for this backup.</li>
 * <li><b>ST-TCP (tap):</b> they come straight from the primary, and each DATA record as a DATA_REF ordering record
 * without its bytes, which the {@link TapAssembler} took off the LAN. The backup rebuilds the DATA record from the
 * tap and keeps it only when its checksum is the primary's. When the tap lacks a byte (or holds other bytes), the
 * record is held back for {@code fetchDelayNs} (the tapped frame may still be on its way) and then fetched whole
 * from the primary's log. Nothing after a held record is applied or confirmed meanwhile, and since the primary
 * acknowledges the client only what the backup confirmed, a byte the backup never got was never acknowledged.</li>
 * </ul>
 * A backup may be slow on purpose ({@code applyDelayNs} of busy work per record, to show that a slow backup lags
 * without slowing the primary): it then confirms late and its feed on the logger waits for it; nothing else does.
 * <p>
 * One thread: the node's duty cycle.
 */
public final class BackupFollower
{
    private static final int NO_CLIENT = -1;

    private final ReplicationLog log;
    private final ReplicatedService replicated;
    private final RecordReceiver receiver;
    private final long applyDelayNs;
    private long spinSink;

    private final TapAssembler tap;
    private final long fetchDelayNs;
    /** Connection id to the client's address and port, {@code ip << 16 | port}, for connections opened in the log. */
    private final Long2LongHashMap clients = new Long2LongHashMap(NO_CLIENT);
    private final UnsafeBuffer rebuilt;
    private final RecordCodec codec = new RecordCodec();
    private final DataRefFlyweight dataRef = new DataRefFlyweight();
    private final DataFlyweight data = new DataFlyweight();
    private final OpenFlyweight open = new OpenFlyweight();
    private final ClosedFlyweight closed = new ClosedFlyweight();
    private final AtomicCounter recordsTapped;
    private final AtomicCounter tapMisses;
    private long confirmRequested;
    private String problem;
    private long heldPosition;
    private long heldSinceNs;
    private long lastLookAheadNs;
    private long nowNs;
    private final DataRefFlyweight lookAhead = new DataRefFlyweight();
    private final RecordReceiver.Readiness fillable = this::isFillable;

    /**
     * What an ST-TCP backup takes off the LAN.
     *
     * @param tap           fed by the caller with every frame to or from the VIP.
     * @param fetchDelayNs  how long a DATA_REF the tap cannot fill waits before its record is fetched.
     * @param recordsTapped counts DATA records rebuilt from the tap.
     * @param tapMisses     counts DATA records fetched instead.
     */
    public record Tapping(TapAssembler tap, long fetchDelayNs, AtomicCounter recordsTapped, AtomicCounter tapMisses)
    {
    }

    /**
     * An ST-TCP backup when {@code tapping} is given, else an ER-TCP one.
     *
     * @param nodeId       this backup.
     * @param localMac     the source of its NAK and CONFIRM frames.
     * @param epoch        the oldest epoch accepted.
     * @param log          this backup's copy of the log, empty or holding exactly what {@code replicated} applied.
     * @param replicated   the shadows.
     * @param settings     its receiving end: slots, longest record, NAK and CONFIRM intervals, the cluster's
     *                     {@code replication-mtu}.
     * @param applyDelayNs busy work per record, 0 normally.
     * @param counters     where its receiving end counts.
     * @param tapping      the tap of an ST-TCP backup, null in ER-TCP.
     */
    public BackupFollower(
        final int nodeId,
        final long localMac,
        final int epoch,
        final ReplicationLog log,
        final ReplicatedService replicated,
        final ReceiverSettings settings,
        final long applyDelayNs,
        final ChannelCounters counters,
        final Tapping tapping)
    {
        final TapAssembler tap = null == tapping ? null : tapping.tap();
        if (log.lastPosition() != replicated.appliedPosition())
        {
            throw new IllegalArgumentException("the backup's log ends at " + log.lastPosition() +
                " but its service applied up to " + replicated.appliedPosition());
        }
        this.log = log;
        this.replicated = replicated;
        this.applyDelayNs = applyDelayNs;
        this.tap = tap;
        this.fetchDelayNs = null == tapping ? 0 : tapping.fetchDelayNs();
        this.recordsTapped = null == tapping ? null : tapping.recordsTapped();
        this.tapMisses = null == tapping ? null : tapping.tapMisses();
        this.rebuilt = null == tap ? null : new UnsafeBuffer(ByteBuffer.allocateDirect(settings.maxRecordLength()));
        this.receiver = RecordReceiver.holding(
            nodeId, localMac, epoch, log.lastPosition() + 1, settings, this::onRecord, counters);
        this.receiver.baseListener(this::onBase);
        if (null != tap)
        {
            // Connections a snapshot brought back (docs/architecture.md "Snapshots"): their OPENs are not in this
            // log, so the tap learns them here, its window at the input the log already holds.
            replicated.forEach(replica ->
            {
                tap.open(replica.remoteIp(), replica.remotePort(), replica.remoteIsn(), replica.localIsn());
                clients.put(replica.id(), ((replica.remoteIp() & 0xFFFF_FFFFL) << 16) | replica.remotePort());
                tap.take(replica.remoteIp(), replica.remotePort(), replica.inputOffset());
            });
        }
    }

    /**
     * @return why this backup cannot catch up (its log has records but the sender's start past them), or null.
     */
    public String problem()
    {
        return problem;
    }

    /**
     * The sender's log starts at {@code firstPosition}, past this backup's end: retention deleted the rest. An empty
     * copy starts there (every connection opened before is closed: retention keeps the oldest live one's OPEN);
     * one holding records has a gap it cannot fill.
     */
    private void onBase(final long firstPosition)
    {
        if (replicated.service().sharesStateAcrossConnections() && replicated.recordsApplied() == 0 &&
            firstPosition > log.lastPosition() + 1)
        {
            // The connections' log went, and with it the only source of the shared state before the snapshot it has.
            if (null == problem)
            {
                problem = "this backup's service shares state across connections and " + (log.lastPosition() == 0 ?
                    "it has no snapshot" : "its newest snapshot is at position " + log.lastPosition()) +
                    ", but the sender's log starts at " + firstPosition + " (retention deleted the rest while it was " +
                    "away): copy the newest snapshot file from another node's snapshots directory into this node's and " +
                    "restart it";
            }
            return;
        }
        if (log.lastPosition() == 0 && replicated.recordsApplied() == 0)
        {
            log.startAt(firstPosition);
            replicated.startAfter(firstPosition - 1);
            receiver.resetTo(firstPosition);
        }
        else if (null == problem)
        {
            problem = "this backup holds the log up to position " + log.lastPosition() + " but the sender's starts at " +
                firstPosition + " (retention deleted the rest while it was away): restart it, and it rejoins with an " +
                "empty log";
        }
    }

    /**
     * Tell the feed at {@code mac} what this backup holds (it loaded a snapshot): a feed left from this node's previous
     * process, which had confirmed more, sees the new incarnation and starts again from there.
     */
    public void announce(final long mac)
    {
        receiver.confirmTo(mac);
    }

    public void onFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        receiver.onFrame(buffer, offset, length, flags);
    }

    /**
     * Apply what was held back, ask for gaps and confirm progress.
     */
    public int doWork(final long nowNs, final FrameOutput out)
    {
        this.nowNs = nowNs;
        final long delivered = receiver.deliveredPosition();
        if (delivered > confirmRequested)
        {
            // Confirm new records in this duty cycle, not at the next interval: in ST-TCP the primary acknowledges its
            // clients on this confirmation, and with logger+K the logger waits for it.
            confirmRequested = delivered;
            receiver.confirmNow();
        }
        if (null != tap && receiver.fetchesPending() > 0 && nowNs - lastLookAheadNs >= fetchDelayNs)
        {
            // Records that arrived since the last look the tap still cannot fill: fetch them before their turn.
            fetchUnready();
        }
        return receiver.doWork(nowNs, out);
    }

    /**
     * @return the last position applied (and kept in the local log).
     */
    public long appliedPosition()
    {
        return replicated.appliedPosition();
    }

    public ReplicatedService replicated()
    {
        return replicated;
    }

    public ReplicationLog log()
    {
        return log;
    }

    public RecordReceiver receiver()
    {
        return receiver;
    }

    /**
     * @return the tap of an ST-TCP backup, null in ER-TCP.
     */
    public TapAssembler tap()
    {
        return tap;
    }

    private boolean onRecord(final DirectBuffer buffer, final int offset, final int length, final long position)
    {
        final int type = buffer.getShort(offset + RecordHeaderFlyweight.TYPE_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (RecordType.DATA_REF == type)
        {
            return fill(buffer, offset, position);
        }
        keep(buffer, offset, length, type);
        return true;
    }

    /**
     * Rebuild the DATA record a DATA_REF stands for from the tap, or hold it back and in time fetch it whole.
     */
    private boolean fill(final DirectBuffer buffer, final int offset, final long position)
    {
        dataRef.wrap(buffer, offset);
        final long client = clients.get(dataRef.connectionId());
        final int dataLength = dataRef.dataLength();
        boolean wrongBytes = false;
        if (null != tap && NO_CLIENT != client && dataLength >= 0 &&
            DataFlyweight.HEADER_LENGTH + dataLength <= rebuilt.capacity())
        {
            final int clientIp = (int)(client >>> 16);
            final int clientPort = (int)(client & 0xFFFF);
            if (tap.copy(clientIp, clientPort, dataRef.streamOffset(), rebuilt, DataFlyweight.DATA_OFFSET, dataLength) ==
                dataLength)
            {
                final int length = dataRef.restore(rebuilt, 0, codec);
                if (length > 0)
                {
                    recordsTapped.incrementRelease();
                    keep(rebuilt, 0, length, RecordType.DATA);
                    return true;
                }
                wrongBytes = true;
            }
        }
        if (heldPosition != position)
        {
            heldPosition = position;
            heldSinceNs = nowNs;
        }
        if ((wrongBytes || null == tap || nowNs - heldSinceNs >= fetchDelayNs) && receiver.fetch(position))
        {
            tapMisses.incrementRelease();
            fetchUnready();
        }
        return false;
    }

    /**
     * Fetch, in the same round trip, every record waiting behind the held one that the tap cannot fill either and
     * that has waited the fetch delay: a tap that missed a burst of frames costs one round trip, not one per record.
     */
    private void fetchUnready()
    {
        lastLookAheadNs = nowNs;
        final int started = receiver.fetchUnready(fillable, nowNs - fetchDelayNs);
        if (started > 0)
        {
            tapMisses.getAndAddRelease(started);
        }
    }

    /**
     * @return false for a DATA_REF whose bytes the tap lacks now; true for any other record, and for one of a
     * connection whose OPEN is not applied yet (it is judged when its turn comes).
     */
    private boolean isFillable(final DirectBuffer buffer, final int offset, final int length, final long position)
    {
        final int type = buffer.getShort(offset + RecordHeaderFlyweight.TYPE_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (RecordType.DATA_REF != type)
        {
            return true;
        }
        lookAhead.wrap(buffer, offset);
        final long client = clients.get(lookAhead.connectionId());
        return NO_CLIENT == client ||
            tap.contiguousFrom((int)(client >>> 16), (int)(client & 0xFFFF), lookAhead.streamOffset()) >=
            lookAhead.dataLength();
    }

    private void keep(final DirectBuffer buffer, final int offset, final int length, final int type)
    {
        // Verified once on arrival (the receiver's CRC32C check, or a rebuilt record's checksum against the primary's).
        log.appendStamped(buffer, offset, length);
        replicated.apply(buffer, offset, length);
        if (null != tap)
        {
            followTap(buffer, offset, type);
        }
        if (applyDelayNs > 0)
        {
            final long until = System.nanoTime() + applyDelayNs;
            while (System.nanoTime() < until)
            {
                spinSink++;
            }
        }
    }

    /**
     * Keep the tap in step with the log: an OPEN confirms the connection's entry (and names its ISNs), a DATA
     * record's bytes are used and the tap's window slides past them, a CLOSED frees the entry.
     */
    private void followTap(final DirectBuffer buffer, final int offset, final int type)
    {
        switch (type)
        {
            case RecordType.OPEN ->
            {
                open.wrap(buffer, offset);
                tap.open(open.remoteIp(), open.remotePort(), open.remoteIsn(), open.localIsn());
                clients.put(open.connectionId(), ((open.remoteIp() & 0xFFFF_FFFFL) << 16) | open.remotePort());
            }
            case RecordType.DATA ->
            {
                data.wrap(buffer, offset);
                final long client = clients.get(data.connectionId());
                if (NO_CLIENT != client)
                {
                    tap.take((int)(client >>> 16), (int)(client & 0xFFFF), data.streamOffset() + data.dataLength());
                }
            }
            case RecordType.CLOSED ->
            {
                closed.wrap(buffer, offset);
                final long client = clients.remove(closed.connectionId());
                if (NO_CLIENT != client)
                {
                    tap.close((int)(client >>> 16), (int)(client & 0xFFFF));
                }
            }
            default ->
            {
            }
        }
    }
}
