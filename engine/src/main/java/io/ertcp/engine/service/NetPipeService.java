package io.ertcp.engine.service;

import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * The receiving side of NetPIPE's TCP module (netpipe-tcp 3.7.x, {@code NPtcp} started without
 * {@code -h}), so that an unmodified {@code NPtcp -h ADDRESS} measures this stack.
 * <p>
 * NetPIPE's TCP wire protocol, as its {@code netpipe.c} and {@code tcp.c} run it (T = the
 * transmitter, {@code NPtcp -h}; R = this receiver). Nothing is framed: each side knows what
 * comes next because both run the same loop from the same options.
 * <ol>
 * <li><b>Sync</b>: each side writes the 6 ASCII bytes {@code SyncMe} and reads 6, which must be
 * {@code SyncMe}. Here R answers T's {@code SyncMe} with its own.</li>
 * <li><b>Latency probe</b>: Sync; 100 ping-pongs of {@code lower} bytes (T sends a block, R sends
 * a block of the same length back); Sync.</li>
 * <li><b>Each data point</b>: Sync; T sends the repeat count {@code nrepeat} as 4 bytes,
 * big-endian unsigned (R sends nothing back; T derives it from its clock, R just obeys); then
 * {@code TRIALS} (3) times: Sync, and {@code nrepeat} ping-pongs of {@code bufflen} bytes.</li>
 * <li><b>Sizes</b>: {@code len} starts at {@code lower} (default 1) with {@code inc = lower > 1 ?
 * lower / 2 : 1} and {@code nq = lower > 1 ? 1 : 0}. For each {@code len}: if {@code nq > 2},
 * {@code inc} doubles when {@code nq} is odd; with perturbation {@code p} (default 3) and
 * {@code inc > p + 1} the points are {@code len - p, len, len + p}, otherwise just {@code len};
 * then {@code len += inc}, {@code nq++}. So 1, 2, 3, 4, 6, 8, 12, 13, 16, 19, 21, 24, 27, ...</li>
 * <li><b>End</b>: T stops when {@code len} passes its {@code -u} bound or a block took longer than
 * its stop time; where R expects a point's Sync, T's {@code CleanUp} instead writes the 5 bytes
 * {@code QUIT\0} and reads 5: R answers {@code QUIT\0} and closes. (A real R started without
 * {@code -u} would write {@code SyncMe} and fail its Sync; T completes either way.)</li>
 * </ol>
 * Block contents are not checked by T except with {@code -i}; in cache mode (the default) R's
 * block is the very buffer it just received, so echoing the bytes as they arrive sends exactly
 * what NPtcp's receiver sends, with no need to hold a whole block. With {@code -i} (integrity
 * check) T uses {@code lower = 5}, no perturbation and one trial per point; the receiver must be
 * told the same ({@link #NetPipeService(int, int, int)}), as a real receiver must be given the
 * same {@code -l}, {@code -p} and {@code -i} options as T.
 * <p>
 * Not supported: {@code -s} (streaming: R sends its measured time, which would make this service
 * depend on a clock), {@code -r} (T closes and reopens the connection, with a {@code QUIT}
 * exchange, after each trial: the run would span connections), {@code -2} (both sides transmit).
 */
public final class NetPipeService implements TcpService
{
    public static final int DEFAULT_PORT = 5002;
    public static final int DEFAULT_LOWER = 1;
    public static final int DEFAULT_PERTURBATION = 3;
    public static final int DEFAULT_TRIALS = 3;
    /** Ping-pongs in the latency probe that opens a run. */
    public static final int LATENCY_REPEATS = 100;

    static final byte[] SYNC = "SyncMe".getBytes(StandardCharsets.US_ASCII);
    static final byte[] QUIT = {'Q', 'U', 'I', 'T', 0};

    private static final int LATENCY_SYNC = 0;
    private static final int LATENCY_DATA = 1;
    private static final int LATENCY_END_SYNC = 2;
    private static final int POINT_SYNC = 3;
    private static final int REPEAT = 4;
    private static final int TRIAL_SYNC = 5;
    private static final int TRIAL_DATA = 6;
    private static final int DONE = 7;

    private final int lower;
    private final int perturbation;
    private final int trials;
    private final UnsafeBuffer syncReply = new UnsafeBuffer(SYNC);
    private final UnsafeBuffer quitReply = new UnsafeBuffer(QUIT);
    private final ArrayDeque<Session> pool = new ArrayDeque<>();

    /**
     * A receiver for a transmitter run with default options ({@code NPtcp -h host [-u N]}).
     */
    public NetPipeService()
    {
        this(DEFAULT_LOWER, DEFAULT_PERTURBATION, DEFAULT_TRIALS);
    }

    /**
     * @param lower        the transmitter's {@code -l} (5 with {@code -i}).
     * @param perturbation the transmitter's {@code -p} (0 with {@code -i}).
     * @param trials       3, or 1 with {@code -i}.
     */
    public NetPipeService(final int lower, final int perturbation, final int trials)
    {
        if (lower < 1 || perturbation < 0 || trials < 1)
        {
            throw new IllegalArgumentException(
                "NetPIPE needs a lower bound of at least 1 byte, a perturbation of at least 0 and at least 1 trial.");
        }
        this.lower = lower;
        this.perturbation = perturbation;
        this.trials = trials;
    }

    /**
     * Where one connection is in the run.
     */
    static final class Session
    {
        int step;
        /** Bytes of the Sync (or QUIT) string received so far. */
        final byte[] sync = new byte[SYNC.length];
        int syncLength;
        int repeatBytes;
        int nrepeat;
        int trial;
        /** Block bytes still to echo in this latency probe or trial. */
        long remaining;
        /** The size schedule, as netpipe.c's main loop keeps it. */
        int len;
        int inc;
        int nq;
        int pert;
        boolean perturbed;
        /** A reply (Sync or QUIT) the send buffer has not yet taken all of. */
        DirectBuffer reply;
        int replyOffset;
        int replyRemaining;
        boolean peerClosed;
        boolean outputShut;
    }

    public String name()
    {
        return "netpipe";
    }

    public void onOpen(final Connection connection)
    {
        Session session = pool.pollFirst();
        if (session == null)
        {
            session = new Session();
        }
        session.step = LATENCY_SYNC;
        session.syncLength = 0;
        session.repeatBytes = 0;
        session.nrepeat = 0;
        session.trial = 0;
        session.remaining = 0;
        session.len = lower;
        session.inc = lower > 1 ? lower / 2 : 1;
        session.nq = lower > 1 ? 1 : 0;
        beginPoint(session);
        session.reply = null;
        session.replyRemaining = 0;
        session.peerClosed = false;
        session.outputShut = false;
        connection.attachment(session);
    }

    /**
     * @return the block length of the current data point.
     */
    static int blockLength(final Session session)
    {
        return session.len + session.pert;
    }

    public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        final Session session = (Session)connection.attachment();
        int consumed = 0;
        while (consumed < length && flushReply(connection, session))
        {
            final int index = offset + consumed;
            final int available = length - consumed;
            switch (session.step)
            {
                case LATENCY_SYNC, LATENCY_END_SYNC, POINT_SYNC, TRIAL_SYNC ->
                    consumed += onSyncBytes(connection, session, buffer, index, available);

                case REPEAT ->
                {
                    final int take = Math.min(4 - session.repeatBytes, available);
                    for (int i = 0; i < take; i++)
                    {
                        session.nrepeat = (session.nrepeat << 8) | (buffer.getByte(index + i) & 0xFF);
                    }
                    session.repeatBytes += take;
                    consumed += take;
                    if (session.repeatBytes == 4)
                    {
                        session.trial = 0;
                        session.step = TRIAL_SYNC;
                    }
                }

                case LATENCY_DATA, TRIAL_DATA ->
                {
                    final int offered = (int)Math.min(session.remaining, available);
                    final int written = connection.write(buffer, index, offered);
                    consumed += written;
                    session.remaining -= written;
                    if (session.remaining == 0)
                    {
                        endOfBlocks(session);
                    }
                    if (written < offered)
                    {
                        return consumed; // the rest is offered again after onWritable
                    }
                }

                default -> consumed = length; // after QUIT, or after a protocol error: ignore
            }
        }
        return consumed;
    }

    public void onPeerClosed(final Connection connection)
    {
        final Session session = (Session)connection.attachment();
        session.peerClosed = true;
        session.step = DONE;
        finishIfDone(connection, session);
    }

    public void onWritable(final Connection connection)
    {
        final Session session = (Session)connection.attachment();
        if (flushReply(connection, session))
        {
            finishIfDone(connection, session);
        }
    }

    public void onClosed(final Connection connection, final CloseReason reason)
    {
        final Session session = (Session)connection.attachment();
        if (session != null)
        {
            connection.attachment(null);
            session.reply = null;
            pool.addFirst(session);
        }
    }

    private int onSyncBytes(
        final Connection connection, final Session session, final DirectBuffer buffer, final int index, final int available)
    {
        // Look at 5 bytes first: QUIT\0 is one shorter than SyncMe and nothing follows it.
        final int want = (session.syncLength < QUIT.length ? QUIT.length : SYNC.length) - session.syncLength;
        final int take = Math.min(want, available);
        buffer.getBytes(index, session.sync, session.syncLength, take);
        session.syncLength += take;

        if (session.syncLength == QUIT.length && matches(session.sync, QUIT, QUIT.length))
        {
            session.step = DONE;
            reply(connection, session, quitReply);
            finishIfDone(connection, session);
        }
        else if (session.syncLength == SYNC.length)
        {
            session.syncLength = 0;
            if (!matches(session.sync, SYNC, SYNC.length))
            {
                session.step = DONE;
                connection.abort(); // not NetPIPE, or options that do not match ours
                return available;
            }
            reply(connection, session, syncReply);
            afterSync(session);
        }
        return take;
    }

    private void afterSync(final Session session)
    {
        switch (session.step)
        {
            case LATENCY_SYNC ->
            {
                session.step = LATENCY_DATA;
                session.remaining = (long)LATENCY_REPEATS * lower;
            }
            case LATENCY_END_SYNC -> session.step = POINT_SYNC;
            case POINT_SYNC ->
            {
                session.step = REPEAT;
                session.repeatBytes = 0;
                session.nrepeat = 0;
            }
            case TRIAL_SYNC ->
            {
                session.step = TRIAL_DATA;
                session.remaining = (long)session.nrepeat * blockLength(session);
                if (session.remaining == 0)
                {
                    endOfBlocks(session);
                }
            }
            default -> throw new IllegalStateException("no Sync expected in step " + session.step);
        }
    }

    private void endOfBlocks(final Session session)
    {
        if (session.step == LATENCY_DATA)
        {
            session.step = LATENCY_END_SYNC;
        }
        else if (++session.trial < trials)
        {
            session.step = TRIAL_SYNC;
        }
        else
        {
            nextPoint(session);
            session.step = POINT_SYNC;
        }
    }

    /**
     * The start of netpipe.c's outer loop body: grow the increment, choose the perturbations.
     */
    private void beginPoint(final Session session)
    {
        if (session.nq > 2)
        {
            session.inc = (session.nq % 2) != 0 ? session.inc + session.inc : session.inc;
        }
        session.perturbed = perturbation > 0 && session.inc > perturbation + 1;
        session.pert = session.perturbed ? -perturbation : 0;
    }

    private void nextPoint(final Session session)
    {
        session.pert += session.perturbed ? perturbation : perturbation + 1;
        if (session.pert > perturbation)
        {
            session.len += session.inc;
            session.nq++;
            beginPoint(session);
        }
    }

    private static void reply(final Connection connection, final Session session, final DirectBuffer reply)
    {
        session.reply = reply;
        session.replyOffset = 0;
        session.replyRemaining = reply.capacity();
        flushReply(connection, session);
    }

    private static boolean flushReply(final Connection connection, final Session session)
    {
        if (session.replyRemaining > 0)
        {
            final int written = connection.write(session.reply, session.replyOffset, session.replyRemaining);
            session.replyOffset += written;
            session.replyRemaining -= written;
        }
        return session.replyRemaining == 0;
    }

    private static void finishIfDone(final Connection connection, final Session session)
    {
        if (session.step == DONE && session.replyRemaining == 0 && !session.outputShut)
        {
            session.outputShut = true;
            connection.shutdownOutput();
        }
    }

    private static boolean matches(final byte[] received, final byte[] expected, final int length)
    {
        for (int i = 0; i < length; i++)
        {
            if (received[i] != expected[i])
            {
                return false;
            }
        }
        return true;
    }
}
