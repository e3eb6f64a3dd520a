package io.ertcp.ffm.libc;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Constants and struct layouts of Linux's packet sockets (linux/if_packet.h) and the few socket,
 * ioctl and namespace values around them, for the x86-64 and arm64 ABIs (both LP64, little-endian).
 * <p>
 * The ring protocol follows the kernel's Documentation/networking/packet_mmap.rst: a TPACKET_V2 frame
 * starts with a {@code struct tpacket2_hdr} whose {@code tp_status} word passes ownership between
 * kernel and user. Offsets here are derived from the layouts, and a unit test pins them to the values
 * the kernel headers give, so a wrong layout fails the build instead of corrupting a ring.
 */
public final class LinuxPacket
{
    // Socket domain, type and protocol.
    public static final int AF_PACKET = 17;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    /** Every protocol; goes on the wire (and in sockaddr_ll) in network byte order. */
    public static final int ETH_P_ALL = 0x0003;

    // Socket option levels and options.
    public static final int SOL_SOCKET = 1;
    public static final int SO_RCVBUF = 8;
    public static final int SOL_PACKET = 263;
    public static final int PACKET_ADD_MEMBERSHIP = 1;
    public static final int PACKET_RX_RING = 5;
    public static final int PACKET_STATISTICS = 6;
    public static final int PACKET_VERSION = 10;
    public static final int PACKET_TX_RING = 13;
    public static final int PACKET_LOSS = 14;
    public static final int PACKET_QDISC_BYPASS = 20;
    public static final int PACKET_IGNORE_OUTGOING = 23;
    public static final int PACKET_MR_PROMISC = 1;
    public static final int TPACKET_V2 = 1;

    // tp_status bits of an RX frame.
    public static final int TP_STATUS_KERNEL = 0;
    public static final int TP_STATUS_USER = 1;
    public static final int TP_STATUS_COPY = 1 << 1;
    public static final int TP_STATUS_LOSING = 1 << 2;
    public static final int TP_STATUS_CSUMNOTREADY = 1 << 3;
    public static final int TP_STATUS_VLAN_VALID = 1 << 4;
    public static final int TP_STATUS_CSUM_VALID = 1 << 7;

    // tp_status values of a TX frame.
    public static final int TP_STATUS_AVAILABLE = 0;
    public static final int TP_STATUS_SEND_REQUEST = 1;
    public static final int TP_STATUS_SENDING = 1 << 1;
    public static final int TP_STATUS_WRONG_FORMAT = 1 << 2;

    /** Ring frames are aligned to this (TPACKET_ALIGNMENT). */
    public static final int TPACKET_ALIGNMENT = 16;

    // mmap, send, open, namespaces, sysconf.
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final long MAP_FAILED = -1L;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int O_RDONLY = 0;
    public static final int O_CLOEXEC = 0x80000;
    public static final int CLONE_NEWNET = 0x40000000;
    public static final int SC_PAGESIZE = 30;
    public static final short POLLIN = 1;
    public static final short POLLOUT = 4;

    // Interface ioctls (on any socket) and flags.
    public static final long SIOCGIFFLAGS = 0x8913;
    public static final long SIOCGIFHWADDR = 0x8927;
    public static final int IFF_UP = 1;
    public static final int IFNAMSIZ = 16;

    // errno values a port explains to its user.
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOBUFS = 105;
    public static final int ENOPROTOOPT = 92;
    public static final int EAFNOSUPPORT = 97;
    public static final int ENETDOWN = 100;
    public static final int ENXIO = 6;

    /** struct tpacket2_hdr: the header at the start of every TPACKET_V2 ring frame. */
    public static final StructLayout TPACKET2_HDR = MemoryLayout.structLayout(
        JAVA_INT.withName("tp_status"),
        JAVA_INT.withName("tp_len"),
        JAVA_INT.withName("tp_snaplen"),
        JAVA_SHORT.withName("tp_mac"),
        JAVA_SHORT.withName("tp_net"),
        JAVA_INT.withName("tp_sec"),
        JAVA_INT.withName("tp_nsec"),
        JAVA_SHORT.withName("tp_vlan_tci"),
        JAVA_SHORT.withName("tp_vlan_tpid"),
        MemoryLayout.sequenceLayout(4, JAVA_BYTE).withName("tp_padding")).withName("tpacket2_hdr");

    public static final int TP_STATUS_OFFSET = offset(TPACKET2_HDR, "tp_status");
    public static final int TP_LEN_OFFSET = offset(TPACKET2_HDR, "tp_len");
    public static final int TP_SNAPLEN_OFFSET = offset(TPACKET2_HDR, "tp_snaplen");
    public static final int TP_MAC_OFFSET = offset(TPACKET2_HDR, "tp_mac");
    public static final int TP_NET_OFFSET = offset(TPACKET2_HDR, "tp_net");

    /** struct sockaddr_ll: a link-layer address for bind and sendto. */
    public static final StructLayout SOCKADDR_LL = MemoryLayout.structLayout(
        JAVA_SHORT.withName("sll_family"),
        JAVA_SHORT.withName("sll_protocol"),
        JAVA_INT.withName("sll_ifindex"),
        JAVA_SHORT.withName("sll_hatype"),
        JAVA_BYTE.withName("sll_pkttype"),
        JAVA_BYTE.withName("sll_halen"),
        MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("sll_addr")).withName("sockaddr_ll");

    public static final int SLL_FAMILY_OFFSET = offset(SOCKADDR_LL, "sll_family");
    public static final int SLL_PROTOCOL_OFFSET = offset(SOCKADDR_LL, "sll_protocol");
    public static final int SLL_IFINDEX_OFFSET = offset(SOCKADDR_LL, "sll_ifindex");

    /**
     * TPACKET2_HDRLEN: the aligned tpacket2_hdr followed by a sockaddr_ll. A TX frame's data starts at
     * {@code TPACKET2_HDRLEN - sizeof(struct sockaddr_ll)} (packet_mmap.rst, "TX ring"; tpacket_fill_skb).
     */
    public static final int TPACKET2_HDRLEN = align((int)TPACKET2_HDR.byteSize()) + (int)SOCKADDR_LL.byteSize();
    public static final int TX_DATA_OFFSET = TPACKET2_HDRLEN - (int)SOCKADDR_LL.byteSize();

    /** struct tpacket_req: the geometry of one ring for PACKET_RX_RING and PACKET_TX_RING. */
    public static final StructLayout TPACKET_REQ = MemoryLayout.structLayout(
        JAVA_INT.withName("tp_block_size"),
        JAVA_INT.withName("tp_block_nr"),
        JAVA_INT.withName("tp_frame_size"),
        JAVA_INT.withName("tp_frame_nr")).withName("tpacket_req");

    public static final int TP_BLOCK_SIZE_OFFSET = offset(TPACKET_REQ, "tp_block_size");
    public static final int TP_BLOCK_NR_OFFSET = offset(TPACKET_REQ, "tp_block_nr");
    public static final int TP_FRAME_SIZE_OFFSET = offset(TPACKET_REQ, "tp_frame_size");
    public static final int TP_FRAME_NR_OFFSET = offset(TPACKET_REQ, "tp_frame_nr");

    /** struct packet_mreq: a membership, such as promiscuous mode, for PACKET_ADD_MEMBERSHIP. */
    public static final StructLayout PACKET_MREQ = MemoryLayout.structLayout(
        JAVA_INT.withName("mr_ifindex"),
        JAVA_SHORT.withName("mr_type"),
        JAVA_SHORT.withName("mr_alen"),
        MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("mr_address")).withName("packet_mreq");

    public static final int MR_IFINDEX_OFFSET = offset(PACKET_MREQ, "mr_ifindex");
    public static final int MR_TYPE_OFFSET = offset(PACKET_MREQ, "mr_type");

    /** struct tpacket_stats: PACKET_STATISTICS; reading it resets both counts. */
    public static final StructLayout TPACKET_STATS = MemoryLayout.structLayout(
        JAVA_INT.withName("tp_packets"),
        JAVA_INT.withName("tp_drops")).withName("tpacket_stats");

    public static final int TP_PACKETS_OFFSET = offset(TPACKET_STATS, "tp_packets");
    public static final int TP_DROPS_OFFSET = offset(TPACKET_STATS, "tp_drops");

    /**
     * struct ifreq as SIOCGIFFLAGS and SIOCGIFHWADDR use it: the name, then a union whose first
     * bytes are either {@code ifr_flags} or the {@code ifr_hwaddr} sockaddr (family, then the address).
     */
    public static final StructLayout IFREQ = MemoryLayout.structLayout(
        MemoryLayout.sequenceLayout(IFNAMSIZ, JAVA_BYTE).withName("ifr_name"),
        JAVA_SHORT.withName("ifr_flags_or_hwaddr_family"),
        MemoryLayout.sequenceLayout(22, JAVA_BYTE).withName("ifr_union_rest")).withName("ifreq");

    public static final int IFR_FLAGS_OFFSET = offset(IFREQ, "ifr_flags_or_hwaddr_family");
    public static final int IFR_HWADDR_DATA_OFFSET = offset(IFREQ, "ifr_union_rest");

    /** struct pollfd. */
    public static final StructLayout POLLFD = MemoryLayout.structLayout(
        JAVA_INT.withName("fd"),
        JAVA_SHORT.withName("events"),
        JAVA_SHORT.withName("revents")).withName("pollfd");

    public static final int POLLFD_FD_OFFSET = offset(POLLFD, "fd");
    public static final int POLLFD_EVENTS_OFFSET = offset(POLLFD, "events");
    public static final int POLLFD_REVENTS_OFFSET = offset(POLLFD, "revents");

    private LinuxPacket()
    {
    }

    /**
     * TPACKET_ALIGN: round up to {@link #TPACKET_ALIGNMENT}.
     */
    public static int align(final int length)
    {
        return (length + TPACKET_ALIGNMENT - 1) & -TPACKET_ALIGNMENT;
    }

    /**
     * htons for a 16-bit value held in an int.
     */
    public static short htons(final int value)
    {
        return Short.reverseBytes((short)value);
    }

    private static int offset(final StructLayout layout, final String field)
    {
        return (int)layout.byteOffset(groupElement(field));
    }
}
