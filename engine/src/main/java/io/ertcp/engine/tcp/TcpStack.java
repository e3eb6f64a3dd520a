package io.ertcp.engine.tcp;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.Checksums;
import io.ertcp.engine.net.Ipv4Handler;
import io.ertcp.engine.net.Ipv4Output;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.SplittableRandom;

import static io.ertcp.engine.tcp.TcpHeaderFlyweight.ACK;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.FIN;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.RST;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.SYN;

/**
 * Why one class of about 1,000 lines: demultiplexing, the listeners with their SYN cookies, {@link #restore}, the
 * duty cycle and the writing of every segment all read and change the same stack-wide state, the connection table
 * with its index by id, the pool, the timer heap, the pending list, the IPv4 output and the counters. A connection
 * is in the table, the index and (until it is released) the timer heap, or in the pool and none of them
 * ({@code allocate} and {@code release} keep that in one place); split by path, each part would need all of that
 * state. The longest single part is {@link #restore}, its contract and its validation (about 130 lines).
 * <p>
 * The TCP layer of one node: demultiplexes the IPv4 layer's TCP datagrams to connections by
 * 4-tuple, to listeners, or answers them with RSTs (RFC 9293 3.10.7.1); opens connections
 * passively and actively; runs the connections' timers and sends what they have pending in
 * {@link #doWork}. Every malformed or unacceptable segment is counted in a {@link TcpCounters}
 * drop counter and dropped; none raises an exception.
 * <p>
 * Single-threaded: everything runs on the stack's duty cycle. Connections are pooled and their
 * buffers allocated once per pooled connection, so that the steady state allocates nothing.
 * Replication plugs in through the {@link ReplicationSeam} it is built with, and only there.
 */
public final class TcpStack implements Ipv4Handler
{
    private static final int MAX_LISTENERS = 64;

    private final TcpConfig config;
    private final Ipv4Output output;
    private final TcpCounters counters;
    private final ReplicationSeam replication;
    private final IsnGenerator isns;
    private final SynCookies synCookies;
    private final ConnectionTable table;
    /** The same connections by {@link Connection#id()}, for the replication seams. */
    private final Long2ObjectHashMap<TcpConnection> byId;
    private final TimerHeap timers;
    private final TcpListener[] listeners = new TcpListener[MAX_LISTENERS];
    private int listenerCount;

    /** Pooled connections not in use; connections are created lazily up to the maximum. */
    private final TcpConnection[] pool;
    private int pooled;
    private int created;
    /** {@link #reserve} met the off-heap limit: it builds no more. */
    private boolean reserveRefused;
    /** Connections an open had to build (no pooled one was ready): each allocated its buffers on the duty cycle. */
    private long builtOnOpen;

    /** Connections with something to send; each appears once, guarded by its pending flag. */
    private final TcpConnection[] pendingList;
    private int pendingCount;

    private final TcpHeaderFlyweight header = new TcpHeaderFlyweight();
    private final TcpHeaderFlyweight outHeader = new TcpHeaderFlyweight();
    private final TcpOptions options = new TcpOptions();

    /** Tests fix the next ISN instead of RFC 6528's; a takeover gives the logged ISN to {@link #restore}. */
    private boolean fixedIsn;
    private int nextIsn;
    private long nextConnectionId = 1;
    private int nextEphemeralPort;
    private long lastNowNs;
    private long challengeWindowStartNs;
    private int challengeAcksInWindow;
    /**
     * Added to nowNs / 1_000_000 to give {@link #timestampClockMs}; only ever grows, so that no
     * connection's TSvals go backwards.
     */
    private long timestampShiftMs;

    public TcpStack(final TcpConfig config, final Ipv4Output output, final Counters counters)
    {
        this(config, output, counters, ReplicationSeam.NONE);
    }

    /**
     * @param replication how far received data may be acknowledged (replication's durability rule), told of opens,
     *                    peer ACKs and closes (replication's records); {@link ReplicationSeam#NONE} for a plain stack.
     */
    public TcpStack(
        final TcpConfig config,
        final Ipv4Output output,
        final Counters counters,
        final ReplicationSeam replication)
    {
        this.config = config;
        this.output = output;
        this.counters = new TcpCounters(counters);
        this.replication = replication;
        final long seed = config.isnSecretSeed();
        final long k0;
        final long k1;
        if (seed == 0)
        {
            final SecureRandom random = new SecureRandom();
            k0 = random.nextLong();
            k1 = random.nextLong();
        }
        else
        {
            final SplittableRandom random = new SplittableRandom(seed);
            k0 = random.nextLong();
            k1 = random.nextLong();
        }
        isns = new IsnGenerator(k0, k1);
        synCookies = new SynCookies(new IsnGenerator(k1 ^ 0x5DEECE66DL, k0 + 0xB));
        table = new ConnectionTable(config.maxConnections());
        timers = new TimerHeap(config.maxConnections());
        byId = new Long2ObjectHashMap<>(Math.max(8, config.maxConnections() * 2), 0.65f);
        pool = new TcpConnection[config.maxConnections()];
        pendingList = new TcpConnection[config.maxConnections()];
        nextEphemeralPort = config.firstEphemeralPort();
    }

    public String roleName()
    {
        return "tcp-stack";
    }

    public TcpConfig config()
    {
        return config;
    }

    public TcpCounters counters()
    {
        return counters;
    }

    /**
     * @return connections in the table, in every state from SYN-SENT to TIME-WAIT.
     */
    public int connectionCount()
    {
        return table.size();
    }

    /**
     * @return the connection with this 4-tuple, or null.
     */
    public TcpConnection connection(final int localIp, final int localPort, final int remoteIp, final int remotePort)
    {
        return table.get(localIp, localPort, remoteIp, remotePort);
    }

    /**
     * Accept connections to a port.
     *
     * @param localIp one of this host's addresses, or 0 for any.
     */
    public void listen(final int localIp, final int localPort, final TcpService service)
    {
        if (localPort <= 0 || localPort > 65535)
        {
            throw new IllegalArgumentException("port " + localPort + " is not a TCP port; give 1 to 65535.");
        }
        for (int i = 0; i < listenerCount; i++)
        {
            if (listeners[i].localIp == localIp && listeners[i].localPort == localPort)
            {
                throw new IllegalStateException("port " + localPort + " already has a listener; stop the other one first.");
            }
        }
        if (listenerCount == MAX_LISTENERS)
        {
            throw new IllegalStateException("at most " + MAX_LISTENERS + " listeners per stack.");
        }
        listeners[listenerCount++] = new TcpListener(localIp, localPort, service);
    }

    /**
     * Active open from an ephemeral port, at the time the stack last saw.
     *
     * @return the connection, in SYN-SENT; its service hears onOpen or onClosed. Null when the
     * connection table is full or no ephemeral port is free.
     */
    public Connection connect(final int localIp, final int remoteIp, final int remotePort, final TcpService service)
    {
        return connect(localIp, remoteIp, remotePort, service, lastNowNs);
    }

    /**
     * Active open at a given time.
     */
    public Connection connect(
        final int localIp, final int remoteIp, final int remotePort, final TcpService service, final long nowNs)
    {
        lastNowNs = nowNs;
        final int range = 65536 - config.firstEphemeralPort();
        for (int attempt = 0; attempt < range; attempt++)
        {
            final int port = nextEphemeralPort;
            nextEphemeralPort = port == 65535 ? config.firstEphemeralPort() : port + 1;
            if (table.get(localIp, port, remoteIp, remotePort) == null)
            {
                final TcpConnection connection = allocate(localIp, port, remoteIp, remotePort, service, null, nowNs);
                if (connection == null)
                {
                    return null;
                }
                connection.openActive(nowNs);
                return connection;
            }
        }
        return null;
    }


    /**
     * Turn a replicated connection into a live one at takeover, on a node that never saw its
     * handshake. The connection is created in ESTABLISHED, or CLOSE-WAIT when
     * {@link ConnectionRestore#peerFinReceived()}, with:
     * <ul>
     *   <li>RCV.NXT = IRS + 1 + receivedBytes (+1 for the FIN) and SND.UNA = SND.NXT = ISS + 1 +
     *   acknowledgedBytes, an empty send buffer and an empty receive buffer;</li>
     *   <li>the options exactly as negotiated (MSS, both window scales, timestamps with TS.Recent,
     *   SACK), and the timestamp offset that follows from ISS, so that with
     *   {@link #advanceTimestampClock} its TSvals continue those of the old node;</li>
     *   <li>a send window of one MSS until the peer's first acceptable segment sets the real one,
     *   a fresh RTO estimate and a fresh congestion window (the initial window).</li>
     * </ul>
     * Neither {@link TcpService#onOpen} nor {@link ReplicationSeam#onOpen} is called: the
     * caller holds the application state. From here on the service hears the usual callbacks and
     * the seam the usual events, with stream offsets continuing from the restored ones.
     * <p>
     * The caller then writes the output the peer has not acknowledged with
     * {@link Connection#write}: it goes out from SND.UNA, which retransmits what the peer lacks.
     * The peer may in truth hold, and have acknowledged, more of it than acknowledgedBytes says
     * (the old primary died before it could replicate the peer's ACK): on a restored connection an
     * ACK beyond SND.NXT releases whatever of those bytes has been written, instead of being
     * dropped as RFC 9293 would for a connection that sent them itself.
     * {@link Connection#shutdownOutput} after the output queues the FIN. The next {@link #doWork} sends an ACK (as far as {@link ReplicationSeam#acknowledgeLimit} allows)
     * so the peer learns RCV.NXT, then {@link ConnectionRestore#duplicateAcks()} copies of it so
     * that the peer fast-retransmits what the old node never made durable.
     * <p>
     * With {@link ConnectionRestore#handshakeComplete()} false the connection is created in
     * SYN-RECEIVED instead (SND.UNA = ISS, RCV.NXT = IRS + 1) and sends its SYN-ACK again, once the
     * gate allows; the peer's ACK of ISS + 1 (or beyond: output the old node sent) makes it
     * ESTABLISHED, with no onOpen.
     *
     * @param spec    the connection's state; copied, not kept.
     * @param service the application that owns the connection from now on.
     * @param nowNs   the time now.
     * @return the connection; null when the connection table is full or no buffer memory is left,
     * as {@link #connect} reports it.
     * @throws IllegalArgumentException when the spec is not a possible connection state.
     * @throws IllegalStateException    when a connection with this 4-tuple is in the table.
     */
    public Connection restore(final ConnectionRestore spec, final TcpService service, final long nowNs)
    {
        validate(spec);
        lastNowNs = nowNs;
        final int localIp = spec.localIp();
        final int localPort = spec.localPort();
        final int remoteIp = spec.remoteIp();
        final int remotePort = spec.remotePort();
        if (table.get(localIp, localPort, remoteIp, remotePort) != null)
        {
            throw new IllegalStateException("connection " + address(localIp) + ':' + localPort + " -> " +
                address(remoteIp) + ':' + remotePort + " already exists; close it before restoring one over it.");
        }
        final TcpConnection connection = allocate(localIp, localPort, remoteIp, remotePort, service, null,
            spec.localIsn(), nowNs);
        if (connection == null)
        {
            return null;
        }
        connection.openRestored(spec, nowNs);
        reschedule(connection);
        return connection;
    }

    /**
     * Hand a {@link #restore restored} connection bytes its peer sent past the restored receive point that reached
     * this node another way (an ST-TCP backup tapped them off the LAN), as if they had just arrived in order: they
     * go to the service and are acknowledged, and the peer's retransmission of them is a duplicate.
     *
     * @return the bytes taken: at most what the receive window holds, 0 for a connection not established.
     */
    public int receiveRecovered(
        final Connection connection, final DirectBuffer buffer, final int offset, final int length, final long nowNs)
    {
        lastNowNs = nowNs;
        return ((TcpConnection)connection).receiveRecovered(buffer, offset, length, nowNs);
    }

    private static void validate(final ConnectionRestore spec)
    {
        if (spec.localPort() <= 0 || spec.localPort() > 65535 || spec.remotePort() <= 0 || spec.remotePort() > 65535)
        {
            throw new IllegalArgumentException("ports " + spec.localPort() + " and " + spec.remotePort() +
                " must both be TCP ports, 1 to 65535.");
        }
        if (spec.sendMss() <= 0)
        {
            throw new IllegalArgumentException("sendMss " + spec.sendMss() + " must be positive; give the MSS " +
                "the connection's OPEN record holds.");
        }
        if ((spec.sendWindowScale() < 0) != (spec.receiveWindowScale() < 0) ||
            spec.sendWindowScale() > TcpOptions.MAX_WINDOW_SCALE || spec.receiveWindowScale() > TcpOptions.MAX_WINDOW_SCALE ||
            spec.sendWindowScale() < -1 || spec.receiveWindowScale() < -1)
        {
            throw new IllegalArgumentException("window scales " + spec.sendWindowScale() + " and " +
                spec.receiveWindowScale() + " must both be -1 (not in use) or both 0 to " +
                TcpOptions.MAX_WINDOW_SCALE + ".");
        }
        if (spec.receivedBytes() < 0 || spec.acknowledgedBytes() < 0)
        {
            throw new IllegalArgumentException("receivedBytes " + spec.receivedBytes() + " and acknowledgedBytes " +
                spec.acknowledgedBytes() + " are stream offsets and cannot be negative.");
        }
        if (!spec.handshakeComplete() &&
            (spec.receivedBytes() != 0 || spec.acknowledgedBytes() != 0 || spec.peerFinReceived()))
        {
            throw new IllegalArgumentException("a connection whose handshake is not complete has no data, " +
                "acknowledgements or FIN; give handshakeComplete(true) with receivedBytes " + spec.receivedBytes() +
                ", acknowledgedBytes " + spec.acknowledgedBytes() + ", peerFinReceived " + spec.peerFinReceived() + ".");
        }
        if (spec.duplicateAcks() < 0 || spec.duplicateAcks() > 16)
        {
            throw new IllegalArgumentException("duplicateAcks " + spec.duplicateAcks() + " must be 0 to 16.");
        }
    }

    private static String address(final int ip)
    {
        return (ip >>> 24) + "." + ((ip >>> 16) & 0xFF) + "." + ((ip >>> 8) & 0xFF) + "." + (ip & 0xFF);
    }

    /**
     * The millisecond clock every connection's RFC 7323 TSval is built on (TSval = this clock plus
     * the connection's offset, which follows from its ISS): {@code nowNs / 1_000_000} plus a shift
     * that {@link #advanceTimestampClock} raises. Wraps like TSvals do, modulo 2^32.
     *
     * @param nowNs the time now.
     * @return the clock in milliseconds, modulo 2^32.
     */
    public int timestampClockMs(final long nowNs)
    {
        return (int)(nowNs / 1_000_000L + timestampShiftMs);
    }

    /**
     * Raise the timestamp clock so that {@link #timestampClockMs}(nowNs) is at least
     * {@code atLeastMs}; never lower it. The comparison is RFC 7323's, modulo 2^32: a value up to
     * 2^31 - 1 ms ahead of the clock raises it, any other value leaves it as it is.
     * <p>
     * A new primary calls this at takeover, before it restores connections, with its estimate of
     * the old primary's clock (the highest clock the old primary can have used, plus a margin),
     * so that the restored connections' TSvals never go backwards for their peers, whose PAWS
     * check (RFC 7323 5.3) would otherwise drop every segment. Connections already open on this
     * node see their clock jump forward once, which RFC 7323 allows.
     *
     * @param atLeastMs the clock value, in milliseconds, the clock must reach.
     * @param nowNs     the time now.
     */
    public void advanceTimestampClock(final long atLeastMs, final long nowNs)
    {
        final int behind = (int)atLeastMs - timestampClockMs(nowNs);
        if (behind > 0)
        {
            timestampShiftMs += behind;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Ingress
    // ------------------------------------------------------------------------------------------

    public void onDatagram(
        final int sourceIp,
        final int destinationIp,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long nowNs)
    {
        lastNowNs = nowNs;
        counters.segmentsReceived.incrementRelease();
        if (length < TcpHeaderFlyweight.MIN_HEADER_LENGTH)
        {
            counters.dropMalformedHeader.incrementRelease();
            return;
        }
        header.wrap(buffer, offset);
        final int headerLength = header.headerLength();
        if (headerLength < TcpHeaderFlyweight.MIN_HEADER_LENGTH || headerLength > length)
        {
            counters.dropMalformedHeader.incrementRelease();
            return;
        }
        final int flags = header.flags();
        if ((flags & (SYN | FIN)) == (SYN | FIN))
        {
            counters.dropSynFin.incrementRelease();
            return;
        }
        if ((flags & (SYN | RST)) == (SYN | RST) || header.sourcePort() == 0 || header.destinationPort() == 0)
        {
            counters.dropMalformedHeader.incrementRelease();
            return;
        }
        if (!options.parse(buffer, offset + TcpHeaderFlyweight.OPTIONS_OFFSET,
            headerLength - TcpHeaderFlyweight.MIN_HEADER_LENGTH))
        {
            counters.dropMalformedOptions.incrementRelease();
            return;
        }

        final int localPort = header.destinationPort();
        final int remotePort = header.sourcePort();
        final int payloadOffset = offset + headerLength;
        final int payloadLength = length - headerLength;
        final TcpConnection connection = table.get(destinationIp, localPort, sourceIp, remotePort);
        if (connection != null)
        {
            connection.onSegment(header, options, buffer, payloadOffset, payloadLength, nowNs);
            if (connection.state != TcpState.FREE)
            {
                reschedule(connection);
            }
            return;
        }

        final TcpListener listener = findListener(destinationIp, localPort);
        if (listener == null)
        {
            counters.dropNoConnection.incrementRelease();
            replyReset(destinationIp, sourceIp, flags, payloadLength);
            return;
        }
        onListenerSegment(listener, sourceIp, destinationIp, flags, payloadOffset, payloadLength, buffer, nowNs);
    }

    /**
     * RFC 9293 3.10.7.2, LISTEN, with SYN cookies (RFC 4987 3.6) when the backlog is full.
     */
    private void onListenerSegment(
        final TcpListener listener,
        final int remoteIp,
        final int localIp,
        final int flags,
        final int payloadOffset,
        final int payloadLength,
        final DirectBuffer buffer,
        final long nowNs)
    {
        final int localPort = header.destinationPort();
        final int remotePort = header.sourcePort();
        final int seq = header.sequence();
        if ((flags & RST) != 0)
        {
            counters.dropNoConnection.incrementRelease();
            return;
        }
        if ((flags & ACK) != 0)
        {
            if ((flags & SYN) == 0 && config.synCookies())
            {
                final int mss = synCookies.check(localIp, localPort, remoteIp, remotePort, seq - 1,
                    header.acknowledgment() - 1, nowNs);
                if (mss > 0)
                {
                    final TcpConnection connection = allocate(localIp, localPort, remoteIp, remotePort,
                        listener.service, null, nowNs);
                    if (connection == null)
                    {
                        counters.dropTableFull.incrementRelease();
                        return;
                    }
                    counters.synCookiesAccepted.incrementRelease();
                    connection.reset(connection.id(), localIp, localPort, remoteIp, remotePort, listener.service,
                        null, header.acknowledgment() - 1, nowNs);
                    connection.openFromCookie(seq - 1, mss, nowNs);
                    connection.onSegment(header, options, buffer, payloadOffset, payloadLength, nowNs);
                    if (connection.state != TcpState.FREE)
                    {
                        reschedule(connection);
                    }
                    return;
                }
                counters.dropBadCookie.incrementRelease();
            }
            else
            {
                counters.dropBadAck.incrementRelease();
            }
            sendReset(localIp, localPort, remoteIp, remotePort, header.acknowledgment(), 0, false);
            return;
        }
        if ((flags & SYN) == 0)
        {
            counters.dropNoAckFlag.incrementRelease();
            return;
        }

        if (listener.synReceived >= config.synBacklog())
        {
            if (config.synCookies())
            {
                sendCookieSynAck(localIp, localPort, remoteIp, remotePort, seq, nowNs);
            }
            else
            {
                counters.dropSynBacklogFull.incrementRelease();
            }
            return;
        }
        final TcpConnection connection = allocate(localIp, localPort, remoteIp, remotePort, listener.service,
            listener, nowNs);
        if (connection == null)
        {
            counters.dropTableFull.incrementRelease();
            return;
        }
        listener.synReceived++;
        connection.openPassive(seq, header.window(), options, nowNs);
        reschedule(connection);
    }

    private TcpListener findListener(final int localIp, final int localPort)
    {
        TcpListener wildcard = null;
        for (int i = 0; i < listenerCount; i++)
        {
            final TcpListener listener = listeners[i];
            if (listener.localPort == localPort)
            {
                if (listener.localIp == localIp)
                {
                    return listener;
                }
                if (listener.localIp == 0)
                {
                    wildcard = listener;
                }
            }
        }
        return wildcard;
    }

    // ------------------------------------------------------------------------------------------
    // Duty cycle
    // ------------------------------------------------------------------------------------------

    /**
     * Run the timers that are due and send what connections have pending.
     *
     * @return work done: timers run plus connections dispatched.
     */
    public int doWork(final long nowNs)
    {
        lastNowNs = nowNs;
        int work = 0;
        while (timers.size() > 0 && (timers.earliestNs() - nowNs) <= 0)
        {
            final TcpConnection connection = timers.earliest();
            timers.schedule(connection, Long.MAX_VALUE);
            connection.onTimers(nowNs);
            if (connection.state != TcpState.FREE)
            {
                reschedule(connection);
            }
            work++;
        }
        // Connections marked pending while this loop runs (output blocked) wait for the next pass.
        final int count = pendingCount;
        for (int i = 0; i < count; i++)
        {
            final TcpConnection connection = pendingList[i];
            pendingList[i] = null;
            connection.pending = false;
            if (connection.state != TcpState.FREE)
            {
                connection.dispatch(nowNs);
                if (connection.state != TcpState.FREE)
                {
                    reschedule(connection);
                }
                work++;
            }
        }
        final int later = pendingCount - count;
        if (later > 0)
        {
            System.arraycopy(pendingList, count, pendingList, 0, later);
            java.util.Arrays.fill(pendingList, later, pendingCount, null);
        }
        pendingCount = later;
        return work;
    }

    /**
     * @return when {@link #doWork} next has something to do: the time last seen when output is
     * pending, else the earliest timer, else Long.MAX_VALUE.
     */
    public long nextDeadlineNs()
    {
        return pendingCount > 0 ? lastNowNs : timers.earliestNs();
    }

    /**
     * {@link ReplicationSeam#acknowledgeLimit} moved for a connection: send the ACK it now allows, or the SYN-ACK a
     * connection in SYN-RECEIVED held while the gate was below 0.
     */
    public void receiveGateAdvanced(final long connectionId)
    {
        final TcpConnection connection = byId.get(connectionId);
        if (connection != null)
        {
            if (connection.state.isSynchronized())
            {
                connection.ackNow = true;
                markPending(connection);
            }
            else if (connection.state == TcpState.SYN_RECEIVED)
            {
                markPending(connection);
            }
        }
    }

    /**
     * Offer a connection's unconsumed received bytes to its service again, now: for a service that
     * refused bytes for a reason other than send buffer space (replication waiting for its log to
     * drain), which the stack cannot see.
     */
    public void redeliver(final long connectionId)
    {
        final TcpConnection connection = byId.get(connectionId);
        if (connection != null)
        {
            connection.offer();
        }
    }

    /**
     * Use this ISN for connections opened from now on, instead of RFC 6528's. For tests.
     */
    void fixIsn(final int isn)
    {
        fixedIsn = true;
        nextIsn = isn;
    }

    // ------------------------------------------------------------------------------------------
    // For connections
    // ------------------------------------------------------------------------------------------

    ReplicationSeam replication()
    {
        return replication;
    }

    long lastNowNs()
    {
        return lastNowNs;
    }

    void markPending(final TcpConnection connection)
    {
        if (!connection.pending)
        {
            connection.pending = true;
            pendingList[pendingCount++] = connection;
        }
    }

    void reschedule(final TcpConnection connection)
    {
        timers.schedule(connection, connection.nextDeadlineNs());
    }

    /**
     * RFC 5961 section 7: a stack-wide budget of challenge ACKs per second.
     */
    boolean allowChallengeAck(final long nowNs)
    {
        if (nowNs - challengeWindowStartNs >= 1_000_000_000L)
        {
            challengeWindowStartNs = nowNs;
            challengeAcksInWindow = 0;
        }
        if (challengeAcksInWindow >= config.challengeAcksPerSecond())
        {
            return false;
        }
        challengeAcksInWindow++;
        return true;
    }

    private TcpConnection allocate(
        final int localIp,
        final int localPort,
        final int remoteIp,
        final int remotePort,
        final TcpService service,
        final TcpListener listener,
        final long nowNs)
    {
        final int iss = fixedIsn ? nextIsn : isns.isn(localIp, localPort, remoteIp, remotePort, nowNs);
        return allocate(localIp, localPort, remoteIp, remotePort, service, listener, iss, nowNs);
    }

    private TcpConnection allocate(
        final int localIp,
        final int localPort,
        final int remoteIp,
        final int remotePort,
        final TcpService service,
        final TcpListener listener,
        final int iss,
        final long nowNs)
    {
        TcpConnection connection;
        if (pooled > 0)
        {
            connection = pool[--pooled];
            pool[pooled] = null;
        }
        else if (null == (connection = create()))
        {
            return null;
        }
        else
        {
            builtOnOpen++;
        }
        connection.reset(nextConnectionId++, localIp, localPort, remoteIp, remotePort, service, listener, iss, nowNs);
        table.put(connection);
        byId.put(connection.id(), connection);
        return connection;
    }

    /**
     * A new connection with its buffers, not in the table, or null when the table's maximum is reached or the
     * off-heap limit (then the caller refuses the connection as if the table were full, and the stack keeps serving
     * the ones that have their buffers).
     */
    private TcpConnection create()
    {
        if (created >= config.maxConnections())
        {
            return null;
        }
        final UnsafeBuffer memory;
        try
        {
            memory = new UnsafeBuffer(ByteBuffer.allocateDirect(config.sendBufferBytes() + config.receiveBufferBytes()));
        }
        catch (final OutOfMemoryError ex)
        {
            return null;
        }
        created++;
        return new TcpConnection(this, config, counters, memory);
    }

    /**
     * Build connections ahead, with their buffers (allocated and zeroed, so their pages are in memory) and what a
     * takeover adds to one, until {@code connections} exist or the table's maximum: at most one per call, so that a
     * caller on a duty cycle spreads the cost. A standby primary's stack calls this as its backup follows the log
     * (docs/architecture.md rule 5), so that a takeover restores connections into memory that is ready, instead of
     * allocating a connection's buffers while its client waits; a node with {@code tcp.spare-connections} calls it
     * in idle duty cycles with the connections in use plus that many, so that a storm of opens takes pooled ones
     * (docs/architecture.md "Threading"). Never more than the table's maximum, the most an active stack would build
     * for itself, and never when the buffers would leave less than as much again below the off-heap limit
     * ({@link DirectMemory}): what is left stays for connections, refused as before when it runs out.
     *
     * @return 1 when a connection was built, else 0 (enough exist, the maximum is reached, or no off-heap memory is
     * left: the takeover then builds what it can, as any new connection would). After the off-heap limit refused
     * one, no more are built ahead: the JVM tries for about half a second before it refuses, each time.
     */
    public int reserve(final int connections)
    {
        if (reserveRefused || created >= Math.min(connections, config.maxConnections()) ||
            !DirectMemory.roomFor((long)config.sendBufferBytes() + config.receiveBufferBytes()))
        {
            return 0;
        }
        final TcpConnection connection = create();
        if (null == connection)
        {
            reserveRefused = true;
            return 0;
        }
        connection.prepareTakeover();
        pool[pooled++] = connection;
        return 1;
    }

    /**
     * @return connections built, in use or pooled.
     */
    public int connectionsBuilt()
    {
        return created;
    }

    /**
     * @return connections built and ready in the pool: as many opens take no allocation.
     */
    public int connectionsPooled()
    {
        return pooled;
    }

    /**
     * @return connections an open (or a restore) had to build for want of a pooled one, buffers allocated then.
     */
    public long connectionsBuiltOnOpen()
    {
        return builtOnOpen;
    }

    /**
     * The connection is over: out of the table and timers, back to the pool.
     */
    void release(final TcpConnection connection)
    {
        table.remove(connection);
        byId.remove(connection.id());
        timers.schedule(connection, Long.MAX_VALUE);
        connection.state = TcpState.FREE;
        pool[pooled++] = connection;
    }

    // ------------------------------------------------------------------------------------------
    // Egress
    // ------------------------------------------------------------------------------------------

    /**
     * Write one segment of a connection straight into the IPv4 output: header, options (SYN
     * options, timestamps, SACK blocks), payload copied from the send buffer.
     *
     * @param dataFrom offset of the payload in the send buffer, relative to SND.UNA.
     * @return payload bytes sent, which options may have made fewer than asked (a FIN then stays
     * behind), or -1 when the output could not take the segment now.
     */
    int sendSegment(
        final TcpConnection c, final int seq, final int flags, final int dataFrom, final int dataLength, final long nowNs)
    {
        final boolean syn = (flags & SYN) != 0;
        final boolean activeSyn = syn && (flags & ACK) == 0;
        final boolean windowScale = activeSyn ? config.windowScaling() : c.windowScaling;
        final boolean timestamps = activeSyn ? config.timestamps() : c.timestamps;
        final boolean sack = activeSyn ? config.sack() : c.sackPermitted;

        int optionsLength;
        int sackBlocks = 0;
        if (syn)
        {
            optionsLength = TcpOptions.synLength(windowScale, sack, timestamps);
        }
        else
        {
            optionsLength = timestamps ? TcpOptions.ALIGNED_TIMESTAMPS_LENGTH : 0;
            if (sack)
            {
                final int room = (TcpHeaderFlyweight.MAX_OPTIONS_LENGTH - optionsLength - 4) / 8;
                sackBlocks = c.sackBlocks(Math.min(room, TcpOptions.MAX_SACK_BLOCKS));
                optionsLength += sackBlocks > 0 ? 4 + 8 * sackBlocks : 0;
            }
        }
        // RFC 6691: options come out of the MSS, so a SACK-laden data segment carries less.
        final int maxPayload = Math.min(config.mss(), c.peerMss) - optionsLength;
        final int payload = Math.min(dataLength, Math.max(0, maxPayload));
        int segmentFlags = flags;
        if (payload < dataLength)
        {
            segmentFlags &= ~FIN;
        }
        final int headerLength = TcpHeaderFlyweight.MIN_HEADER_LENGTH + optionsLength;
        final int offset = output.claim(c.localIp(), c.remoteIp(), Checksums.PROTOCOL_TCP, headerLength + payload);
        if (offset < 0)
        {
            counters.outputBlocked.incrementRelease();
            markPending(c);
            return -1;
        }
        final MutableDirectBuffer out = output.buffer();

        final int ackNumber = (segmentFlags & ACK) != 0 ? c.ackNumber() : 0;
        final int window;
        if (syn)
        {
            window = Math.min(c.receiveBuffer.free(), 0xFFFF);
        }
        else
        {
            window = Math.min(c.windowFrom(ackNumber) >> c.rcvWindowScale, 0xFFFF);
        }
        outHeader.wrap(out, offset).write(
            c.localPort(), c.remotePort(), seq, ackNumber, headerLength, segmentFlags, window);
        out.putShort(offset + TcpHeaderFlyweight.URGENT_POINTER_OFFSET, (short)0);

        final int optionsOffset = offset + TcpHeaderFlyweight.OPTIONS_OFFSET;
        if (syn)
        {
            TcpOptions.writeSyn(out, optionsOffset, config.mss(), windowScale ? c.rcvWindowScale : -1, sack,
                timestamps, c.tsClock(nowNs), activeSyn ? 0 : c.tsRecent);
        }
        else
        {
            int o = optionsOffset;
            if (timestamps)
            {
                o += TcpOptions.writeAlignedTimestamps(out, o, c.tsClock(nowNs), c.tsRecent);
            }
            TcpOptions.writeSack(out, o, c.sackEdges, sackBlocks);
        }
        if (payload > 0)
        {
            c.sendBuffer.copyTo(dataFrom, out, offset + headerLength, payload);
        }
        output.commit();
        counters.segmentsSent.incrementRelease();
        c.onSegmentSent(ackNumber, syn ? window : window << c.rcvWindowScale);
        return payload;
    }

    /**
     * RFC 9293 3.10.7.1: the reply to a segment for no connection.
     */
    private void replyReset(final int localIp, final int remoteIp, final int flags, final int payloadLength)
    {
        if ((flags & RST) != 0)
        {
            return;
        }
        if ((flags & ACK) != 0)
        {
            sendReset(localIp, header.destinationPort(), remoteIp, header.sourcePort(), header.acknowledgment(), 0, false);
        }
        else
        {
            final int ack = header.sequence() + TcpHeaderFlyweight.sequenceLength(flags, payloadLength);
            sendReset(localIp, header.destinationPort(), remoteIp, header.sourcePort(), 0, ack, true);
        }
    }

    /**
     * Send a bare RST (with ACK when {@code withAck}).
     */
    void sendReset(
        final int localIp,
        final int localPort,
        final int remoteIp,
        final int remotePort,
        final int seq,
        final int ack,
        final boolean withAck)
    {
        final int offset = output.claim(localIp, remoteIp, Checksums.PROTOCOL_TCP, TcpHeaderFlyweight.MIN_HEADER_LENGTH);
        if (offset < 0)
        {
            counters.outputBlocked.incrementRelease();
            return;
        }
        final MutableDirectBuffer out = output.buffer();
        outHeader.wrap(out, offset).write(localPort, remotePort, seq, withAck ? ack : 0,
            TcpHeaderFlyweight.MIN_HEADER_LENGTH, withAck ? RST | ACK : RST, 0);
        out.putShort(offset + TcpHeaderFlyweight.URGENT_POINTER_OFFSET, (short)0);
        output.commit();
        counters.segmentsSent.incrementRelease();
        counters.resetsSent.incrementRelease();
    }

    /**
     * A stateless SYN-ACK whose ISN is a cookie: MSS only, no window scaling, SACK or timestamps.
     */
    private void sendCookieSynAck(
        final int localIp, final int localPort, final int remoteIp, final int remotePort, final int remoteIsn,
        final long nowNs)
    {
        final int peerMss = options.mss > 0 ? options.mss : 536;
        final int cookie = synCookies.cookie(localIp, localPort, remoteIp, remotePort, remoteIsn, peerMss, nowNs);
        final int headerLength = TcpHeaderFlyweight.MIN_HEADER_LENGTH + TcpOptions.MSS_LENGTH;
        final int offset = output.claim(localIp, remoteIp, Checksums.PROTOCOL_TCP, headerLength);
        if (offset < 0)
        {
            counters.outputBlocked.incrementRelease();
            return;
        }
        final MutableDirectBuffer out = output.buffer();
        outHeader.wrap(out, offset).write(localPort, remotePort, cookie, remoteIsn + 1, headerLength, SYN | ACK,
            Math.min(config.receiveBufferBytes(), 0xFFFF));
        out.putShort(offset + TcpHeaderFlyweight.URGENT_POINTER_OFFSET, (short)0);
        final int o = offset + TcpHeaderFlyweight.OPTIONS_OFFSET;
        out.putByte(o, (byte)TcpOptions.KIND_MSS);
        out.putByte(o + 1, (byte)TcpOptions.MSS_LENGTH);
        out.putShort(o + 2, (short)config.mss(), java.nio.ByteOrder.BIG_ENDIAN);
        output.commit();
        counters.segmentsSent.incrementRelease();
        counters.synCookiesSent.incrementRelease();
    }
}
