package io.ertcp.engine.check;

import io.ertcp.engine.tcp.ServiceClock;
import io.ertcp.service.BufferSnapshotOutput;
import io.ertcp.service.CloseReason;
import io.ertcp.service.SnapshotService;
import io.ertcp.service.TcpService;

import java.util.function.Supplier;

/**
 * One run of a service over a {@link Schedule}, delivering events as a replica does (input offered until the
 * service takes no more, {@code onWritable} when acknowledgements open room after a refused write, the peer's close
 * once its bytes are consumed, a timeout when the run's clock passes it), and recording what the service did in a
 * {@link Trace}. After the last event the clients drain: they acknowledge everything, the clock runs to each armed
 * timeout, and connections still open at the end are reset.
 * <p>
 * <b>Cluster time.</b> The service gets a {@link ServiceClock}, the one a node gives it, moved as a replica's log moves
 * it (docs/architecture.md "Cluster time"): from the schedule's seeded start, on by each event's advance before the
 * event, and through each timer's deadline on the way, so timers fire at their deadlines in deadline order, between
 * events, as at the TIME a primary logs for them. In the drain the clock runs on to each pending timer for at most
 * {@link #DRAIN_TIMER_HORIZON_MS} (a timer that reschedules itself forever stops there).
 */
final class CheckRun
{
    /** Enough for a 1-byte send buffer to drain every workload; a service that writes forever stops here. */
    private static final int DRAIN_ROUNDS = 10_000_000;
    /** How far past the last event the drain moves the clock for timers. */
    static final long DRAIN_TIMER_HORIZON_MS = 60_000;
    private static final long MS = 1_000_000L;

    final Trace trace;
    long clockMs;
    int currentEvent;
    private TcpService service;
    private final Schedule schedule;
    private final CheckConnection[] connections;
    private ServiceClock clock;
    private int opened;
    /** After this event's index the service is snapshotted and a fresh one loaded from it carries on; -1 never. */
    private int snapshotAfter = -1;
    private Supplier<TcpService> fresh;

    private CheckRun(final TcpService service, final Schedule schedule)
    {
        this.service = service;
        this.schedule = schedule;
        this.trace = new Trace(schedule.clients().length);
        this.connections = new CheckConnection[schedule.clients().length];
        this.clock = new ServiceClock(service);
    }

    /**
     * @return what {@code service}, a fresh instance, did over {@code schedule}.
     */
    static Trace run(final TcpService service, final Schedule schedule)
    {
        final CheckRun run = new CheckRun(service, schedule);
        try
        {
            run.execute();
        }
        catch (final Stopped ignored)
        {
            // a callback threw: the trace says which
        }
        return run.trace;
    }

    /**
     * As {@link #run(TcpService, Schedule)}, with the service, a {@link SnapshotService}, snapshotted after the event
     * at index {@code snapshotAfter} (the connections open, in whatever state), and a fresh instance from
     * {@code fresh} loaded from that snapshot carrying on, as on a node that rejoined from it
     * (docs/architecture.md "Snapshots").
     */
    static Trace runWithSnapshot(
        final TcpService service, final Schedule schedule, final int snapshotAfter, final Supplier<TcpService> fresh)
    {
        final CheckRun run = new CheckRun(service, schedule);
        run.snapshotAfter = snapshotAfter;
        run.fresh = fresh;
        try
        {
            run.execute();
        }
        catch (final Stopped ignored)
        {
            // a callback threw: the trace says which
        }
        return run.trace;
    }

    private void execute()
    {
        currentEvent = schedule.events().isEmpty() ? Trace.DRAIN : schedule.events().getFirst().origin();
        callService("clusterClock", () -> service.clusterClock(clock));
        clock.advance(schedule.startMs() * MS);
        for (final Schedule.Event event : schedule.events())
        {
            clockMs += event.advanceMs();
            currentEvent = event.origin();
            moveClock();
            apply(event);
            settle();
            fireDueTimeouts();
            if (snapshotAfter-- == 0)
            {
                snapshotAndReload();
            }
        }
        drain();
    }

    /**
     * Between two events, as at a SNAPSHOT record: each open connection's state through the service, in order of id,
     * then the shared state; a fresh instance gets the cluster clock back (time, timers in firing order), the shared
     * state, then each connection's, and serves on. The connections themselves (input not consumed, output room,
     * timeouts) are the run's, as a node keeps them, and stay as they are.
     */
    private void snapshotAndReload()
    {
        final SnapshotService from = (SnapshotService)service;
        final java.util.List<CheckConnection> open = new java.util.ArrayList<>();
        for (final CheckConnection connection : connections)
        {
            if (connection != null && !connection.closed)
            {
                open.add(connection);
            }
        }
        open.sort(java.util.Comparator.comparingLong(CheckConnection::id));
        final java.util.List<BufferSnapshotOutput> perConnection = new java.util.ArrayList<>();
        for (final CheckConnection connection : open)
        {
            final BufferSnapshotOutput bytes = new BufferSnapshotOutput(256);
            call("snapshotConnection", connection, () -> from.snapshotConnection(connection, bytes));
            perConnection.add(bytes);
        }
        final BufferSnapshotOutput shared = new BufferSnapshotOutput(256);
        callService("takeSnapshot", () -> from.takeSnapshot().writeTo(shared));

        final TcpService next = fresh.get();
        final ServiceClock nextClock = new ServiceClock(next);
        callService("clusterClock", () -> next.clusterClock(nextClock));
        nextClock.restoreTime(clock.timeNs());
        long[] ids = new long[16];
        long[] deadlines = new long[16];
        long[] sequences = new long[16];
        int timers = clock.copyTimers(ids, deadlines, sequences);
        if (timers < 0)
        {
            ids = new long[-timers];
            deadlines = new long[-timers];
            sequences = new long[-timers];
            timers = clock.copyTimers(ids, deadlines, sequences);
        }
        final Integer[] order = new Integer[timers];
        for (int i = 0; i < timers; i++)
        {
            order[i] = i;
        }
        final long[] d = deadlines;
        final long[] q = sequences;
        java.util.Arrays.sort(order, (a, b) -> d[a] != d[b] ? Long.compare(d[a], d[b]) : Long.compare(q[a], q[b]));
        for (final int i : order)
        {
            nextClock.restoreTimer(ids[i], deadlines[i]);
        }
        final SnapshotService to = (SnapshotService)next;
        callService("loadSnapshot", () -> to.loadSnapshot(shared.input()));
        for (int i = 0; i < open.size(); i++)
        {
            final CheckConnection connection = open.get(i);
            final BufferSnapshotOutput bytes = perConnection.get(i);
            connection.attachment(null);
            call("loadConnection", connection, () -> to.loadConnection(connection, bytes.input()));
        }
        service = next;
        clock = nextClock;
    }

    /**
     * The cluster time to the run's clock: through each timer deadline before it first (its timers firing there, as
     * at the TIME the primary logs when the earliest timer falls due), then to the clock.
     */
    private void moveClock()
    {
        final long toNs = (schedule.startMs() + clockMs) * MS;
        while (clock.nextDeadlineNs() < toNs)
        {
            final long deadline = clock.nextDeadlineNs();
            callService("onTimer", () -> clock.advance(deadline));
            settle();
        }
        callService("onTimer", () -> clock.advance(toNs));
        settle();
    }

    private void apply(final Schedule.Event event)
    {
        final int c = event.connection();
        if (event.kind() == Schedule.Kind.OPEN)
        {
            final CheckConnection connection = new CheckConnection(c, 2L * ++opened + 1, schedule.sendRoom()[c], this);
            connections[c] = connection;
            connection.open = true;
            call("onOpen", connection, () -> service.onOpen(connection));
            return;
        }
        final CheckConnection connection = connections[c];
        if (connection == null || connection.closed)
        {
            return; // the connection is gone: what its client sends now meets a RST
        }
        switch (event.kind())
        {
            case DATA ->
            {
                if (connection.pendingTo > connection.pendingFrom)
                {
                    connection.pendingTo = event.to();
                }
                else
                {
                    connection.pendingFrom = event.from();
                    connection.pendingTo = event.to();
                }
                deliverInput(connection);
            }
            case ACK ->
            {
                final long unacked = connection.produced - connection.acked;
                connection.acked += unacked == 0 ? 0 : Math.max(1, (long)Math.ceil(unacked * event.fraction()));
                acknowledged(connection);
            }
            case PEER_CLOSE ->
            {
                connection.peerFin = true;
                deliverInput(connection);
            }
            case RESET -> close(connection, CloseReason.RESET);
            default -> throw new IllegalStateException(event.kind().name());
        }
    }

    private void acknowledged(final CheckConnection connection)
    {
        if (connection.writeBlocked && connection.writableBytes() > 0 && !connection.closed && !connection.aborted)
        {
            connection.writeBlocked = false;
            call("onWritable", connection, () -> service.onWritable(connection));
        }
        deliverInput(connection);
    }

    /**
     * Move waiting client bytes into the receive buffer and offer it all until the service takes less than offered;
     * then the peer's close, once every byte is consumed.
     */
    private void deliverInput(final CheckConnection connection)
    {
        final byte[] client = schedule.clients()[connection.index];
        while (!connection.closed && !connection.aborted)
        {
            refill(connection, client);
            final int available = connection.inputEnd - connection.inputStart;
            if (available == 0)
            {
                break;
            }
            final int[] consumed = new int[1];
            call("onData", connection,
                () -> consumed[0] = service.onData(connection, connection.input, connection.inputStart, available));
            final int taken = Math.max(0, Math.min(consumed[0], available));
            connection.inputStart += taken;
            if (taken < available)
            {
                break;
            }
        }
        if (connection.inputStart == connection.inputEnd && connection.pendingFrom == connection.pendingTo &&
            connection.peerFin && !connection.peerClosedDelivered && !connection.closed && !connection.aborted)
        {
            connection.peerClosedDelivered = true;
            call("onPeerClosed", connection, () -> service.onPeerClosed(connection));
        }
    }

    private static void refill(final CheckConnection connection, final byte[] client)
    {
        final int waiting = connection.pendingTo - connection.pendingFrom;
        if (waiting == 0)
        {
            return;
        }
        if (connection.inputStart == connection.inputEnd)
        {
            connection.inputStart = connection.inputEnd = 0;
        }
        final int n = Math.min(waiting, connection.inputRoom());
        if (connection.inputEnd + n > CheckConnection.RECEIVE_CAPACITY)
        {
            final int kept = connection.inputEnd - connection.inputStart;
            connection.input.putBytes(0, connection.input, connection.inputStart, kept);
            connection.inputStart = 0;
            connection.inputEnd = kept;
        }
        connection.input.putBytes(connection.inputEnd, client, connection.pendingFrom, n);
        connection.inputEnd += n;
        connection.pendingFrom += n;
    }

    /** Close what the service aborted, and what finished both ways with all output acknowledged. */
    private void settle()
    {
        for (final CheckConnection connection : connections)
        {
            if (connection == null || connection.closed)
            {
                continue;
            }
            if (connection.aborted ||
                connection.outputShut && connection.peerClosedDelivered && connection.acked == connection.produced)
            {
                close(connection, CloseReason.CLOSED);
            }
        }
    }

    private void close(final CheckConnection connection, final CloseReason reason)
    {
        connection.closed = true;
        connection.timeoutAt = -1;
        trace.closes[connection.index] = reason;
        trace.closedDuring[connection.index] = currentEvent;
        call("onClosed", connection, () -> service.onClosed(connection, reason));
        connection.open = false;
    }

    private void fireDueTimeouts()
    {
        for (int fired = 0; fired < 100_000; fired++)
        {
            CheckConnection due = null;
            for (final CheckConnection connection : connections)
            {
                if (connection != null && !connection.closed && connection.timeoutAt >= 0 &&
                    connection.timeoutAt <= clockMs && (due == null || connection.timeoutAt < due.timeoutAt))
                {
                    due = connection;
                }
            }
            if (due == null)
            {
                return;
            }
            due.timeoutAt = -1;
            final CheckConnection firing = due;
            call("onTimeout", firing, () -> service.onTimeout(firing));
            settle();
        }
    }

    private void drain()
    {
        currentEvent = Trace.DRAIN;
        final long horizonMs = clockMs + DRAIN_TIMER_HORIZON_MS;
        for (int round = 0; round < DRAIN_ROUNDS; round++)
        {
            boolean moved = false;
            for (final CheckConnection connection : connections)
            {
                if (connection != null && !connection.closed && connection.produced > connection.acked)
                {
                    connection.acked = connection.produced;
                    acknowledged(connection);
                    moved = true;
                }
            }
            settle();
            if (!moved)
            {
                long next = Long.MAX_VALUE;
                for (final CheckConnection connection : connections)
                {
                    if (connection != null && !connection.closed && connection.timeoutAt >= 0)
                    {
                        next = Math.min(next, connection.timeoutAt);
                    }
                }
                final long timerMs = clock.nextDeadlineNs() == Long.MAX_VALUE ? Long.MAX_VALUE :
                    (clock.nextDeadlineNs() + MS - 1) / MS - schedule.startMs();
                if (timerMs <= horizonMs)
                {
                    next = Math.min(next, timerMs);
                }
                if (next == Long.MAX_VALUE)
                {
                    break;
                }
                clockMs = Math.max(clockMs, next);
                moveClock();
            }
            fireDueTimeouts();
        }
        for (final CheckConnection connection : connections)
        {
            if (connection != null && !connection.closed)
            {
                close(connection, CloseReason.RESET);
            }
        }
    }

    /** A callback that concerns no one connection (the clock handed over, a timer). */
    private void callService(final String callback, final Runnable action)
    {
        try
        {
            action.run();
        }
        catch (final Stopped stopped)
        {
            throw stopped;
        }
        catch (final Throwable ex)
        {
            trace.thrown = ex;
            trace.thrownDuring = callback + " during " +
                (currentEvent == Trace.DRAIN ? "the drain after the last event" : "event " + currentEvent);
            throw new Stopped();
        }
    }

    private void call(final String callback, final CheckConnection connection, final Runnable action)
    {
        try
        {
            action.run();
        }
        catch (final Stopped stopped)
        {
            throw stopped;
        }
        catch (final Throwable ex)
        {
            trace.thrown = ex;
            trace.thrownDuring = callback + " of connection " + connection.index + " during " +
                (currentEvent == Trace.DRAIN ? "the drain after the last event" : "event " + currentEvent);
            throw new Stopped();
        }
    }

    /** Unwinds a run whose service threw. */
    private static final class Stopped extends RuntimeException
    {
        Stopped()
        {
            super(null, null, false, false);
        }
    }
}
