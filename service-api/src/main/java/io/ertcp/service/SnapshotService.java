package io.ertcp.service;

/**
 * A {@link TcpService} whose connections share state (a store, a room) and that can write that state down at a log
 * position and read it back, so a cluster need not keep, nor a rejoining node replay, the whole log. Implement it
 * beside {@link TcpService}; {@link TcpService#sharesStateAcrossConnections()} must then answer true.
 *
 * <h2>When, and what a snapshot covers</h2>
 * The cluster file says how often (docs/cluster-file.md, {@code log.snapshot-every-records} and
 * {@code log.snapshot-every}). When one is due the primary waits for a moment at which no connection is open, then logs
 * a SNAPSHOT record; every node that applies that record calls {@link #takeSnapshot} on its own copy of the
 * service, at the same point of the event order, so every node writes the same state and no snapshot travels on
 * the network. Because no connection is open at that point, a snapshot holds only the state shared across
 * connections: never a connection, an attachment, a parser or held-back output. Connections opened after it are
 * rebuilt, as always, from their records in the log (docs/architecture.md rule 7).
 * <p>
 * A node that rejoins builds a fresh instance, calls {@link #loadSnapshot} with its newest intact snapshot and then
 * applies only the log after the snapshot's position. So a service must end in the same state by either path: events
 * 1..P then P+1..N, or a snapshot taken after P, loaded into a fresh instance, then P+1..N. Write everything the
 * answers to later requests can depend on (for kv: every key, its value and its expiry deadline).
 * <p>
 * <b>Time and timers come back with it.</b> The node keeps the service's {@link ClusterClock} beside the service's
 * bytes: the cluster time at the snapshot's position and every timer then pending, with its deadline. Before
 * {@link #loadSnapshot} is called the clock is put back as it was, so the timers fire at the same log positions as on
 * a node that replayed the whole log. A service writes no timer of its own into its snapshot and schedules none again
 * when it loads (doing so would move the timer after timers of the same deadline); it may write which timer stands
 * for what (kv writes the deadline its one timer is at) and read {@link ClusterClock#timeMillis} while loading.
 *
 * <h2>Rules</h2>
 * {@link #takeSnapshot} and {@link #loadSnapshot} run on the duty-cycle thread, like every callback: they must not
 * block, do I/O or read a clock. {@code takeSnapshot} is a pause of every client's traffic on this node, so it only
 * <em>captures</em> the state and returns a {@link SnapshotWriter}, which the node runs on a thread of its own to write
 * the bytes, then writes the file (a temporary file, fsync, rename; a CRC32C detects a torn one, and the previous
 * snapshot is used). A small state may be copied in {@code takeSnapshot} and the writer write the copy; a large one
 * is frozen and copied on write while the writer runs (kv freezes its store, and a SET, INCR, EXPIRE or DEL then
 * changes copies of the entries it touches, not the ones the writer reads). BENCHMARKS.md gives kv's pause at 10^6
 * keys.
 */
public interface SnapshotService
{
    /**
     * Capture the whole shared state. Called right after the event at the snapshot's position, with no connection
     * open; the state must not change here.
     *
     * @return what writes the captured state, on the node's snapshot thread, in an order {@link #loadSnapshot} reads
     * back.
     */
    SnapshotWriter takeSnapshot();

    /**
     * Read back a state a {@link SnapshotWriter} wrote, into a fresh instance that has handled no event yet. Events
     * after the snapshot's position follow.
     *
     * @param in the snapshot's bytes, checked against their CRC32C already.
     */
    void loadSnapshot(SnapshotInput in);
}
