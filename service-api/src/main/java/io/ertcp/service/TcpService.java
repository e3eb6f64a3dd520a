package io.ertcp.service;

import org.agrona.DirectBuffer;

/**
 * An application on the user-space stack, listening on one port, replicated by ertcp: a deterministic state machine
 * over connection events. Given the same events (opens, bytes, peer closes, timeouts, closes) in the same order
 * across all connections, it produces the same output bytes, on every node, in every run. The rules it keeps are
 * listed in the {@linkplain io.ertcp.service package documentation}; docs/writing-a-service.md explains them.
 *
 * <h2>Callbacks</h2>
 * All callbacks run on one thread, the node's duty cycle, one at a time; none may block, sleep, do I/O, read a
 * clock or throw (the time is {@link ClusterClock#timeMillis()}, the log's). From within any callback the service may act on <em>any</em> of its open connections (write to
 * them, shut them down, abort them, schedule their timeouts), not only the one the event is about: a chat room
 * writes a line to every member while handling one member's bytes. Each connection's events come in this order:
 * <pre>
 *   onOpen  (onData | onWritable | onTimeout)*  [onPeerClosed (onWritable | onTimeout)*]  onClosed
 * </pre>
 * {@link #onClosed} comes exactly once and last; after it the {@link Connection} must not be used again, since it is
 * recycled for another client.
 * {@link #clusterClock} comes once, before all of them; {@link #onTimer} (the service's own timers, not a
 * connection's) may come between any two events.
 *
 * <h2>Construction</h2>
 * A service loaded from a jar ({@code service: {class: ..., jar: ..., options: {...}}} in the cluster file, or
 * {@code ./ertcp serve --service-class ... --service-jar ...}) is a public class with a public constructor taking
 * {@code java.util.Map<String, String>} (the options, as written, in file order) or, if it has none, a public
 * no-argument constructor. A node builds a fresh instance for each copy of the service it runs (at start, and again
 * when it rejoins), so an instance starts with no connections and no state but what its options give it.
 */
public interface TcpService
{
    /**
     * @return a short name for messages and counters, such as {@code echo} or {@code chat}.
     */
    String name();

    /**
     * Whether the state of one connection can depend on the events of another (a key-value store, a chat room). A
     * node that rejoins rebuilds the service by replaying the log; when connections share state it needs all of the
     * log, so a cluster keeps it whole (no retention), unless the service is also a {@link SnapshotService}: then it
     * needs only its newest snapshot and the log after it. When connections are independent (echo, http), the log of
     * a connection that closed is no longer needed and retention may drop it.
     * <p>
     * Answer true whenever in doubt: a wrong false lets retention drop what a rejoining node needs, and its copy of
     * the service then differs from the primary's.
     *
     * @return true when connections share state; false (the default) when each connection is independent.
     */
    default boolean sharesStateAcrossConnections()
    {
        return false;
    }

    /**
     * Receive the cluster's clock and timers, once, before any other event (docs/writing-a-service.md, "Time and
     * timers"). A service that needs the time or timers keeps it in a field; the default ignores it.
     *
     * @param clock the log-ordered time and the service's timers; valid for the instance's life.
     */
    default void clusterClock(final ClusterClock clock)
    {
    }

    /**
     * A timer asked for with {@link ClusterClock#scheduleTimer} reached its deadline in cluster time. It comes at the
     * same point of the event order on every node; {@link ClusterClock#timeMillis()} here is the logged time that
     * reached the deadline (at or after it). The service may act on any connection, as from any callback, and
     * schedule timers again.
     *
     * @param timerId the id it was scheduled with.
     */
    default void onTimer(final long timerId)
    {
    }

    /**
     * A connection was established (the client's three-way handshake completed, and replicated). The service may
     * write a greeting, attach its per-connection state ({@link Connection#attachment(Object)}), schedule a timeout.
     *
     * @param connection the connection the event is about.
     */
    void onOpen(Connection connection);

    /**
     * In-order bytes from the client arrived. The bytes are valid only during the call (the buffer is reused): copy
     * what must be kept.
     * <p>
     * How the stream is cut into calls is not the service's to rely on: one client write may come as several calls,
     * several as one, and the buffer may wrap so that one arrival comes as two calls. The output must depend only on
     * the bytes.
     *
     * @param connection the connection the event is about.
     * @param buffer holds the bytes; valid only during the call.
     * @param offset where the bytes start in the buffer.
     * @param length how many bytes there are, at least 1.
     * @return how many of the bytes, from {@code offset}, were consumed (0 to {@code length}). The rest stay in the
     * receive buffer, shrinking the window the client sees (TCP backpressure), and are offered again, with any new
     * bytes behind them, when more data arrives or after {@link #onWritable}. A service that needs a whole request
     * before it can act may return 0 until the request is complete, provided a request fits the receive buffer
     * ({@code tcp.buffer-kib}); else it buffers the bytes itself.
     */
    int onData(Connection connection, DirectBuffer buffer, int offset, int length);

    /**
     * The client finished sending (its FIN arrived), after every byte before it was consumed. The service may still
     * write, and usually answers what is pending and calls {@link Connection#shutdownOutput()}; the connection ends
     * (with {@link #onClosed}) once both directions are finished.
     *
     * @param connection the connection the event is about.
     */
    void onPeerClosed(Connection connection);

    /**
     * Room opened in the send buffer after a {@link Connection#write} accepted less than offered: the client
     * acknowledged output. Offer the rest again now. Input the service left unconsumed is offered again after this.
     *
     * @param connection the connection the event is about.
     */
    void onWritable(Connection connection);

    /**
     * The timeout asked for with {@link Connection#scheduleTimeout} came. On a cluster the primary decides that it
     * came and the log records it, so every node calls this at the same point of the event order: a timeout is an
     * event like any other, not a reading of a clock. A timeout replaced or cancelled before it came never calls
     * this, and none comes after {@link #onClosed}.
     *
     * @param connection the connection the event is about.
     */
    default void onTimeout(final Connection connection)
    {
    }

    /**
     * The connection is gone: both directions finished, the client reset it, it timed out, or the service aborted
     * it. The service drops what it keeps for it (a member leaves the room). It may still act on its other
     * connections from here, but not on this one.
     *
     * @param connection the connection the event is about.
     * @param reason why, as the stack saw it; the same on every node.
     */
    void onClosed(Connection connection, CloseReason reason);

    /**
     * Optional: build ahead, outside any event, one connection's worth of the state this service keeps per connection
     * (a session with its buffers, pooled for the {@link #onOpen} that takes it), while fewer than {@code spare} are
     * ready. A node whose cluster file asks for spare connections ({@code tcp.spare-connections}) calls this in its
     * idle duty cycles, so that a storm of opens does not allocate. It must change nothing any event can see: what it
     * builds is the same as what {@code onOpen} would build, so the service's output stays the same on every node,
     * whichever node built ahead and how much. The default builds nothing.
     *
     * @param spare how many connections' state to keep ready.
     * @return true when something was built (the node then does the rest of its building ahead in a later cycle).
     */
    default boolean prepareConnections(final int spare)
    {
        return false;
    }
}
