package io.ertcp.engine.tcp;

/**
 * RFC 9293 section 3.3.2 connection states. LISTEN belongs to the stack's listeners, not to a
 * connection; FREE marks a pooled connection not in use.
 */
public enum TcpState
{
    FREE,
    SYN_SENT,
    SYN_RECEIVED,
    ESTABLISHED,
    FIN_WAIT_1,
    FIN_WAIT_2,
    CLOSE_WAIT,
    CLOSING,
    LAST_ACK,
    TIME_WAIT,
    CLOSED;

    /** @return true once both SYNs have been exchanged and acknowledged. */
    public boolean isSynchronized()
    {
        return ordinal() >= ESTABLISHED.ordinal() && this != CLOSED;
    }
}
