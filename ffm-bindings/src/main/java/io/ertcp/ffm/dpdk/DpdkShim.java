package io.ertcp.ffm.dpdk;

import io.ertcp.ffm.NativeLibrary;
import io.ertcp.ffm.NativeLibraryException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Downcalls into {@code libertcp_dpdk.so}, the C shim over DPDK (native-dpdk/src/main/c/ertcp_dpdk.h),
 * and the layouts of the structs it shares with Java.
 * <p>
 * DPDK's datapath is inline C, so the shim exports plain functions and exchanges frames through
 * descriptor arrays that Java allocates once: one downcall per burst. The hot downcalls (rx and tx
 * bursts, bulk allocation and free) are linked {@link Linker.Option#critical(boolean) critical}: they
 * are short, never block and touch no Java heap, so they skip the thread-state transition.
 * <p>
 * Functions that can fail return a negative errno value; {@link #lastError()} then says, for the
 * calling thread, which step failed and why (rte_strerror's text).
 */
public final class DpdkShim
{
    /** The library's file name. */
    public static final String LIBRARY_FILE = "libertcp_dpdk.so";

    /** System property: the directory the build puts the shim in. */
    public static final String NATIVE_DIR_PROPERTY = "ertcp.native.dir";

    /** System property: an explicit path to the shim, which wins over {@link #NATIVE_DIR_PROPERTY}. */
    public static final String LIBRARY_PROPERTY = "ertcp.dpdk.library";

    /** How a user makes the shim appear. */
    public static final String FIX = "the DPDK shim is not built: apt-get install -y libdpdk-dev dpdk pkg-config " +
        "and rebuild with ./ertcp build";

    /** The most descriptors one burst, bulk allocation or bulk free handles (ERTCP_DPDK_MAX_BURST). */
    public static final int MAX_BURST = 256;

    /** Descriptor flag: the L4 checksum is not filled in but the data is intact. */
    public static final int FLAG_CHECKSUM_PARTIAL = 1;

    /** Descriptor flag: the frame spans more mbufs than the one described. */
    public static final int FLAG_TRUNCATED = 2;

    /** Descriptor flag (rx): the NIC checked the TCP or UDP checksum and found it good. */
    public static final int FLAG_CHECKSUM_GOOD = 4;

    /** Descriptor flag (rx): the NIC checked the TCP or UDP checksum and found it wrong. */
    public static final int FLAG_CHECKSUM_BAD = 8;

    /** Descriptor flag (tx): the NIC fills in this IPv4 frame's TCP or UDP checksum. */
    public static final int FLAG_FILL_CHECKSUM = 0x10;

    /** Offload bit ({@code ERTCP_DPDK_OFFLOAD_TX_TCP_CKSUM}): the NIC fills in TCP checksums. */
    public static final int OFFLOAD_TX_TCP_CHECKSUM = 1;

    /** Offload bit ({@code ERTCP_DPDK_OFFLOAD_TX_UDP_CKSUM}): the NIC fills in UDP checksums. */
    public static final int OFFLOAD_TX_UDP_CHECKSUM = 2;

    /** Offload bit ({@code ERTCP_DPDK_OFFLOAD_RX_L4_CKSUM}): the NIC checks TCP and UDP checksums. */
    public static final int OFFLOAD_RX_L4_CHECKSUM = 4;

    /** {@code ertcp_dpdk_desc}: one frame in an mbuf. */
    public static final StructLayout DESC_LAYOUT = MemoryLayout.structLayout(
        JAVA_LONG.withName("data"),
        JAVA_INT.withName("length"),
        JAVA_INT.withName("flags"),
        JAVA_LONG.withName("mbuf"));

    public static final int DESC_LENGTH = (int)DESC_LAYOUT.byteSize();
    public static final int DESC_DATA_OFFSET = offset(DESC_LAYOUT, "data");
    public static final int DESC_LENGTH_OFFSET = offset(DESC_LAYOUT, "length");
    public static final int DESC_FLAGS_OFFSET = offset(DESC_LAYOUT, "flags");
    public static final int DESC_MBUF_OFFSET = offset(DESC_LAYOUT, "mbuf");

    /** {@code ertcp_dpdk_stats}: a port's statistics. */
    public static final StructLayout STATS_LAYOUT = MemoryLayout.structLayout(
        JAVA_LONG.withName("ipackets"),
        JAVA_LONG.withName("opackets"),
        JAVA_LONG.withName("ibytes"),
        JAVA_LONG.withName("obytes"),
        JAVA_LONG.withName("imissed"),
        JAVA_LONG.withName("ierrors"),
        JAVA_LONG.withName("oerrors"),
        JAVA_LONG.withName("rx_nombuf"));

    public static final int STATS_LENGTH = (int)STATS_LAYOUT.byteSize();
    public static final int STATS_IPACKETS_OFFSET = offset(STATS_LAYOUT, "ipackets");
    public static final int STATS_OPACKETS_OFFSET = offset(STATS_LAYOUT, "opackets");
    public static final int STATS_IBYTES_OFFSET = offset(STATS_LAYOUT, "ibytes");
    public static final int STATS_OBYTES_OFFSET = offset(STATS_LAYOUT, "obytes");
    public static final int STATS_IMISSED_OFFSET = offset(STATS_LAYOUT, "imissed");
    public static final int STATS_IERRORS_OFFSET = offset(STATS_LAYOUT, "ierrors");
    public static final int STATS_OERRORS_OFFSET = offset(STATS_LAYOUT, "oerrors");
    public static final int STATS_RX_NOMBUF_OFFSET = offset(STATS_LAYOUT, "rx_nombuf");

    /** Bytes of a MAC address. */
    public static final int MAC_LENGTH = 6;

    private static final Linker.Option CRITICAL = Linker.Option.critical(false);

    private final NativeLibrary library;
    private final MethodHandle ealInit;
    private final MethodHandle threadRegister;
    private final MethodHandle threadUnregister;
    private final MethodHandle portCount;
    private final MethodHandle portByName;
    private final MethodHandle portSetup;
    private final MethodHandle rxBurst;
    private final MethodHandle allocBulk;
    private final MethodHandle txBurst;
    private final MethodHandle freeBulk;
    private final MethodHandle statsGet;
    private final MethodHandle portClose;
    private final MethodHandle ealCleanup;
    private final MethodHandle strerror;
    private final MethodHandle lastError;

    private DpdkShim(final NativeLibrary library)
    {
        this.library = library;
        ealInit = library.downcall("ertcp_dpdk_eal_init", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        threadRegister = library.downcall("ertcp_dpdk_thread_register", FunctionDescriptor.of(JAVA_INT));
        threadUnregister = library.downcall("ertcp_dpdk_thread_unregister", FunctionDescriptor.ofVoid());
        portCount = library.downcall("ertcp_dpdk_port_count", FunctionDescriptor.of(JAVA_INT));
        portByName = library.downcall("ertcp_dpdk_port_by_name", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        portSetup = library.downcall("ertcp_dpdk_port_setup",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_INT, ADDRESS, ADDRESS));
        rxBurst = library.downcall("ertcp_dpdk_rx_burst",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS, JAVA_SHORT), CRITICAL);
        allocBulk = library.downcall("ertcp_dpdk_alloc_bulk",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS, JAVA_SHORT), CRITICAL);
        txBurst = library.downcall("ertcp_dpdk_tx_burst",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS, JAVA_SHORT), CRITICAL);
        freeBulk = library.downcall("ertcp_dpdk_free_bulk", FunctionDescriptor.ofVoid(ADDRESS, JAVA_SHORT), CRITICAL);
        statsGet = library.downcall("ertcp_dpdk_stats_get", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
        portClose = library.downcall("ertcp_dpdk_port_close", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
        ealCleanup = library.downcall("ertcp_dpdk_eal_cleanup", FunctionDescriptor.of(JAVA_INT));
        strerror = library.downcall("ertcp_dpdk_strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        lastError = library.downcall("ertcp_dpdk_last_error", FunctionDescriptor.of(ADDRESS));
    }

    /**
     * Load the shim from {@code -Dertcp.dpdk.library=<file>}, else from {@code -Dertcp.native.dir=<dir>},
     * else from {@code native-dpdk/target/native} under the working directory.
     *
     * @throws NativeLibraryException saying how to build the shim when it is absent.
     */
    public static DpdkShim load()
    {
        return load(libraryPath());
    }

    /**
     * Load the shim from a file.
     *
     * @throws NativeLibraryException saying how to build the shim when it is absent.
     */
    public static DpdkShim load(final Path path)
    {
        return new DpdkShim(NativeLibrary.load(path, FIX));
    }

    /**
     * @return where {@link #load()} looks for the shim.
     */
    public static Path libraryPath()
    {
        final String explicit = System.getProperty(LIBRARY_PROPERTY);
        if (null != explicit && !explicit.isBlank())
        {
            return Path.of(explicit);
        }
        return Path.of(System.getProperty(NATIVE_DIR_PROPERTY, "native-dpdk/target/native")).resolve(LIBRARY_FILE);
    }

    public String name()
    {
        return library.name();
    }

    /**
     * {@code rte_eal_init}: pins the calling thread to its lcore's CPU set, so call it on a thread made
     * for the purpose.
     *
     * @param args the arguments, without a program name (one is put first).
     * @return 0 or a negative errno value.
     */
    public int ealInit(final String... args)
    {
        try (Arena arena = Arena.ofConfined())
        {
            // EAL keeps pointers into argv (device arguments) after it returns: the strings live on.
            final Arena strings = Arena.global();
            final MemorySegment argv = arena.allocate(ADDRESS, args.length + 2L);
            argv.setAtIndex(ADDRESS, 0, strings.allocateFrom("ertcp"));
            for (int i = 0; i < args.length; i++)
            {
                argv.setAtIndex(ADDRESS, i + 1, strings.allocateFrom(args[i]));
            }
            argv.setAtIndex(ADDRESS, args.length + 1, MemorySegment.NULL);
            return (int)ealInit.invokeExact(args.length + 1, argv);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * @return the lcore id given to the calling thread, or a negative errno value.
     */
    public int threadRegister()
    {
        try
        {
            return (int)threadRegister.invokeExact();
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    public void threadUnregister()
    {
        try
        {
            threadUnregister.invokeExact();
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    public int portCount()
    {
        try
        {
            return (int)portCount.invokeExact();
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * @param deviceName such as {@code net_af_packet0}.
     * @return the port id or a negative errno value.
     */
    public int portByName(final String deviceName)
    {
        try (Arena arena = Arena.ofConfined())
        {
            return (int)portByName.invokeExact(arena.allocateFrom(deviceName));
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * Configure, start and read the MAC address of a port, turning on those of the wanted offloads the driver offers.
     *
     * @param offloadsWanted {@code OFFLOAD_*} bits.
     * @param macOut         at least {@link #MAC_LENGTH} bytes.
     * @param offloadsOut    4 bytes: the {@code OFFLOAD_*} bits now on.
     * @return 0 or a negative errno value.
     */
    public int portSetup(
        final int portId,
        final int mbufCount,
        final int rxDescriptors,
        final int txDescriptors,
        final int offloadsWanted,
        final MemorySegment macOut,
        final MemorySegment offloadsOut)
    {
        try
        {
            return (int)portSetup.invokeExact(
                (short)portId, mbufCount, (short)rxDescriptors, (short)txDescriptors, offloadsWanted, macOut, offloadsOut);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * @param descs at least {@code max} descriptors of {@link #DESC_LAYOUT}.
     * @return the number of frames received, each described in {@code descs}.
     */
    public int rxBurst(final int portId, final MemorySegment descs, final int max)
    {
        try
        {
            return (int)rxBurst.invokeExact((short)portId, descs, (short)max);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * Allocate {@code count} mbufs, all or none.
     *
     * @return {@code count}, or a negative errno value (-ENOMEM when the pool is short).
     */
    public int allocBulk(final int portId, final MemorySegment descs, final int count)
    {
        try
        {
            return (int)allocBulk.invokeExact((short)portId, descs, (short)count);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * Send the frames {@code descs} describes by mbuf and length; the shim frees those the driver
     * did not take.
     *
     * @return the number sent, the first ones in {@code descs}.
     */
    public int txBurst(final int portId, final MemorySegment descs, final int count)
    {
        try
        {
            return (int)txBurst.invokeExact((short)portId, descs, (short)count);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    public void freeBulk(final MemorySegment descs, final int count)
    {
        try
        {
            freeBulk.invokeExact(descs, (short)count);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * @param stats at least {@link #STATS_LENGTH} bytes.
     * @return 0 or a negative errno value.
     */
    public int statsGet(final int portId, final MemorySegment stats)
    {
        try
        {
            return (int)statsGet.invokeExact((short)portId, stats);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    public int portClose(final int portId)
    {
        try
        {
            return (int)portClose.invokeExact((short)portId);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    public int ealCleanup()
    {
        try
        {
            return (int)ealCleanup.invokeExact();
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * @return rte_strerror's text for an errno value of either sign.
     */
    public String strerror(final int errno)
    {
        try
        {
            return ((MemorySegment)strerror.invokeExact(errno)).reinterpret(Integer.MAX_VALUE).getString(0);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * @return the calling thread's last failure: the step and rte_strerror's text; empty when none.
     */
    public String lastError()
    {
        try
        {
            return ((MemorySegment)lastError.invokeExact()).reinterpret(Integer.MAX_VALUE).getString(0);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    private static int offset(final StructLayout layout, final String field)
    {
        return (int)layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    private static RuntimeException rethrow(final Throwable ex)
    {
        if (ex instanceof RuntimeException runtime)
        {
            return runtime;
        }
        if (ex instanceof Error error)
        {
            throw error;
        }
        return new IllegalStateException(ex);
    }
}
