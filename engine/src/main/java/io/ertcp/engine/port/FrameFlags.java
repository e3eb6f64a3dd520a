package io.ertcp.engine.port;

/**
 * Bits a port reports with a received frame.
 */
public final class FrameFlags
{
    /**
     * The frame was sent by a Linux stack on this host with checksum offload: its TCP or UDP
     * checksum field holds only the pseudo-header sum (AF_PACKET's TP_STATUS_CSUMNOTREADY). The
     * kernel handed it over memory, so its payload is intact; a stack may accept it without
     * verifying the checksum, and a relay must fill the checksum in before the frame leaves.
     */
    public static final int CHECKSUM_PARTIAL = 1;

    /**
     * The wire delivered more bytes than the port's frame buffer holds; only the first part is
     * here. Stacks drop such frames.
     */
    public static final int TRUNCATED = 2;

    private FrameFlags()
    {
    }

    public static boolean isChecksumPartial(final int flags)
    {
        return (flags & CHECKSUM_PARTIAL) != 0;
    }

    public static boolean isTruncated(final int flags)
    {
        return (flags & TRUNCATED) != 0;
    }
}
