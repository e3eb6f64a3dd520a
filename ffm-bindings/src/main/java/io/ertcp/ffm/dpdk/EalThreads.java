package io.ertcp.ffm.dpdk;

import io.ertcp.ffm.NativeLibrary;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * What the thread that runs DPDK's EAL needs from libc before it calls {@code rte_eal_init}: to
 * enter the network namespace of the interface it will drive, and to check that the interface is
 * there and may be opened, so that a user gets a plain sentence instead of EAL's probe failure.
 * <p>
 * A Linux thread has its own network namespace: {@code setns(2)} moves only the calling thread, and
 * threads it starts afterwards inherit it. The net_af_packet driver opens its socket, and changes the
 * interface's flags, in the namespace of the thread that probes and configures the port.
 */
public final class EalThreads
{
    /** {@code CLONE_NEWNET}: setns(2) joins a network namespace. */
    public static final int CLONE_NEWNET = 0x40000000;

    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
        CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle SETNS;
    private static final MethodHandle IF_NAMETOINDEX;
    private static final MethodHandle SOCKET;
    private static final MethodHandle STRERROR;

    static
    {
        final NativeLibrary libc = NativeLibrary.libc();
        OPEN = libc.downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);
        CLOSE = libc.downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        SETNS = libc.downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
        IF_NAMETOINDEX = libc.downcall("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS), CAPTURE_ERRNO);
        SOCKET = libc.downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
        STRERROR = libc.downcall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private EalThreads()
    {
    }

    /**
     * Move the calling thread into the network namespace that {@code ip netns add <name>} made.
     *
     * @param name the namespace's name, a file under /var/run/netns, or an absolute path to a
     *             namespace file such as /proc/1/ns/net.
     * @throws IllegalStateException with a one-sentence reason when the namespace cannot be entered.
     */
    public static void enterNetworkNamespace(final String name)
    {
        final String path = name.startsWith("/") ? name : "/var/run/netns/" + name;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            final int fd = (int)OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC);
            if (fd < 0)
            {
                throw new IllegalStateException("network namespace " + name + " cannot be opened at " + path +
                    " (" + strerror(errno(state)) + "): create it with ip netns add " + name + ".");
            }
            try
            {
                if ((int)SETNS.invokeExact(state, fd, CLONE_NEWNET) != 0)
                {
                    throw new IllegalStateException("cannot enter network namespace " + name + " (" +
                        strerror(errno(state)) + "): this needs root or CAP_SYS_ADMIN.");
                }
            }
            finally
            {
                final int ignore = (int)CLOSE.invokeExact(fd);
            }
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * @return the index of an interface in the calling thread's network namespace, or 0 when there
     * is none by that name.
     */
    public static int interfaceIndex(final String iface)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            return (int)IF_NAMETOINDEX.invokeExact(state, arena.allocateFrom(iface));
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Try to open a raw packet socket, as the net_af_packet driver will, in the calling thread's
     * network namespace.
     *
     * @return 0 when it can, else the errno value (EPERM without root or CAP_NET_RAW).
     */
    public static int packetSocketErrno()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            final int fd = (int)SOCKET.invokeExact(state, AF_PACKET, SOCK_RAW, 0);
            if (fd < 0)
            {
                return errno(state);
            }
            final int ignore = (int)CLOSE.invokeExact(fd);
            return 0;
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * @return libc's text for an errno value.
     */
    public static String strerror(final int errno)
    {
        try
        {
            return ((MemorySegment)STRERROR.invokeExact(errno)).reinterpret(Integer.MAX_VALUE).getString(0);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static int errno(final MemorySegment state)
    {
        return (int)ERRNO.get(state, 0L);
    }
}
