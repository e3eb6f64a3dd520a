package io.ertcp.engine.service;

import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.SnapshotInput;
import io.ertcp.service.SnapshotOutput;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;

import java.util.ArrayDeque;

/**
 * The connection handling that HTTP and RESP share: bytes are consumed into a per-connection
 * {@link InputBuffer}, whole requests are answered in order into an {@link OutputQueue}, and input
 * stops being consumed while the send buffer is full, so a client that pipelines faster than it
 * reads is held back by TCP's window rather than by the service's memory.
 * <p>
 * Decisions are taken on the request bytes alone: a request is answered when it is whole, whatever
 * the split it came in; a close is decided by a request (or its absence at the peer's FIN, or an
 * idle timeout event), never by how much the send buffer took. Sessions are pooled: after warm-up,
 * opening and closing connections allocates nothing.
 *
 * @param <S> the per-connection state.
 */
abstract class RequestResponseService<S extends RequestResponseService.Session> implements TcpService
{
    /** Staged output above which the service flushes before parsing the next request. */
    static final int OUTPUT_HIGH_WATER = 64 * 1024;

    private final ArrayDeque<S> pool = new ArrayDeque<>();
    private final long idleTimeoutMs;

    /**
     * @param idleTimeoutMs how long a connection may stay without input before the service closes
     *                      it; 0 for never.
     */
    RequestResponseService(final long idleTimeoutMs)
    {
        this.idleTimeoutMs = idleTimeoutMs;
    }

    /**
     * Per-connection state; subclasses add their parser's.
     */
    static class Session
    {
        final InputBuffer input;
        final OutputQueue output;
        /** No further request is read: once the output drains, the sending side is shut. */
        boolean closeAfterFlush;
        boolean peerClosed;
        boolean timedOut;
        boolean outputShut;

        Session(final int initialInput, final int maxInput, final int initialOutput)
        {
            input = new InputBuffer(initialInput, maxInput);
            output = new OutputQueue(initialOutput);
        }

        void reset()
        {
            input.clear();
            output.clear();
            closeAfterFlush = false;
            peerClosed = false;
            timedOut = false;
            outputShut = false;
        }
    }

    protected abstract S newSession();

    /**
     * Answer the one request at the start of buffer[offset, offset + length) into the session's
     * output, or do nothing when it is not yet whole. May set {@link Session#closeAfterFlush}.
     *
     * @return the request's length in bytes, or 0 when more bytes are needed.
     */
    protected abstract int serve(Connection connection, S session, DirectBuffer buffer, int offset, int length);

    /**
     * The input holds as many bytes as a request may have and still no whole request: answer with
     * an error (the connection closes after it).
     */
    protected abstract void onRequestTooLong(Connection connection, S session);

    /**
     * A session built ahead while fewer than {@code spare} are pooled ({@link TcpService#prepareConnections}): the same
     * object {@link #onOpen} would build, so nothing a client sees depends on it.
     */
    public boolean prepareConnections(final int spare)
    {
        if (pool.size() >= spare)
        {
            return false;
        }
        pool.addLast(newSession());
        return true;
    }

    /**
     * @return sessions pooled, ready for an open.
     */
    int sessionsPooled()
    {
        return pool.size();
    }

    public void onOpen(final Connection connection)
    {
        S session = pool.pollFirst();
        if (session == null)
        {
            session = newSession();
        }
        session.reset();
        connection.attachment(session);
        scheduleIdle(connection);
    }

    @SuppressWarnings("unchecked")
    public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        final S session = (S)connection.attachment();
        if (session.closeAfterFlush || session.timedOut)
        {
            pump(connection, session);
            return length;
        }

        scheduleIdle(connection);
        int consumed = 0;
        while (pump(connection, session) && consumed < length)
        {
            consumed += session.input.append(buffer, offset + consumed, length - consumed);
        }
        return session.closeAfterFlush ? length : consumed;
    }

    @SuppressWarnings("unchecked")
    public void onPeerClosed(final Connection connection)
    {
        final S session = (S)connection.attachment();
        session.peerClosed = true;
        pump(connection, session);
    }

    @SuppressWarnings("unchecked")
    public void onWritable(final Connection connection)
    {
        pump(connection, (S)connection.attachment());
    }

    @SuppressWarnings("unchecked")
    public void onTimeout(final Connection connection)
    {
        final S session = (S)connection.attachment();
        if (session.outputShut)
        {
            connection.abort(); // the peer did not close after our FIN within another idle period
            return;
        }
        session.timedOut = true;
        pump(connection, session);
    }

    @SuppressWarnings("unchecked")
    public void onClosed(final Connection connection, final CloseReason reason)
    {
        final S session = (S)connection.attachment();
        if (session != null)
        {
            connection.attachment(null);
            session.reset();
            pool.addFirst(session);
        }
    }

    private static final int SESSION_PRESENT = 1;
    private static final int CLOSE_AFTER_FLUSH = 1 << 1;
    private static final int PEER_CLOSED = 1 << 2;
    private static final int TIMED_OUT = 1 << 3;
    private static final int OUTPUT_SHUT = 1 << 4;

    /**
     * A connection's session for a snapshot (docs/architecture.md "Snapshots"): its flags, the part of a request it
     * holds and the answers it holds back. A subclass's parser state lives only within one {@link #serve}, so this is
     * all of it.
     */
    @SuppressWarnings("unchecked")
    void writeSession(final Connection connection, final SnapshotOutput out)
    {
        final S session = (S)connection.attachment();
        if (null == session)
        {
            out.putInt(0);
            return;
        }
        out.putInt(SESSION_PRESENT | (session.closeAfterFlush ? CLOSE_AFTER_FLUSH : 0) |
            (session.peerClosed ? PEER_CLOSED : 0) | (session.timedOut ? TIMED_OUT : 0) |
            (session.outputShut ? OUTPUT_SHUT : 0));
        session.input.writeTo(out);
        session.output.writeTo(out);
    }

    /**
     * The session {@link #writeSession} wrote, attached to the connection rebuilt from a snapshot. Its idle timeout
     * comes back with the connection, so none is scheduled here.
     */
    void readSession(final Connection connection, final SnapshotInput in)
    {
        final int flags = in.getInt();
        if ((flags & SESSION_PRESENT) == 0)
        {
            return;
        }
        S session = pool.pollFirst();
        if (session == null)
        {
            session = newSession();
        }
        session.reset();
        session.closeAfterFlush = (flags & CLOSE_AFTER_FLUSH) != 0;
        session.peerClosed = (flags & PEER_CLOSED) != 0;
        session.timedOut = (flags & TIMED_OUT) != 0;
        session.outputShut = (flags & OUTPUT_SHUT) != 0;
        session.input.readFrom(in);
        session.output.readFrom(in);
        connection.attachment(session);
    }

    /**
     * Answer whole requests while the output flows.
     *
     * @return true when more input may be consumed now.
     */
    private boolean pump(final Connection connection, final S session)
    {
        final OutputQueue output = session.output;
        final InputBuffer input = session.input;
        while (!session.closeAfterFlush)
        {
            if ((output.hasBody() || output.pending() >= OUTPUT_HIGH_WATER) && !output.flush(connection))
            {
                return false;
            }

            final int used = input.length() == 0 ? 0 :
                serve(connection, session, input.buffer(), input.start(), input.length());
            if (used > 0)
            {
                input.discard(used);
            }
            else if (input.length() > 0 && input.free() == 0)
            {
                onRequestTooLong(connection, session);
                session.closeAfterFlush = true;
            }
            else
            {
                if (session.peerClosed || session.timedOut)
                {
                    session.closeAfterFlush = true; // no whole request left and none will come
                }
                break;
            }
        }

        final boolean drained = output.flush(connection);
        if (session.closeAfterFlush)
        {
            if (drained && !session.outputShut)
            {
                session.outputShut = true;
                connection.shutdownOutput();
                scheduleIdle(connection);
            }
            return false;
        }
        return drained;
    }

    private void scheduleIdle(final Connection connection)
    {
        if (idleTimeoutMs > 0)
        {
            connection.scheduleTimeout(idleTimeoutMs);
        }
    }
}
