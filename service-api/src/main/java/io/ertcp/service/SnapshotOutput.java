package io.ertcp.service;

import org.agrona.DirectBuffer;

/**
 * Where a {@link SnapshotWriter} writes a service's captured state: a stream of bytes, written in order and
 * read back in the same order by {@link SnapshotInput}. Numbers are little-endian. The node adds the header, the
 * length and a CRC32C around what the service writes, so the service writes its state alone.
 * <p>
 * Valid only during {@link SnapshotWriter#writeTo}, on the node's snapshot thread, or during
 * {@link SnapshotService#snapshotConnection}, on the duty cycle; the bytes are copied at once.
 */
public interface SnapshotOutput
{
    /**
     * @param value four bytes, little-endian.
     */
    void putInt(int value);

    /**
     * @param value eight bytes, little-endian.
     */
    void putLong(long value);

    /**
     * Copy bytes of a buffer into the snapshot.
     */
    void putBytes(DirectBuffer buffer, int offset, int length);

    /**
     * Copy bytes of an array into the snapshot.
     */
    void putBytes(byte[] bytes, int offset, int length);

    /**
     * @return the bytes written so far.
     */
    long length();
}
