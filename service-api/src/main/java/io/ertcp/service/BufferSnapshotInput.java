package io.ertcp.service;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * A {@link SnapshotInput} over bytes in a buffer, from its start to its capacity: how a node hands a service its
 * snapshot, and how a service's own test can read back what its {@link SnapshotService#takeSnapshot} wrote (into any
 * {@link SnapshotOutput} that keeps the bytes) to check that {@link SnapshotService#loadSnapshot} restores it.
 * Little-endian; reading past the end throws {@link IndexOutOfBoundsException}.
 */
public final class BufferSnapshotInput implements SnapshotInput
{
    private final DirectBuffer body;
    private int position;

    /**
     * @param body the snapshot's bytes, all of its capacity.
     */
    public BufferSnapshotInput(final DirectBuffer body)
    {
        this.body = body;
    }

    private int advance(final int count)
    {
        if (count < 0 || count > body.capacity() - position)
        {
            throw new IndexOutOfBoundsException("read of " + count + " bytes at " + position + " of a " +
                body.capacity() + "-byte snapshot");
        }
        final int at = position;
        position += count;
        return at;
    }

    public int getInt()
    {
        return body.getInt(advance(4), ByteOrder.LITTLE_ENDIAN);
    }

    public long getLong()
    {
        return body.getLong(advance(8), ByteOrder.LITTLE_ENDIAN);
    }

    public void getBytes(final byte[] destination, final int offset, final int length)
    {
        body.getBytes(advance(length), destination, offset, length);
    }

    public void getBytes(final MutableDirectBuffer destination, final int offset, final int length)
    {
        body.getBytes(advance(length), destination, offset, length);
    }

    public long remaining()
    {
        return body.capacity() - position;
    }

    /**
     * @return the next {@code length} bytes as an input of their own (what one part of the snapshot wrote), skipped
     * here.
     * @throws IndexOutOfBoundsException when fewer bytes remain.
     */
    public BufferSnapshotInput slice(final long length)
    {
        if (length < 0 || length > remaining())
        {
            throw new IndexOutOfBoundsException("a part of " + length + " bytes at " + position + " of a " +
                body.capacity() + "-byte snapshot");
        }
        final int at = advance((int)length);
        return new BufferSnapshotInput(new UnsafeBuffer(body, at, (int)length));
    }
}
