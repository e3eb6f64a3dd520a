package io.ertcp.ffm.libc;

import io.ertcp.ffm.NativeLibrary;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc calls a raw-frame port needs (sockets, ring mmap, poll, namespaces), as FFM downcalls that
 * capture {@code errno} the moment the call returns, before the JVM can run code that would change it.
 * <p>
 * An instance owns one captured-state segment, so it belongs to one thread at a time, like the port
 * that uses it. Methods return what the C function returns; after a failure (-1, or
 * {@link MemorySegment#NULL} from {@code mmap}) {@link #errno()} tells why. No method allocates, so
 * the ones a datapath calls per burst ({@link #sendto}, {@link #poll}) are fit for the hot path.
 */
public final class Libc
{
    private static final StructLayout CALL_STATE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET;
    private static final MethodHandle BIND;
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle GETSOCKOPT;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;
    private static final MethodHandle POLL;
    private static final MethodHandle SENDTO;
    private static final MethodHandle CLOSE;
    private static final MethodHandle IF_NAMETOINDEX;
    private static final MethodHandle IOCTL;
    private static final MethodHandle OPEN;
    private static final MethodHandle SETNS;
    private static final MethodHandle SYSCONF;
    private static final MethodHandle STRERROR;

    static
    {
        final NativeLibrary libc = NativeLibrary.libc();
        SOCKET = libc.downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
        BIND = libc.downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);
        SETSOCKOPT = libc.downcall("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);
        GETSOCKOPT = libc.downcall("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), CAPTURE_ERRNO);
        MMAP = libc.downcall("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), CAPTURE_ERRNO);
        MUNMAP = libc.downcall("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE_ERRNO);
        // The address as a long: the caller's mapping is not a MemorySegment (a memory-mapped file's address).
        MADVISE = libc.downcall("madvise", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
        POLL = libc.downcall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
        SENDTO = libc.downcall("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);
        CLOSE = libc.downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
        IF_NAMETOINDEX = libc.downcall("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS), CAPTURE_ERRNO);
        // ioctl and open are variadic: the third argument is the first variadic one.
        IOCTL = libc.downcall("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
        OPEN = libc.downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);
        SETNS = libc.downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
        SYSCONF = libc.downcall("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
        STRERROR = libc.downcall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    /**
     * madvise(2): fault the range's pages in writable, as a write to each would, without writing (Linux 5.14).
     */
    public static final int MADV_POPULATE_WRITE = 23;

    private final Arena arena;
    private final MemorySegment callState;

    public Libc()
    {
        // Shared, not confined: a port may be opened on one thread (inside a namespace) and polled on another.
        arena = Arena.ofShared();
        callState = arena.allocate(CALL_STATE_LAYOUT);
    }

    /**
     * @return the {@code errno} the last call through this instance left.
     */
    public int errno()
    {
        return (int)ERRNO.get(callState, 0L);
    }

    /**
     * @return the C library's description of an error number, such as "Operation not permitted".
     */
    public static String strerror(final int errno)
    {
        try
        {
            final MemorySegment text = (MemorySegment)STRERROR.invokeExact(errno);
            return text.reinterpret(Integer.MAX_VALUE).getString(0);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    public int socket(final int domain, final int type, final int protocol)
    {
        try
        {
            return (int)SOCKET.invokeExact(callState, domain, type, protocol);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    public int bind(final int fd, final MemorySegment address, final int addressLength)
    {
        try
        {
            return (int)BIND.invokeExact(callState, fd, address, addressLength);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    public int setsockopt(final int fd, final int level, final int option, final MemorySegment value, final int length)
    {
        try
        {
            return (int)SETSOCKOPT.invokeExact(callState, fd, level, option, value, length);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * @param length a {@code socklen_t} holding the size of {@code value}; the kernel writes back the
     *               size it filled in.
     */
    public int getsockopt(
        final int fd, final int level, final int option, final MemorySegment value, final MemorySegment length)
    {
        try
        {
            return (int)GETSOCKOPT.invokeExact(callState, fd, level, option, value, length);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * @return the mapping, sized {@code length}, or {@link MemorySegment#NULL} on failure (MAP_FAILED).
     */
    public MemorySegment mmap(
        final long length, final int protection, final int flags, final int fd, final long offset)
    {
        try
        {
            final MemorySegment address = (MemorySegment)MMAP.invokeExact(
                callState, MemorySegment.NULL, length, protection, flags, fd, offset);
            if (address.address() == LinuxPacket.MAP_FAILED)
            {
                return MemorySegment.NULL;
            }
            return address.reinterpret(length);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    public int munmap(final MemorySegment address, final long length)
    {
        try
        {
            return (int)MUNMAP.invokeExact(callState, address, length);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * @param address page-aligned start of a range of this process's mappings.
     * @param advice  an {@code MADV_*} value, such as {@link #MADV_POPULATE_WRITE}.
     * @return 0, or -1 with {@link #errno()} set (EINVAL for an advice the kernel does not know).
     */
    public int madvise(final long address, final long length, final int advice)
    {
        try
        {
            return (int)MADVISE.invokeExact(callState, address, length, advice);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * @param fds     an array of {@code struct pollfd} ({@link LinuxPacket#POLLFD}).
     * @param timeoutMs how long to wait, -1 for ever, 0 not at all.
     */
    public int poll(final MemorySegment fds, final long count, final int timeoutMs)
    {
        try
        {
            return (int)POLL.invokeExact(callState, fds, count, timeoutMs);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    public long sendto(
        final int fd,
        final MemorySegment buffer,
        final long length,
        final int flags,
        final MemorySegment address,
        final int addressLength)
    {
        try
        {
            return (long)SENDTO.invokeExact(callState, fd, buffer, length, flags, address, addressLength);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    public int close(final int fd)
    {
        try
        {
            return (int)CLOSE.invokeExact(callState, fd);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * @param name a NUL-terminated interface name.
     * @return the interface's index in the calling thread's network namespace, or 0 when there is none.
     */
    public int ifNameToIndex(final MemorySegment name)
    {
        try
        {
            return (int)IF_NAMETOINDEX.invokeExact(callState, name);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    public int ioctl(final int fd, final long request, final MemorySegment argument)
    {
        try
        {
            return (int)IOCTL.invokeExact(callState, fd, request, argument);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * @param path a NUL-terminated file name.
     */
    public int open(final MemorySegment path, final int flags)
    {
        try
        {
            return (int)OPEN.invokeExact(callState, path, flags);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    public int setns(final int fd, final int namespaceType)
    {
        try
        {
            return (int)SETNS.invokeExact(callState, fd, namespaceType);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    public long sysconf(final int name)
    {
        try
        {
            return (long)SYSCONF.invokeExact(callState, name);
        }
        catch (final Throwable ex)
        {
            throw rethrow(ex);
        }
    }

    /**
     * Free the captured-state segment; the instance is unusable afterwards.
     */
    public void free()
    {
        arena.close();
    }

    private static RuntimeException rethrow(final Throwable ex)
    {
        if (ex instanceof RuntimeException runtime)
        {
            throw runtime;
        }
        if (ex instanceof Error error)
        {
            throw error;
        }
        throw new IllegalStateException(ex);
    }
}
