package io.ertcp.engine.net;

import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.port.FrameOutput;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Answers ARP requests for one IPv4 address with one MAC address, and announces the pair with
 * gratuitous ARP. The whole of a node's link layer until the IPv4 stack arrives.
 */
public final class ArpResponder implements FrameHandler
{
    /** The shortest Ethernet frame without FCS; shorter ARP frames are padded with zeros. */
    public static final int MIN_FRAME_LENGTH = 60;

    private final long mac;
    private final int ip;
    private final FrameOutput output;
    private final AtomicCounter requestsAnswered;
    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final ArpFlyweight arp = new ArpFlyweight();

    /**
     * @param mac              the address answered with.
     * @param ip               the address answered for.
     * @param output           where replies are written.
     * @param requestsAnswered counts replies sent.
     */
    public ArpResponder(final long mac, final int ip, final FrameOutput output, final AtomicCounter requestsAnswered)
    {
        this.mac = mac;
        this.ip = ip;
        this.output = output;
        this.requestsAnswered = requestsAnswered;
    }

    public void onFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        if (length < EthernetFlyweight.HEADER_LENGTH + ArpFlyweight.LENGTH ||
            ethernet.wrap(buffer, offset).etherType() != EthernetFlyweight.ETHER_TYPE_ARP)
        {
            return;
        }

        arp.wrap(buffer, offset + EthernetFlyweight.HEADER_LENGTH);
        if (arp.isEthernetIpv4() && arp.operation() == ArpFlyweight.OPERATION_REQUEST && arp.targetIp() == ip)
        {
            if (send(ArpFlyweight.OPERATION_REPLY, arp.senderMac(), arp.senderMac(), arp.senderIp()))
            {
                requestsAnswered.incrementRelease();
            }
        }
    }

    /**
     * Send a gratuitous ARP request (RFC 5227 announcement) so that neighbours and switches learn
     * this address's MAC now.
     *
     * @return true when the frame was queued.
     */
    public boolean announce()
    {
        return send(ArpFlyweight.OPERATION_REQUEST, MacAddress.BROADCAST, 0, ip);
    }

    private boolean send(final int operation, final long destination, final long targetMac, final int targetIp)
    {
        final int offset = output.claim(MIN_FRAME_LENGTH);
        if (offset < 0)
        {
            return false;
        }

        final MutableDirectBuffer out = output.buffer();
        out.setMemory(offset, MIN_FRAME_LENGTH, (byte)0);
        ethernet.wrap(out, offset).destination(destination).source(mac).etherType(EthernetFlyweight.ETHER_TYPE_ARP);
        arp.wrap(out, offset + EthernetFlyweight.HEADER_LENGTH).write(operation, mac, ip, targetMac, targetIp);
        output.commit(offset);
        return true;
    }
}
