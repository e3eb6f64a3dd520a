package io.ertcp.service;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * A {@link SnapshotOutput} that keeps the bytes in a buffer that grows to the state's size and is reused after
 * {@link #reset}: where a node collects a service's snapshot before writing it, and what a service's own test can take
 * a snapshot into and read back with {@link #input} (docs/writing-a-service.md, "Snapshots"). Little-endian.
 */
public final class BufferSnapshotOutput implements SnapshotOutput
{
    private final ExpandableDirectByteBuffer buffer;
    private int length;

    /** A buffer of 64 KiB to start with. */
    public BufferSnapshotOutput()
    {
        this(64 * 1024);
    }

    /**
     * @param initialCapacity bytes to start with; it grows as needed.
     */
    public BufferSnapshotOutput(final int initialCapacity)
    {
        buffer = new ExpandableDirectByteBuffer(initialCapacity);
    }

    /** Empty it, keeping its buffer. */
    public void reset()
    {
        length = 0;
    }

    /** @return the buffer; the bytes written are its first {@link #length}. */
    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    public void putInt(final int value)
    {
        buffer.putInt(length, value, ByteOrder.LITTLE_ENDIAN);
        length += 4;
    }

    public void putLong(final long value)
    {
        buffer.putLong(length, value, ByteOrder.LITTLE_ENDIAN);
        length += 8;
    }

    /** Write over four bytes already written at {@code index} (a length known only afterwards). */
    public void putIntAt(final int index, final int value)
    {
        buffer.putInt(index, value, ByteOrder.LITTLE_ENDIAN);
    }

    /** Write over eight bytes already written at {@code index}. */
    public void putLongAt(final int index, final long value)
    {
        buffer.putLong(index, value, ByteOrder.LITTLE_ENDIAN);
    }

    public void putBytes(final DirectBuffer source, final int offset, final int count)
    {
        buffer.putBytes(length, source, offset, count);
        length += count;
    }

    public void putBytes(final byte[] bytes, final int offset, final int count)
    {
        buffer.putBytes(length, bytes, offset, count);
        length += count;
    }

    public long length()
    {
        return length;
    }

    /** @return the bytes written so far, read from the start as a node hands them to a service. */
    public BufferSnapshotInput input()
    {
        return new BufferSnapshotInput(new UnsafeBuffer(buffer, 0, length));
    }
}
