package io.ertcp.engine.cluster;

/**
 * When a node may delete the start of its log: a position it no longer needs is deleted only once it has not been
 * needed for the retention time (the log's {@code retention}), so a member that was away briefly (a restart, a
 * partition) still finds what it lacks. Every check records what the node needed then; what is deleted is what was
 * not needed a retention time ago, and is not needed now either.
 * <p>
 * One thread: the node's duty cycle. Allocation-free.
 */
final class Retention
{
    private static final int SAMPLES = 16;

    private final long retentionNs;
    private final long intervalNs;
    private final long[] sampleNs = new long[SAMPLES];
    private final long[] sampleNeeded = new long[SAMPLES];
    private int count;
    private int head;
    private long nextCheckNs = Long.MIN_VALUE;

    /**
     * @param retentionNs how long a position no longer needed is kept.
     */
    Retention(final long retentionNs)
    {
        this.retentionNs = retentionNs;
        this.intervalNs = Math.max(retentionNs / (SAMPLES / 2), 1_000_000L);
    }

    boolean due(final long nowNs)
    {
        if (Long.MIN_VALUE == nextCheckNs)
        {
            nextCheckNs = nowNs;
        }
        return nowNs - nextCheckNs >= 0;
    }

    /**
     * Record what is needed now and say where the log may start.
     *
     * @param needed the first position needed now.
     * @return the first position to keep: the newest sample at least a retention time old, if any, and no more than
     * {@code needed}; 0 when nothing is old enough yet.
     */
    long keepFrom(final long nowNs, final long needed)
    {
        nextCheckNs = nowNs + intervalNs;
        final int slot = (head + count) % SAMPLES;
        sampleNs[slot] = nowNs;
        sampleNeeded[slot] = needed;
        if (count < SAMPLES)
        {
            count++;
        }
        else
        {
            head = (head + 1) % SAMPLES;
        }
        long keep = 0;
        for (int i = 0; i < count; i++)
        {
            final int at = (head + i) % SAMPLES;
            if (nowNs - sampleNs[at] >= retentionNs)
            {
                keep = sampleNeeded[at];
            }
        }
        return Math.min(keep, needed);
    }
}
