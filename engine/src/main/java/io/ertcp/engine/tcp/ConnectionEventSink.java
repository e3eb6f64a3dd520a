package io.ertcp.engine.tcp;

import org.agrona.DirectBuffer;

/**
 * Told what happens to each connection in the order it happens, on the stack's thread: the
 * events a replica needs to rebuild the connection (DESIGN.md, "Records": OPEN, DATA, CLIENT-ACK,
 * FIN/RST/CLOSED). Replication plugs in here; the TCP layer knows nothing else of it. Stream
 * offsets count bytes from the first data byte after the SYN, as longs that do not wrap.
 * The default methods do nothing.
 */
public interface ConnectionEventSink
{
    ConnectionEventSink NONE = new ConnectionEventSink()
    {
    };

    /**
     * The handshake completed.
     *
     * @param localIsn        this side's initial sequence number.
     * @param remoteIsn       the peer's.
     * @param sendMss         largest payload sent per segment.
     * @param sendWindowScale shift applied to the peer's advertised windows, or -1 when not in use.
     * @param receiveWindowScale shift applied to this side's advertised windows, or -1.
     */
    default void onOpen(
        final long connectionId,
        final int localIp,
        final int localPort,
        final int remoteIp,
        final int remotePort,
        final int localIsn,
        final int remoteIsn,
        final int sendMss,
        final int sendWindowScale,
        final int receiveWindowScale,
        final boolean timestamps,
        final boolean sack)
    {
    }

    /**
     * In-order bytes arrived, before the service is offered them. Valid only during the call.
     *
     * @param streamOffset of the first byte.
     */
    default void onData(
        final long connectionId, final long streamOffset, final DirectBuffer buffer, final int offset, final int length)
    {
    }

    /**
     * The peer acknowledged more of this side's output.
     *
     * @param acknowledgedBytes stream offset up to which the peer has acknowledged.
     */
    default void onPeerAcknowledged(final long connectionId, final long acknowledgedBytes)
    {
    }

    /**
     * The peer's FIN arrived in order.
     *
     * @param streamOffset the stream's length.
     */
    default void onPeerFin(final long connectionId, final long streamOffset)
    {
    }

    /**
     * The peer reset the connection.
     */
    default void onPeerReset(final long connectionId)
    {
    }

    /**
     * The connection is gone, for the reason the service is told too.
     */
    default void onClosed(final long connectionId, final CloseReason reason)
    {
    }
}
