package io.ertcp.engine.check;

import io.ertcp.service.Connection;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A connection as a replica gives it to its service, driven by a {@link CheckRun}: input kept until the service
 * consumes it, output counted against a send buffer the client's acknowledgements empty, a timeout on the run's
 * clock.
 */
final class CheckConnection implements Connection
{
    /** Receive buffer: a request of this size still fits (docs/writing-a-service.md). */
    static final int RECEIVE_CAPACITY = 64 * 1024;

    final int index;
    private final long id;
    private final CheckRun run;
    final UnsafeBuffer input = new UnsafeBuffer(new byte[RECEIVE_CAPACITY]);
    int inputStart;
    int inputEnd;
    /** Client bytes that arrived while the receive buffer was full, waiting for room: {@code [pendingFrom, pendingTo)}. */
    int pendingFrom;
    int pendingTo;
    final int sendRoom;
    long produced;
    long acked;
    boolean writeBlocked;
    boolean open;
    boolean outputShut;
    boolean aborted;
    boolean peerFin;
    boolean peerClosedDelivered;
    boolean closed;
    long timeoutAt = -1;
    private Object attachment;

    CheckConnection(final int index, final long id, final int sendRoom, final CheckRun run)
    {
        this.index = index;
        this.id = id;
        this.sendRoom = sendRoom;
        this.run = run;
    }

    public long id()
    {
        return id;
    }

    public int localIp()
    {
        return 0x0A4D0064;
    }

    public int localPort()
    {
        return 7;
    }

    public int remoteIp()
    {
        return 0x0A4D0001 + index;
    }

    public int remotePort()
    {
        return 40000 + index;
    }

    public int writableBytes()
    {
        if (!open || closed || outputShut || aborted)
        {
            return 0;
        }
        return (int)Math.max(0, sendRoom - (produced - acked));
    }

    public int write(final DirectBuffer buffer, final int offset, final int length)
    {
        final int accepted = Math.min(Math.max(0, length), writableBytes());
        for (int i = 0; i < accepted; i++)
        {
            run.trace.outputs[index].append(buffer.getByte(offset + i), run.currentEvent);
        }
        produced += accepted;
        if (accepted < length)
        {
            writeBlocked = true;
        }
        return accepted;
    }

    public void shutdownOutput()
    {
        outputShut = true;
    }

    public void abort()
    {
        if (open && !closed)
        {
            aborted = true;
        }
    }

    public void scheduleTimeout(final long delayMs)
    {
        if (open && !closed)
        {
            timeoutAt = delayMs <= 0 ? -1 : run.clockMs + delayMs;
        }
    }

    public Object attachment()
    {
        return attachment;
    }

    public void attachment(final Object attachment)
    {
        this.attachment = attachment;
    }

    int inputRoom()
    {
        return RECEIVE_CAPACITY - (inputEnd - inputStart);
    }
}
