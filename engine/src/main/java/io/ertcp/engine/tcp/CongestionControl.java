package io.ertcp.engine.tcp;

/**
 * The congestion window of one connection (RFC 5681): how many bytes may be in flight. The
 * connection detects losses (three duplicate ACKs, RFC 5681 3.2; an RTO, RFC 5681 3.1) and runs
 * NewReno loss recovery (RFC 6582); implementations decide how the window grows and shrinks.
 */
public interface CongestionControl
{
    /**
     * Start over for a new connection.
     *
     * @param mss the sender's maximum segment size.
     */
    void init(int mss, int initialWindowSegments, long nowNs);

    /** @return the congestion window in bytes. */
    int cwnd();

    /** @return the slow start threshold in bytes. */
    int ssthresh();

    /**
     * New data was acknowledged outside loss recovery.
     *
     * @param ackedBytes  how many bytes this ACK covered.
     * @param flightBytes bytes in flight before this ACK.
     * @param srttNs      the smoothed RTT, 0 if unknown.
     */
    void onAck(int ackedBytes, int flightBytes, long srttNs, long nowNs);

    /**
     * Three duplicate ACKs: RFC 5681 3.2 step 2 and 3 (ssthresh, then cwnd = ssthresh + 3 * MSS).
     */
    void onFastRetransmit(int flightBytes, long nowNs);

    /**
     * One more duplicate ACK during recovery: RFC 5681 3.2 step 4 inflates the window by an MSS.
     */
    void onDuplicateAckInRecovery();

    /**
     * A partial ACK during recovery: RFC 6582 3.2 step 3 deflates by the acked bytes, adds back an
     * MSS when at least an MSS was acked.
     */
    void onPartialAck(int ackedBytes);

    /**
     * A full ACK ends recovery: RFC 6582 3.2 step 3, cwnd = min(ssthresh, flight + MSS).
     */
    void onRecoveryEnd(int flightBytes);

    /**
     * The retransmission timer expired: RFC 5681 3.1 equation 4 and cwnd = 1 MSS.
     */
    void onRetransmitTimeout(int flightBytes, long nowNs);

    static CongestionControl create(final CongestionControlAlgorithm algorithm)
    {
        return algorithm == CongestionControlAlgorithm.CUBIC ? new CubicCongestionControl() :
            new NewRenoCongestionControl();
    }
}
