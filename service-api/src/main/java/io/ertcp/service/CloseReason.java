package io.ertcp.service;

/**
 * Why a connection ended, as {@link TcpService#onClosed} is told. On a cluster the reason is logged, so every node
 * tells its copy of the service the same one.
 */
public enum CloseReason
{
    /** Both directions finished with FINs, or the service aborted it. */
    CLOSED,
    /** The client sent a RST. */
    RESET,
    /** Retransmissions or keep-alive probes went unanswered: the client is gone. */
    TIMED_OUT
}
