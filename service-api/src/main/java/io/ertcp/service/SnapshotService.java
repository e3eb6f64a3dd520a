package io.ertcp.service;

/**
 * A {@link TcpService} whose connections share state (a store, a room) and that can write that state down at a log
 * position and read it back, so a cluster need not keep, nor a rejoining node replay, the whole log. Implement it
 * beside {@link TcpService}; {@link TcpService#sharesStateAcrossConnections()} must then answer true.
 *
 * <h2>When, and what a snapshot covers</h2>
 * The cluster file says how often (docs/cluster-file.md, {@code log.snapshot-every-records} and
 * {@code log.snapshot-every}). When one is due the primary logs a SNAPSHOT record; every node that applies that record
 * calls {@link #takeSnapshot} on its own copy of the service, at the same point of the event order, so every node
 * writes the same state and no snapshot travels on the network. Connections may be open then: the node writes each
 * one's replicated state itself (addresses, sequence numbers, options, the input the service has not consumed, the
 * output the client has not acknowledged, its timeout) and asks the service, through {@link #snapshotConnection},
 * for what the service keeps for it (its {@link Connection#attachment}: a parser, a session, output held back). A
 * node loaded from the snapshot rebuilds those connections and can carry them on, or take them over as primary,
 * exactly as one that replayed their records (docs/architecture.md rule 7).
 * <p>
 * A node that rejoins builds a fresh instance, calls {@link #loadSnapshot} with its newest intact snapshot, then
 * {@link #loadConnection} for each connection open at the snapshot's position, in order of {@link Connection#id},
 * and then applies only the log after the snapshot's position. So a service must end in the same state by either
 * path: events 1..P then P+1..N, or a snapshot taken after P, loaded into a fresh instance, then P+1..N. Write
 * everything the answers to later requests can depend on (for kv: every key, its value and its expiry deadline; for
 * each connection, the part of a request it holds and the answers it holds back). Shared state that names
 * connections (a room's members) names them by {@link Connection#id}, and finds the {@link Connection} objects
 * again in {@link #loadConnection}.
 * <p>
 * <b>Time and timers come back with it.</b> The node keeps the service's {@link ClusterClock} beside the service's
 * bytes: the cluster time at the snapshot's position and every timer then pending, with its deadline. Before
 * {@link #loadSnapshot} is called the clock is put back as it was, so the timers fire at the same log positions as on
 * a node that replayed the whole log. A service writes no timer of its own into its snapshot and schedules none again
 * when it loads (doing so would move the timer after timers of the same deadline); it may write which timer stands
 * for what (kv writes the deadline its one timer is at) and read {@link ClusterClock#timeMillis} while loading.
 *
 * <h2>Rules</h2>
 * {@link #takeSnapshot}, {@link #loadSnapshot} and the two connection methods run on the duty-cycle thread, like every
 * callback: they must not block, do I/O or read a clock. {@code takeSnapshot} is a pause of every client's traffic on
 * this node, so it only <em>captures</em> the state and returns a {@link SnapshotWriter}, which the node runs on a
 * thread of its own to write the bytes, then writes the file (a temporary file, fsync, rename; a CRC32C detects a torn
 * one, and the previous snapshot is used). A small state may be copied in {@code takeSnapshot} and the writer write the
 * copy; a large one is frozen and copied on write while the writer runs (kv freezes its store, and a SET, INCR, EXPIRE
 * or DEL then changes copies of the entries it touches, not the ones the writer reads). BENCHMARKS.md gives kv's pause
 * at 10^6 keys.
 */
public interface SnapshotService
{
    /**
     * Capture the whole shared state. Called right after the event at the snapshot's position; the state must not
     * change here.
     *
     * @return what writes the captured state, on the node's snapshot thread, in an order {@link #loadSnapshot} reads
     * back.
     */
    SnapshotWriter takeSnapshot();

    /**
     * Read back a state a {@link SnapshotWriter} wrote, into a fresh instance that has handled no event yet. The
     * connections open at the snapshot's position follow ({@link #loadConnection}), then the events after it.
     *
     * @param in the snapshot's bytes, checked against their CRC32C already.
     */
    void loadSnapshot(SnapshotInput in);

    /**
     * Write what this service keeps for one connection open at the snapshot's position (its attachment's state),
     * in an order {@link #loadConnection} reads back. Called at the same point of the order as
     * {@link #takeSnapshot} (just before it), on the duty-cycle thread, once per open connection in order of
     * {@link Connection#id}; the bytes are copied at once, so write the state as it is now (it is small: what one
     * connection holds). The node writes the connection's own state (what the log gave it, its unconsumed input and
     * unacknowledged output) itself. A connection the service was already told is closed
     * ({@link TcpService#onClosed}) is not offered.
     * <p>
     * The default writes nothing: right for a service that keeps nothing per connection. A service that sets an
     * attachment must implement this and {@link #loadConnection}.
     *
     * @param connection an open connection.
     * @param out        where its bytes go.
     */
    default void snapshotConnection(Connection connection, SnapshotOutput out)
    {
    }

    /**
     * Rebuild what this service keeps for a connection that was open at the snapshot's position, from the bytes
     * {@link #snapshotConnection} wrote: after {@link #loadSnapshot}, in order of {@link Connection#id}. The
     * connection is as it was at that position (its id, addresses, unconsumed input, output room and timeout are
     * the node's to restore) and its attachment is null until this sets it. {@link TcpService#onOpen} is not called
     * for it, and it must not write, close or schedule anything here: its timeout is restored already.
     *
     * @param connection the rebuilt connection.
     * @param in         exactly the bytes {@link #snapshotConnection} wrote for it.
     */
    default void loadConnection(Connection connection, SnapshotInput in)
    {
    }
}
