package io.ertcp.engine.port;

import org.agrona.DirectBuffer;

/**
 * Receives frames from a {@link PacketPort} in place.
 */
@FunctionalInterface
public interface FrameHandler
{
    /**
     * One received Ethernet frame, valid only until this method returns.
     *
     * @param buffer holding the frame; do not keep a reference to it.
     * @param offset of the first byte of the Ethernet header.
     * @param length of the frame in bytes, without the FCS.
     * @param flags  {@link FrameFlags} bits.
     */
    void onFrame(DirectBuffer buffer, int offset, int length, int flags);
}
