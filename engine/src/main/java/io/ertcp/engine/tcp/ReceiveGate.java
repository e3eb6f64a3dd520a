package io.ertcp.engine.tcp;

import io.ertcp.service.Connection;

/**
 * How far a connection's receive point may be acknowledged to the peer. The stack receives,
 * reassembles and delivers bytes as usual but never ACKs past the gate, so a byte the peer sees
 * acknowledged is one the gate has released.
 * <p>
 * This is where replication plugs in (docs/architecture.md rule 1, "Durable before acknowledged"): a replicating
 * gate returns how much of the stream the logger (or backup) has confirmed, and calls
 * {@link TcpStack#receiveGateAdvanced(long)} when that grows so the stack sends the ACK. The TCP
 * layer knows nothing else of replication.
 * <p>
 * The limit covers the whole receive sequence space, the peer's SYN and FIN included:
 * <ul>
 *   <li>below 0: not even the SYN is durable. A passive connection in SYN-RECEIVED holds its
 *   SYN-ACK (and so its retransmission timer) until the limit is at least 0; the stack asks again
 *   when {@link TcpStack#receiveGateAdvanced(long)} is called. A connection opened from a SYN
 *   cookie has no SYN-RECEIVED state: its SYN-ACK went out unasked.</li>
 *   <li>0 to the received bytes: the ACK covers the SYN and that many stream bytes.</li>
 *   <li>when the peer's FIN was received, the FIN is acknowledged only when the limit is above
 *   the received bytes (at least received + 1): a replicating gate counts its logged FIN as one
 *   past the data.</li>
 * </ul>
 * {@link #UNLIMITED} acknowledges everything at once, as plain TCP does.
 */
@FunctionalInterface
public interface ReceiveGate
{
    /** No limit: ACK everything received, as plain TCP does. */
    ReceiveGate UNLIMITED = (connectionId, receivedBytes) -> Long.MAX_VALUE;

    /**
     * @param connectionId  {@link Connection#id()}.
     * @param receivedBytes in-order stream bytes received so far (the stream offset of RCV.NXT).
     * @return the stream offset up to which the stack may acknowledge: negative holds even the
     * SYN, {@code receivedBytes} releases the data but not a received FIN, values above
     * {@code receivedBytes} mean no limit.
     */
    long acknowledgeLimit(long connectionId, long receivedBytes);
}
