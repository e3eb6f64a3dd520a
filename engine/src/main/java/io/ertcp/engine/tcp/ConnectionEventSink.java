package io.ertcp.engine.tcp;

import io.ertcp.service.CloseReason;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;

/**
 * Told what happens to each connection in the order it happens, on the stack's thread: the
 * events a replica needs to rebuild the connection (docs/architecture.md, the records: OPEN, DATA, CLIENT-ACK,
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
     * The connection exists and its ISNs and options are fixed: for a passive open, when the peer's
     * SYN created it in SYN-RECEIVED, before the SYN-ACK goes out (which the {@link ReceiveGate}
     * holds until it returns at least 0 for the connection, so a replica logs the OPEN before the
     * peer can complete the handshake); for an active open, when the handshake completed. A
     * connection opened from a SYN cookie (the backlog was full, a SYN flood) has no SYN-RECEIVED
     * state: it is reported here when the peer's final ACK arrives, at ESTABLISHED, and its
     * SYN-ACK was never gated. That is accepted: under a flood the choice is between cookies and
     * refusing connections, and a takeover in that short window loses the connection (the peer sees
     * a RST), as it would have without cookies. Called exactly once per connection; never for a
     * restored one. The service's {@link TcpService#onOpen} still comes at ESTABLISHED.
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
     * The handshake completed: the connection reported by {@link #onOpen} is ESTABLISHED (a
     * restored connection that was restored into SYN-RECEIVED included). Comes right after
     * {@link #onOpen} for active and SYN-cookie opens.
     */
    default void onEstablished(final long connectionId)
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
     * The connection is gone, for the reason the service is told too. Also for a connection that
     * never reached ESTABLISHED (reset or timed out in SYN-RECEIVED), whose service never heard of
     * it: every {@link #onOpen} is followed by exactly one onClosed.
     */
    default void onClosed(final long connectionId, final CloseReason reason)
    {
    }
}
