package io.ertcp.service;

/**
 * Why a connection ended, as {@link TcpService#onClosed} is told.
 */
public enum CloseReason
{
    /** Both directions finished with FINs, or the service aborted it. */
    CLOSED,
    /** The peer sent a RST. */
    RESET,
    /** Retransmissions or keep-alive probes went unanswered. */
    TIMED_OUT
}
