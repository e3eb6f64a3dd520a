package io.ertcp.engine.service;

import io.ertcp.service.Connection;
import org.agrona.DirectBuffer;

import java.io.ByteArrayOutputStream;

/**
 * Test only: a {@link Connection} that records what is written, with a send budget the test sets
 * so that writes are refused in part (backpressure), and the other calls remembered.
 */
final class FakeConnection implements Connection
{
    final ByteArrayOutputStream written = new ByteArrayOutputStream();
    long budget = Long.MAX_VALUE;
    boolean refused;
    boolean outputShut;
    boolean aborted;
    long timeoutMs;
    int writesAfterShutdown;
    private Object attachment;
    private final long id;

    FakeConnection(final long id)
    {
        this.id = id;
    }

    public long id()
    {
        return id;
    }

    public int localIp()
    {
        return 0x0A000001;
    }

    public int localPort()
    {
        return 80;
    }

    public int remoteIp()
    {
        return 0x0A000002;
    }

    public int remotePort()
    {
        return 40000;
    }

    public int writableBytes()
    {
        return (int)Math.min(budget, Integer.MAX_VALUE);
    }

    public int write(final DirectBuffer buffer, final int offset, final int length)
    {
        if (outputShut || aborted)
        {
            writesAfterShutdown++;
            return 0;
        }
        final int n = (int)Math.min(length, budget);
        if (n < length)
        {
            refused = true;
        }
        for (int i = 0; i < n; i++)
        {
            written.write(buffer.getByte(offset + i));
        }
        budget -= n;
        return n;
    }

    public void shutdownOutput()
    {
        outputShut = true;
    }

    public void abort()
    {
        aborted = true;
    }

    public void scheduleTimeout(final long delayMs)
    {
        timeoutMs = delayMs;
    }

    public Object attachment()
    {
        return attachment;
    }

    public void attachment(final Object attachment)
    {
        this.attachment = attachment;
    }

    byte[] output()
    {
        return written.toByteArray();
    }
}
