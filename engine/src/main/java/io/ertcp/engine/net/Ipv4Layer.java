package io.ertcp.engine.net;

import io.ertcp.engine.port.FrameFlags;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.port.PacketPort;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Why one class of about 840 lines: it is one interface, and receive and send share its identity, the MAC, the
 * primary address, the extra addresses with the MAC each answers with (kept index by index, one invariant), the
 * destination MACs it accepts, the gateway and the {@link ArpCache}. An ARP reply, an accepted frame, an ICMP echo
 * answer and the Ethernet source of every datagram sent must all follow the same address-to-MAC pairs, which move
 * at a takeover; each protocol's header is already a flyweight of its own and the checksums are {@link Checksums}'.
 * <p>
 * One network interface of a node: its MAC, its addresses, and everything between the Ethernet
 * frames of its port and the transports. Receive takes frames in place and hands each valid IPv4
 * datagram to the {@link Ipv4Handler} registered for its protocol; send is the {@link Ipv4Output}
 * the transports write through.
 * <ul>
 *   <li>Ethernet: the port is promiscuous, so unicast frames for other MACs are ignored here.</li>
 *   <li>ARP: answers for every local address, learns into the {@link ArpCache}, announces the
 *       addresses with gratuitous ARP ({@link #announce()}, after a takeover too).</li>
 *   <li>IPv4 (RFC 791, RFC 1122 section 3.2.1): every malformed datagram is dropped with a named
 *       counter in {@link NetCounters}; fragments are dropped (peers send with DF and a fitting
 *       MSS), TCP and UDP checksums are verified unless the local kernel left them to offload.</li>
 *   <li>ICMP: echo requests to a local address are answered (RFC 1122 section 3.2.2.6).</li>
 * </ul>
 * The addresses are a primary {@link Ipv4Address.Cidr} that says what is on-link, plus extra /32
 * addresses added and removed at run time: a service's virtual address moves between nodes that
 * way. An extra address may bring its own MAC (the cluster's virtual MAC, which moves with the
 * virtual address at a takeover): ARP for the address answers with that MAC, frames to that MAC
 * are taken, and datagrams sent from the address carry it as their Ethernet source. A few more
 * destination MACs can be accepted on top (the replication channel's group MAC). Off-link peers
 * are reached through an optional gateway.
 * <p>
 * Owned by the thread that owns the port, which sets {@link #nowNs(long)} once a duty cycle (a
 * frame handler has no time of its own). No allocation per frame.
 */
public final class Ipv4Layer implements FrameHandler, Ipv4Output
{
    /** The shortest Ethernet frame without FCS; shorter frames are padded with zeros. */
    public static final int MIN_FRAME_LENGTH = 60;
    /** The largest IPv4 datagram the port carries. */
    public static final int MTU = PacketPort.MAX_FRAME_LENGTH - EthernetFlyweight.HEADER_LENGTH;
    /** Extra addresses beyond the primary one (service addresses). */
    public static final int MAX_EXTRA_ADDRESSES = 16;
    /** Handlers for EtherTypes other than ARP and IPv4 (the replication channel). */
    public static final int MAX_ETHER_TYPE_HANDLERS = 4;
    /** Destination MACs accepted beyond the interface's, the broadcast and the extra addresses' own. */
    public static final int MAX_ACCEPTED_DESTINATIONS = 4;

    private static final int IP_OFFSET = EthernetFlyweight.HEADER_LENGTH;
    private static final int L4_OFFSET = IP_OFFSET + Ipv4Flyweight.MIN_HEADER_LENGTH;
    private static final int TCP_MIN_HEADER_LENGTH = 20;
    private static final int TCP_CHECKSUM_OFFSET = 16;
    private static final int UDP_HEADER_LENGTH = 8;
    private static final int UDP_CHECKSUM_OFFSET = 6;

    private final long mac;
    private final Ipv4Address.Cidr network;
    private final int directedBroadcast;
    private final FrameOutput output;
    /** The port fills in TCP checksums: a sent segment carries only the pseudo-header sum. */
    private final boolean nicFillsTcpChecksums;
    private final NetCounters counters;
    private final ArpCache arpCache;
    // Invariant: extraMacs[i] is the MAC that answers for extraAddresses[i], for i < extraAddressCount.
    private final int[] extraAddresses = new int[MAX_EXTRA_ADDRESSES];
    private final long[] extraMacs = new long[MAX_EXTRA_ADDRESSES];
    private int extraAddressCount;
    private final long[] acceptedDestinations = new long[MAX_ACCEPTED_DESTINATIONS];
    private int acceptedDestinationCount;
    private int gateway;
    private final Ipv4Handler[] handlers = new Ipv4Handler[256];
    private final int[] etherTypes = new int[MAX_ETHER_TYPE_HANDLERS];
    private final FrameHandler[] etherTypeHandlers = new FrameHandler[MAX_ETHER_TYPE_HANDLERS];
    private int etherTypeHandlerCount;

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final ArpFlyweight arp = new ArpFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final IcmpFlyweight icmp = new IcmpFlyweight();
    private final EthernetFlyweight txEthernet = new EthernetFlyweight();
    private final ArpFlyweight txArp = new ArpFlyweight();
    private final Ipv4Flyweight txIpv4 = new Ipv4Flyweight();
    private final IcmpFlyweight txIcmp = new IcmpFlyweight();

    private long nowNs;
    private int identification;

    // The claim in progress: Ipv4Output is claim, write, commit.
    private int claimOffset = -1;
    private int claimFrameLength;
    private long claimMac;
    private long claimSourceMac;
    private int claimSource;
    private int claimDestination;
    private int claimProtocol;
    private int claimLength;

    /**
     * An interface with the default ARP cache settings.
     *
     * @see #Ipv4Layer(long, Ipv4Address.Cidr, FrameOutput, NetCounters, ArpCache.Settings)
     */
    public Ipv4Layer(final long mac, final Ipv4Address.Cidr network, final FrameOutput output, final NetCounters counters)
    {
        this(mac, network, output, counters, ArpCache.Settings.DEFAULTS);
    }

    /**
     * @param mac      the interface's own MAC: frames to it and broadcasts are taken, others ignored.
     * @param network  the primary address and the on-link prefix.
     * @param output   where frames are written: the port, when this layer runs on its thread.
     * @param counters every drop and every reply counted.
     * @param arp      the neighbour table's sizes and times.
     */
    public Ipv4Layer(
        final long mac,
        final Ipv4Address.Cidr network,
        final FrameOutput output,
        final NetCounters counters,
        final ArpCache.Settings arp)
    {
        this.mac = mac;
        this.network = network;
        this.directedBroadcast = network.prefixLength() >= 31 ? 0 : network.address() | ~network.netmask();
        this.output = output;
        this.nicFillsTcpChecksums = output.fillsTcpChecksums();
        this.counters = counters;
        this.arpCache = new ArpCache(arp, this::sendArpRequest, counters.arpRequestsSent, counters.arpPendingFull, counters.arpEvicted);
    }

    public long macAddress()
    {
        return mac;
    }

    public Ipv4Address.Cidr network()
    {
        return network;
    }

    public NetCounters counters()
    {
        return counters;
    }

    public ArpCache arpCache()
    {
        return arpCache;
    }

    /**
     * The time for ARP timeouts and for handlers until the next call; the owning agent sets it once
     * a duty cycle, before receiving.
     */
    public void nowNs(final long nowNs)
    {
        this.nowNs = nowNs;
    }

    /**
     * @param gateway the on-link router for off-link destinations, or 0 for none.
     * @throws IllegalArgumentException when the gateway is not on-link.
     */
    public void gateway(final int gateway)
    {
        if (gateway != 0 && !network.contains(gateway))
        {
            throw new IllegalArgumentException("gateway " + Ipv4Address.format(gateway) + " is not on-link in " + network +
                ": choose an address inside the interface's prefix");
        }
        this.gateway = gateway;
    }

    public int gateway()
    {
        return gateway;
    }

    /**
     * Take an extra address (a service's virtual address) as this interface's own: answer ARP for
     * it, accept datagrams to it, send from it. Call {@link #announce(int)} to tell the LAN.
     *
     * @return false when the address was already ours.
     * @throws IllegalStateException when {@link #MAX_EXTRA_ADDRESSES} are already held.
     */
    public boolean addAddress(final int address)
    {
        return addAddress(address, mac);
    }

    /**
     * Take an extra address with its own MAC (the cluster's virtual MAC) as this interface's own:
     * ARP for the address is answered with {@code mac} as the sender hardware address and Ethernet
     * source, frames to {@code mac} are taken, datagrams sent from the address and gratuitous ARP
     * for it ({@link #announce(int)}) carry {@code mac} as their source. Until
     * {@link #removeAddress(int)}.
     *
     * @param mac a unicast MAC; the interface's own MAC makes this the same as {@link #addAddress(int)}.
     * @return false when the address was already ours (its MAC is left as it was).
     * @throws IllegalArgumentException when the MAC is a group address.
     * @throws IllegalStateException    when {@link #MAX_EXTRA_ADDRESSES} are already held.
     */
    public boolean addAddress(final int address, final long mac)
    {
        if (MacAddress.isGroup(mac))
        {
            throw new IllegalArgumentException("MAC " + MacAddress.format(mac) + " is a group address: " +
                "an address is answered for by a unicast MAC (clear the low bit of the first octet)");
        }
        if (isLocal(address))
        {
            return false;
        }
        if (extraAddressCount == MAX_EXTRA_ADDRESSES)
        {
            throw new IllegalStateException("an interface holds at most " + MAX_EXTRA_ADDRESSES + " extra addresses");
        }
        extraAddresses[extraAddressCount] = address;
        extraMacs[extraAddressCount++] = mac;
        arpCache.forget(address);
        return true;
    }

    /**
     * The MAC that answers for a local address: its own for an extra address added with one, the
     * interface's otherwise (also for an address that is not local).
     */
    public long macFor(final int address)
    {
        for (int i = 0; i < extraAddressCount; i++)
        {
            if (extraAddresses[i] == address)
            {
                return extraMacs[i];
            }
        }
        return mac;
    }

    /**
     * Accept frames to one more destination MAC, such as the replication channel's group MAC, as
     * frames to the interface's own; adding one already accepted does nothing.
     *
     * @throws IllegalStateException when {@link #MAX_ACCEPTED_DESTINATIONS} are already accepted.
     */
    public void acceptDestination(final long mac)
    {
        for (int i = 0; i < acceptedDestinationCount; i++)
        {
            if (acceptedDestinations[i] == mac)
            {
                return;
            }
        }
        if (acceptedDestinationCount == MAX_ACCEPTED_DESTINATIONS)
        {
            throw new IllegalStateException("an interface accepts at most " + MAX_ACCEPTED_DESTINATIONS +
                " extra destination MACs: stop accepting one first");
        }
        acceptedDestinations[acceptedDestinationCount++] = mac;
    }

    /**
     * Stop accepting a destination MAC added with {@link #acceptDestination(long)}; unknown ones are ignored.
     */
    public void stopAccepting(final long mac)
    {
        for (int i = 0; i < acceptedDestinationCount; i++)
        {
            if (acceptedDestinations[i] == mac)
            {
                acceptedDestinations[i] = acceptedDestinations[--acceptedDestinationCount];
                acceptedDestinations[acceptedDestinationCount] = 0;
                return;
            }
        }
    }

    /**
     * @return true for the interface's MAC, the broadcast, the MACs of the extra addresses and the
     * accepted destinations.
     */
    public boolean isAcceptedDestination(final long destination)
    {
        if (destination == mac || destination == MacAddress.BROADCAST)
        {
            return true;
        }
        for (int i = 0; i < extraAddressCount; i++)
        {
            if (extraMacs[i] == destination)
            {
                return true;
            }
        }
        for (int i = 0; i < acceptedDestinationCount; i++)
        {
            if (acceptedDestinations[i] == destination)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Stop answering for an extra address, and for its own MAC when it had one; the primary address
     * cannot be removed.
     *
     * @return false when the address was not an extra address of this interface.
     */
    public boolean removeAddress(final int address)
    {
        for (int i = 0; i < extraAddressCount; i++)
        {
            if (extraAddresses[i] == address)
            {
                extraAddresses[i] = extraAddresses[--extraAddressCount];
                extraMacs[i] = extraMacs[extraAddressCount];
                extraAddresses[extraAddressCount] = 0;
                extraMacs[extraAddressCount] = 0;
                return true;
            }
        }
        return false;
    }

    /**
     * @return true for the primary address and the extra addresses.
     */
    public boolean isLocal(final int address)
    {
        if (address == network.address())
        {
            return true;
        }
        for (int i = 0; i < extraAddressCount; i++)
        {
            if (extraAddresses[i] == address)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Hand the datagrams of one IP protocol to a transport; a later registration replaces an
     * earlier one, null removes it.
     *
     * @param protocol such as {@link Ipv4Flyweight#PROTOCOL_TCP}; ICMP echo is answered here.
     */
    public void register(final int protocol, final Ipv4Handler handler)
    {
        if (protocol < 0 || protocol > 255 || protocol == Ipv4Flyweight.PROTOCOL_ICMP)
        {
            throw new IllegalArgumentException("protocol " + protocol + " cannot be registered: choose 0..255 other than ICMP (1)");
        }
        handlers[protocol] = handler;
    }

    /**
     * Hand frames of another EtherType (the replication channel's) to a handler, after the MAC check.
     */
    public void registerEtherType(final int etherType, final FrameHandler handler)
    {
        if (etherType == EthernetFlyweight.ETHER_TYPE_ARP || etherType == EthernetFlyweight.ETHER_TYPE_IPV4)
        {
            throw new IllegalArgumentException("ARP and IPv4 are this layer's own: register a transport with register(protocol, handler)");
        }
        for (int i = 0; i < etherTypeHandlerCount; i++)
        {
            if (etherTypes[i] == etherType)
            {
                etherTypeHandlers[i] = handler;
                return;
            }
        }
        if (etherTypeHandlerCount == MAX_ETHER_TYPE_HANDLERS)
        {
            throw new IllegalStateException("at most " + MAX_ETHER_TYPE_HANDLERS + " other EtherTypes can be registered");
        }
        etherTypes[etherTypeHandlerCount] = etherType;
        etherTypeHandlers[etherTypeHandlerCount++] = handler;
    }

    /**
     * Announce every local address with a gratuitous ARP request (RFC 5227 section 2.3), so that
     * neighbours and switches move the addresses to this MAC now: at start, and after a takeover.
     *
     * @return the number of announcements queued.
     */
    public int announce()
    {
        int sent = announce(network.address()) ? 1 : 0;
        for (int i = 0; i < extraAddressCount; i++)
        {
            sent += announce(extraAddresses[i]) ? 1 : 0;
        }
        return sent;
    }

    /**
     * Announce one address with a gratuitous ARP request, from the MAC that answers for it
     * ({@link #macFor(int)}): after a takeover, switches learn the virtual MAC's new port from it.
     *
     * @return true when the frame was queued.
     */
    public boolean announce(final int address)
    {
        return sendArp(ArpFlyweight.OPERATION_REQUEST, MacAddress.BROADCAST, macFor(address), address, 0, address);
    }

    // ---------------------------------------------------------------------------------------------
    // Receive
    // ---------------------------------------------------------------------------------------------

    public void onFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        if (FrameFlags.isTruncated(flags))
        {
            counters.truncatedFrames.incrementRelease();
            return;
        }
        if (length < EthernetFlyweight.HEADER_LENGTH)
        {
            counters.runtFrames.incrementRelease();
            return;
        }
        ethernet.wrap(buffer, offset);
        if (!isAcceptedDestination(ethernet.destination()))
        {
            counters.otherMacFrames.incrementRelease();
            return;
        }

        final int etherType = ethernet.etherType();
        if (etherType == EthernetFlyweight.ETHER_TYPE_IPV4)
        {
            onIpv4(buffer, offset, length, flags);
        }
        else if (etherType == EthernetFlyweight.ETHER_TYPE_ARP)
        {
            onArp(buffer, offset, length);
        }
        else
        {
            onOtherEtherType(etherType, buffer, offset, length, flags);
        }
    }

    private void onArp(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < EthernetFlyweight.HEADER_LENGTH + ArpFlyweight.LENGTH)
        {
            counters.runtFrames.incrementRelease();
            return;
        }
        arp.wrap(buffer, offset + EthernetFlyweight.HEADER_LENGTH);
        final long senderMac = arp.senderMac();
        if (!arp.isEthernetIpv4() || MacAddress.isGroup(senderMac))
        {
            counters.arpMalformed.incrementRelease();
            return;
        }
        final int senderIp = arp.senderIp();
        final int targetIp = arp.targetIp();
        if (senderIp != 0 && isLocal(senderIp))
        {
            // Another host claims one of our addresses: never learn it as a neighbour. The cluster
            // decides who holds an address; this only makes the clash visible. Our own frames
            // coming back are no clash.
            if (senderMac != macFor(senderIp))
            {
                counters.arpConflicts.incrementRelease();
            }
            return;
        }
        if (senderMac == mac || isExtraMac(senderMac))
        {
            return;
        }

        final boolean targetUs = isLocal(targetIp);
        arpCache.learn(senderIp, senderMac, targetUs, nowNs);
        if (targetUs && arp.operation() == ArpFlyweight.OPERATION_REQUEST)
        {
            if (sendArp(ArpFlyweight.OPERATION_REPLY, senderMac, macFor(targetIp), targetIp, senderMac, senderIp))
            {
                counters.arpReplies.incrementRelease();
            }
        }
    }

    private void onIpv4(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        final int ip = offset + IP_OFFSET;
        final int ipLength = length - IP_OFFSET;
        if (ipLength < Ipv4Flyweight.MIN_HEADER_LENGTH)
        {
            counters.runtFrames.incrementRelease();
            return;
        }
        ipv4.wrap(buffer, ip);
        if (ipv4.version() != Ipv4Flyweight.VERSION)
        {
            counters.ipv4BadVersion.incrementRelease();
            return;
        }
        final int headerLength = ipv4.headerLength();
        if (headerLength < Ipv4Flyweight.MIN_HEADER_LENGTH || headerLength > ipLength)
        {
            counters.ipv4BadHeaderLength.incrementRelease();
            return;
        }
        if (!ipv4.isHeaderChecksumValid())
        {
            counters.ipv4BadHeaderChecksum.incrementRelease();
            return;
        }
        // The frame may be longer than the datagram (padding to 60 bytes), never shorter.
        final int totalLength = ipv4.totalLength();
        if (totalLength < headerLength || totalLength > ipLength)
        {
            counters.ipv4BadTotalLength.incrementRelease();
            return;
        }
        if (ipv4.ttl() == 0)
        {
            counters.ipv4TtlZero.incrementRelease();
            return;
        }
        final int source = ipv4.source();
        if (Ipv4Flyweight.isGroupOrBroadcast(source) || (source == directedBroadcast && directedBroadcast != 0))
        {
            counters.ipv4BadSource.incrementRelease();
            return;
        }
        final int destination = ipv4.destination();
        final boolean broadcast = destination == Ipv4Flyweight.BROADCAST || (destination == directedBroadcast && directedBroadcast != 0);
        if (!broadcast && !isLocal(destination))
        {
            counters.ipv4NotOurs.incrementRelease();
            return;
        }
        if (ipv4.isFragment())
        {
            counters.ipv4Fragments.incrementRelease();
            return;
        }

        final int protocol = ipv4.protocol();
        final int l4 = ip + headerLength;
        final int l4Length = totalLength - headerLength;
        if (protocol == Ipv4Flyweight.PROTOCOL_ICMP)
        {
            if (broadcast)
            {
                // As Linux's icmp_echo_ignore_broadcasts: a broadcast ping is no one's business.
                counters.ipv4NotOurs.incrementRelease();
                return;
            }
            onIcmp(buffer, offset, l4, l4Length, source, destination);
            return;
        }
        if (protocol == Ipv4Flyweight.PROTOCOL_TCP)
        {
            // RFC 1122 section 4.2.3.10: TCP has nothing to do with broadcast datagrams.
            if (broadcast)
            {
                counters.ipv4NotOurs.incrementRelease();
                return;
            }
            if (l4Length < TCP_MIN_HEADER_LENGTH)
            {
                counters.transportTooShort.incrementRelease();
                return;
            }
            if (!isTransportChecksumAccepted(buffer, l4, l4Length, protocol, source, destination, flags))
            {
                counters.tcpBadChecksum.incrementRelease();
                return;
            }
        }
        else if (protocol == Ipv4Flyweight.PROTOCOL_UDP)
        {
            if (l4Length < UDP_HEADER_LENGTH)
            {
                counters.transportTooShort.incrementRelease();
                return;
            }
            // A zero UDP checksum means the sender computed none (RFC 768).
            if (buffer.getShort(l4 + UDP_CHECKSUM_OFFSET, ByteOrder.BIG_ENDIAN) != 0 &&
                !isTransportChecksumAccepted(buffer, l4, l4Length, protocol, source, destination, flags))
            {
                counters.udpBadChecksum.incrementRelease();
                return;
            }
        }

        final Ipv4Handler handler = handlers[protocol];
        if (handler == null)
        {
            counters.ipv4NoHandler.incrementRelease();
            return;
        }
        counters.ipv4Delivered.incrementRelease();
        handler.onDatagram(source, destination, buffer, l4, l4Length, nowNs);
    }

    private void onIcmp(
        final DirectBuffer buffer, final int frameOffset, final int l4, final int l4Length, final int source, final int destination)
    {
        if (l4Length < IcmpFlyweight.HEADER_LENGTH)
        {
            counters.icmpMalformed.incrementRelease();
            return;
        }
        icmp.wrap(buffer, l4);
        if (!icmp.isChecksumValid(l4Length))
        {
            counters.icmpBadChecksum.incrementRelease();
            return;
        }
        if (icmp.type() != IcmpFlyweight.TYPE_ECHO_REQUEST || icmp.code() != 0)
        {
            counters.icmpOther.incrementRelease();
            return;
        }

        // Reply to the MAC the request came from: the sender, or the router it came through. No
        // ARP resolution needed, and the reply goes back the way the request came.
        final int frameLength = Math.max(MIN_FRAME_LENGTH, L4_OFFSET + l4Length);
        final int offset = output.claim(frameLength);
        if (offset < 0)
        {
            counters.txFull.incrementRelease();
            return;
        }
        final MutableDirectBuffer out = output.buffer();
        out.putBytes(offset + L4_OFFSET, buffer, l4, l4Length);
        zeroPadding(out, offset, L4_OFFSET + l4Length, frameLength);
        txEthernet.wrap(out, offset)
            .destination(EthernetFlyweight.readMac(buffer, frameOffset + EthernetFlyweight.SOURCE_OFFSET))
            .source(macFor(destination))
            .etherType(EthernetFlyweight.ETHER_TYPE_IPV4);
        txIpv4.wrap(out, offset + IP_OFFSET).write(
            Ipv4Flyweight.MIN_HEADER_LENGTH + l4Length, nextIdentification(), Ipv4Flyweight.DEFAULT_TTL,
            Ipv4Flyweight.PROTOCOL_ICMP, destination, source);
        txIcmp.wrap(out, offset + L4_OFFSET).type(IcmpFlyweight.TYPE_ECHO_REPLY).code(0).updateChecksum(l4Length);
        output.commit(offset);
        counters.icmpEchoReplies.incrementRelease();
    }

    private void onOtherEtherType(final int etherType, final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        for (int i = 0; i < etherTypeHandlerCount; i++)
        {
            if (etherTypes[i] == etherType && etherTypeHandlers[i] != null)
            {
                etherTypeHandlers[i].onFrame(buffer, offset, length, flags);
                return;
            }
        }
        counters.otherEtherTypeFrames.incrementRelease();
    }

    // ---------------------------------------------------------------------------------------------
    // Send
    // ---------------------------------------------------------------------------------------------

    public int claim(final int sourceIp, final int destinationIp, final int protocol, final int length)
    {
        if (length < 0 || length > MTU - Ipv4Flyweight.MIN_HEADER_LENGTH)
        {
            counters.ipv4TxTooLong.incrementRelease();
            return -1;
        }
        final long nextHopMac;
        if (destinationIp == Ipv4Flyweight.BROADCAST || (destinationIp == directedBroadcast && directedBroadcast != 0))
        {
            nextHopMac = MacAddress.BROADCAST;
        }
        else
        {
            final int nextHop;
            if (network.contains(destinationIp))
            {
                nextHop = destinationIp;
            }
            else if (gateway != 0)
            {
                nextHop = gateway;
            }
            else
            {
                counters.ipv4TxNoRoute.incrementRelease();
                return -1;
            }
            nextHopMac = arpCache.resolve(nextHop, nowNs);
            if (nextHopMac == ArpCache.NONE)
            {
                counters.ipv4TxUnresolved.incrementRelease();
                return -1;
            }
        }

        final int frameLength = Math.max(MIN_FRAME_LENGTH, L4_OFFSET + length);
        final int offset = output.claim(frameLength);
        if (offset < 0)
        {
            counters.txFull.incrementRelease();
            return -1;
        }
        claimOffset = offset;
        claimFrameLength = frameLength;
        claimMac = nextHopMac;
        claimSourceMac = macFor(sourceIp);
        claimSource = sourceIp;
        claimDestination = destinationIp;
        claimProtocol = protocol;
        claimLength = length;
        return offset + L4_OFFSET;
    }

    public MutableDirectBuffer buffer()
    {
        return output.buffer();
    }

    public void commit()
    {
        final int offset = claimOffset;
        if (offset < 0)
        {
            throw new IllegalStateException("commit() without a successful claim()");
        }
        claimOffset = -1;
        final MutableDirectBuffer out = output.buffer();
        final int l4 = offset + L4_OFFSET;
        zeroPadding(out, offset, L4_OFFSET + claimLength, claimFrameLength);
        txEthernet.wrap(out, offset).destination(claimMac).source(claimSourceMac).etherType(EthernetFlyweight.ETHER_TYPE_IPV4);
        txIpv4.wrap(out, offset + IP_OFFSET).write(
            Ipv4Flyweight.MIN_HEADER_LENGTH + claimLength, nextIdentification(), Ipv4Flyweight.DEFAULT_TTL,
            claimProtocol, claimSource, claimDestination);
        if (claimProtocol == Ipv4Flyweight.PROTOCOL_TCP && claimLength >= TCP_CHECKSUM_OFFSET + 2 && nicFillsTcpChecksums)
        {
            // As Linux's CHECKSUM_PARTIAL: the field holds the pseudo-header's sum, the NIC adds the segment's.
            out.putShort(l4 + TCP_CHECKSUM_OFFSET,
                (short)pseudoHeaderSum(claimLength, claimProtocol, claimSource, claimDestination), ByteOrder.BIG_ENDIAN);
            output.commit(offset, FrameFlags.FILL_CHECKSUM);
            counters.tcpChecksumFilledByNic.incrementRelease();
        }
        else
        {
            if (claimProtocol == Ipv4Flyweight.PROTOCOL_TCP && claimLength >= TCP_CHECKSUM_OFFSET + 2)
            {
                writeTransportChecksum(out, l4, TCP_CHECKSUM_OFFSET);
            }
            else if (claimProtocol == Ipv4Flyweight.PROTOCOL_UDP && claimLength >= UDP_CHECKSUM_OFFSET + 2)
            {
                writeTransportChecksum(out, l4, UDP_CHECKSUM_OFFSET);
            }
            output.commit(offset);
        }
        counters.ipv4Sent.incrementRelease();
    }

    private void writeTransportChecksum(final MutableDirectBuffer out, final int l4, final int checksumOffset)
    {
        out.putShort(l4 + checksumOffset, (short)0, ByteOrder.BIG_ENDIAN);
        int checksum = transportChecksum(out, l4, claimLength, claimProtocol, claimSource, claimDestination);
        if (claimProtocol == Ipv4Flyweight.PROTOCOL_UDP && checksum == 0)
        {
            checksum = 0xFFFF;
        }
        out.putShort(l4 + checksumOffset, (short)checksum, ByteOrder.BIG_ENDIAN);
    }

    /**
     * The TCP/UDP checksum over the IPv4 pseudo-header (source, destination, zero, protocol, length)
     * and the transport header and payload. Over a segment whose checksum field holds the checksum,
     * the result is zero.
     */
    public static int transportChecksum(
        final DirectBuffer buffer, final int l4, final int l4Length, final int protocol, final int source, final int destination)
    {
        long sum = (source >>> 16) + (source & 0xFFFF) + (destination >>> 16) + (destination & 0xFFFF);
        sum += protocol + l4Length;
        return Checksums.finish(Checksums.sum(buffer, l4, l4Length, sum));
    }

    /**
     * The pseudo-header's one's complement sum, folded to 16 bits and not complemented: what a segment's checksum
     * field holds for a NIC that fills it in (Linux's CHECKSUM_PARTIAL, DPDK's {@code rte_ipv4_phdr_cksum}).
     */
    public static int pseudoHeaderSum(final int l4Length, final int protocol, final int source, final int destination)
    {
        long sum = (source >>> 16) + (source & 0xFFFF) + (destination >>> 16) + (destination & 0xFFFF);
        sum += protocol + l4Length;
        return ~Checksums.finish(sum) & 0xFFFF;
    }

    /**
     * A received TCP or UDP datagram's checksum: the NIC's verdict where it gave one ({@link FrameFlags#CHECKSUM_BAD},
     * {@link FrameFlags#CHECKSUM_VERIFIED}), the field unfilled over intact data ({@link FrameFlags#CHECKSUM_PARTIAL}),
     * otherwise checked here.
     */
    private boolean isTransportChecksumAccepted(
        final DirectBuffer buffer,
        final int l4,
        final int l4Length,
        final int protocol,
        final int source,
        final int destination,
        final int flags)
    {
        if (FrameFlags.isChecksumBad(flags))
        {
            return false;
        }
        if (FrameFlags.isChecksumTrusted(flags))
        {
            if ((flags & FrameFlags.CHECKSUM_VERIFIED) != 0 && protocol == Ipv4Flyweight.PROTOCOL_TCP)
            {
                counters.tcpChecksumCheckedByNic.incrementRelease();
            }
            return true;
        }
        return transportChecksum(buffer, l4, l4Length, protocol, source, destination) == 0;
    }

    private boolean sendArpRequest(final int targetIp, final long destinationMac)
    {
        // Ask from the address on the target's link; the primary address is the on-link one.
        return sendArp(ArpFlyweight.OPERATION_REQUEST, destinationMac, mac, network.address(), 0, targetIp);
    }

    private boolean isExtraMac(final long candidate)
    {
        for (int i = 0; i < extraAddressCount; i++)
        {
            if (extraMacs[i] == candidate)
            {
                return true;
            }
        }
        return false;
    }

    private boolean sendArp(
        final int operation,
        final long destinationMac,
        final long senderMac,
        final int senderIp,
        final long targetMac,
        final int targetIp)
    {
        final int offset = output.claim(MIN_FRAME_LENGTH);
        if (offset < 0)
        {
            counters.txFull.incrementRelease();
            return false;
        }
        final MutableDirectBuffer out = output.buffer();
        out.setMemory(offset, MIN_FRAME_LENGTH, (byte)0);
        txEthernet.wrap(out, offset).destination(destinationMac).source(senderMac).etherType(EthernetFlyweight.ETHER_TYPE_ARP);
        txArp.wrap(out, offset + EthernetFlyweight.HEADER_LENGTH).write(operation, senderMac, senderIp, targetMac, targetIp);
        output.commit(offset);
        return true;
    }

    private int nextIdentification()
    {
        identification = (identification + 1) & 0xFFFF;
        return identification;
    }

    private static void zeroPadding(final MutableDirectBuffer out, final int offset, final int from, final int frameLength)
    {
        if (from < frameLength)
        {
            out.setMemory(offset + from, frameLength - from, (byte)0);
        }
    }
}
