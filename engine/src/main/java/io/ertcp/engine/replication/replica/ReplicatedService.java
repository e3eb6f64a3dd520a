package io.ertcp.engine.replication.replica;

import io.ertcp.log.ClientAckFlyweight;
import io.ertcp.log.ClosedFlyweight;
import io.ertcp.log.DataFlyweight;
import io.ertcp.log.EpochChangeFlyweight;
import io.ertcp.log.FinFlyweight;
import io.ertcp.log.OpenFlyweight;
import io.ertcp.log.RecordHandler;
import io.ertcp.log.RecordHeaderFlyweight;
import io.ertcp.log.RecordType;
import io.ertcp.log.RstFlyweight;
import io.ertcp.log.TimeFlyweight;
import io.ertcp.log.TimeoutFlyweight;
import io.ertcp.engine.tcp.ServiceClock;
import io.ertcp.service.CloseReason;
import io.ertcp.service.SnapshotService;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;
import java.util.function.Consumer;

/**
 * A service driven by the replication log: the one place where records become service events, on the primary and
 * on every backup alike (docs/architecture.md, "The log order is the delivery order"). The primary applies each record the
 * moment it publishes it; a backup applies the records as they arrive from the logger. Both hold the same
 * {@link Replica}s in the same states and the service, deterministic, makes the same choices and writes the same
 * bytes, across all connections: a key-value store shared by every connection stays identical on every replica.
 * <p>
 * Records must come in position order, each once. Nothing here reads a clock: TIME records are how time reaches
 * the service (its {@link ServiceClock}: the cluster time, and its timers, fired as a TIME reaches their deadline),
 * TIMEOUT records how a connection's timeout does, and only the primary writes either.
 * <p>
 * One thread: the node's duty cycle.
 */
public final class ReplicatedService implements RecordHandler
{
    /**
     * What the primary needs to know about each apply: which replicas changed, so it can hold their output until
     * the record is durable (output commit) and arm the timeouts the service asked for.
     */
    public interface Observer
    {
        /**
         * A replica's input, output or close state changed while applying the record at {@code position}.
         */
        default void onChanged(long position, Replica replica)
        {
        }

        /**
         * The service asked for, or cancelled, a timeout on this replica.
         */
        default void onTimeoutScheduled(Replica replica)
        {
        }

        /**
         * An EPOCH_CHANGE record was applied: a new primary took over at this position.
         */
        default void onEpochChange(int newEpoch, int newPrimaryNodeId, long position)
        {
        }

        /**
         * The CLOSED record was applied: the replica is about to be recycled.
         */
        default void onRemoved(Replica replica)
        {
        }
    }

    /**
     * Takes the service's snapshot when a SNAPSHOT record is applied (docs/architecture.md rule 7).
     */
    @FunctionalInterface
    public interface SnapshotTaker
    {
        /**
         * The SNAPSHOT record at {@code position} was applied: write the service's state, its cluster clock (time
         * and pending timers) and the open connections (each replica's state and the service's for it) as they stand.
         */
        void take(long position, int epoch, SnapshotService service, ReplicatedService replicated);
    }

    private static final Observer NO_OBSERVER = new Observer()
    {
    };

    private final TcpService service;
    private final int inputCapacity;
    private final int outputCapacity;
    private final Long2ObjectHashMap<Replica> replicas = new Long2ObjectHashMap<>();
    private final ArrayList<Replica> pool = new ArrayList<>();
    private final ArrayList<Replica> touched = new ArrayList<>();

    private final RecordHeaderFlyweight header = new RecordHeaderFlyweight();
    private final OpenFlyweight open = new OpenFlyweight();
    private final DataFlyweight data = new DataFlyweight();
    private final ClientAckFlyweight clientAck = new ClientAckFlyweight();
    private final FinFlyweight fin = new FinFlyweight();
    private final RstFlyweight rst = new RstFlyweight();
    private final ClosedFlyweight closed = new ClosedFlyweight();
    private final TimeoutFlyweight timeout = new TimeoutFlyweight();
    private final EpochChangeFlyweight epochChange = new EpochChangeFlyweight();
    private final TimeFlyweight time = new TimeFlyweight();
    private final ServiceClock clock;

    private Observer observer = NO_OBSERVER;
    private SnapshotTaker snapshotTaker;
    /** The position of the last SNAPSHOT record applied, or of the snapshot this service was loaded from; 0 none. */
    private long snapshotPosition;
    private long appliedPosition;
    private int epoch;
    private int primaryNodeId = -1;
    private long recordsApplied;
    private long unknownConnectionRecords;
    /** The position of the last TIME record applied: an OPEN right after one is kept with it by retention. */
    private long lastTimePosition;
    /** Replicas an OPEN had to build (none was pooled): their buffers were allocated on the duty cycle. */
    private long builtOnOpen;
    /** {@link #reserve} met the off-heap limit: it builds no more. */
    private boolean reserveRefused;

    /**
     * @param service        the application, deterministic.
     * @param inputCapacity  bytes of input a connection may hold unconsumed.
     * @param outputCapacity bytes of output a connection may hold until the client acknowledges them, a power of two.
     * @param appliedPosition the position already applied (0 for an empty log): records continue after it.
     */
    public ReplicatedService(
        final TcpService service, final int inputCapacity, final int outputCapacity, final long appliedPosition)
    {
        if (inputCapacity <= 0 || Integer.bitCount(outputCapacity) != 1)
        {
            throw new IllegalArgumentException(
                "inputCapacity must be positive and outputCapacity a power of two: " + inputCapacity + ", " + outputCapacity);
        }
        this.service = service;
        this.inputCapacity = inputCapacity;
        this.outputCapacity = outputCapacity;
        this.appliedPosition = appliedPosition;
        this.clock = new ServiceClock(service);
        service.clusterClock(clock);
    }

    /**
     * @return the service's cluster time and timers, as the TIME records applied so far moved them.
     */
    public ServiceClock clock()
    {
        return clock;
    }

    /**
     * A service that has applied nothing continues after {@code position} instead (its log starts past a retained
     * part): the connections whose OPEN is gone were all closed, so their later records are skipped as unknown.
     *
     * @throws IllegalStateException when records were applied already.
     */
    public void startAfter(final long position)
    {
        if (recordsApplied != 0)
        {
            throw new IllegalStateException("the service applied " + recordsApplied + " records already: it cannot " +
                "start after position " + position);
        }
        appliedPosition = position;
    }

    /**
     * @return the position of the oldest live connection's OPEN record, or {@code appliedPosition() + 1} when none
     * is live: what retention must keep for a backup to rebuild every live connection.
     */
    public long oldestOpenPosition()
    {
        long oldest = appliedPosition + 1;
        for (final Replica replica : replicas.values())
        {
            oldest = Math.min(oldest, replica.openPosition);
        }
        return oldest;
    }

    /**
     * @param taker who writes the service's state at each SNAPSHOT record, or null for no snapshots.
     */
    public void snapshotTaker(final SnapshotTaker taker)
    {
        this.snapshotTaker = taker;
    }

    /**
     * A service loaded from a snapshot at {@code position} continues after it: as {@link #startAfter}, and the
     * snapshot counts as the last one.
     */
    public void startFromSnapshot(final long position)
    {
        startAfter(position);
        snapshotPosition = position;
    }

    /**
     * @return the position of the last SNAPSHOT record applied (or the snapshot loaded), 0 when none: the primary
     * counts the records since it to decide when the next is due.
     */
    public long snapshotPosition()
    {
        return snapshotPosition;
    }

    /**
     * A fresh service loaded from a snapshot gets back a connection that was open at the snapshot's position, as
     * {@link Replica#readState} reads it; the service's own state for it follows
     * ({@link io.ertcp.service.SnapshotService#loadConnection}).
     *
     * @param keptFrom where this node's log starts: the position after the snapshot's.
     * @throws IllegalStateException    when records were applied already.
     * @throws IllegalArgumentException when the snapshot's bytes do not describe a connection this node can hold.
     */
    Replica restoreReplica(final io.ertcp.service.SnapshotInput in, final long keptFrom)
    {
        if (recordsApplied != 0)
        {
            throw new IllegalStateException("the service applied " + recordsApplied + " records already: it cannot " +
                "load connections from a snapshot");
        }
        final Replica replica = pooledOrNew();
        try
        {
            replica.readState(in, keptFrom);
        }
        catch (final RuntimeException ex)
        {
            pool.add(replica);
            throw ex;
        }
        if (replicas.containsKey(replica.id))
        {
            pool.add(replica);
            throw new IllegalArgumentException("connection " + replica.id + " is twice in the snapshot");
        }
        replicas.put(replica.id, replica);
        return replica;
    }

    /**
     * Forget the connections {@link #restoreReplica} gave back: the snapshot they came from could not be read whole,
     * and an older one is tried instead.
     */
    void dropRestored()
    {
        if (recordsApplied != 0)
        {
            throw new IllegalStateException("the service applied records: its connections are not a snapshot's");
        }
        for (final Replica replica : replicas.values())
        {
            pool.add(replica);
        }
        replicas.clear();
    }

    public void observer(final Observer observer)
    {
        this.observer = null == observer ? NO_OBSERVER : observer;
    }

    public TcpService service()
    {
        return service;
    }

    public int inputCapacity()
    {
        return inputCapacity;
    }

    public int outputCapacity()
    {
        return outputCapacity;
    }

    /**
     * @return the position of the last record applied.
     */
    public long appliedPosition()
    {
        return appliedPosition;
    }

    /**
     * @return the epoch of the last record applied.
     */
    public int epoch()
    {
        return epoch;
    }

    /**
     * @return the primary named by the last EPOCH_CHANGE applied, or -1.
     */
    public int primaryNodeId()
    {
        return primaryNodeId;
    }

    public long recordsApplied()
    {
        return recordsApplied;
    }

    /**
     * @return records naming a connection this replica does not hold (a rejoin that started after its OPEN).
     */
    public long unknownConnectionRecords()
    {
        return unknownConnectionRecords;
    }

    public int connectionCount()
    {
        return replicas.size();
    }

    /**
     * Build one replica ahead, with its input and output buffers (allocated and zeroed, so their pages are in memory),
     * and the service's own state for a connection ({@link TcpService#prepareConnections}), while fewer than
     * {@code spare} are pooled: a node calls this in idle duty cycles with {@code tcp.spare-connections}, so that the
     * OPENs of a storm of connections take pooled replicas instead of allocating (docs/architecture.md "Threading").
     * A replica back from a closed connection is pooled too; its buffers keep the old bytes, but a replica reads only
     * what its own records put there. Never when the buffers would leave less than as much again below the off-heap
     * limit ({@link io.ertcp.engine.tcp.DirectMemory}).
     *
     * @return 1 when something was built, else 0.
     */
    public int reserve(final int spare)
    {
        if (reserveRefused || !io.ertcp.engine.tcp.DirectMemory.roomFor((long)inputCapacity + outputCapacity))
        {
            return 0;
        }
        try
        {
            if (service.prepareConnections(spare))
            {
                return 1;
            }
            if (pool.size() >= spare)
            {
                return 0;
            }
            pool.add(new Replica(this, inputCapacity, outputCapacity));
        }
        catch (final OutOfMemoryError ex)
        {
            reserveRefused = true;
            return 0;
        }
        return 1;
    }

    /**
     * @return replicas pooled, ready for an OPEN.
     */
    public int replicasPooled()
    {
        return pool.size();
    }

    /**
     * @return replicas an OPEN (or a snapshot's connection) had to build for want of a pooled one.
     */
    public long replicasBuiltOnOpen()
    {
        return builtOnOpen;
    }

    private Replica pooledOrNew()
    {
        if (pool.isEmpty())
        {
            builtOnOpen++;
            return new Replica(this, inputCapacity, outputCapacity);
        }
        return pool.removeLast();
    }

    public Replica replica(final long connectionId)
    {
        return replicas.get(connectionId);
    }

    public void forEach(final Consumer<Replica> action)
    {
        replicas.values().forEach(action);
    }

    public void onRecord(final DirectBuffer buffer, final int offset, final int length, final long position)
    {
        apply(buffer, offset, length);
    }

    /**
     * Apply one record: the next position after {@link #appliedPosition()}.
     *
     * @throws IllegalStateException when the record is not the next one (a bug in whoever feeds this).
     */
    public void apply(final DirectBuffer buffer, final int offset, final int length)
    {
        header.wrap(buffer, offset);
        final long position = header.position();
        if (position != appliedPosition + 1)
        {
            throw new IllegalStateException(
                "record " + position + " applied after " + appliedPosition + ": records must be applied in order, once each");
        }
        appliedPosition = position;
        epoch = Math.max(epoch, header.epoch());
        recordsApplied++;

        switch (header.type())
        {
            case RecordType.OPEN -> applyOpen(buffer, offset, position);
            case RecordType.DATA -> applyData(buffer, offset);
            case RecordType.CLIENT_ACK -> applyClientAck(buffer, offset);
            case RecordType.FIN -> applyFin(buffer, offset);
            case RecordType.RST -> applyReset(buffer, offset);
            case RecordType.CLOSED -> applyClosed(buffer, offset);
            case RecordType.TIMEOUT -> applyTimeout(buffer, offset);
            case RecordType.EPOCH_CHANGE -> applyEpochChange(buffer, offset, position);
            case RecordType.TIME -> applyTime(buffer, offset, position);
            case RecordType.SNAPSHOT -> applySnapshot(position, header.epoch());
            default ->
            {
                // HEARTBEAT and anything a newer version adds that changes no connection.
            }
        }
        finishApply(position);
    }

    private void applyOpen(final DirectBuffer buffer, final int offset, final long position)
    {
        open.wrap(buffer, offset);
        final long id = open.connectionId();
        if (replicas.containsKey(id))
        {
            throw new IllegalStateException("OPEN of connection " + id + " at " + position + " but it is already open");
        }
        final Replica replica = pooledOrNew();
        // The TIME the primary logs before every OPEN gives the connection's first events their time: keep it too.
        replica.open(open, lastTimePosition == position - 1 ? lastTimePosition : position);
        replicas.put(id, replica);
        touched(replica);
        service.onOpen(replica);
    }

    private void applyData(final DirectBuffer buffer, final int offset)
    {
        data.wrap(buffer, offset);
        final Replica replica = live(data.connectionId());
        if (null == replica)
        {
            return;
        }
        final int length = data.dataLength();
        if (data.streamOffset() != replica.inputOffset || length > replica.inputFree())
        {
            throw new IllegalStateException("DATA of connection " + replica.id + " at stream offset " +
                data.streamOffset() + " (" + length + " bytes) does not follow " + replica);
        }
        touched(replica);
        replica.receiveInput(buffer, data.dataOffset(), length);
    }

    private void applyClientAck(final DirectBuffer buffer, final int offset)
    {
        clientAck.wrap(buffer, offset);
        final Replica replica = live(clientAck.connectionId());
        if (null != replica)
        {
            replica.clientAcknowledged(clientAck.acknowledgedBytes());
        }
    }

    private void applyFin(final DirectBuffer buffer, final int offset)
    {
        fin.wrap(buffer, offset);
        final Replica replica = live(fin.connectionId());
        if (null != replica && replica.peerFinLogged())
        {
            touched(replica);
            replica.deliverInput();
        }
    }

    private void applyReset(final DirectBuffer buffer, final int offset)
    {
        rst.wrap(buffer, offset);
        final Replica replica = live(rst.connectionId());
        if (null != replica)
        {
            closeService(replica, CloseReason.RESET);
        }
    }

    private void applyClosed(final DirectBuffer buffer, final int offset)
    {
        closed.wrap(buffer, offset);
        final Replica replica = live(closed.connectionId());
        if (null == replica)
        {
            return;
        }
        closeService(replica, reasonOf(closed.reason()));
        replicas.remove(replica.id);
        observer.onRemoved(replica);
        replica.clearTouched();
        touched.remove(replica);
        pool.add(replica);
    }

    private void applyTimeout(final DirectBuffer buffer, final int offset)
    {
        timeout.wrap(buffer, offset);
        final Replica replica = live(timeout.connectionId());
        if (null != replica && replica.timeoutFired(timeout.timerId()))
        {
            observer.onTimeoutScheduled(replica);
            service.onTimeout(replica);
        }
    }

    private void applyTime(final DirectBuffer buffer, final int offset, final long position)
    {
        lastTimePosition = position;
        clock.advance(time.wrap(buffer, offset).timeNs());
    }

    private void applyEpochChange(final DirectBuffer buffer, final int offset, final long position)
    {
        epochChange.wrap(buffer, offset);
        epoch = Math.max(epoch, epochChange.newEpoch());
        primaryNodeId = epochChange.newPrimaryNodeId();
        observer.onEpochChange(epochChange.newEpoch(), primaryNodeId, position);
    }

    /**
     * Every replica takes its snapshot here, at the same point of the order, with the same connections in the same
     * states (each a function of the records applied): the shared state, the clock and every open connection
     * (docs/architecture.md "Snapshots").
     */
    private void applySnapshot(final long position, final int recordEpoch)
    {
        snapshotPosition = position;
        if (null != snapshotTaker && service instanceof SnapshotService snapshotService)
        {
            snapshotTaker.take(position, recordEpoch, snapshotService, this);
        }
    }

    private Replica live(final long connectionId)
    {
        final Replica replica = replicas.get(connectionId);
        if (null == replica)
        {
            unknownConnectionRecords++;
        }
        return replica;
    }

    private void finishApply(final long position)
    {
        // Index loop: a service closing a connection may touch another while we walk.
        for (int i = 0; i < touched.size(); i++)
        {
            final Replica replica = touched.get(i);
            if (replica.takeClosePending())
            {
                closeService(replica, CloseReason.CLOSED);
            }
        }
        for (int i = 0; i < touched.size(); i++)
        {
            final Replica replica = touched.get(i);
            replica.clearTouched();
            observer.onChanged(position, replica);
        }
        touched.clear();
    }

    private void closeService(final Replica replica, final CloseReason reason)
    {
        if (replica.closeService())
        {
            if (replica.disarmTimeout())
            {
                observer.onTimeoutScheduled(replica);
            }
            touched(replica);
            service.onClosed(replica, reason);
        }
    }

    void touched(final Replica replica)
    {
        if (replica.markTouched())
        {
            touched.add(replica);
        }
    }

    void timeoutScheduled(final Replica replica)
    {
        observer.onTimeoutScheduled(replica);
    }

    /**
     * @return the CLOSED record's reason code for a close the stack reported.
     */
    public static int reasonCode(final CloseReason reason)
    {
        return switch (reason)
        {
            case CLOSED -> ClosedFlyweight.REASON_NORMAL;
            case RESET -> ClosedFlyweight.REASON_RESET;
            case TIMED_OUT -> ClosedFlyweight.REASON_TIMEOUT;
        };
    }

    static CloseReason reasonOf(final int code)
    {
        return switch (code)
        {
            case ClosedFlyweight.REASON_RESET -> CloseReason.RESET;
            case ClosedFlyweight.REASON_TIMEOUT -> CloseReason.TIMED_OUT;
            default -> CloseReason.CLOSED;
        };
    }
}
