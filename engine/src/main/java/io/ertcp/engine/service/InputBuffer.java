package io.ertcp.engine.service;

import io.ertcp.service.SnapshotInput;
import io.ertcp.service.SnapshotOutput;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * Bytes a service has consumed from the stack but not yet parsed: a request that arrived in pieces,
 * or across the wrap of the stack's receive ring, waits here until it is whole. Unparsed bytes lie
 * in [{@link #start()}, {@link #end()}); parsed ones are dropped from the front, and the rest moves
 * to index 0 only when more must be appended, so pipelined requests are not copied one by one.
 */
final class InputBuffer
{
    private final ExpandableDirectByteBuffer bytes;
    private final int maxLength;
    private int start;
    private int end;

    /**
     * @param initialCapacity bytes held without growing.
     * @param maxLength       the most unparsed bytes it holds; a request longer than this is refused
     *                        by the service.
     */
    InputBuffer(final int initialCapacity, final int maxLength)
    {
        this.bytes = new ExpandableDirectByteBuffer(Math.min(initialCapacity, maxLength));
        this.maxLength = maxLength;
    }

    DirectBuffer buffer()
    {
        return bytes;
    }

    int start()
    {
        return start;
    }

    int end()
    {
        return end;
    }

    int length()
    {
        return end - start;
    }

    /**
     * @return how many more bytes may be appended.
     */
    int free()
    {
        return maxLength - (end - start);
    }

    /**
     * Append up to {@link #free()} bytes.
     *
     * @return the number appended.
     */
    int append(final DirectBuffer source, final int offset, final int count)
    {
        final int n = Math.min(count, free());
        if (n > 0)
        {
            if (start > 0)
            {
                bytes.putBytes(0, bytes, start, end - start);
                end -= start;
                start = 0;
            }
            bytes.putBytes(end, source, offset, n);
            end += n;
        }
        return n;
    }

    /**
     * Drop the first count unparsed bytes (a parsed request).
     */
    void discard(final int count)
    {
        start += count;
        if (start >= end)
        {
            start = 0;
            end = 0;
        }
    }

    /**
     * For a snapshot of the connection: the unparsed bytes, as a length and the bytes.
     */
    void writeTo(final SnapshotOutput out)
    {
        out.putInt(end - start);
        out.putBytes(bytes, start, end - start);
    }

    /**
     * Read back what {@link #writeTo} wrote, into an empty buffer.
     */
    void readFrom(final SnapshotInput in)
    {
        final int length = in.getInt();
        if (length < 0 || length > maxLength)
        {
            throw new IllegalArgumentException("a connection's input claims " + length + " unparsed bytes, more " +
                "than the " + maxLength + " a request may have");
        }
        in.getBytes(bytes, 0, length);
        start = 0;
        end = length;
    }

    void clear()
    {
        start = 0;
        end = 0;
    }
}
