package io.ertcp.engine.tcp;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A connection's incoming bytes as a ring over a preallocated region: in-order bytes the service
 * has not consumed yet, followed by room where out-of-order bytes are placed at their final
 * position as they arrive, so that each byte is copied once from the frame and the service reads
 * it in place. Which out-of-order ranges are held is the {@link Assembler}'s to know.
 */
public final class ReceiveBuffer
{
    private final UnsafeBuffer ring;
    private final int capacity;
    /** Ring index of the first unconsumed in-order byte; in [0, capacity). */
    private int readIndex;
    /** In-order bytes not consumed yet, in [0, capacity]; RCV.NXT is just after them. */
    private int readable;

    public ReceiveBuffer(final UnsafeBuffer ring)
    {
        this.ring = ring;
        this.capacity = ring.capacity();
    }

    public void clear()
    {
        readIndex = 0;
        readable = 0;
    }

    public UnsafeBuffer ring()
    {
        return ring;
    }

    public int capacity()
    {
        return capacity;
    }

    public int readable()
    {
        return readable;
    }

    /**
     * @return room after the in-order bytes: the receive window.
     */
    public int free()
    {
        return capacity - readable;
    }

    /**
     * Place bytes {@code distance} past RCV.NXT; the caller has trimmed them to {@link #free()}.
     */
    public void put(final int distance, final DirectBuffer source, final int offset, final int count)
    {
        int start = readIndex + readable + distance;
        if (start >= capacity)
        {
            start -= capacity;
        }
        final int first = Math.min(count, capacity - start);
        ring.putBytes(start, source, offset, first);
        if (first < count)
        {
            ring.putBytes(0, source, offset + first, count - first);
        }
    }

    /**
     * RCV.NXT moved forward over bytes already placed.
     */
    public void commit(final int count)
    {
        readable += count;
    }

    /**
     * @return the ring index where the unconsumed bytes start.
     */
    public int readIndex()
    {
        return readIndex;
    }

    /**
     * @return how many unconsumed bytes lie contiguously from {@link #readIndex()} before the wrap.
     */
    public int contiguousReadable()
    {
        return Math.min(readable, capacity - readIndex);
    }

    /**
     * The service consumed bytes from the front.
     */
    public void consume(final int count)
    {
        readIndex += count;
        if (readIndex >= capacity)
        {
            readIndex -= capacity;
        }
        // No reset to 0 when empty: out-of-order bytes may already sit past the read point.
        readable -= count;
    }
}
