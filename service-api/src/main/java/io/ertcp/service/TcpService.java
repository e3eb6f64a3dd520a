package io.ertcp.service;

import org.agrona.DirectBuffer;

/**
 * An application on the user-space stack, listening on one port. Services are deterministic state
 * machines: given the same sequence of connection events (opens, bytes, peer closes, timeouts,
 * closes) in the same order across all connections, a service produces the same output bytes.
 * Whatever depends on time or chance enters only as an event the stack delivers
 * ({@link #onTimeout}), so that replication can record it and replay it on a backup.
 * <p>
 * The output must depend on the input bytes, not on how they were split into {@link #onData}
 * calls, since a backup may see other splits.
 */
public interface TcpService
{
    /**
     * @return a short name, such as {@code echo}.
     */
    String name();

    /**
     * @return true when connections share state (the kv store): a replica can then only be rebuilt from the whole
     * log, so a cluster keeps all of it (no retention). False for services whose connections are independent.
     */
    default boolean sharesStateAcrossConnections()
    {
        return false;
    }

    /**
     * A connection was established (the three-way handshake completed).
     */
    void onOpen(Connection connection);

    /**
     * In-order bytes arrived. The receive buffer may wrap, so one arrival can come as two calls.
     *
     * @return how many of the bytes were consumed; the rest stay in the receive buffer (shrinking
     * the window the peer sees) and are offered again with the next data or after
     * {@link #onWritable}.
     */
    int onData(Connection connection, DirectBuffer buffer, int offset, int length);

    /**
     * The peer finished sending (its FIN arrived), after every byte before it was consumed.
     */
    void onPeerClosed(Connection connection);

    /**
     * Room opened in the send buffer after a {@link Connection#write} accepted less than offered.
     */
    void onWritable(Connection connection);

    /**
     * The timeout asked for with {@link Connection#scheduleTimeout} came.
     */
    default void onTimeout(final Connection connection)
    {
    }

    /**
     * The connection is gone; the service must drop what it keeps for it.
     */
    void onClosed(Connection connection, CloseReason reason);
}
