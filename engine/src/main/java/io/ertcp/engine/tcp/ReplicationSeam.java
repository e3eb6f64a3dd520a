package io.ertcp.engine.tcp;

import io.ertcp.service.CloseReason;
import io.ertcp.service.TcpService;

/**
 * The one seam between the TCP stack and replication (docs/architecture.md, "Layering" and rules 1 and 2): what a
 * stack asks of replication and tells it, on the stack's thread, in the order things happen. It is given to the
 * {@link TcpStack} when the stack is built and never changes; {@link #NONE}, a plain stack's, acknowledges everything
 * at once and is told nothing. The TCP layer knows nothing else of replication.
 * <p>
 * Replication drives the stack back through the stack's own public methods: {@link TcpStack#receiveGateAdvanced}
 * when {@link #acknowledgeLimit} grows, {@link TcpStack#redeliver} when it can take input it refused, and
 * {@link TcpStack#restore} at takeover (a restored connection reports no {@link #onOpen}). Stream offsets count
 * bytes from the first data byte after the SYN, as longs that do not wrap.
 */
public interface ReplicationSeam
{
    /** An unreplicated stack's seam: no limit on acknowledgements, nothing reported. */
    ReplicationSeam NONE = new ReplicationSeam()
    {
        public long acknowledgeLimit(final long connectionId, final long receivedBytes)
        {
            return Long.MAX_VALUE;
        }

        public void onOpen(
            final long connectionId, final int localIp, final int localPort, final int remoteIp, final int remotePort,
            final int localIsn, final int remoteIsn, final int sendMss, final int sendWindowScale,
            final int receiveWindowScale, final boolean timestamps, final boolean sack)
        {
        }

        public void onPeerAcknowledged(final long connectionId, final long acknowledgedBytes)
        {
        }

        public void onClosed(final long connectionId, final CloseReason reason)
        {
        }
    };

    /**
     * How far a connection's receive point may be acknowledged to the peer (rule 1, "Durable before acknowledged").
     * The stack receives, reassembles and delivers bytes as usual but never ACKs past this limit, so a byte the peer
     * sees acknowledged is one replication has released. The limit covers the whole receive sequence space, the
     * peer's SYN and FIN included:
     * <ul>
     *   <li>below 0: not even the SYN is durable. A passive connection in SYN-RECEIVED holds its SYN-ACK (and so its
     *   retransmission timer) until the limit is at least 0; the stack asks again when
     *   {@link TcpStack#receiveGateAdvanced(long)} is called. A connection opened from a SYN cookie has no
     *   SYN-RECEIVED state: its SYN-ACK went out unasked.</li>
     *   <li>0 to the received bytes: the ACK covers the SYN and that many stream bytes.</li>
     *   <li>when the peer's FIN was received, the FIN is acknowledged only when the limit is above the received bytes
     *   (at least received + 1): replication counts its logged FIN as one past the data.</li>
     * </ul>
     * Called for every segment a connection sends; it must not allocate.
     *
     * @param connectionId  the connection's {@code Connection.id()}.
     * @param receivedBytes in-order stream bytes received so far (the stream offset of RCV.NXT).
     * @return the stream offset up to which the stack may acknowledge: negative holds even the SYN,
     * {@code receivedBytes} releases the data but not a received FIN, values above {@code receivedBytes} mean no
     * limit.
     */
    long acknowledgeLimit(long connectionId, long receivedBytes);

    /**
     * The connection exists and its ISNs and options are fixed (what a replica's OPEN record holds): for a passive
     * open, when the peer's SYN created it in SYN-RECEIVED, before the SYN-ACK goes out (which
     * {@link #acknowledgeLimit} holds until it returns at least 0, so the OPEN is durable before the peer can
     * complete the handshake); for an active open, when the handshake completed. A connection opened from a SYN
     * cookie (the backlog was full, a SYN flood) has no SYN-RECEIVED state: it is reported when the peer's final ACK
     * arrives, at ESTABLISHED, and its SYN-ACK was never gated. That is accepted: under a flood the choice is between
     * cookies and refusing connections, and a takeover in that short window loses the connection (the peer sees a
     * RST), as it would have without cookies. Called exactly once per connection; never for a restored one. The
     * service's {@link TcpService#onOpen} still comes at ESTABLISHED.
     *
     * @param localIsn           this side's initial sequence number.
     * @param remoteIsn          the peer's.
     * @param sendMss            largest payload sent per segment.
     * @param sendWindowScale    shift applied to the peer's advertised windows, or -1 when not in use.
     * @param receiveWindowScale shift applied to this side's advertised windows, or -1.
     */
    void onOpen(
        long connectionId,
        int localIp,
        int localPort,
        int remoteIp,
        int remotePort,
        int localIsn,
        int remoteIsn,
        int sendMss,
        int sendWindowScale,
        int receiveWindowScale,
        boolean timestamps,
        boolean sack);

    /**
     * The peer acknowledged more of this side's output (a replica's CLIENT_ACK record).
     *
     * @param acknowledgedBytes stream offset up to which the peer has acknowledged.
     */
    void onPeerAcknowledged(long connectionId, long acknowledgedBytes);

    /**
     * The connection is gone, for the reason the service is told too. Also for a connection that never reached
     * ESTABLISHED (reset or timed out in SYN-RECEIVED), whose service never heard of it: every {@link #onOpen} is
     * followed by exactly one onClosed.
     */
    void onClosed(long connectionId, CloseReason reason);
}
