package io.ertcp.engine.tcp;

/**
 * The retransmission timeout of one connection, RFC 6298. Samples come from timestamps
 * (RFC 7323 section 4) or from one timed segment at a time, never from a retransmitted one
 * (Karn's algorithm, RFC 6298 section 3); {@link TcpConnection} decides which.
 */
public final class RttEstimator
{
    /** RFC 6298 section 2: clock granularity G; the stack's clock is nanoseconds, 1 ms is generous. */
    private static final long GRANULARITY_NS = 1_000_000L;

    private final long minRtoNs;
    private final long maxRtoNs;
    private final long initialRtoNs;

    /** Smoothed RTT; 0 until the first sample. */
    private long srttNs;
    /** RTT variation; 0 until the first sample. */
    private long rttVarNs;
    /** The RTO before backoff: within [minRtoNs, maxRtoNs]. */
    private long rtoNs;
    /** Doublings applied since the last new ACK (RFC 6298 5.5), at most 30. */
    private int backoff;

    public RttEstimator(final long minRtoNs, final long maxRtoNs, final long initialRtoNs)
    {
        this.minRtoNs = minRtoNs;
        this.maxRtoNs = maxRtoNs;
        this.initialRtoNs = initialRtoNs;
        reset();
    }

    public void reset()
    {
        srttNs = 0;
        rttVarNs = 0;
        rtoNs = Math.max(minRtoNs, Math.min(maxRtoNs, initialRtoNs));
        backoff = 0;
    }

    /**
     * One measurement (RFC 6298 section 2.2 and 2.3, alpha = 1/8, beta = 1/4).
     */
    public void sample(final long rttNs)
    {
        final long rtt = Math.max(rttNs, 1);
        if (srttNs == 0)
        {
            srttNs = rtt;
            rttVarNs = rtt / 2;
        }
        else
        {
            rttVarNs = (3 * rttVarNs + Math.abs(srttNs - rtt)) / 4;
            srttNs = (7 * srttNs + rtt) / 8;
        }
        rtoNs = Math.max(minRtoNs, Math.min(maxRtoNs, srttNs + Math.max(GRANULARITY_NS, 4 * rttVarNs)));
    }

    /**
     * RFC 6298 5.5: the timer expired; double the RTO up to the maximum.
     */
    public void backOff()
    {
        if (backoff < 30)
        {
            backoff++;
        }
    }

    /**
     * A new ACK arrived: forget the backoff (RFC 6298 5.7 keeps it until a valid sample, but a
     * sample follows every new ACK here, by timestamp or timed segment, except right after a
     * retransmission, where keeping the doubled value is Karn's rule).
     */
    public void clearBackoff()
    {
        backoff = 0;
    }

    /**
     * @return the RTO to arm now: the base doubled per backoff, capped.
     */
    public long rtoNs()
    {
        final long backedOff = backoff >= 30 ? maxRtoNs : rtoNs << backoff;
        return backedOff <= 0 ? maxRtoNs : Math.min(maxRtoNs, backedOff);
    }

    public long srttNs()
    {
        return srttNs;
    }

    public long rttVarNs()
    {
        return rttVarNs;
    }

    public int backoff()
    {
        return backoff;
    }
}
