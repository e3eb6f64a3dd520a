package io.ertcp.engine.net;

import org.agrona.MutableDirectBuffer;

/**
 * How a transport sends an IPv4 datagram: claim room for the transport header and payload, write
 * them in place, commit. The IPv4 layer writes the Ethernet and IPv4 headers and the transport
 * checksum (TCP and UDP) on commit.
 */
public interface Ipv4Output
{
    /**
     * @param sourceIp      this host's address to send from.
     * @param destinationIp the peer's address; off-link peers go through the gateway.
     * @param protocol      such as {@link Checksums#PROTOCOL_TCP}.
     * @param length        of the transport header and payload, at most the MTU less 20.
     * @return the offset in {@link #buffer()} where the transport header is to be written, or -1
     * when the datagram cannot be sent now: the next hop's MAC is not known yet (an ARP request was
     * sent; the transport retransmits later) or the transmit burst is full. Either is counted.
     */
    int claim(int sourceIp, int destinationIp, int protocol, int length);

    /**
     * @return the buffer the last successful {@link #claim} points into.
     */
    MutableDirectBuffer buffer();

    /**
     * Finish the claimed datagram: headers and checksum, then queue it for the wire.
     */
    void commit();
}
