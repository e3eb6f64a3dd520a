package io.ertcp.service;

import org.agrona.DirectBuffer;

/**
 * What a {@link TcpService} sees of one TCP connection. Used only on the stack's thread, from
 * within the service's callbacks or the same duty cycle.
 */
public interface Connection
{
    /**
     * @return a number unique among this node's connections for the node's lifetime; replication
     * names connections by it.
     */
    long id();

    int localIp();

    int localPort();

    int remoteIp();

    int remotePort();

    /**
     * @return how many bytes {@link #write} would accept now (free send buffer space).
     */
    int writableBytes();

    /**
     * Append bytes to the outgoing stream.
     *
     * @return the number accepted, 0 to length; the rest is the service's to offer again after
     * {@link TcpService#onWritable}.
     */
    int write(DirectBuffer buffer, int offset, int length);

    /**
     * Close the sending direction once everything written has been sent (a FIN follows the data).
     * Receiving goes on until the peer closes too.
     */
    void shutdownOutput();

    /**
     * Abort the connection: a RST goes to the peer and unsent data is discarded.
     */
    void abort();

    /**
     * Ask for one {@link TcpService#onTimeout} this many milliseconds from now, replacing any
     * earlier request; 0 or less cancels it. Time enters a service only this way, as an event the
     * stack delivers (and replication can record).
     */
    void scheduleTimeout(long delayMs);

    /**
     * @return what the service attached, or null.
     */
    Object attachment();

    /**
     * Keep per-connection service state with the connection.
     */
    void attachment(Object attachment);
}
