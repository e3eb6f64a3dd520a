package io.ertcp.engine.tcp;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A connection's outgoing bytes from SND.UNA onward, as a ring over a preallocated region: the
 * service writes at the tail, segments copy from any point straight into the IPv4 output's
 * buffer, and ACKs release from the head. Offsets are relative to the head (SND.UNA).
 */
public final class SendBuffer
{
    private final UnsafeBuffer ring;
    private final int capacity;
    /** Ring index of the oldest unacknowledged byte; in [0, capacity). */
    private int head;
    /** Bytes held, in [0, capacity]. */
    private int length;

    public SendBuffer(final UnsafeBuffer ring)
    {
        this.ring = ring;
        this.capacity = ring.capacity();
    }

    public void clear()
    {
        head = 0;
        length = 0;
    }

    public int capacity()
    {
        return capacity;
    }

    public int length()
    {
        return length;
    }

    public int free()
    {
        return capacity - length;
    }

    /**
     * @return bytes accepted, up to the free space.
     */
    public int write(final DirectBuffer source, final int offset, final int count)
    {
        final int accepted = Math.min(count, capacity - length);
        if (accepted <= 0)
        {
            return 0;
        }
        int tail = head + length;
        if (tail >= capacity)
        {
            tail -= capacity;
        }
        final int first = Math.min(accepted, capacity - tail);
        ring.putBytes(tail, source, offset, first);
        if (first < accepted)
        {
            ring.putBytes(0, source, offset + first, accepted - first);
        }
        length += accepted;
        return accepted;
    }

    /**
     * Copy {@code count} bytes starting {@code from} bytes past the head into a destination.
     */
    public void copyTo(final int from, final MutableDirectBuffer destination, final int destinationOffset, final int count)
    {
        int start = head + from;
        if (start >= capacity)
        {
            start -= capacity;
        }
        final int first = Math.min(count, capacity - start);
        destination.putBytes(destinationOffset, ring, start, first);
        if (first < count)
        {
            destination.putBytes(destinationOffset + first, ring, 0, count - first);
        }
    }

    /**
     * Drop acknowledged bytes from the head.
     */
    public void release(final int count)
    {
        final int released = Math.min(count, length);
        head += released;
        if (head >= capacity)
        {
            head -= capacity;
        }
        length -= released;
        if (length == 0)
        {
            head = 0;
        }
    }
}
