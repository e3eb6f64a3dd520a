package io.ertcp.engine.tcp;

/**
 * The settings of one {@link TcpStack}, fixed once the stack is built. Fluent setters over
 * defaults that suit a data-centre LAN and a server holding many connections; each default says
 * where it comes from.
 */
public final class TcpConfig
{
    /** Ethernet's 1500-octet MTU less 20 for IPv4 and 20 for TCP. */
    public static final int DEFAULT_MSS = 1460;
    public static final int DEFAULT_BUFFER_BYTES = 256 * 1024;
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    public static final int DEFAULT_SYN_BACKLOG = 256;
    /** Linux's delayed-ACK floor; RFC 5681 4.2 allows up to 500 ms. */
    public static final long DEFAULT_DELAYED_ACK_NS = 40_000_000L;
    /** RFC 6298 2.4 says 1 s; Linux and most data-centre stacks use 200 ms. */
    public static final long DEFAULT_MIN_RTO_NS = 200_000_000L;
    /** RFC 6298 2.5: at least 60 s. */
    public static final long DEFAULT_MAX_RTO_NS = 60_000_000_000L;
    /** RFC 6298 2.1. */
    public static final long DEFAULT_INITIAL_RTO_NS = 1_000_000_000L;
    /** RFC 1122 4.2.3.6: at least two hours of idleness before the first probe. */
    public static final long DEFAULT_KEEP_ALIVE_IDLE_NS = 7_200_000_000_000L;
    public static final long DEFAULT_KEEP_ALIVE_INTERVAL_NS = 75_000_000_000L;
    public static final int DEFAULT_KEEP_ALIVE_PROBES = 9;
    /** 2 * MSL with Linux's 30 s MSL; RFC 9293 says 2 * 2 min, too long for a busy server. */
    public static final long DEFAULT_TIME_WAIT_NS = 60_000_000_000L;
    /** Linux's tcp_retries2 gives about 15 minutes; 12 doublings from 200 ms to the 60 s cap is near 9. */
    public static final int DEFAULT_MAX_RETRANSMISSIONS = 12;
    public static final int DEFAULT_MAX_SYN_RETRANSMISSIONS = 6;
    /** RFC 6928 initial window of 10 segments. */
    public static final int DEFAULT_INITIAL_WINDOW_SEGMENTS = 10;
    /** RFC 5961 section 7 leaves the number to the implementer; Linux uses 1000 per second. */
    public static final int DEFAULT_CHALLENGE_ACKS_PER_SECOND = 1000;

    private int mss = DEFAULT_MSS;
    private int receiveBufferBytes = DEFAULT_BUFFER_BYTES;
    private int sendBufferBytes = DEFAULT_BUFFER_BYTES;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private int synBacklog = DEFAULT_SYN_BACKLOG;
    private boolean synCookies = true;
    private CongestionControlAlgorithm congestionControl = CongestionControlAlgorithm.CUBIC;
    private long delayedAckNs = DEFAULT_DELAYED_ACK_NS;
    private boolean nagle = true;
    private boolean windowScaling = true;
    private boolean timestamps = true;
    private boolean sack = true;
    private long minRtoNs = DEFAULT_MIN_RTO_NS;
    private long maxRtoNs = DEFAULT_MAX_RTO_NS;
    private long initialRtoNs = DEFAULT_INITIAL_RTO_NS;
    private int maxRetransmissions = DEFAULT_MAX_RETRANSMISSIONS;
    private int maxSynRetransmissions = DEFAULT_MAX_SYN_RETRANSMISSIONS;
    private boolean keepAlive = false;
    private long keepAliveIdleNs = DEFAULT_KEEP_ALIVE_IDLE_NS;
    private long keepAliveIntervalNs = DEFAULT_KEEP_ALIVE_INTERVAL_NS;
    private int keepAliveProbes = DEFAULT_KEEP_ALIVE_PROBES;
    private long timeWaitNs = DEFAULT_TIME_WAIT_NS;
    private int initialWindowSegments = DEFAULT_INITIAL_WINDOW_SEGMENTS;
    private int challengeAcksPerSecond = DEFAULT_CHALLENGE_ACKS_PER_SECOND;
    private int firstEphemeralPort = 32768;
    private long isnSecretSeed = 0;

    /** Largest segment payload this side accepts and sends; advertised in SYNs. */
    public TcpConfig mss(final int mss)
    {
        this.mss = requireRange("mss", mss, 88, 65495);
        return this;
    }

    public int mss()
    {
        return mss;
    }

    /** Bytes of each connection's receive buffer: the largest window it advertises. */
    public TcpConfig receiveBufferBytes(final int bytes)
    {
        this.receiveBufferBytes = requireRange("receiveBufferBytes", bytes, 1024, 1 << 30);
        return this;
    }

    public int receiveBufferBytes()
    {
        return receiveBufferBytes;
    }

    /** Bytes of each connection's send buffer: written but not yet acknowledged. */
    public TcpConfig sendBufferBytes(final int bytes)
    {
        this.sendBufferBytes = requireRange("sendBufferBytes", bytes, 1024, 1 << 30);
        return this;
    }

    public int sendBufferBytes()
    {
        return sendBufferBytes;
    }

    /** Connections held at once, in every state but LISTEN; the table is sized for it. */
    public TcpConfig maxConnections(final int maxConnections)
    {
        this.maxConnections = requireRange("maxConnections", maxConnections, 1, 1 << 24);
        return this;
    }

    public int maxConnections()
    {
        return maxConnections;
    }

    /** SYN-RECEIVED connections per listener before SYN cookies (or drops) take over. */
    public TcpConfig synBacklog(final int synBacklog)
    {
        this.synBacklog = requireRange("synBacklog", synBacklog, 0, 1 << 24);
        return this;
    }

    public int synBacklog()
    {
        return synBacklog;
    }

    /** RFC 4987 SYN cookies when the backlog is full; off means such SYNs are counted and dropped. */
    public TcpConfig synCookies(final boolean synCookies)
    {
        this.synCookies = synCookies;
        return this;
    }

    public boolean synCookies()
    {
        return synCookies;
    }

    public TcpConfig congestionControl(final CongestionControlAlgorithm algorithm)
    {
        this.congestionControl = algorithm;
        return this;
    }

    public CongestionControlAlgorithm congestionControl()
    {
        return congestionControl;
    }

    /** How long an ACK for a lone full segment may wait for a second one or for data to ride on. */
    public TcpConfig delayedAckNs(final long delayedAckNs)
    {
        this.delayedAckNs = delayedAckNs;
        return this;
    }

    public long delayedAckNs()
    {
        return delayedAckNs;
    }

    /** RFC 896 / RFC 1122 4.2.3.4: hold small segments while data is unacknowledged. */
    public TcpConfig nagle(final boolean nagle)
    {
        this.nagle = nagle;
        return this;
    }

    public boolean nagle()
    {
        return nagle;
    }

    /** Offer RFC 7323 window scaling (the shift fits the receive buffer). */
    public TcpConfig windowScaling(final boolean windowScaling)
    {
        this.windowScaling = windowScaling;
        return this;
    }

    public boolean windowScaling()
    {
        return windowScaling;
    }

    /** Offer RFC 7323 timestamps (RTTM and PAWS). */
    public TcpConfig timestamps(final boolean timestamps)
    {
        this.timestamps = timestamps;
        return this;
    }

    public boolean timestamps()
    {
        return timestamps;
    }

    /** Offer RFC 2018 selective acknowledgments. */
    public TcpConfig sack(final boolean sack)
    {
        this.sack = sack;
        return this;
    }

    public boolean sack()
    {
        return sack;
    }

    public TcpConfig minRtoNs(final long minRtoNs)
    {
        this.minRtoNs = minRtoNs;
        return this;
    }

    public long minRtoNs()
    {
        return minRtoNs;
    }

    public TcpConfig maxRtoNs(final long maxRtoNs)
    {
        this.maxRtoNs = maxRtoNs;
        return this;
    }

    public long maxRtoNs()
    {
        return maxRtoNs;
    }

    /** The RTO before any RTT sample (SYNs and the first data). */
    public TcpConfig initialRtoNs(final long initialRtoNs)
    {
        this.initialRtoNs = initialRtoNs;
        return this;
    }

    public long initialRtoNs()
    {
        return initialRtoNs;
    }

    /** Retransmissions of one segment before the connection is given up as TIMED_OUT. */
    public TcpConfig maxRetransmissions(final int maxRetransmissions)
    {
        this.maxRetransmissions = requireRange("maxRetransmissions", maxRetransmissions, 1, 100);
        return this;
    }

    public int maxRetransmissions()
    {
        return maxRetransmissions;
    }

    public TcpConfig maxSynRetransmissions(final int maxSynRetransmissions)
    {
        this.maxSynRetransmissions = requireRange("maxSynRetransmissions", maxSynRetransmissions, 0, 100);
        return this;
    }

    public int maxSynRetransmissions()
    {
        return maxSynRetransmissions;
    }

    /** RFC 1122 4.2.3.6 keep-alives: off unless asked for. */
    public TcpConfig keepAlive(final boolean keepAlive)
    {
        this.keepAlive = keepAlive;
        return this;
    }

    public boolean keepAlive()
    {
        return keepAlive;
    }

    public TcpConfig keepAliveIdleNs(final long keepAliveIdleNs)
    {
        this.keepAliveIdleNs = keepAliveIdleNs;
        return this;
    }

    public long keepAliveIdleNs()
    {
        return keepAliveIdleNs;
    }

    public TcpConfig keepAliveIntervalNs(final long keepAliveIntervalNs)
    {
        this.keepAliveIntervalNs = keepAliveIntervalNs;
        return this;
    }

    public long keepAliveIntervalNs()
    {
        return keepAliveIntervalNs;
    }

    /** Unanswered keep-alive probes before the connection is given up as TIMED_OUT. */
    public TcpConfig keepAliveProbes(final int keepAliveProbes)
    {
        this.keepAliveProbes = requireRange("keepAliveProbes", keepAliveProbes, 1, 1000);
        return this;
    }

    public int keepAliveProbes()
    {
        return keepAliveProbes;
    }

    /** TIME-WAIT's duration, 2 * MSL. */
    public TcpConfig timeWaitNs(final long timeWaitNs)
    {
        this.timeWaitNs = timeWaitNs;
        return this;
    }

    public long timeWaitNs()
    {
        return timeWaitNs;
    }

    public TcpConfig initialWindowSegments(final int segments)
    {
        this.initialWindowSegments = requireRange("initialWindowSegments", segments, 1, 100);
        return this;
    }

    public int initialWindowSegments()
    {
        return initialWindowSegments;
    }

    /** RFC 5961 section 7: the most challenge ACKs sent per second, stack-wide. */
    public TcpConfig challengeAcksPerSecond(final int challengeAcksPerSecond)
    {
        this.challengeAcksPerSecond = requireRange("challengeAcksPerSecond", challengeAcksPerSecond, 0, 1 << 30);
        return this;
    }

    public int challengeAcksPerSecond()
    {
        return challengeAcksPerSecond;
    }

    /** Active opens take local ports from here up to 65535 (RFC 6335 dynamic range by default). */
    public TcpConfig firstEphemeralPort(final int port)
    {
        this.firstEphemeralPort = requireRange("firstEphemeralPort", port, 1024, 65535);
        return this;
    }

    public int firstEphemeralPort()
    {
        return firstEphemeralPort;
    }

    /**
     * Seed of the ISN and SYN-cookie secret; 0 (the default) draws it from a secure random source.
     * Tests fix it so that runs repeat.
     */
    public TcpConfig isnSecretSeed(final long seed)
    {
        this.isnSecretSeed = seed;
        return this;
    }

    public long isnSecretSeed()
    {
        return isnSecretSeed;
    }

    /**
     * @return the window shift that lets a 16-bit window cover the receive buffer (RFC 7323 2.2).
     */
    public int receiveWindowScale()
    {
        int shift = 0;
        while (shift < TcpOptions.MAX_WINDOW_SCALE && (receiveBufferBytes >>> shift) > 0xFFFF)
        {
            shift++;
        }
        return shift;
    }

    private static int requireRange(final String name, final int value, final int min, final int max)
    {
        if (value < min || value > max)
        {
            throw new IllegalArgumentException(
                name + " is " + value + "; give a value from " + min + " to " + max + ".");
        }
        return value;
    }
}
