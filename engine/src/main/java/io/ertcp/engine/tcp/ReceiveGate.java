package io.ertcp.engine.tcp;

/**
 * How far a connection's receive point may be acknowledged to the peer. The stack receives,
 * reassembles and delivers bytes as usual but never ACKs past the gate, so a byte the peer sees
 * acknowledged is one the gate has released.
 * <p>
 * This is where replication plugs in (DESIGN.md, "Durable before acknowledged"): a replicating
 * gate returns how much of the stream the logger (or backup) has confirmed, and calls
 * {@link TcpStack#receiveGateAdvanced(long)} when that grows so the stack sends the ACK. The TCP
 * layer knows nothing else of replication.
 */
@FunctionalInterface
public interface ReceiveGate
{
    /** No limit: ACK everything received, as plain TCP does. */
    ReceiveGate UNLIMITED = (connectionId, receivedBytes) -> Long.MAX_VALUE;

    /**
     * @param connectionId  {@link Connection#id()}.
     * @param receivedBytes in-order stream bytes received so far (the stream offset of RCV.NXT).
     * @return the stream offset up to which the stack may acknowledge; values above
     * {@code receivedBytes} mean no limit.
     */
    long acknowledgeLimit(long connectionId, long receivedBytes);
}
