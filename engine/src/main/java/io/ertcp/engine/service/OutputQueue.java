package io.ertcp.engine.service;

import io.ertcp.service.Connection;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

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

    void clear()
    {
        head = 0;
        tail = 0;
        body = null;
        bodyOffset = 0;
        bodyRemaining = 0;
    }
}
