package io.ertcp.engine.service;

import io.ertcp.service.Connection;
import io.ertcp.service.SnapshotInput;
import io.ertcp.service.SnapshotOutput;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What a service has answered but the connection's send buffer has not yet accepted. Small
 * responses are copied into a staging buffer so that answers to pipelined requests leave together;
 * a large body from a shared, immutable buffer (a cached file) is referenced, not copied.
 * <p>
 * The bytes that leave never depend on how much {@link Connection#write} accepted, only on what
 * was appended: that keeps a service's output the same on a replica whose send buffer differs.
 */
final class OutputQueue
{
    /** Bodies up to this length are copied into the staging buffer; longer ones are referenced. */
    static final int COPY_THRESHOLD = 4096;

    private final ExpandableDirectByteBuffer staging;
    private int head;
    private int tail;
    private DirectBuffer body;
    private int bodyOffset;
    private int bodyRemaining;

    OutputQueue(final int initialCapacity)
    {
        staging = new ExpandableDirectByteBuffer(initialCapacity);
    }

    /**
     * @return the staging buffer to append into at {@link #tail()}; advance with {@link #advance}.
     */
    ExpandableDirectByteBuffer buffer()
    {
        return staging;
    }

    int tail()
    {
        return tail;
    }

    void advance(final int length)
    {
        tail += length;
    }

    /**
     * @return true while a referenced body waits: nothing may be appended behind it until it is
     * flushed, since staging bytes leave before the body.
     */
    boolean hasBody()
    {
        return bodyRemaining > 0;
    }

    void append(final DirectBuffer source, final int offset, final int length)
    {
        staging.putBytes(tail, source, offset, length);
        tail += length;
    }

    void append(final byte[] source, final int offset, final int length)
    {
        staging.putBytes(tail, source, offset, length);
        tail += length;
    }

    void appendByte(final byte value)
    {
        staging.putByte(tail++, value);
    }

    void appendAscii(final long value)
    {
        tail += staging.putLongAscii(tail, value);
    }

    /**
     * Queue a body: copied when short, else referenced (the source must not change until sent).
     */
    void appendBody(final DirectBuffer source, final int offset, final int length)
    {
        if (length <= COPY_THRESHOLD)
        {
            append(source, offset, length);
        }
        else
        {
            body = source;
            bodyOffset = offset;
            bodyRemaining = length;
        }
    }

    /**
     * @return bytes waiting, staged and referenced.
     */
    long pending()
    {
        return (long)(tail - head) + bodyRemaining;
    }

    boolean isEmpty()
    {
        return tail == head && bodyRemaining == 0;
    }

    /**
     * Offer what waits to the connection.
     *
     * @return true when nothing waits any more.
     */
    boolean flush(final Connection connection)
    {
        if (tail > head)
        {
            head += connection.write(staging, head, tail - head);
            if (head < tail)
            {
                return false;
            }
            head = 0;
            tail = 0;
        }
        if (bodyRemaining > 0)
        {
            final int written = connection.write(body, bodyOffset, bodyRemaining);
            bodyOffset += written;
            bodyRemaining -= written;
            if (bodyRemaining > 0)
            {
                return false;
            }
            body = null;
        }
        return true;
    }

    /**
     * For a snapshot of the connection (docs/architecture.md "Snapshots"): the staged bytes, then the referenced
     * body's, each as a length and the bytes. A body stays a body when read back, so the queue decides as before
     * whether to flush before the next request.
     */
    void writeTo(final SnapshotOutput out)
    {
        out.putInt(tail - head);
        out.putBytes(staging, head, tail - head);
        out.putInt(bodyRemaining);
        if (bodyRemaining > 0)
        {
            out.putBytes(body, bodyOffset, bodyRemaining);
        }
    }

    /**
     * Read back what {@link #writeTo} wrote, into an empty queue (the body into a copy of its own).
     */
    void readFrom(final SnapshotInput in)
    {
        clear();
        final int staged = in.getInt();
        if (staged < 0 || staged > in.remaining())
        {
            throw new IllegalArgumentException("a connection's output claims " + staged + " staged bytes");
        }
        in.getBytes(staging, 0, staged);
        tail = staged;
        final int bodyLength = in.getInt();
        if (bodyLength < 0 || bodyLength > in.remaining())
        {
            throw new IllegalArgumentException("a connection's output claims a body of " + bodyLength + " bytes");
        }
        if (bodyLength > 0)
        {
            final UnsafeBuffer copy = new UnsafeBuffer(new byte[bodyLength]);
            in.getBytes(copy, 0, bodyLength);
            body = copy;
            bodyRemaining = bodyLength;
        }
    }

    void clear()
    {
        head = 0;
        tail = 0;
        body = null;
        bodyOffset = 0;
        bodyRemaining = 0;
    }
}
