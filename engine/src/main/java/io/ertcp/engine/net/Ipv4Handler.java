package io.ertcp.engine.net;

import org.agrona.DirectBuffer;

/**
 * Receives the IPv4 datagrams of one protocol (TCP, for instance) from the IPv4 layer, which has
 * already checked the IPv4 header, that the datagram is for this host, and the transport checksum
 * (TCP and UDP; skipped for frames the local kernel handed over with
 * {@link io.ertcp.engine.port.FrameFlags#CHECKSUM_PARTIAL}).
 */
@FunctionalInterface
public interface Ipv4Handler
{
    /**
     * One datagram's payload, valid only until this method returns.
     *
     * @param sourceIp      the sender's address.
     * @param destinationIp this host's address it was sent to.
     * @param buffer        holding the datagram.
     * @param offset        of the transport header (the TCP header, for TCP).
     * @param length        of the transport header and payload.
     * @param nowNs         the time the duty cycle read once.
     */
    void onDatagram(int sourceIp, int destinationIp, DirectBuffer buffer, int offset, int length, long nowNs);
}
