package io.ertcp.engine.port;

import io.ertcp.engine.counters.Counters;
import io.ertcp.ffm.NativeLibraryException;
import io.ertcp.ffm.dpdk.DpdkShim;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import static io.ertcp.ffm.dpdk.DpdkShim.DESC_DATA_OFFSET;
import static io.ertcp.ffm.dpdk.DpdkShim.DESC_FLAGS_OFFSET;
import static io.ertcp.ffm.dpdk.DpdkShim.DESC_LENGTH;
import static io.ertcp.ffm.dpdk.DpdkShim.DESC_LENGTH_OFFSET;
import static io.ertcp.ffm.dpdk.DpdkShim.DESC_MBUF_OFFSET;

/**
 * A {@link PacketPort} over a DPDK ethdev port through the C shim: a real NIC on bare metal, or the
 * net_af_packet virtual device on any Linux interface (a veth in tests and on one machine).
 * <p>
 * Frames stay in DPDK's mbufs. Receive is one rx-burst downcall that fills a descriptor array
 * allocated once; each frame is handed to the handler through one reused {@link UnsafeBuffer}
 * wrapped at the mbuf's data, then the whole burst is freed with one more downcall. Transmit claims
 * an mbuf from a stash refilled by one bulk allocation, the caller writes the frame straight into
 * it, and {@link #flush()} sends the committed burst with one downcall. Nothing is allocated per
 * frame or per burst.
 * <p>
 * The thread that polls the port is registered with EAL ({@code rte_thread_register}) on its first
 * receive or claim, so the mempool's per-lcore cache serves it. Control steps (setup, close) run on
 * EAL's own thread, see {@link DpdkEal}.
 * <p>
 * Checksums: where the NIC offers them, the port turns on TCP checksum insertion (frames committed
 * with {@link FrameFlags#FILL_CHECKSUM}, see {@link #fillsTcpChecksums()}) and TCP/UDP checksum
 * verification (frames arrive with {@link FrameFlags#CHECKSUM_VERIFIED} or {@link FrameFlags#CHECKSUM_BAD}).
 * {@code -D}{@value #CHECKSUM_OFFLOAD_PROPERTY}{@code =false} keeps every checksum in software.
 */
public final class DpdkPort implements PacketPort
{
    /** The most frames one receive delivers and one flush sends. */
    public static final int BURST = 64;

    /** Mbufs in the port's pool: rx ring, tx ring, the tx stash, the lcore cache and headroom. */
    static final int MBUF_COUNT = 4095;
    static final int RX_DESCRIPTORS = 1024;
    static final int TX_DESCRIPTORS = 1024;

    /** System property: {@code false} turns the NIC's checksum offloads off (default on where offered). */
    public static final String CHECKSUM_OFFLOAD_PROPERTY = "ertcp.dpdk.checksum-offload";

    private static final int NO_CLAIM = -1;

    /** What {@link #setUp} found, on EAL's thread. */
    private record Setup(int portId, long macAddress, int offloads)
    {
    }

    private final String name;
    private final DpdkEal eal;
    private final DpdkShim shim;
    private final int portId;
    private final long macAddress;
    private final int offloads;
    private final PortCounters counters;
    private final Arena arena;

    private final MemorySegment rxDescs;
    private final UnsafeBuffer rxDescView;
    private final UnsafeBuffer rxBuffer = new UnsafeBuffer(0, 0);

    private final MemorySegment stashDescs;
    private final UnsafeBuffer stashDescView;
    private int stashIndex;
    private int stashCount;

    private final MemorySegment txDescs;
    private final UnsafeBuffer txDescView;
    private final UnsafeBuffer txBuffer = new UnsafeBuffer(0, 0);
    private int txCount;
    private int claimedLength = NO_CLAIM;

    private final MemorySegment statsSegment;
    private final UnsafeBuffer statsView;
    private final Statistics statistics = new Statistics();
    private long foldedDrops;

    private Thread pollThread;
    private boolean closed;

    private DpdkPort(final String name, final DpdkEal eal, final Setup setup, final Counters counters)
    {
        this.name = name;
        this.eal = eal;
        this.shim = eal.shim();
        this.portId = setup.portId();
        this.macAddress = setup.macAddress();
        this.offloads = setup.offloads();
        this.counters = new PortCounters(counters, name);

        // Shared: the port is opened on one thread and polled on another.
        arena = Arena.ofShared();
        rxDescs = arena.allocate((long)DESC_LENGTH * BURST, 8);
        rxDescView = new UnsafeBuffer(rxDescs.address(), (int)rxDescs.byteSize());
        stashDescs = arena.allocate((long)DESC_LENGTH * BURST, 8);
        stashDescView = new UnsafeBuffer(stashDescs.address(), (int)stashDescs.byteSize());
        txDescs = arena.allocate((long)DESC_LENGTH * BURST, 8);
        txDescView = new UnsafeBuffer(txDescs.address(), (int)txDescs.byteSize());
        statsSegment = arena.allocate(DpdkShim.STATS_LENGTH, 8);
        statsView = new UnsafeBuffer(statsSegment.address(), DpdkShim.STATS_LENGTH);
    }

    /**
     * Open a Linux interface through DPDK's net_af_packet virtual device.
     *
     * @param iface    the interface, such as {@code veth0}.
     * @param ealArgs  null or blank for defaults (no hugepages, no PCI, a file prefix unique to the
     *                 process, {@code --vdev=net_af_packet0,iface=<iface>}, 64 MB); otherwise EAL's
     *                 arguments split as a shell would, used as given; a {@code --vdev} with
     *                 {@code iface=<iface>} picks the port, else the only port.
     * @param counters where the port's counters are allocated.
     * @throws PortException with one sentence saying what is wrong and how to fix it.
     */
    public static DpdkPort open(final String iface, final String ealArgs, final Counters counters)
    {
        return open(iface, ealArgs, null, counters);
    }

    /**
     * Open a Linux interface that lives in another network namespace: EAL's thread enters it before
     * EAL starts, so the driver's socket is bound there, while the calling thread stays where it is.
     *
     * @param netns a name under /var/run/netns (as {@code ip netns add} makes), or null.
     * @see #open(String, String, Counters)
     */
    public static DpdkPort open(final String iface, final String ealArgs, final String netns, final Counters counters)
    {
        final boolean defaults = null == ealArgs || ealArgs.isBlank();
        final List<String> args = defaults ? EalArguments.defaults(iface) : EalArguments.split(ealArgs);
        final String device = defaults ? EalArguments.deviceName(0) : EalArguments.deviceFor(args, iface);
        return open("dpdk:" + iface, args, netns, iface, device, -1, counters);
    }

    /**
     * Open a NIC by its PCI address, bound to vfio-pci on bare metal: it has no Linux interface, and its MAC is the
     * NIC's own.
     *
     * @param pci     the PCI address, such as {@code 0000:03:00.0} (the domain may be left out).
     * @param ealArgs null or blank for defaults (hugepages, {@code -a PCI}, a file prefix unique to the process);
     *                otherwise EAL's arguments split as a shell would, with {@code -a PCI} and a file prefix added
     *                when they lack them.
     * @throws PortException with one sentence saying what is wrong and how to fix it.
     */
    public static DpdkPort openPci(final String pci, final String ealArgs, final Counters counters)
    {
        final List<String> args = EalArguments.forPci(pci, ealArgs);
        final String address = EalArguments.pciAddress(pci);
        return open("dpdk:" + address, args, null, null, address, -1, counters);
    }

    /**
     * One of a node's DPDK ports as the cluster file or the command line names it: a Linux interface driven through
     * net_af_packet, a NIC by its PCI address, or a port by its DPDK port id; exactly one of them.
     *
     * @param iface  the Linux interface, or null.
     * @param pci    the PCI address, or null.
     * @param portId the DPDK port id, or -1.
     */
    public record Device(String iface, String pci, int portId)
    {
        public Device
        {
            if ((null != iface ? 1 : 0) + (null != pci ? 1 : 0) + (portId >= 0 ? 1 : 0) != 1)
            {
                throw new IllegalArgumentException("a DPDK device is named by exactly one of iface, pci and port id");
            }
        }

        /** A Linux interface driven through net_af_packet. */
        public static Device iface(final String iface)
        {
            return new Device(iface, null, -1);
        }
    }

    /**
     * Open two ports through one EAL, which starts once per process: a cluster node's clients' port and its
     * replication port (docs/cluster-file.md, "A separate replication interface"), each named by a Linux interface, a
     * PCI address or a port id. With the default arguments each Linux interface gets a net_af_packet device of its
     * own and each PCI address an {@code -a} (then with hugepages); with a user's, a {@code --vdev} naming an interface
     * ({@code iface=<name>}) picks its port, an interface no device names is taken as DPDK's own name for a port, and
     * a PCI address they do not allow is added with {@code -a}.
     *
     * @param netns a name under /var/run/netns where EAL's thread runs (for net_af_packet devices there), or null.
     * @return the two ports, {@code first}'s first.
     * @throws PortException with one sentence saying what is wrong and how to fix it.
     */
    public static DpdkPort[] openPair(final Device first, final Device second, final String ealArgs,
        final String netns, final Counters counters)
    {
        if (first.equals(second))
        {
            throw new PortException("a node's port and replication port are both " + describe(first) +
                ": give the replication port a device of its own.");
        }
        final List<String> args = EalArguments.forPair(first, second, ealArgs);
        final boolean defaults = null == ealArgs || ealArgs.isBlank();
        final Device[] devices = {first, second};
        final DpdkPort[] ports = new DpdkPort[2];
        try
        {
            for (int i = 0; i < 2; i++)
            {
                final Device device = devices[i];
                if (null != device.pci())
                {
                    final String address = EalArguments.pciAddress(device.pci());
                    ports[i] = open("dpdk:" + address, args, netns, null, address, -1, counters);
                }
                else if (device.portId() >= 0)
                {
                    ports[i] = open("dpdk:port" + device.portId(), args, netns, null, null, device.portId(), counters);
                }
                else
                {
                    final String named = EalArguments.deviceFor(args, device.iface());
                    ports[i] = open("dpdk:" + device.iface(), args, netns, device.iface(),
                        null == named && !defaults ? device.iface() : named, -1, counters);
                }
            }
        }
        catch (final RuntimeException ex)
        {
            if (null != ports[0])
            {
                ports[0].close();
            }
            throw ex;
        }
        return ports;
    }

    /** Two Linux interfaces through one EAL: {@link #openPair(Device, Device, String, String, Counters)}. */
    public static DpdkPort[] openPair(final String iface, final String otherIface, final String ealArgs,
        final String netns, final Counters counters)
    {
        return openPair(Device.iface(iface), Device.iface(otherIface), ealArgs, netns, counters);
    }

    private static String describe(final Device device)
    {
        return null != device.pci() ? "PCI device " + device.pci() :
            device.portId() >= 0 ? "DPDK port " + device.portId() : "interface " + device.iface();
    }

    /**
     * Open a port EAL found on its own, such as a NIC bound to vfio-pci on bare metal.
     *
     * @param ealArgs EAL's arguments, split as a shell would, such as {@code -l 1 -a 0000:03:00.0}; a file
     *                prefix unique to the process is added when they name none.
     * @param portId  DPDK's port id, 0 for the first port.
     * @see #open(String, String, Counters)
     */
    public static DpdkPort open(final String ealArgs, final int portId, final Counters counters)
    {
        return open(ealArgs, portId, null, counters);
    }

    /**
     * Open a port by its DPDK port id, EAL's thread in a network namespace (where its net_af_packet devices' interfaces
     * are).
     *
     * @param netns a name under /var/run/netns, or null.
     * @see #open(String, int, Counters)
     */
    public static DpdkPort open(final String ealArgs, final int portId, final String netns, final Counters counters)
    {
        final List<String> args = EalArguments.forPortId(portId, ealArgs);
        return open("dpdk:port" + portId, args, netns, null, null, portId, counters);
    }

    /**
     * @return the Linux interfaces the net_af_packet devices of these EAL arguments drive: those a node must check
     * (it exists, the host's kernel has no address on it); none for a NIC bound to vfio-pci.
     */
    public static List<String> afPacketInterfaces(final String ealArgs)
    {
        return null == ealArgs ? List.of() : EalArguments.afPacketInterfaces(EalArguments.split(ealArgs));
    }

    /**
     * @return the PCI address in DPDK's full form ({@code 0000:03:00.0}), a missing domain taken as 0000.
     * @throws PortException when the text is not a PCI address.
     */
    public static String pciAddress(final String text)
    {
        return EalArguments.pciAddress(text);
    }

    /**
     * @return whether the text is a PCI address such as {@code 0000:03:00.0}: never a Linux interface's name, which
     * holds no ':'.
     */
    public static boolean isPciAddress(final String text)
    {
        return EalArguments.isPciAddress(text);
    }

    private static DpdkPort open(
        final String name,
        final List<String> args,
        final String netns,
        final String iface,
        final String device,
        final int wantedPortId,
        final Counters counters)
    {
        final DpdkShim shim;
        try
        {
            shim = DpdkShim.load();
        }
        catch (final NativeLibraryException ex)
        {
            throw new PortException(ex.getMessage(), ex);
        }

        final DpdkEal eal = DpdkEal.acquire(shim, args, netns, EalArguments.afPacketInterfaces(args));
        try
        {
            final int offloadsWanted = Boolean.parseBoolean(System.getProperty(CHECKSUM_OFFLOAD_PROPERTY, "true")) ?
                DpdkShim.OFFLOAD_TX_TCP_CHECKSUM | DpdkShim.OFFLOAD_RX_L4_CHECKSUM : 0;
            final Setup setup = eal.call(() -> setUp(shim, args, iface, device, wantedPortId, name, offloadsWanted));
            return new DpdkPort(name, eal, setup, counters);
        }
        catch (final RuntimeException ex)
        {
            eal.release();
            throw ex;
        }
    }

    /**
     * Runs on EAL's thread: find the port, configure and start it.
     */
    private static Setup setUp(
        final DpdkShim shim,
        final List<String> args,
        final String iface,
        final String device,
        final int wantedPortId,
        final String name,
        final int offloadsWanted)
    {
        final int portCount = shim.portCount();
        final int portId;
        if (wantedPortId >= 0)
        {
            if (wantedPortId >= portCount)
            {
                throw new PortException("DPDK port " + wantedPortId + " does not exist (EAL found " + portCount +
                    " port(s) with " + String.join(" ", args) + "): bind the NIC to vfio-pci and allow it with -a, " +
                    "or pick a port id below " + portCount + ".");
            }
            portId = wantedPortId;
        }
        else if (null != device && null == iface)
        {
            portId = shim.portByName(device);
            if (portId < 0)
            {
                throw new PortException("DPDK found no port at PCI device " + device + " (EAL found " + portCount +
                    " port(s) with " + String.join(" ", args) + "): bind the NIC to vfio-pci (dpdk-devbind.py " +
                    "--bind=vfio-pci " + device + ") and check its address with dpdk-devbind.py --status.");
            }
        }
        else if (null != device)
        {
            portId = shim.portByName(device);
            if (portId < 0)
            {
                throw new PortException("DPDK has no device " + device + " for interface " + iface + " (" +
                    shim.lastError() + "): pass --vdev=" + device + ",iface=" + iface + " in the EAL arguments.");
            }
        }
        else if (portCount == 1)
        {
            portId = 0;
        }
        else
        {
            throw new PortException("the EAL arguments give " + portCount + " DPDK ports and none names interface " +
                iface + ": add --vdev=net_af_packet0,iface=" + iface + " to them.");
        }

        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment mac = arena.allocate(DpdkShim.MAC_LENGTH);
            final MemorySegment offloads = arena.allocate(ValueLayout.JAVA_INT);
            final int rc = shim.portSetup(portId, MBUF_COUNT, RX_DESCRIPTORS, TX_DESCRIPTORS, offloadsWanted, mac, offloads);
            if (rc < 0)
            {
                throw new PortException(name + " could not be set up (" + shim.lastError() + "): " +
                    (rc == -16 ? "it is already open in this process, close it first." :
                    "check the device and EAL's memory (-m), and EAL's log above."));
            }
            long macAddress = 0;
            for (int i = 0; i < DpdkShim.MAC_LENGTH; i++)
            {
                macAddress = (macAddress << 8) | (mac.get(ValueLayout.JAVA_BYTE, i) & 0xFF);
            }
            return new Setup(portId, macAddress, offloads.get(ValueLayout.JAVA_INT, 0));
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
     * @return DPDK's id of this port.
     */
    public int portId()
    {
        return portId;
    }

    /**
     * @return true when the NIC fills in the TCP checksum of IPv4 frames committed with
     * {@link FrameFlags#FILL_CHECKSUM} (RTE_ETH_TX_OFFLOAD_TCP_CKSUM offered and not turned off).
     */
    public boolean fillsTcpChecksums()
    {
        return (offloads & DpdkShim.OFFLOAD_TX_TCP_CHECKSUM) != 0;
    }

    public int receive(final FrameHandler handler, final int limit)
    {
        if (limit <= 0)
        {
            return 0;
        }
        ensurePollThread();
        final int count = shim.rxBurst(portId, rxDescs, Math.min(limit, BURST));
        if (count <= 0)
        {
            return 0;
        }

        try
        {
            for (int i = 0, at = 0; i < count; i++, at += DESC_LENGTH)
            {
                final int length = rxDescView.getInt(at + DESC_LENGTH_OFFSET);
                final int flags = rxDescView.getInt(at + DESC_FLAGS_OFFSET);
                rxBuffer.wrap(rxDescView.getLong(at + DESC_DATA_OFFSET), length);
                counters.onReceived(length);
                handler.onFrame(rxBuffer, 0, length, flags);
            }
        }
        finally
        {
            rxBuffer.wrap(0, 0);
            shim.freeBulk(rxDescs, count);
        }
        return count;
    }

    public int txClaim(final int length)
    {
        if (length < 0 || length > MAX_FRAME_LENGTH)
        {
            throw new IllegalArgumentException("frame length " + length + " is outside 0.." + MAX_FRAME_LENGTH);
        }
        if (txCount == BURST)
        {
            return -1;
        }
        if (stashIndex == stashCount && !refillStash())
        {
            return -1;
        }

        final int at = stashIndex * DESC_LENGTH;
        final int room = stashDescView.getInt(at + DESC_LENGTH_OFFSET);
        if (length > room)
        {
            throw new IllegalArgumentException("frame length " + length + " exceeds the mbuf's room " + room);
        }
        txBuffer.wrap(stashDescView.getLong(at + DESC_DATA_OFFSET), length);
        claimedLength = length;
        return 0;
    }

    public MutableDirectBuffer txBuffer()
    {
        return txBuffer;
    }

    public void txCommit(final int length)
    {
        txCommit(length, 0);
    }

    public void txCommit(final int length, final int flags)
    {
        if ((flags & FrameFlags.FILL_CHECKSUM) != 0 && !fillsTcpChecksums())
        {
            throw new IllegalArgumentException(name + " fills in no checksums: compute the frame's own");
        }
        if (claimedLength == NO_CLAIM)
        {
            throw new IllegalStateException("txCommit without a txClaim");
        }
        if (length < 0 || length > claimedLength)
        {
            throw new IllegalArgumentException("committed length " + length + " exceeds the claimed " + claimedLength);
        }

        final int from = stashIndex * DESC_LENGTH;
        final int to = txCount * DESC_LENGTH;
        txDescView.putLong(to + DESC_MBUF_OFFSET, stashDescView.getLong(from + DESC_MBUF_OFFSET));
        txDescView.putInt(to + DESC_LENGTH_OFFSET, length);
        txDescView.putInt(to + DESC_FLAGS_OFFSET, flags & FrameFlags.FILL_CHECKSUM);
        stashIndex++;
        txCount++;
        claimedLength = NO_CLAIM;
    }

    public int flush()
    {
        final int count = txCount;
        if (count == 0)
        {
            return 0;
        }
        ensurePollThread();

        final int sent = shim.txBurst(portId, txDescs, count);
        long bytes = 0;
        for (int i = 0, at = DESC_LENGTH_OFFSET; i < sent; i++, at += DESC_LENGTH)
        {
            bytes += txDescView.getInt(at);
        }
        txCount = 0;
        if (sent > 0)
        {
            counters.onSent(sent, bytes);
        }
        if (sent < count)
        {
            counters.onTxDropped(count - sent);
        }
        return sent;
    }

    public PortCounters counters()
    {
        return counters;
    }

    /**
     * Read the port's statistics from DPDK into {@code into}, and add the frames the driver lost
     * since the last call (imissed, rx_nombuf, ierrors) to {@link PortCounters#rxDropped()}. Call it
     * from the polling thread now and then, not per burst: it asks the driver.
     *
     * @return the frames newly counted as dropped.
     */
    public long pollStatistics(final Statistics into)
    {
        final int rc = shim.statsGet(portId, statsSegment);
        if (rc < 0)
        {
            throw new PortException(name + " statistics cannot be read (" + shim.strerror(rc) +
                "): the port may have been closed.");
        }
        into.read(statsView);
        final long drops = into.imissed + into.rxNoMbuf + into.ierrors;
        final long delta = drops - foldedDrops;
        foldedDrops = drops;
        if (delta > 0)
        {
            counters.onRxDropped((int)Math.min(delta, Integer.MAX_VALUE));
        }
        return delta;
    }

    /**
     * {@link #pollStatistics(Statistics)} into a statistics object the port keeps.
     */
    public Statistics pollStatistics()
    {
        pollStatistics(statistics);
        return statistics;
    }

    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;

        // Unsent frames and the unused stash go back to the pool before the pool goes.
        if (txCount > 0)
        {
            shim.freeBulk(txDescs, txCount);
            txCount = 0;
        }
        if (stashIndex < stashCount)
        {
            shim.freeBulk(stashDescs.asSlice((long)stashIndex * DESC_LENGTH), stashCount - stashIndex);
            stashIndex = stashCount = 0;
        }
        if (pollThread == Thread.currentThread())
        {
            shim.threadUnregister();
        }
        // The next receive, claim or flush finds no poll thread, tries to register, and is refused.
        pollThread = null;

        try
        {
            final String error = eal.call(() -> shim.portClose(portId) < 0 ? shim.lastError() : null);
            if (null != error)
            {
                throw new PortException(name + " did not close cleanly (" + error + "): its resources go with the process.");
            }
        }
        finally
        {
            eal.release();
            arena.close();
        }
    }

    public String toString()
    {
        return name + " (port " + portId + "): " + counters;
    }

    private boolean refillStash()
    {
        ensurePollThread();
        final int count = shim.allocBulk(portId, stashDescs, BURST);
        if (count <= 0)
        {
            stashIndex = stashCount = 0;
            return false;
        }
        stashIndex = 0;
        stashCount = count;
        return true;
    }

    private void ensurePollThread()
    {
        if (pollThread != Thread.currentThread())
        {
            registerPollThread();
        }
    }

    private void registerPollThread()
    {
        if (closed)
        {
            throw new IllegalStateException(name + " is closed: DPDK has released the port");
        }
        // Best effort: a thread EAL will not register (no lcore id left) still works, without a cache.
        shim.threadRegister();
        pollThread = Thread.currentThread();
    }

    /**
     * A port's statistics as DPDK counts them (struct rte_eth_stats), filled in place.
     */
    public static final class Statistics
    {
        private long ipackets;
        private long opackets;
        private long ibytes;
        private long obytes;
        private long imissed;
        private long ierrors;
        private long oerrors;
        private long rxNoMbuf;

        void read(final UnsafeBuffer stats)
        {
            ipackets = stats.getLong(DpdkShim.STATS_IPACKETS_OFFSET);
            opackets = stats.getLong(DpdkShim.STATS_OPACKETS_OFFSET);
            ibytes = stats.getLong(DpdkShim.STATS_IBYTES_OFFSET);
            obytes = stats.getLong(DpdkShim.STATS_OBYTES_OFFSET);
            imissed = stats.getLong(DpdkShim.STATS_IMISSED_OFFSET);
            ierrors = stats.getLong(DpdkShim.STATS_IERRORS_OFFSET);
            oerrors = stats.getLong(DpdkShim.STATS_OERRORS_OFFSET);
            rxNoMbuf = stats.getLong(DpdkShim.STATS_RX_NOMBUF_OFFSET);
        }

        /** Frames the driver received. */
        public long ipackets()
        {
            return ipackets;
        }

        /** Frames the driver sent. */
        public long opackets()
        {
            return opackets;
        }

        public long ibytes()
        {
            return ibytes;
        }

        public long obytes()
        {
            return obytes;
        }

        /** Frames the device dropped because its rx queue was full. */
        public long imissed()
        {
            return imissed;
        }

        public long ierrors()
        {
            return ierrors;
        }

        public long oerrors()
        {
            return oerrors;
        }

        /** Frames dropped because the mempool had no mbuf for them. */
        public long rxNoMbuf()
        {
            return rxNoMbuf;
        }

        public String toString()
        {
            return "ipackets " + ipackets + " opackets " + opackets + " ibytes " + ibytes + " obytes " + obytes +
                " imissed " + imissed + " ierrors " + ierrors + " oerrors " + oerrors + " rx_nombuf " + rxNoMbuf;
        }
    }
}
