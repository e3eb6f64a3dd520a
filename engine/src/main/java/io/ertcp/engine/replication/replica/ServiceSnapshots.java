package io.ertcp.engine.replication.replica;

import io.ertcp.engine.tcp.ServiceClock;
import io.ertcp.log.SnapshotStore;
import io.ertcp.service.BufferSnapshotInput;
import io.ertcp.service.BufferSnapshotOutput;
import io.ertcp.service.SnapshotOutput;
import io.ertcp.service.SnapshotService;
import io.ertcp.service.SnapshotWriter;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A node's snapshots of its service (docs/architecture.md rule 7): taken at each SNAPSHOT record the node applies,
 * written beside its log by a {@link SnapshotStore}, and loaded by a node that rejoins, which then replays only the
 * log after the snapshot's position.
 * <p>
 * <b>On the duty cycle</b> only the service's capture of its state ({@link SnapshotService#takeSnapshot}): that is the
 * pause clients see. Its {@link SnapshotWriter} writes the bytes into a reused buffer at once, on a thread of its own
 * (so a service that froze its state for it thaws soon), and the file (temporary file, fsync, rename) follows on the
 * same thread once the position is durable. A snapshot is written only once its position is durable ({@link #durable}): a primary applies
 * records before the logger confirms them, and a snapshot of records the cluster may yet lose must never be what a
 * restart loads. While one is being written the next SNAPSHOT record is passed over (counted), so at most one copy
 * of the state is in memory besides the service's.
 * <p>
 * <b>The cluster clock and the open connections go with the state.</b> A snapshot's body starts with the service's
 * {@link ServiceClock} as it stood at the position: its cluster time and the timers pending, in the order they fire;
 * the service's own bytes follow, then every connection open at the position, in order of id: the {@link Replica}'s
 * whole state ({@link Replica#writeState}: what a backup shadows it with and a takeover restores it from) and what
 * the service keeps for it ({@link SnapshotService#snapshotConnection}). Loading puts the clock back before the
 * service reads its state, so a node loaded from a snapshot fires the same timers at the same TIME records as one
 * that replayed the whole log (kv's key expiry among them), then rebuilds the connections, so it shadows them on
 * from the records after the position and can take them over:
 * <pre>
 *   cluster time, ns (8) | timers (4) | per timer, in firing order: id (8), deadline, ns (8) |
 *   the service's bytes: length (8), bytes | connections (4) |
 *   per connection, by id: the replica's state | the service's bytes for it: length (4), bytes
 * </pre>
 * The connections are written on the duty cycle, with the capture (they change with the next record); they are what
 * one connection holds, small beside a store. The file's version ({@link SnapshotStore}) says this layout.
 * <p>
 * The take and {@link #durable} run on the duty cycle; the writer thread touches only the buffer it was handed, the
 * clock's copy taken with it and the fields marked volatile.
 */
public final class ServiceSnapshots implements ReplicatedService.SnapshotTaker, AutoCloseable
{
    private final SnapshotStore store;
    private final String serviceName;
    private final ExecutorService writer;
    private final BufferSnapshotOutput output = new BufferSnapshotOutput();
    /** The open connections at the pending snapshot's position, written on the duty cycle at the take. */
    private final BufferSnapshotOutput connections = new BufferSnapshotOutput();
    private long[] connectionIds = new long[16];
    private final List<String> messages = new ArrayList<>();

    /** A snapshot taken and waiting to be durable, or being written: its position, else 0. */
    private long pendingPosition;
    private int pendingEpoch;
    /** Written by the snapshot thread only: the bytes of the pending snapshot are in the output. */
    private boolean serialized;
    private long serializedLength;
    private volatile boolean writing;
    /** Positions of the snapshots this node holds intact, newest first (from the store at start, then as written). */
    private final long[] kept = new long[SnapshotStore.KEEP];
    private volatile long written;
    private volatile long writtenLength;
    private volatile long writeNs;
    private volatile String writeFailure;
    private long reportedWritten;
    private long taken;
    private long skipped;
    private long lastTakeNs;
    private long maxTakeNs;
    /** The clock at the pending snapshot's position: time, and the timers as {@link ServiceClock#copyTimers} gave them. */
    private long clockTimeNs;
    private int timerCount;
    private long[] timerIds = new long[16];
    private long[] timerDeadlines = new long[16];
    private long[] timerSequences = new long[16];

    /**
     * @param directory   the snapshot directory beside the node's log.
     * @param serviceName the service's name, written into each snapshot and checked on load.
     */
    public ServiceSnapshots(final Path directory, final String serviceName)
    {
        this.store = SnapshotStore.open(directory);
        this.serviceName = serviceName;
        this.writer = Executors.newSingleThreadExecutor(runnable ->
        {
            final Thread thread = new Thread(runnable, "ertcp-snapshot-writer");
            thread.setDaemon(true);
            return thread;
        });
        final long[] positions = store.positions();
        for (int i = 0; i < kept.length && i < positions.length; i++)
        {
            kept[i] = positions[positions.length - 1 - i];
        }
        messages.addAll(store.problems());
    }

    public SnapshotStore store()
    {
        return store;
    }

    /**
     * Load the newest intact snapshot into a fresh service and its clock, passing over torn or corrupt ones: the
     * cluster time and the pending timers first, then the service's state.
     *
     * @param replicated a fresh replicated service (nothing applied), whose service and clock are loaded.
     * @return its position, or 0 when there is none (or the service cannot take one): replay the whole log.
     */
    public long load(final ReplicatedService replicated)
    {
        final TcpService service = replicated.service();
        if (!(service instanceof SnapshotService snapshotService))
        {
            return 0;
        }
        final long start = System.nanoTime();
        final int problemsBefore = store.problems().size();
        final long position = loadNewest(snapshotService, replicated, start);
        final List<String> problems = store.problems();
        // What was passed over (torn, corrupt), before what was loaded.
        final List<String> passed = problems.subList(problemsBefore, problems.size());
        int at = messages.size() - (0 == position ? 0 : 1);
        for (final String why : passed)
        {
            messages.add(at++, why + " Passed over.");
        }
        return position;
    }

    private long loadNewest(final SnapshotService snapshotService, final ReplicatedService replicated, final long start)
    {
        final ServiceClock clock = replicated.clock();
        SnapshotStore.Snapshot snapshot = store.newest();
        while (null != snapshot)
        {
            if (!snapshot.service().equals(serviceName))
            {
                messages.add("snapshot at position " + snapshot.position() + " is of service '" + snapshot.service() +
                    "', not '" + serviceName + "': passed over");
            }
            else
            {
                try
                {
                    final BufferSnapshotInput input = new BufferSnapshotInput(snapshot.body());
                    readClock(input, clock);
                    snapshotService.loadSnapshot(input.slice(input.getLong()));
                    final int open = readConnections(input, snapshotService, replicated, snapshot.position());
                    messages.add("loaded the snapshot at position " + snapshot.position() + " (" +
                        snapshot.body().capacity() + " bytes, " + open + " open connection(s)) in " +
                        String.format("%.1f ms", (System.nanoTime() - start) / 1e6) + "; replaying the log after it");
                    return snapshot.position();
                }
                catch (final RuntimeException ex)
                {
                    clock.reset();
                    replicated.dropRestored();
                    messages.add("the service could not read its snapshot at position " + snapshot.position() + " (" +
                        ex + "): passed over");
                }
            }
            snapshot = store.newest(snapshot.position() - 1);
        }
        return 0;
    }

    /**
     * The clock as the body's start holds it: its time first, then its timers in firing order, each at its deadline.
     */
    private static void readClock(final BufferSnapshotInput input, final ServiceClock clock)
    {
        final long timeNs = input.getLong();
        final int timers = input.getInt();
        if (timers < 0 || (long)timers * 16 > input.remaining())
        {
            throw new IllegalArgumentException("the snapshot's clock claims " + timers + " timers in " +
                input.remaining() + " bytes");
        }
        clock.restoreTime(timeNs);
        for (int i = 0; i < timers; i++)
        {
            final long id = input.getLong();
            clock.restoreTimer(id, input.getLong());
        }
    }

    /**
     * The connections open at the snapshot's position, after the service's state: each replica as it was, then the
     * service's own state for it.
     *
     * @return how many were rebuilt.
     */
    private static int readConnections(
        final BufferSnapshotInput input, final SnapshotService service, final ReplicatedService replicated, final long position)
    {
        final int count = input.getInt();
        if (count < 0 || count > input.remaining())
        {
            throw new IllegalArgumentException("the snapshot claims " + count + " open connections in " +
                input.remaining() + " bytes");
        }
        for (int i = 0; i < count; i++)
        {
            final Replica replica = replicated.restoreReplica(input, position + 1);
            final BufferSnapshotInput its = input.slice(input.getInt());
            if (!replica.serviceClosed)
            {
                service.loadConnection(replica, its);
            }
        }
        if (input.remaining() != 0)
        {
            throw new IllegalArgumentException(input.remaining() + " bytes follow the snapshot's connections");
        }
        return count;
    }

    /**
     * On the duty cycle, at the take: every open connection, by id, its replica's state and the service's for it.
     */
    private void writeConnections(final ReplicatedService replicated, final SnapshotService service)
    {
        connections.reset();
        final int count = replicated.connectionCount();
        if (connectionIds.length < count)
        {
            connectionIds = new long[Integer.highestOneBit(count) << 1];
        }
        final int[] at = {0};
        replicated.forEach(replica -> connectionIds[at[0]++] = replica.id);
        Arrays.sort(connectionIds, 0, count);
        connections.putInt(count);
        for (int i = 0; i < count; i++)
        {
            final Replica replica = replicated.replica(connectionIds[i]);
            replica.writeState(connections);
            final int lengthAt = (int)connections.length();
            connections.putInt(0);
            if (!replica.serviceClosed)
            {
                service.snapshotConnection(replica, connections);
            }
            connections.putIntAt(lengthAt, (int)(connections.length() - lengthAt - 4));
        }
    }

    /**
     * On the snapshot thread: the clock captured with the state, its timers sorted into firing order (deadline, then
     * the sequence that orders timers of one deadline).
     */
    private void writeClock(final BufferSnapshotOutput out)
    {
        out.putLong(clockTimeNs);
        out.putInt(timerCount);
        final Integer[] order = new Integer[timerCount];
        for (int i = 0; i < timerCount; i++)
        {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> timerDeadlines[a] != timerDeadlines[b] ?
            Long.compare(timerDeadlines[a], timerDeadlines[b]) : Long.compare(timerSequences[a], timerSequences[b]));
        for (final int i : order)
        {
            out.putLong(timerIds[i]);
            out.putLong(timerDeadlines[i]);
        }
    }

    /**
     * At a SNAPSHOT record: copy the service's state, its clock and the open connections into memory now, and write
     * them once durable.
     */
    public void take(
        final long position, final int epoch, final SnapshotService service, final ReplicatedService replicated)
    {
        if (0 != pendingPosition || writing)
        {
            skipped++;
            return;
        }
        final long start = System.nanoTime();
        final ServiceClock clock = replicated.clock();
        try
        {
            writeConnections(replicated, service);
        }
        catch (final RuntimeException ex)
        {
            writeFailure = "the service could not write its connections for the snapshot at position " + position +
                ": " + ex + " (no snapshot taken)";
            return;
        }
        clockTimeNs = clock.timeNs();
        int copied = clock.copyTimers(timerIds, timerDeadlines, timerSequences);
        if (copied < 0)
        {
            final int length = Integer.highestOneBit(-copied) << 1;
            timerIds = new long[length];
            timerDeadlines = new long[length];
            timerSequences = new long[length];
            copied = clock.copyTimers(timerIds, timerDeadlines, timerSequences);
        }
        timerCount = copied;
        final SnapshotWriter captured = service.takeSnapshot();
        lastTakeNs = System.nanoTime() - start;
        // The bytes at once, so the service's capture (kv's frozen store) ends soon whatever the durability does;
        // the file waits for durable(). One thread runs both, in order.
        writer.execute(() ->
        {
            serialized = false;
            try
            {
                final long begin = System.nanoTime();
                output.reset();
                writeClock(output);
                final int lengthAt = (int)output.length();
                output.putLong(0);
                captured.writeTo(output);
                output.putLongAt(lengthAt, output.length() - lengthAt - 8);
                output.putBytes(connections.buffer(), 0, (int)connections.length());
                serializedLength = output.length();
                writeNs = System.nanoTime() - begin;
                serialized = true;
            }
            catch (final RuntimeException ex)
            {
                writeFailure = "the service could not write its snapshot at position " + position + ": " + ex;
            }
        });
        maxTakeNs = Math.max(maxTakeNs, lastTakeNs);
        taken++;
        pendingPosition = position;
        pendingEpoch = epoch;
    }

    /**
     * Every duty cycle: the log is durable to {@code position}; write the pending snapshot once it is covered.
     *
     * @return 1 when a write started.
     */
    public int durable(final long position)
    {
        if (0 == pendingPosition || writing || position < pendingPosition)
        {
            return 0;
        }
        final long snapshotPosition = pendingPosition;
        final int epoch = pendingEpoch;
        writing = true;
        writer.execute(() ->
        {
            try
            {
                if (!serialized)
                {
                    return;
                }
                final long length = serializedLength;
                store.write(snapshotPosition, epoch, serviceName, output.buffer(), 0, length);
                writtenLength = length;
                written = snapshotPosition;
            }
            catch (final RuntimeException ex)
            {
                writeFailure = "cannot write the snapshot at position " + snapshotPosition + ": " + ex.getMessage();
            }
            finally
            {
                writing = false;
            }
        });
        pendingPosition = 0;
        return 1;
    }

    /**
     * @return what happened since the last call worth a line in the node's log (a snapshot written, a torn one passed
     * over, a write that failed), or null. Called on the duty cycle, rarely does anything.
     */
    public String poll()
    {
        final long done = written;
        if (done != reportedWritten)
        {
            reportedWritten = done;
            System.arraycopy(kept, 0, kept, 1, kept.length - 1);
            kept[0] = done;
            return "snapshot at position " + done + " written (" + writtenLength + " bytes; the service's capture took " +
                String.format("%.1f ms", lastTakeNs / 1e6) + " of the duty cycle, its bytes " +
                String.format("%.1f ms", writeNs / 1e6) + " on the snapshot thread)";
        }
        final String failure = writeFailure;
        if (null != failure)
        {
            writeFailure = null;
            return failure;
        }
        if (!messages.isEmpty())
        {
            return messages.removeFirst();
        }
        return null;
    }

    /**
     * @return the position of the oldest snapshot this node keeps, once it keeps {@link SnapshotStore#KEEP} (the
     * newest and the one to fall back on if the newest is torn), else 0: retention keeps the log after it.
     */
    public long oldestKept()
    {
        return kept[kept.length - 1];
    }

    public long newestKept()
    {
        return kept[0];
    }

    public long taken()
    {
        return taken;
    }

    /**
     * @return SNAPSHOT records passed over because the previous snapshot was still being written.
     */
    public long skipped()
    {
        return skipped;
    }

    /**
     * @return how long the last snapshot's writer took to write its bytes on the snapshot thread, ns.
     */
    public long lastWriteNs()
    {
        return writeNs;
    }

    /**
     * @return how long the last {@link SnapshotService#takeSnapshot} held the duty cycle, ns.
     */
    public long lastTakeNs()
    {
        return lastTakeNs;
    }

    public long maxTakeNs()
    {
        return maxTakeNs;
    }

    /**
     * @return true while a snapshot is waiting to be durable or being written.
     */
    public boolean busy()
    {
        return 0 != pendingPosition || writing;
    }

    public void close()
    {
        writer.shutdown();
        try
        {
            writer.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
