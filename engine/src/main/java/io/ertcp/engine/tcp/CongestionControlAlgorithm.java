package io.ertcp.engine.tcp;

/**
 * Which congestion control a {@link TcpStack}'s connections run.
 */
public enum CongestionControlAlgorithm
{
    /** RFC 5681 slow start and congestion avoidance with RFC 6582 NewReno fast recovery. */
    NEWRENO,
    /** RFC 9438 CUBIC, with the same RFC 6582 loss recovery. */
    CUBIC
}
