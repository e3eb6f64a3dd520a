package io.ertcp.engine.cluster.management;

import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * The node's management endpoint: a small HTTP/1.1 server (GET and HEAD, one request per connection, then
 * {@code Connection: close}) on the node's own address, on a TCP stack of its own that nothing replicates. It serves
 * {@code /status} (JSON) and {@code /metrics} (Prometheus text), rendered on request by the node's duty cycle into the
 * connection's reused buffers; anything else is 404, other methods 405, a request head over 8 KiB 431.
 * <p>
 * Sessions are pooled, one per open connection (the stack holds few), so serving a page again allocates no buffer;
 * what the pages themselves allocate is bounded by the counters' and members' number.
 */
public final class ManagementEndpoint implements TcpService
{
    /** The management port when the cluster file gives none (docs/cluster-file.md, "management"). */
    public static final int DEFAULT_PORT = 9464;
    static final int MAX_REQUEST_HEAD = 8192;
    /** A connection that sends no whole request in this long is closed. */
    static final long IDLE_TIMEOUT_MS = 10_000;

    /** What the endpoint serves: the node renders each page. */
    public interface Pages
    {
        /** Render the node's status JSON into {@code out}. */
        void status(TextOut out);

        /** Render the node's metrics in the Prometheus text format into {@code out}. */
        void metrics(TextOut out);
    }

    private static final byte[] GET = ascii("GET ");
    private static final byte[] HEAD = ascii("HEAD ");

    private final Pages pages;
    private final ArrayDeque<Session> pool = new ArrayDeque<>();
    private long requests;

    public ManagementEndpoint(final Pages pages)
    {
        this.pages = pages;
    }

    /** Requests answered, whatever their status. */
    public long requests()
    {
        return requests;
    }

    public String name()
    {
        return "management";
    }

    private static final class Session
    {
        final UnsafeBuffer input = new UnsafeBuffer(new byte[MAX_REQUEST_HEAD]);
        final TextOut body = new TextOut(16 * 1024);
        final TextOut response = new TextOut(16 * 1024);
        int inputLength;
        int sent;
        boolean answered;
        boolean shut;

        void reset()
        {
            inputLength = 0;
            sent = 0;
            answered = false;
            shut = false;
            body.clear();
            response.clear();
        }
    }

    public void onOpen(final Connection connection)
    {
        Session session = pool.pollFirst();
        if (null == session)
        {
            session = new Session();
        }
        session.reset();
        connection.attachment(session);
        connection.scheduleTimeout(IDLE_TIMEOUT_MS);
    }

    public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        final Session session = (Session)connection.attachment();
        if (session.answered)
        {
            return length; // one request per connection: anything after it is ignored
        }
        final int take = Math.min(length, MAX_REQUEST_HEAD - session.inputLength);
        session.input.putBytes(session.inputLength, buffer, offset, take);
        session.inputLength += take;
        final int end = headEnd(session.input, session.inputLength);
        if (end >= 0)
        {
            answer(session, end);
        }
        else if (session.inputLength == MAX_REQUEST_HEAD)
        {
            respond(session, 431, "Request Header Fields Too Large", "text/plain; charset=utf-8", false,
                "the request head is over 8 KiB\n");
        }
        flush(connection, session);
        return length;
    }

    public void onPeerClosed(final Connection connection)
    {
        final Session session = (Session)connection.attachment();
        if (!session.answered)
        {
            session.answered = true; // closed before a whole request: nothing to answer
            session.response.clear();
        }
        flush(connection, session);
    }

    public void onWritable(final Connection connection)
    {
        flush(connection, (Session)connection.attachment());
    }

    public void onTimeout(final Connection connection)
    {
        connection.abort();
    }

    public void onClosed(final Connection connection, final CloseReason reason)
    {
        final Session session = (Session)connection.attachment();
        if (null != session)
        {
            connection.attachment(null);
            session.reset();
            pool.addFirst(session);
        }
    }

    private void flush(final Connection connection, final Session session)
    {
        if (!session.answered || session.shut)
        {
            return;
        }
        final TextOut response = session.response;
        while (session.sent < response.length())
        {
            final int written = connection.write(response.buffer(), session.sent, response.length() - session.sent);
            if (written <= 0)
            {
                return; // onWritable continues
            }
            session.sent += written;
        }
        session.shut = true;
        connection.shutdownOutput();
    }

    private void answer(final Session session, final int headLength)
    {
        final UnsafeBuffer input = session.input;
        final boolean head = startsWith(input, headLength, HEAD);
        if (!head && !startsWith(input, headLength, GET))
        {
            respond(session, 405, "Method Not Allowed", "text/plain; charset=utf-8", false,
                "only GET and HEAD are served\n");
            return;
        }
        final int pathStart = head ? HEAD.length : GET.length;
        int pathEnd = pathStart;
        while (pathEnd < headLength && input.getByte(pathEnd) != ' ' && input.getByte(pathEnd) != '?' &&
            input.getByte(pathEnd) != '\r' && input.getByte(pathEnd) != '\n')
        {
            pathEnd++;
        }
        session.body.clear();
        if (pathIs(input, pathStart, pathEnd, "/status"))
        {
            pages.status(session.body);
            respond(session, 200, "OK", "application/json", head, null);
        }
        else if (pathIs(input, pathStart, pathEnd, "/metrics"))
        {
            pages.metrics(session.body);
            respond(session, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", head, null);
        }
        else if (pathIs(input, pathStart, pathEnd, "/"))
        {
            respond(session, 200, "OK", "text/plain; charset=utf-8", head,
                "ertcp node management: /status (JSON), /metrics (Prometheus text)\n");
        }
        else
        {
            respond(session, 404, "Not Found", "text/plain; charset=utf-8", head,
                "not found: this endpoint serves /status and /metrics\n");
        }
    }

    /**
     * Write the response head and body into the session's response buffer.
     *
     * @param text the body, or null when {@link Session#body} already holds it.
     */
    private void respond(final Session session, final int status, final String reason, final String contentType,
        final boolean headOnly, final String text)
    {
        requests++;
        session.answered = true;
        if (null != text)
        {
            session.body.clear().append(text);
        }
        final TextOut response = session.response.clear();
        response.append("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n")
            .append("Content-Type: ").append(contentType).append("\r\n")
            .append("Content-Length: ").append(session.body.length()).append("\r\n")
            .append("Cache-Control: no-store\r\nConnection: close\r\n\r\n");
        if (!headOnly)
        {
            response.append(session.body.buffer(), 0, session.body.length());
        }
    }

    /**
     * @return the length of the request head up to and including its blank line, or -1 when it is not whole yet.
     */
    static int headEnd(final DirectBuffer input, final int length)
    {
        for (int i = 0; i < length; i++)
        {
            if (input.getByte(i) == '\n')
            {
                if (i + 1 < length && input.getByte(i + 1) == '\n')
                {
                    return i + 2;
                }
                if (i + 2 < length && input.getByte(i + 1) == '\r' && input.getByte(i + 2) == '\n')
                {
                    return i + 3;
                }
            }
        }
        return -1;
    }

    private static boolean startsWith(final DirectBuffer input, final int length, final byte[] prefix)
    {
        if (length < prefix.length)
        {
            return false;
        }
        for (int i = 0; i < prefix.length; i++)
        {
            if (input.getByte(i) != prefix[i])
            {
                return false;
            }
        }
        return true;
    }

    private static boolean pathIs(final DirectBuffer input, final int start, final int end, final String path)
    {
        if (end - start != path.length())
        {
            return false;
        }
        for (int i = 0; i < path.length(); i++)
        {
            if (input.getByte(start + i) != path.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
