package io.ertcp.engine.lan.impair;

import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.port.PacketPort;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Frames waiting for their release time: fixed slots in one buffer and a binary min-heap of slot
 * numbers ordered by release time, then arrival. Allocates nothing after construction.
 */
final class DelayLine
{
    private final UnsafeBuffer slots;
    private final int[] lengths;
    private final int[] flags;
    private final long[] releaseNs;
    private final long[] sequence;
    private final int[] heap;
    private final int[] free;
    private int heapSize;
    private int freeCount;
    private long nextSequence;

    /**
     * @param capacity the most frames held at once.
     */
    DelayLine(final int capacity)
    {
        slots = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity * PacketPort.MAX_FRAME_LENGTH));
        lengths = new int[capacity];
        flags = new int[capacity];
        releaseNs = new long[capacity];
        sequence = new long[capacity];
        heap = new int[capacity];
        free = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            free[i] = capacity - 1 - i;
        }
        freeCount = capacity;
    }

    boolean isEmpty()
    {
        return heapSize == 0;
    }

    int size()
    {
        return heapSize;
    }

    /**
     * @return the earliest release time held, or {@link Long#MAX_VALUE} when empty.
     */
    long nextReleaseNs()
    {
        return heapSize == 0 ? Long.MAX_VALUE : releaseNs[heap[0]];
    }

    /**
     * Copy a frame in.
     *
     * @return the slot's offset in {@link #slots()} (for changing the copy), or -1 when full.
     */
    int add(final DirectBuffer buffer, final int offset, final int length, final int frameFlags, final long atNs)
    {
        if (freeCount == 0 || length > PacketPort.MAX_FRAME_LENGTH)
        {
            return -1;
        }
        final int slot = free[--freeCount];
        final int slotOffset = slot * PacketPort.MAX_FRAME_LENGTH;
        slots.putBytes(slotOffset, buffer, offset, length);
        lengths[slot] = length;
        flags[slot] = frameFlags;
        releaseNs[slot] = atNs;
        sequence[slot] = nextSequence++;
        heap[heapSize] = slot;
        siftUp(heapSize++);
        return slotOffset;
    }

    UnsafeBuffer slots()
    {
        return slots;
    }

    /**
     * Hand every frame due at {@code nowNs} to the handler, in release order.
     *
     * @return the number released.
     */
    int release(final long nowNs, final FrameHandler handler)
    {
        int released = 0;
        while (heapSize > 0 && releaseNs[heap[0]] - nowNs <= 0)
        {
            final int slot = heap[0];
            heap[0] = heap[--heapSize];
            if (heapSize > 0)
            {
                siftDown(0);
            }
            handler.onFrame(slots, slot * PacketPort.MAX_FRAME_LENGTH, lengths[slot], flags[slot]);
            free[freeCount++] = slot;
            released++;
        }
        return released;
    }

    private boolean before(final int a, final int b)
    {
        final long diff = releaseNs[a] - releaseNs[b];
        return diff < 0 || (diff == 0 && sequence[a] < sequence[b]);
    }

    private void siftUp(final int index)
    {
        int i = index;
        final int slot = heap[i];
        while (i > 0)
        {
            final int parent = (i - 1) >>> 1;
            if (!before(slot, heap[parent]))
            {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = slot;
    }

    private void siftDown(final int index)
    {
        int i = index;
        final int slot = heap[i];
        while (true)
        {
            final int left = 2 * i + 1;
            if (left >= heapSize)
            {
                break;
            }
            final int right = left + 1;
            final int child = right < heapSize && before(heap[right], heap[left]) ? right : left;
            if (!before(heap[child], slot))
            {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = slot;
    }
}
