package io.ertcp.engine.tcp;

/**
 * RFC 5681 slow start and congestion avoidance, with the window changes of RFC 6582 NewReno
 * fast recovery.
 */
public final class NewRenoCongestionControl implements CongestionControl
{
    /** Bytes; at least one MSS. */
    private int cwnd;
    /** Bytes; at least two MSS once a loss set it. */
    private int ssthresh;
    private int mss;
    /** Bytes acked in congestion avoidance not yet turned into window growth (RFC 5681 3.1, 2). */
    private int bytesAcked;

    public void init(final int mss, final int initialWindowSegments, final long nowNs)
    {
        this.mss = mss;
        cwnd = initialWindowSegments * mss;
        ssthresh = Integer.MAX_VALUE;
        bytesAcked = 0;
    }

    public int cwnd()
    {
        return cwnd;
    }

    public int ssthresh()
    {
        return ssthresh;
    }

    public void onAck(final int ackedBytes, final int flightBytes, final long srttNs, final long nowNs)
    {
        if (cwnd < ssthresh)
        {
            // RFC 5681 3.1 equation 2, with RFC 3465 L = 2 * SMSS.
            cwnd = saturatedAdd(cwnd, Math.min(ackedBytes, 2 * mss));
        }
        else
        {
            // RFC 5681 3.1: appropriate byte counting, one MSS per window of acked bytes.
            bytesAcked += ackedBytes;
            if (bytesAcked >= cwnd)
            {
                bytesAcked -= cwnd;
                cwnd = saturatedAdd(cwnd, mss);
            }
        }
    }

    public void onFastRetransmit(final int flightBytes, final long nowNs)
    {
        // RFC 5681 3.2 step 2 (equation 4) and step 3.
        ssthresh = Math.max(flightBytes / 2, 2 * mss);
        cwnd = ssthresh + 3 * mss;
        bytesAcked = 0;
    }

    public void onDuplicateAckInRecovery()
    {
        cwnd = saturatedAdd(cwnd, mss);
    }

    public void onPartialAck(final int ackedBytes)
    {
        // RFC 6582 3.2 step 3, partial acknowledgment.
        cwnd = Math.max(mss, cwnd - ackedBytes + (ackedBytes >= mss ? mss : 0));
    }

    public void onRecoveryEnd(final int flightBytes)
    {
        // RFC 6582 3.2 step 3, full acknowledgment, option (1) guarded against bursts.
        cwnd = Math.max(mss, Math.min(ssthresh, flightBytes + mss));
    }

    public void onRetransmitTimeout(final int flightBytes, final long nowNs)
    {
        // RFC 5681 3.1 equation 4, then the loss window of one segment.
        ssthresh = Math.max(flightBytes / 2, 2 * mss);
        cwnd = mss;
        bytesAcked = 0;
    }

    static int saturatedAdd(final int a, final int b)
    {
        final long sum = (long)a + b;
        return sum > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int)sum;
    }
}
