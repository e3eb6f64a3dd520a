package io.ertcp.service;

import org.agrona.DirectBuffer;

/**
 * What a {@link TcpService} sees of one client connection. On a cluster this is the replicated connection, the same
 * on every node: its identity and everything it reports come from the replication log, never from the node's own
 * TCP state, so a service that reads it makes the same choices everywhere.
 * <p>
 * Used only on the node's duty-cycle thread, from within the service's callbacks (for this connection or any
 * other). Keep no reference after {@link TcpService#onClosed}: the object is then recycled for another client.
 */
public interface Connection
{
    /**
     * @return a number naming this connection, unique among the service's connections while the cluster runs, and
     * the same on every node (the log names connections by it). Ids grow as connections open, so sorting by id is
     * a deterministic order; they are not dense and not reused.
     */
    long id();

    /**
     * @return the address the client connected to (the cluster's VIP), IPv4 as a big-endian int.
     */
    int localIp();

    /**
     * @return the port the client connected to (the service's).
     */
    int localPort();

    /**
     * @return the client's IPv4 address, as a big-endian int.
     */
    int remoteIp();

    /**
     * @return the client's port.
     */
    int remotePort();

    /**
     * @return how many bytes {@link #write} would accept now: the room left in this connection's output, which
     * grows as the client acknowledges what it received. 0 after {@link #shutdownOutput}, {@link #abort} or once the
     * connection closed. On a cluster it depends on what the client acknowledged as the log says, so it is the same
     * on every node.
     */
    int writableBytes();

    /**
     * Append bytes to the outgoing stream. The bytes are copied; the buffer may be reused at once.
     * <p>
     * On a cluster the bytes reach the client only once the input that produced them is durable (output commit,
     * docs/architecture.md rule 2): a write is a promise to send, not a send.
     *
     * @param buffer holds the bytes to send.
     * @param offset where they start in the buffer.
     * @param length how many to send.
     * @return the number accepted, 0 to {@code length}. The rest is the service's to keep and offer again from
     * {@link TcpService#onWritable}, which follows once room opens; never drop it, or the client sees a gap on one
     * node and not on another.
     */
    int write(DirectBuffer buffer, int offset, int length);

    /**
     * Close the sending direction once everything written has been sent: a FIN follows the last byte. Receiving
     * goes on until the client closes too; writes after this accept nothing. Calling it again does nothing.
     */
    void shutdownOutput();

    /**
     * Abort the connection: a RST goes to the client and output not yet sent is discarded. {@link TcpService#onClosed}
     * follows (with {@link CloseReason#CLOSED}) once the current callback returns.
     */
    void abort();

    /**
     * Ask for one {@link TcpService#onTimeout} for this connection {@code delayMs} milliseconds from now, replacing
     * any earlier request; 0 or less cancels it. On a cluster only the primary keeps time: when it fires, it logs
     * the timeout, and every node delivers it at that point of the event order. After a failover the new primary
     * arms the timeout again for its full delay from the takeover (a timeout may come late, never early).
     *
     * @param delayMs milliseconds from now; 0 or less cancels.
     */
    void scheduleTimeout(long delayMs);

    /**
     * @return what the service attached with {@link #attachment(Object)}, or null.
     */
    Object attachment();

    /**
     * Keep per-connection service state with the connection (a parser, a member's name), instead of a map from
     * connections. Dropped with the connection.
     *
     * @param attachment the state, or null to drop it.
     */
    void attachment(Object attachment);
}
