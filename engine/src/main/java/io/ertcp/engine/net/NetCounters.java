package io.ertcp.engine.net;

import io.ertcp.engine.counters.Counters;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * What an {@link Ipv4Layer} counts: every frame it drops has a named reason here, since the hot path
 * logs nothing and throws nothing. Written by the layer's thread, read from any (the CLI, tests).
 */
public final class NetCounters
{
    // Ethernet
    /** Frames the port cut short ({@link io.ertcp.engine.port.FrameFlags#TRUNCATED}). */
    public final AtomicCounter truncatedFrames;
    /** Frames shorter than the header of their kind. */
    public final AtomicCounter runtFrames;
    /** Unicast frames for another MAC and group frames other than broadcast: ignored. */
    public final AtomicCounter otherMacFrames;
    /** Frames of an EtherType nobody registered for. */
    public final AtomicCounter otherEtherTypeFrames;

    // ARP
    public final AtomicCounter arpReplies;
    public final AtomicCounter arpRequestsSent;
    /** Not Ethernet/IPv4 ARP, or a group sender MAC. */
    public final AtomicCounter arpMalformed;
    /** ARP from another MAC claiming one of our addresses. */
    public final AtomicCounter arpConflicts;
    public final AtomicCounter arpPendingFull;
    public final AtomicCounter arpEvicted;

    // IPv4 receive
    public final AtomicCounter ipv4Delivered;
    public final AtomicCounter ipv4BadVersion;
    public final AtomicCounter ipv4BadHeaderLength;
    public final AtomicCounter ipv4BadHeaderChecksum;
    /** Total length shorter than the header or longer than the frame. */
    public final AtomicCounter ipv4BadTotalLength;
    public final AtomicCounter ipv4TtlZero;
    /** Source multicast, broadcast or class E. */
    public final AtomicCounter ipv4BadSource;
    /** Destination none of our addresses (or broadcast for a protocol that takes none). */
    public final AtomicCounter ipv4NotOurs;
    /** Fragments: this stack never reassembles (its peers send with DF and a fitting MSS). */
    public final AtomicCounter ipv4Fragments;
    public final AtomicCounter ipv4NoHandler;
    /** TCP or UDP datagrams too short for their header. */
    public final AtomicCounter transportTooShort;
    public final AtomicCounter tcpBadChecksum;
    public final AtomicCounter udpBadChecksum;
    /** TCP segments whose checksum the NIC checked ({@link io.ertcp.engine.port.FrameFlags#CHECKSUM_VERIFIED}). */
    public final AtomicCounter tcpChecksumCheckedByNic;

    // ICMP
    public final AtomicCounter icmpEchoReplies;
    public final AtomicCounter icmpMalformed;
    public final AtomicCounter icmpBadChecksum;
    /** ICMP messages other than echo requests: ignored. */
    public final AtomicCounter icmpOther;

    // IPv4 send
    public final AtomicCounter ipv4Sent;
    /** TCP segments sent for the NIC to fill the checksum in ({@link io.ertcp.engine.port.FrameFlags#FILL_CHECKSUM}). */
    public final AtomicCounter tcpChecksumFilledByNic;
    /** Claims refused because the next hop's MAC is not known yet. */
    public final AtomicCounter ipv4TxUnresolved;
    /** Claims refused because the destination is off-link and there is no gateway. */
    public final AtomicCounter ipv4TxNoRoute;
    /** Claims refused because the datagram would not fit the MTU. */
    public final AtomicCounter ipv4TxTooLong;
    /** Frames not sent because the transmit burst was full. */
    public final AtomicCounter txFull;

    /**
     * @param counters where the counters are allocated.
     * @param name     prefixes each label, such as the port's name.
     */
    public NetCounters(final Counters counters, final String name)
    {
        truncatedFrames = counters.newCounter(name + " truncated-frames");
        runtFrames = counters.newCounter(name + " runt-frames");
        otherMacFrames = counters.newCounter(name + " other-mac-frames");
        otherEtherTypeFrames = counters.newCounter(name + " other-ethertype-frames");
        arpReplies = counters.newCounter(name + " arp-replies");
        arpRequestsSent = counters.newCounter(name + " arp-requests-sent");
        arpMalformed = counters.newCounter(name + " arp-malformed");
        arpConflicts = counters.newCounter(name + " arp-conflicts");
        arpPendingFull = counters.newCounter(name + " arp-pending-full");
        arpEvicted = counters.newCounter(name + " arp-evicted");
        ipv4Delivered = counters.newCounter(name + " ipv4-delivered");
        ipv4BadVersion = counters.newCounter(name + " ipv4-bad-version");
        ipv4BadHeaderLength = counters.newCounter(name + " ipv4-bad-header-length");
        ipv4BadHeaderChecksum = counters.newCounter(name + " ipv4-bad-header-checksum");
        ipv4BadTotalLength = counters.newCounter(name + " ipv4-bad-total-length");
        ipv4TtlZero = counters.newCounter(name + " ipv4-ttl-zero");
        ipv4BadSource = counters.newCounter(name + " ipv4-bad-source");
        ipv4NotOurs = counters.newCounter(name + " ipv4-not-ours");
        ipv4Fragments = counters.newCounter(name + " ipv4-fragments");
        ipv4NoHandler = counters.newCounter(name + " ipv4-no-handler");
        transportTooShort = counters.newCounter(name + " transport-too-short");
        tcpBadChecksum = counters.newCounter(name + " tcp-bad-checksum");
        udpBadChecksum = counters.newCounter(name + " udp-bad-checksum");
        tcpChecksumCheckedByNic = counters.newCounter(name + " tcp-checksum-checked-by-nic");
        icmpEchoReplies = counters.newCounter(name + " icmp-echo-replies");
        icmpMalformed = counters.newCounter(name + " icmp-malformed");
        icmpBadChecksum = counters.newCounter(name + " icmp-bad-checksum");
        icmpOther = counters.newCounter(name + " icmp-other");
        ipv4Sent = counters.newCounter(name + " ipv4-sent");
        tcpChecksumFilledByNic = counters.newCounter(name + " tcp-checksum-filled-by-nic");
        ipv4TxUnresolved = counters.newCounter(name + " ipv4-tx-unresolved");
        ipv4TxNoRoute = counters.newCounter(name + " ipv4-tx-no-route");
        ipv4TxTooLong = counters.newCounter(name + " ipv4-tx-too-long");
        txFull = counters.newCounter(name + " tx-full");
    }
}
