package io.ertcp.engine.port;

import io.ertcp.engine.counters.Counters;
import io.ertcp.ffm.NativeLibraryException;
import io.ertcp.ffm.libc.Libc;
import io.ertcp.ffm.libc.LinuxPacket;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.ertcp.ffm.libc.LinuxPacket.TP_LEN_OFFSET;
import static io.ertcp.ffm.libc.LinuxPacket.TP_MAC_OFFSET;
import static io.ertcp.ffm.libc.LinuxPacket.TP_SNAPLEN_OFFSET;
import static io.ertcp.ffm.libc.LinuxPacket.TP_STATUS_OFFSET;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A {@link PacketPort} on a Linux interface through an AF_PACKET socket with memory-mapped TPACKET_V2
 * RX and TX rings (the kernel's Documentation/networking/packet_mmap.rst): the datapath for machines
 * without DPDK, and for veths between network namespaces on one host.
 * <p>
 * Both rings are mapped once, RX first then TX, as packet_mmap.rst asks when one socket has both.
 * Receive walks the RX ring and hands every frame the kernel marked TP_STATUS_USER to the handler in
 * place, through one {@link UnsafeBuffer} over the mapping, then gives the slot back with a release
 * store of TP_STATUS_KERNEL: no copy, no allocation and no syscall while frames are waiting. Transmit
 * claims the next TP_STATUS_AVAILABLE slot of the TX ring, the caller writes the frame in place,
 * commit marks it TP_STATUS_SEND_REQUEST, and {@link #flush()} kicks the whole burst with one
 * {@code sendto(MSG_DONTWAIT)}.
 * <p>
 * The socket is bound to one interface for every protocol (ETH_P_ALL) in promiscuous mode, and asks
 * with PACKET_IGNORE_OUTGOING not to see frames leaving the interface, so neither its own frames nor
 * the host's come back to it. It belongs to the network namespace of the thread that opened it.
 * Owned by one thread, like every port.
 */
public final class AfPacketPort implements PacketPort
{
    /**
     * Bytes per ring slot. A received frame starts at tp_mac = TPACKET_ALIGN(TPACKET2_HDRLEN + 16) - 14
     * = 66 (tpacket_rcv), so a slot holds frames up to 1982 bytes, a full 1514-byte frame with room to
     * spare; longer frames (GSO super-frames from a veth with offloads on, jumbo frames) arrive
     * truncated and flagged. A transmitted frame starts at {@link LinuxPacket#TX_DATA_OFFSET}.
     */
    public static final int FRAME_SIZE = 2048;

    /**
     * Slots per ring by default: 1024 slots of 2 KiB, 2 MiB per ring. At 10 Gb/s that is about 1.2 ms
     * of full-size frames, room for a polling agent that is descheduled for a moment; on a veth it
     * absorbs a sender's whole TX ring in one burst.
     */
    public static final int DEFAULT_RING_FRAMES = 1024;

    private static final int MAX_RING_FRAMES = 1 << 18;
    private static final int MIN_FRAME_LENGTH = 14;
    private static final int SO_SNDBUFFORCE = 32;
    private static final int SO_SNDBUF = 7;
    private static final int MAP_POPULATE = 0x8000;

    private final String name;
    private final long macAddress;
    private final PortCounters counters;
    private final Libc libc;
    private final Arena arena;
    private final int fd;
    private final MemorySegment mapping;
    private final MemorySegment statistics;
    private final MemorySegment statisticsLength;
    private final MemorySegment pollFd;
    private final UnsafeBuffer rxBuffer;
    private final UnsafeBuffer txBuffer;
    private final int rxMask;
    private final int txFrames;
    private final int txMask;

    /** The next RX slot the kernel fills, in ring order. */
    private int rxIndex;
    /** The next TX slot to claim; every slot from txFlushStart up to it is committed and unflushed. */
    private int txTail;
    /** The first committed TX slot not yet taken by the kernel: where the kernel's TX head stands. */
    private int txFlushStart;
    /** Committed frames not yet taken by the kernel, at most txFrames. */
    private int txPending;
    /** The length of the outstanding claim, or -1 when there is none. */
    private int claimedLength = -1;
    private boolean closed;

    private AfPacketPort(
        final String name,
        final long macAddress,
        final PortCounters counters,
        final Libc libc,
        final Arena arena,
        final int fd,
        final MemorySegment mapping,
        final int rxFrames,
        final int txFrames)
    {
        this.name = name;
        this.macAddress = macAddress;
        this.counters = counters;
        this.libc = libc;
        this.arena = arena;
        this.fd = fd;
        this.mapping = mapping;
        this.statistics = arena.allocate(LinuxPacket.TPACKET_STATS);
        this.statisticsLength = arena.allocate(JAVA_INT);
        this.pollFd = arena.allocate(LinuxPacket.POLLFD);
        pollFd.set(JAVA_INT, LinuxPacket.POLLFD_FD_OFFSET, fd);
        pollFd.set(JAVA_SHORT, LinuxPacket.POLLFD_EVENTS_OFFSET, LinuxPacket.POLLIN);
        final long rxBytes = (long)rxFrames * FRAME_SIZE;
        this.rxBuffer = new UnsafeBuffer(mapping.address(), (int)rxBytes);
        this.txBuffer = new UnsafeBuffer(mapping.address() + rxBytes, txFrames * FRAME_SIZE);
        this.rxMask = rxFrames - 1;
        this.txFrames = txFrames;
        this.txMask = txFrames - 1;
    }

    /**
     * Open a port on an interface of the calling thread's network namespace, with
     * {@link #DEFAULT_RING_FRAMES} slots in each ring.
     *
     * @param iface    the interface, such as {@code veth0}; it must be up.
     * @param counters where the port's counters are allocated.
     * @throws PortException with one sentence saying what is wrong and how to fix it.
     */
    public static AfPacketPort open(final String iface, final Counters counters)
    {
        return open(iface, counters, DEFAULT_RING_FRAMES, DEFAULT_RING_FRAMES);
    }

    /**
     * Open a port on an interface of the calling thread's network namespace.
     *
     * @param iface    the interface, such as {@code veth0}; it must be up.
     * @param counters where the port's counters are allocated.
     * @param rxFrames slots in the RX ring, a power of two of at least 2.
     * @param txFrames slots in the TX ring, a power of two of at least 2.
     * @throws PortException with one sentence saying what is wrong and how to fix it.
     */
    public static AfPacketPort open(final String iface, final Counters counters, final int rxFrames, final int txFrames)
    {
        checkRingFrames("rx", rxFrames);
        checkRingFrames("tx", txFrames);
        if (iface.isEmpty() || iface.length() >= LinuxPacket.IFNAMSIZ)
        {
            throw new PortException("interface name '" + iface + "' is not valid: Linux interface names have 1 to " +
                (LinuxPacket.IFNAMSIZ - 1) + " characters.");
        }

        final Libc libc = newLibc();
        final Arena arena = Arena.ofShared();
        int fd = -1;
        MemorySegment mapping = MemorySegment.NULL;
        final long rxBytes = (long)rxFrames * FRAME_SIZE;
        final long mappingBytes = rxBytes + (long)txFrames * FRAME_SIZE;
        try
        {
            final int ifindex = libc.ifNameToIndex(arena.allocateFrom(iface));
            if (ifindex == 0)
            {
                throw new PortException("interface " + iface + " does not exist in this network namespace: check " +
                    "`ip link`, or run inside the node's namespace with ip netns exec NS");
            }

            // Protocol 0: nothing is queued until bind() names ETH_P_ALL, after the rings exist.
            fd = libc.socket(
                LinuxPacket.AF_PACKET, LinuxPacket.SOCK_RAW | LinuxPacket.SOCK_NONBLOCK | LinuxPacket.SOCK_CLOEXEC, 0);
            if (fd < 0)
            {
                final int errno = libc.errno();
                if (errno == LinuxPacket.EPERM || errno == LinuxPacket.EACCES)
                {
                    throw new PortException("AF_PACKET needs CAP_NET_RAW: run as root or grant the capability " +
                        "with setcap cap_net_raw+ep");
                }
                if (errno == LinuxPacket.EAFNOSUPPORT)
                {
                    throw new PortException("this kernel has no AF_PACKET sockets: load them with modprobe " +
                        "af_packet, or use a kernel built with CONFIG_PACKET.");
                }
                throw failure("could not open an AF_PACKET socket for " + iface, errno, "run as root");
            }

            final MemorySegment ifreq = arena.allocate(LinuxPacket.IFREQ);
            ifreq.setString(0, iface);
            if (libc.ioctl(fd, LinuxPacket.SIOCGIFFLAGS, ifreq) != 0)
            {
                throw failure("could not read the flags of interface " + iface, libc.errno(), "check `ip link`");
            }
            if ((ifreq.get(JAVA_SHORT, LinuxPacket.IFR_FLAGS_OFFSET) & LinuxPacket.IFF_UP) == 0)
            {
                throw new PortException("interface " + iface + " is down: bring it up with ip link set " + iface +
                    " up.");
            }
            if (libc.ioctl(fd, LinuxPacket.SIOCGIFHWADDR, ifreq) != 0)
            {
                throw failure("could not read the MAC address of interface " + iface, libc.errno(), "check `ip link`");
            }
            long mac = 0;
            for (int i = 0; i < 6; i++)
            {
                mac = (mac << 8) | (ifreq.get(JAVA_BYTE, LinuxPacket.IFR_HWADDR_DATA_OFFSET + i) & 0xFFL);
            }

            final MemorySegment value = arena.allocate(JAVA_INT);
            if (setInt(libc, fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_VERSION, LinuxPacket.TPACKET_V2, value) != 0)
            {
                throw failure("this kernel refuses TPACKET_V2 rings", libc.errno(),
                    "AF_PACKET ports need Linux 2.6.27 or later with PACKET_MMAP");
            }
            if (setInt(libc, fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_IGNORE_OUTGOING, 1, value) != 0)
            {
                throw failure("this kernel refuses PACKET_IGNORE_OUTGOING", libc.errno(),
                    "AF_PACKET ports need Linux 4.20 or later");
            }
            // Optional: skip the qdisc layer on transmit (packet_mmap.rst, "PACKET_QDISC_BYPASS"); frames
            // sent this way are not seen by packet taps such as tcpdump on this host.
            setInt(libc, fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_QDISC_BYPASS, 1, value);
            // Optional: every TX slot in flight holds socket send buffer; let a full ring be in flight so a
            // burst is not cut short with EAGAIN. SO_SNDBUFFORCE needs CAP_NET_ADMIN; SO_SNDBUF is capped.
            final int sendBuffer = (int)Math.min(Integer.MAX_VALUE / 2, 2L * txFrames * FRAME_SIZE);
            if (setInt(libc, fd, LinuxPacket.SOL_SOCKET, SO_SNDBUFFORCE, sendBuffer, value) != 0)
            {
                setInt(libc, fd, LinuxPacket.SOL_SOCKET, SO_SNDBUF, sendBuffer, value);
            }

            final int pageSize = (int)libc.sysconf(LinuxPacket.SC_PAGESIZE);
            final int blockSize = Math.max(pageSize, FRAME_SIZE);
            setRing(libc, arena, fd, LinuxPacket.PACKET_RX_RING, "rx", rxFrames, blockSize);
            setRing(libc, arena, fd, LinuxPacket.PACKET_TX_RING, "tx", txFrames, blockSize);

            mapping = libc.mmap(mappingBytes, LinuxPacket.PROT_READ | LinuxPacket.PROT_WRITE,
                LinuxPacket.MAP_SHARED | MAP_POPULATE, fd, 0);
            if (mapping.equals(MemorySegment.NULL))
            {
                throw failure("could not map the rings of " + iface + " (" + mappingBytes + " bytes)", libc.errno(),
                    "use fewer ring frames or raise the memory limit");
            }

            final MemorySegment address = arena.allocate(LinuxPacket.SOCKADDR_LL);
            address.set(JAVA_SHORT, LinuxPacket.SLL_FAMILY_OFFSET, (short)LinuxPacket.AF_PACKET);
            address.set(JAVA_SHORT, LinuxPacket.SLL_PROTOCOL_OFFSET, LinuxPacket.htons(LinuxPacket.ETH_P_ALL));
            address.set(JAVA_INT, LinuxPacket.SLL_IFINDEX_OFFSET, ifindex);
            if (libc.bind(fd, address, (int)LinuxPacket.SOCKADDR_LL.byteSize()) != 0)
            {
                final int errno = libc.errno();
                if (errno == LinuxPacket.ENETDOWN)
                {
                    throw new PortException("interface " + iface + " is down: bring it up with ip link set " +
                        iface + " up.");
                }
                throw failure("could not bind an AF_PACKET socket to " + iface, errno, "check `ip link`");
            }

            final MemorySegment membership = arena.allocate(LinuxPacket.PACKET_MREQ);
            membership.set(JAVA_INT, LinuxPacket.MR_IFINDEX_OFFSET, ifindex);
            membership.set(JAVA_SHORT, LinuxPacket.MR_TYPE_OFFSET, (short)LinuxPacket.PACKET_MR_PROMISC);
            if (libc.setsockopt(fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_ADD_MEMBERSHIP, membership,
                (int)LinuxPacket.PACKET_MREQ.byteSize()) != 0)
            {
                throw failure("could not put " + iface + " in promiscuous mode", libc.errno(), "run as root");
            }

            final String name = "af-packet:" + iface;
            return new AfPacketPort(name, mac, new PortCounters(counters, name), libc, arena, fd, mapping,
                rxFrames, txFrames);
        }
        catch (final RuntimeException ex)
        {
            if (!mapping.equals(MemorySegment.NULL))
            {
                libc.munmap(mapping, mappingBytes);
            }
            if (fd >= 0)
            {
                libc.close(fd);
            }
            arena.close();
            libc.free();
            throw ex;
        }
    }

    public String name()
    {
        return name;
    }

    public long macAddress()
    {
        return macAddress;
    }

    /**
     * {@inheritDoc}
     * <p>
     * Frames flagged {@link FrameFlags#TRUNCATED} are delivered and also counted as rx-dropped. When
     * the kernel marks a frame TP_STATUS_LOSING (it dropped frames since the last look, the ring being
     * full), one PACKET_STATISTICS read folds its drop count into rx-dropped: the only syscall
     * receive makes, and only after a loss.
     */
    public int receive(final FrameHandler handler, final int limit)
    {
        checkOpen();
        final UnsafeBuffer buffer = rxBuffer;
        int received = 0;
        while (received < limit)
        {
            final int slot = rxIndex * FRAME_SIZE;
            // Acquire: the frame's bytes and header are visible once the kernel's status store is (packet_mmap.rst).
            final int status = buffer.getIntVolatile(slot + TP_STATUS_OFFSET);
            if ((status & LinuxPacket.TP_STATUS_USER) == 0)
            {
                break;
            }

            final int length = buffer.getInt(slot + TP_LEN_OFFSET);
            final int snapLength = buffer.getInt(slot + TP_SNAPLEN_OFFSET);
            final int frameOffset = slot + (buffer.getShort(slot + TP_MAC_OFFSET) & 0xFFFF);
            int flags = 0;
            if ((status & LinuxPacket.TP_STATUS_CSUMNOTREADY) != 0)
            {
                flags |= FrameFlags.CHECKSUM_PARTIAL;
            }
            if (snapLength < length)
            {
                flags |= FrameFlags.TRUNCATED;
                counters.onRxDropped(1);
            }
            if ((status & LinuxPacket.TP_STATUS_LOSING) != 0)
            {
                foldKernelDrops();
            }

            counters.onReceived(snapLength);
            try
            {
                handler.onFrame(buffer, frameOffset, snapLength, flags);
            }
            finally
            {
                buffer.putIntRelease(slot + TP_STATUS_OFFSET, LinuxPacket.TP_STATUS_KERNEL);
                rxIndex = (rxIndex + 1) & rxMask;
            }
            received++;
        }

        return received;
    }

    @Override
    public boolean canAwaitFrames()
    {
        return true;
    }

    /**
     * Block until the RX ring holds a frame or the timeout passes: for a thread that shares its core
     * and would rather sleep than spin when the wire is idle. Returns at once, without a syscall, when
     * a frame is already waiting. Allocates nothing.
     *
     * @param timeoutMs the longest wait, 0 to only look, -1 to wait for ever.
     * @return true when a frame is waiting.
     */
    @Override
    public boolean awaitFrames(final int timeoutMs)
    {
        checkOpen();
        if ((rxBuffer.getIntVolatile(rxIndex * FRAME_SIZE + TP_STATUS_OFFSET) & LinuxPacket.TP_STATUS_USER) != 0)
        {
            return true;
        }
        // packet_poll reports POLLIN when the slot before the kernel's RX head is not TP_STATUS_KERNEL,
        // that is when a filled frame awaits the user.
        final int ready = libc.poll(pollFd, 1, timeoutMs);
        return ready > 0 &&
            (rxBuffer.getIntVolatile(rxIndex * FRAME_SIZE + TP_STATUS_OFFSET) & LinuxPacket.TP_STATUS_USER) != 0;
    }

    /** @return whether the RX ring's next slot holds a frame for the user. */
    private boolean frameWaiting()
    {
        return (rxBuffer.getIntVolatile(rxIndex * FRAME_SIZE + TP_STATUS_OFFSET) & LinuxPacket.TP_STATUS_USER) != 0;
    }

    /**
     * Sleeps on two ports at once, a node's port and its replication port (docs/cluster-file.md, "A separate
     * replication interface"), so that a frame on either wakes the thread: one poll of both sockets. Made once;
     * allocates nothing after. Used by the one thread that polls both ports.
     */
    public static final class PairWait
    {
        private final AfPacketPort first;
        private final AfPacketPort second;
        private final MemorySegment pollFds;

        public PairWait(final AfPacketPort first, final AfPacketPort second)
        {
            this.first = first;
            this.second = second;
            // Freed with this object: it may outlive neither port's arena, but is never used after they close.
            pollFds = Arena.ofAuto().allocate(LinuxPacket.POLLFD, 2);
            final long size = LinuxPacket.POLLFD.byteSize();
            pollFds.set(JAVA_INT, LinuxPacket.POLLFD_FD_OFFSET, first.fd);
            pollFds.set(JAVA_SHORT, LinuxPacket.POLLFD_EVENTS_OFFSET, LinuxPacket.POLLIN);
            pollFds.set(JAVA_INT, size + LinuxPacket.POLLFD_FD_OFFSET, second.fd);
            pollFds.set(JAVA_SHORT, size + LinuxPacket.POLLFD_EVENTS_OFFSET, LinuxPacket.POLLIN);
        }

        /**
         * Block until either port's RX ring holds a frame or the timeout passes; at once, without a syscall, when one
         * already does.
         *
         * @param timeoutMs the longest wait, 0 to only look, -1 to wait for ever.
         * @return true when a frame is waiting on either port.
         */
        public boolean await(final int timeoutMs)
        {
            first.checkOpen();
            second.checkOpen();
            if (first.frameWaiting() || second.frameWaiting())
            {
                return true;
            }
            final int ready = first.libc.poll(pollFds, 2, timeoutMs);
            return ready > 0 && (first.frameWaiting() || second.frameWaiting());
        }
    }

    /**
     * {@inheritDoc}
     * <p>
     * -1 also when the next TX slot is still being sent by the kernel (TP_STATUS_SENDING), which
     * {@link #flush()} or a moment's wait resolves.
     */
    public int txClaim(final int length)
    {
        checkOpen();
        if (length < MIN_FRAME_LENGTH || length > MAX_FRAME_LENGTH)
        {
            throw new IllegalArgumentException("frame length " + length + " is outside " + MIN_FRAME_LENGTH + ".." +
                MAX_FRAME_LENGTH);
        }
        if (txPending == txFrames)
        {
            return -1;
        }
        final int slot = txTail * FRAME_SIZE;
        if (txBuffer.getIntVolatile(slot + TP_STATUS_OFFSET) != LinuxPacket.TP_STATUS_AVAILABLE)
        {
            return -1;
        }
        claimedLength = length;
        return slot + LinuxPacket.TX_DATA_OFFSET;
    }

    public MutableDirectBuffer txBuffer()
    {
        return txBuffer;
    }

    public void txCommit(final int length)
    {
        checkOpen();
        if (claimedLength < 0)
        {
            throw new IllegalStateException("txCommit without a successful txClaim on " + name);
        }
        if (length < MIN_FRAME_LENGTH || length > claimedLength)
        {
            throw new IllegalArgumentException("committed length " + length + " is outside " + MIN_FRAME_LENGTH +
                ".." + claimedLength + " (the claimed length)");
        }
        final int slot = txTail * FRAME_SIZE;
        txBuffer.putInt(slot + TP_LEN_OFFSET, length);
        // Release: the kernel reads the frame after it sees SEND_REQUEST (packet_mmap.rst, "TX ring").
        txBuffer.putIntRelease(slot + TP_STATUS_OFFSET, LinuxPacket.TP_STATUS_SEND_REQUEST);
        txTail = (txTail + 1) & txMask;
        txPending++;
        claimedLength = -1;
    }

    /**
     * {@inheritDoc}
     * <p>
     * One {@code sendto(fd, NULL, 0, MSG_DONTWAIT)} makes the kernel take the committed slots in ring
     * order until it meets one it cannot send. When it stopped for want of send buffer (EAGAIN,
     * ENOBUFS: back pressure) the rest stay queued for the next flush. Any other refusal (the
     * interface went down; TP_STATUS_WRONG_FORMAT, a frame the device will not carry) drops the rest:
     * their slots are freed, counted as tx-dropped, and the claim position rewinds to the kernel's
     * TX head so that the two stay in step.
     */
    public int flush()
    {
        checkOpen();
        if (txPending == 0)
        {
            return 0;
        }

        long result = kick();
        if (result < 0 && txBuffer.getIntVolatile(txFlushStart * FRAME_SIZE + TP_STATUS_OFFSET) ==
            LinuxPacket.TP_STATUS_SEND_REQUEST)
        {
            // Nothing taken. A socket error is reported once (sk_err, set for example when the interface
            // went down and came back): kick again, and believe the second answer.
            result = kick();
        }
        final int errno = result < 0 ? libc.errno() : 0;

        final UnsafeBuffer buffer = txBuffer;
        int index = txFlushStart;
        int sent = 0;
        long bytes = 0;
        int stopStatus = LinuxPacket.TP_STATUS_AVAILABLE;
        while (sent < txPending)
        {
            final int slot = index * FRAME_SIZE;
            stopStatus = buffer.getIntVolatile(slot + TP_STATUS_OFFSET);
            if (stopStatus == LinuxPacket.TP_STATUS_SEND_REQUEST || stopStatus == LinuxPacket.TP_STATUS_WRONG_FORMAT)
            {
                break;
            }
            bytes += buffer.getInt(slot + TP_LEN_OFFSET);
            sent++;
            index = (index + 1) & txMask;
        }

        final int remaining = txPending - sent;
        txFlushStart = index;
        txPending = remaining;
        if (remaining > 0)
        {
            final boolean backPressure = stopStatus == LinuxPacket.TP_STATUS_SEND_REQUEST &&
                (result >= 0 || errno == LinuxPacket.EAGAIN || errno == LinuxPacket.ENOBUFS ||
                errno == LinuxPacket.EINTR);
            if (!backPressure)
            {
                dropPending();
            }
        }

        if (sent > 0)
        {
            counters.onSent(sent, bytes);
        }
        return sent;
    }

    public PortCounters counters()
    {
        return counters;
    }

    /**
     * Unmap the rings and close the socket; frames not yet flushed are discarded. Idempotent.
     */
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        foldKernelDrops();
        libc.munmap(mapping, mapping.byteSize());
        libc.close(fd);
        arena.close();
        libc.free();
    }

    public String toString()
    {
        return name + " " + counters;
    }

    private long kick()
    {
        return libc.sendto(fd, MemorySegment.NULL, 0, LinuxPacket.MSG_DONTWAIT, MemorySegment.NULL, 0);
    }

    /**
     * The rings are unmapped on close, and touching them then would crash the JVM, not throw.
     */
    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException(name + " is closed");
        }
    }

    private void dropPending()
    {
        int index = txFlushStart;
        for (int i = 0; i < txPending; i++)
        {
            txBuffer.putIntRelease(index * FRAME_SIZE + TP_STATUS_OFFSET, LinuxPacket.TP_STATUS_AVAILABLE);
            index = (index + 1) & txMask;
        }
        counters.onTxDropped(txPending);
        txTail = txFlushStart;
        txPending = 0;
        claimedLength = -1;
    }

    /**
     * Read and reset the kernel's PACKET_STATISTICS and count its drops: frames that found the RX ring
     * full.
     */
    private void foldKernelDrops()
    {
        statisticsLength.set(JAVA_INT, 0, (int)LinuxPacket.TPACKET_STATS.byteSize());
        if (libc.getsockopt(fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_STATISTICS, statistics, statisticsLength) == 0)
        {
            final int drops = statistics.get(JAVA_INT, LinuxPacket.TP_DROPS_OFFSET);
            if (drops > 0)
            {
                counters.onRxDropped(drops);
            }
        }
    }

    private static int setInt(
        final Libc libc, final int fd, final int level, final int option, final int intValue, final MemorySegment value)
    {
        value.set(JAVA_INT, 0, intValue);
        return libc.setsockopt(fd, level, option, value, (int)JAVA_INT.byteSize());
    }

    private static void setRing(
        final Libc libc, final Arena arena, final int fd, final int option, final String which, final int frames,
        final int blockSize)
    {
        // packet_mmap.rst: blocks are a multiple of the page size, frames never straddle a block, so with
        // whole frames per block the slots lie back to back and slot i starts at i * FRAME_SIZE.
        final int framesPerBlock = blockSize / FRAME_SIZE;
        final int blocks = Math.max(1, frames / framesPerBlock);
        final MemorySegment request = arena.allocate(LinuxPacket.TPACKET_REQ);
        request.set(JAVA_INT, LinuxPacket.TP_BLOCK_SIZE_OFFSET, blockSize);
        request.set(JAVA_INT, LinuxPacket.TP_BLOCK_NR_OFFSET, blocks);
        request.set(JAVA_INT, LinuxPacket.TP_FRAME_SIZE_OFFSET, FRAME_SIZE);
        request.set(JAVA_INT, LinuxPacket.TP_FRAME_NR_OFFSET, blocks * framesPerBlock);
        if (blocks * framesPerBlock != frames)
        {
            throw new PortException(which + " ring of " + frames + " frames does not fill whole " + blockSize +
                "-byte blocks: use a power of two of at least " + framesPerBlock + " frames.");
        }
        if (libc.setsockopt(fd, LinuxPacket.SOL_PACKET, option, request, (int)LinuxPacket.TPACKET_REQ.byteSize()) != 0)
        {
            final int errno = libc.errno();
            if (errno == LinuxPacket.ENOMEM)
            {
                throw new PortException("the kernel could not allocate a " + which + " ring of " + frames +
                    " frames: use fewer ring frames or free memory.");
            }
            throw failure("this kernel refuses a memory-mapped " + which + " ring", errno,
                "AF_PACKET ports need a kernel with PACKET_MMAP rings (CONFIG_PACKET)");
        }
    }

    /**
     * Binding libc fails only on a system without the symbols (not glibc, not Linux); say so in the
     * library's own sentence rather than as a class initialisation error.
     */
    private static Libc newLibc()
    {
        try
        {
            return new Libc();
        }
        catch (final LinkageError ex)
        {
            for (Throwable cause = ex; cause != null; cause = cause.getCause())
            {
                if (cause instanceof NativeLibraryException)
                {
                    throw new PortException(cause.getMessage(), ex);
                }
            }
            throw ex;
        }
    }

    private static void checkRingFrames(final String which, final int frames)
    {
        if (frames < 2 || frames > MAX_RING_FRAMES || Integer.bitCount(frames) != 1)
        {
            throw new PortException(which + " ring frames " + frames + " is not valid: use a power of two from 2 to " +
                MAX_RING_FRAMES + ".");
        }
    }

    private static PortException failure(final String what, final int errno, final String fix)
    {
        return new PortException(what + " (" + Libc.strerror(errno) + "): " + fix + ".");
    }
}
