package io.ertcp.engine.testing;

import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A client for echo tests: writes the data as room allows, checks every byte that comes back against it (an
 * {@link AssertionError} names the first that differs), shuts its output down once all came back, and records how
 * the connection ended.
 */
public final class EchoSource implements TcpService
{
    private final byte[] data;
    private final UnsafeBuffer view;
    private int written;
    /** Bytes that came back equal to what was sent, in order. */
    public int verified;
    public boolean opened;
    public boolean closed;
    public CloseReason reason;
    /** While set, nothing more is written: a stream held mid-way, for as long as a test needs it to stay open. */
    private boolean paused;
    private Connection connection;

    public EchoSource(final byte[] data)
    {
        this.data = data;
        this.view = new UnsafeBuffer(data);
    }

    public String name()
    {
        return "source";
    }

    public void onOpen(final Connection connection)
    {
        opened = true;
        this.connection = connection;
        pump(connection);
    }

    /** Write nothing more until {@link #resume}. */
    public void pause()
    {
        paused = true;
    }

    /** Write the rest. */
    public void resume()
    {
        paused = false;
        if (null != connection && !closed)
        {
            pump(connection);
        }
    }

    private void pump(final Connection connection)
    {
        while (!paused && written < data.length)
        {
            final int accepted = connection.write(view, written, data.length - written);
            if (accepted == 0)
            {
                return;
            }
            written += accepted;
        }
    }

    public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(offset + i) != data[verified])
            {
                throw new AssertionError("byte " + verified + " differs");
            }
            verified++;
        }
        if (verified == data.length)
        {
            connection.shutdownOutput();
        }
        return length;
    }

    public void onPeerClosed(final Connection connection)
    {
    }

    public void onWritable(final Connection connection)
    {
        pump(connection);
    }

    public void onClosed(final Connection connection, final CloseReason reason)
    {
        closed = true;
        this.reason = reason;
    }
}
