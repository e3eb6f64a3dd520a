package io.ertcp.service;

import org.agrona.MutableDirectBuffer;

/**
 * A snapshot a {@link SnapshotService} wrote, read back in the order it was written ({@link SnapshotOutput}).
 * The node checked its length and CRC32C before handing it over, so what is read is what was written; reading past
 * the end throws {@link IndexOutOfBoundsException}, which the node reports as a snapshot the service cannot read.
 * <p>
 * Valid only during {@link SnapshotService#loadSnapshot} or {@link SnapshotService#loadConnection}, each of which
 * is given exactly the bytes its counterpart wrote.
 */
public interface SnapshotInput
{
    /**
     * @return the next four bytes, little-endian.
     */
    int getInt();

    /**
     * @return the next eight bytes, little-endian.
     */
    long getLong();

    /**
     * Copy the next {@code length} bytes into an array.
     */
    void getBytes(byte[] destination, int offset, int length);

    /**
     * Copy the next {@code length} bytes into a buffer.
     */
    void getBytes(MutableDirectBuffer destination, int offset, int length);

    /**
     * @return the bytes not read yet; 0 at the end.
     */
    long remaining();
}
