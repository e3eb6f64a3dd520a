package io.ertcp.engine.tcp;

/**
 * Connections ordered by their next deadline: an indexed binary min-heap, each connection knowing
 * its slot, so that moving a deadline is O(log n) and the earliest is O(1), with no allocation
 * once sized. Chosen over a timer wheel because the connection keeps one deadline (the earliest
 * of its timers) and the stack must say exactly when to call again.
 */
final class TimerHeap
{
    private final TcpConnection[] heap;
    private final long[] deadlines;
    private int size;

    TimerHeap(final int capacity)
    {
        heap = new TcpConnection[capacity];
        deadlines = new long[capacity];
    }

    int size()
    {
        return size;
    }

    /**
     * @return the earliest deadline, or Long.MAX_VALUE when empty.
     */
    long earliestNs()
    {
        return size == 0 ? Long.MAX_VALUE : deadlines[0];
    }

    TcpConnection earliest()
    {
        return size == 0 ? null : heap[0];
    }

    /**
     * Set, move or (with Long.MAX_VALUE) remove a connection's deadline.
     */
    void schedule(final TcpConnection connection, final long deadlineNs)
    {
        final int index = connection.heapIndex;
        if (deadlineNs == Long.MAX_VALUE)
        {
            if (index >= 0)
            {
                removeAt(index);
            }
            return;
        }
        if (index < 0)
        {
            final int i = size++;
            heap[i] = connection;
            deadlines[i] = deadlineNs;
            connection.heapIndex = i;
            siftUp(i);
        }
        else
        {
            final long old = deadlines[index];
            deadlines[index] = deadlineNs;
            if (deadlineNs < old)
            {
                siftUp(index);
            }
            else
            {
                siftDown(index);
            }
        }
    }

    private void removeAt(final int index)
    {
        final TcpConnection removed = heap[index];
        removed.heapIndex = -1;
        final int last = --size;
        if (index != last)
        {
            heap[index] = heap[last];
            deadlines[index] = deadlines[last];
            heap[index].heapIndex = index;
            heap[last] = null;
            siftDown(index);
            siftUp(index);
        }
        else
        {
            heap[last] = null;
        }
    }

    private void siftUp(final int start)
    {
        int i = start;
        while (i > 0)
        {
            final int parent = (i - 1) >>> 1;
            if (deadlines[parent] <= deadlines[i])
            {
                break;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(final int start)
    {
        int i = start;
        while (true)
        {
            final int left = 2 * i + 1;
            if (left >= size)
            {
                break;
            }
            final int right = left + 1;
            final int child = right < size && deadlines[right] < deadlines[left] ? right : left;
            if (deadlines[i] <= deadlines[child])
            {
                break;
            }
            swap(i, child);
            i = child;
        }
    }

    private void swap(final int a, final int b)
    {
        final TcpConnection ca = heap[a];
        final long da = deadlines[a];
        heap[a] = heap[b];
        deadlines[a] = deadlines[b];
        heap[b] = ca;
        deadlines[b] = da;
        heap[a].heapIndex = a;
        heap[b].heapIndex = b;
    }
}
