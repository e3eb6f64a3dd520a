package io.ertcp.engine.tcp;

/**
 * RFC 9438 CUBIC: the window follows W_cubic(t) = C * (t - K)^3 + W_max after a loss (section
 * 4.2), never below the Reno-friendly estimate W_est (section 4.3); slow start as RFC 5681.
 * Loss recovery (fast retransmit, NewReno partial ACKs) is the connection's, as RFC 9438 4.6 and
 * 4.8 allow. Arithmetic in doubles over segments, as the RFC writes it; no allocation.
 */
public final class CubicCongestionControl implements CongestionControl
{
    /** RFC 9438 4.1: C = 0.4. */
    private static final double C = 0.4;
    /** RFC 9438 4.6: beta_cubic = 0.7. */
    private static final double BETA = 0.7;
    /** RFC 9438 4.3: alpha_cubic = 3 * (1 - beta) / (1 + beta). */
    private static final double ALPHA = 3.0 * (1.0 - BETA) / (1.0 + BETA);

    private int mss;
    /** Bytes; at least one MSS. */
    private int cwnd;
    /** Bytes. */
    private int ssthresh;
    /** W_max in segments: the window just before the last reduction (4.6, with fast convergence 4.7). */
    private double wMax;
    /** K in seconds (equation 2). */
    private double k;
    /** Start of the current congestion avoidance epoch, or Long.MIN_VALUE when none is running. */
    private long epochStartNs;
    /** W_est in segments (4.3). */
    private double wEst;
    /** The window W_est last counted from, in segments (cwnd at epoch start). */
    private double cwndAtEpochStart;

    public void init(final int mss, final int initialWindowSegments, final long nowNs)
    {
        this.mss = mss;
        cwnd = initialWindowSegments * mss;
        ssthresh = Integer.MAX_VALUE;
        wMax = 0;
        k = 0;
        epochStartNs = Long.MIN_VALUE;
        wEst = 0;
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
            cwnd = NewRenoCongestionControl.saturatedAdd(cwnd, Math.min(ackedBytes, 2 * mss));
            return;
        }

        final double cwndSegments = (double)cwnd / mss;
        if (epochStartNs == Long.MIN_VALUE)
        {
            // RFC 9438 4.2: a new epoch; after slow start without a loss, W_max is the current window.
            epochStartNs = nowNs;
            if (wMax < cwndSegments)
            {
                wMax = cwndSegments;
                k = 0;
            }
            else
            {
                k = Math.cbrt((wMax - cwndSegments) / C);
            }
            wEst = cwndSegments;
            cwndAtEpochStart = cwndSegments;
        }

        final double rttSeconds = srttNs > 0 ? srttNs / 1e9 : 0.1;
        final double t = (nowNs - epochStartNs) / 1e9;
        // RFC 9438 equation 1 at t + RTT: the target one RTT ahead (4.4, 4.5).
        final double delta = t + rttSeconds - k;
        double target = C * delta * delta * delta + wMax;
        target = Math.max(cwndSegments, Math.min(target, 1.5 * cwndSegments));

        // RFC 9438 4.3 equation 4: W_est grows by alpha per window of acked segments.
        wEst += ALPHA * ((double)ackedBytes / mss) / Math.max(1.0, cwndSegments);

        double next;
        if (wEst > target)
        {
            next = wEst;
        }
        else
        {
            // RFC 9438 4.4/4.5: cwnd += (target - cwnd) / cwnd per acked segment.
            next = cwndSegments + (target - cwndSegments) * ((double)ackedBytes / mss) / cwndSegments;
        }
        final long bytes = (long)(next * mss);
        cwnd = (int)Math.min(Integer.MAX_VALUE, Math.max(bytes, cwnd));
    }

    public void onFastRetransmit(final int flightBytes, final long nowNs)
    {
        reduce(nowNs);
        // RFC 5681 3.2 step 3 window inflation still applies during recovery.
        cwnd = ssthresh + 3 * mss;
    }

    public void onDuplicateAckInRecovery()
    {
        cwnd = NewRenoCongestionControl.saturatedAdd(cwnd, mss);
    }

    public void onPartialAck(final int ackedBytes)
    {
        cwnd = Math.max(mss, cwnd - ackedBytes + (ackedBytes >= mss ? mss : 0));
    }

    public void onRecoveryEnd(final int flightBytes)
    {
        cwnd = Math.max(mss, Math.min(ssthresh, flightBytes + mss));
    }

    public void onRetransmitTimeout(final int flightBytes, final long nowNs)
    {
        reduce(nowNs);
        cwnd = mss;
    }

    private void reduce(final long nowNs)
    {
        final double cwndSegments = (double)cwnd / mss;
        // RFC 9438 4.7 fast convergence.
        wMax = cwndSegments < wMax ? cwndSegments * (1.0 + BETA) / 2.0 : cwndSegments;
        // RFC 9438 4.6: ssthresh = cwnd * beta_cubic, at least 2 MSS.
        ssthresh = Math.max((int)(cwnd * BETA), 2 * mss);
        epochStartNs = Long.MIN_VALUE;
    }
}
