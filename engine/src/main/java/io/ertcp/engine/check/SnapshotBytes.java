package io.ertcp.engine.check;

import io.ertcp.service.SnapshotInput;
import io.ertcp.service.SnapshotOutput;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * A snapshot's bytes in memory, for the check's snapshot comparison ({@link CheckRun#runWithSnapshot}): written as a
 * node writes them (little-endian, in order) and read back as a node hands them to the service, reading past the end
 * refused.
 */
final class SnapshotBytes implements SnapshotOutput
{
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
    private int length;

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

    /** @return the bytes written, from the start. */
    SnapshotInput input()
    {
        return new SnapshotInput()
        {
            private int position;

            private int advance(final int count)
            {
                if (count < 0 || count > length - position)
                {
                    throw new IndexOutOfBoundsException("read of " + count + " bytes at " + position + " of a " +
                        length + "-byte snapshot");
                }
                final int at = position;
                position += count;
                return at;
            }

            public int getInt()
            {
                return buffer.getInt(advance(4), ByteOrder.LITTLE_ENDIAN);
            }

            public long getLong()
            {
                return buffer.getLong(advance(8), ByteOrder.LITTLE_ENDIAN);
            }

            public void getBytes(final byte[] destination, final int offset, final int count)
            {
                buffer.getBytes(advance(count), destination, offset, count);
            }

            public void getBytes(final MutableDirectBuffer destination, final int offset, final int count)
            {
                buffer.getBytes(advance(count), destination, offset, count);
            }

            public long remaining()
            {
                return length - position;
            }
        };
    }
}
