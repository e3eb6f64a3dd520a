package io.ertcp.engine.port;

import org.agrona.MutableDirectBuffer;

/**
 * Where a frame handler writes the frames it sends: claim, write in place, commit. Implemented over a
 * {@link PacketPort} by the thread that owns the port, and over a transmit ring by handlers on other
 * threads.
 */
public interface FrameOutput
{
    /**
     * @param length the frame's exact length.
     * @return the offset in {@link #buffer()} to write the frame at, or -1 when there is no room now.
     */
    int claim(int length);

    /**
     * @return the buffer the last successful claim points into.
     */
    MutableDirectBuffer buffer();

    /**
     * Commit the frame written at the claimed offset.
     *
     * @param offset the value {@link #claim(int)} returned.
     */
    void commit(int offset);

    /**
     * Commit the frame written at the claimed offset with flags for the port.
     *
     * @param offset the value {@link #claim(int)} returned.
     * @param flags  {@link FrameFlags#FILL_CHECKSUM} only where {@link #fillsTcpChecksums()}.
     */
    default void commit(final int offset, final int flags)
    {
        if ((flags & FrameFlags.FILL_CHECKSUM) != 0)
        {
            throw new IllegalArgumentException("this output fills in no checksums: compute the frame's own");
        }
        commit(offset);
    }

    /**
     * @return true when the port behind this output fills in TCP checksums ({@link PacketPort#fillsTcpChecksums()}).
     */
    default boolean fillsTcpChecksums()
    {
        return false;
    }

    /**
     * A {@link FrameOutput} that writes straight into a port's transmit burst.
     */
    static FrameOutput of(final PacketPort port)
    {
        return new FrameOutput()
        {
            private int claimedLength;

            public int claim(final int length)
            {
                int offset = port.txClaim(length);
                if (offset < 0)
                {
                    port.flush();
                    offset = port.txClaim(length);
                }
                claimedLength = length;
                return offset;
            }

            public MutableDirectBuffer buffer()
            {
                return port.txBuffer();
            }

            public void commit(final int offset)
            {
                port.txCommit(claimedLength);
            }

            public void commit(final int offset, final int flags)
            {
                port.txCommit(claimedLength, flags);
            }

            public boolean fillsTcpChecksums()
            {
                return port.fillsTcpChecksums();
            }
        };
    }
}
