package io.ertcp.engine.port;

/**
 * Bits a port reports with a received frame, and the one a frame can be committed with
 * ({@link #FILL_CHECKSUM}). The DPDK shim's descriptor flags have the same values.
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

    /**
     * The NIC checked the frame's TCP or UDP checksum and found it right (DPDK's RTE_MBUF_F_RX_L4_CKSUM_GOOD): a stack
     * need not check it again.
     */
    public static final int CHECKSUM_VERIFIED = 4;

    /**
     * The NIC checked the frame's TCP or UDP checksum and found it wrong (RTE_MBUF_F_RX_L4_CKSUM_BAD): a stack drops
     * the segment as it would for its own check.
     */
    public static final int CHECKSUM_BAD = 8;

    /**
     * Committed with a frame ({@link PacketPort#txCommit(int, int)}): an IPv4 TCP segment whose checksum field holds
     * only the pseudo-header sum, for the port to fill in. Only on a port whose {@link PacketPort#fillsTcpChecksums()}.
     */
    public static final int FILL_CHECKSUM = 0x10;

    private FrameFlags()
    {
    }

    public static boolean isChecksumPartial(final int flags)
    {
        return (flags & CHECKSUM_PARTIAL) != 0;
    }

    /**
     * @return true when the frame's TCP or UDP checksum need not be checked in software: a local stack's offload left
     * it unfilled over intact data, or the NIC checked it and found it right.
     */
    public static boolean isChecksumTrusted(final int flags)
    {
        return (flags & (CHECKSUM_PARTIAL | CHECKSUM_VERIFIED)) != 0;
    }

    public static boolean isChecksumBad(final int flags)
    {
        return (flags & CHECKSUM_BAD) != 0;
    }

    public static boolean isTruncated(final int flags)
    {
        return (flags & TRUNCATED) != 0;
    }
}
