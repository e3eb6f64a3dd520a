package io.ertcp.ffm.libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Callable;

/**
 * Moves the calling thread into a named network namespace ({@code ip netns add NAME}), so that the
 * interfaces and sockets it then sees are those of that namespace: how one JVM puts a port on each
 * end of a veth pair whose ends live in different namespaces.
 * <p>
 * {@code setns(2)} with CLONE_NEWNET changes only the calling thread, and for good: a socket keeps
 * the namespace it was created in, whichever thread uses it later. So enter on a platform thread made
 * for the purpose (see {@link #call}), never on a pooled or virtual thread.
 */
public final class NetworkNamespace
{
    /** Where iproute2 keeps a bind mount per named namespace. */
    public static final String NETNS_DIR = "/var/run/netns/";

    private NetworkNamespace()
    {
    }

    /**
     * Move the calling thread into the network namespace {@code name}.
     *
     * @param name as given to {@code ip netns add}.
     * @throws NetworkNamespaceException when the namespace does not exist or the thread may not enter it.
     */
    public static void enter(final String name)
    {
        final Libc libc = new Libc();
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment path = arena.allocateFrom(NETNS_DIR + name);
            final int fd = libc.open(path, LinuxPacket.O_RDONLY | LinuxPacket.O_CLOEXEC);
            if (fd < 0)
            {
                final int errno = libc.errno();
                if (errno == LinuxPacket.ENOENT)
                {
                    throw new NetworkNamespaceException("network namespace " + name + " does not exist (no " +
                        NETNS_DIR + name + "): create it with ip netns add " + name + ", or check ip netns list.");
                }
                throw new NetworkNamespaceException("could not open " + NETNS_DIR + name + " (" +
                    Libc.strerror(errno) + "): run as root.");
            }
            try
            {
                if (libc.setns(fd, LinuxPacket.CLONE_NEWNET) != 0)
                {
                    final int errno = libc.errno();
                    throw new NetworkNamespaceException("could not enter network namespace " + name + " (" +
                        Libc.strerror(errno) + "): entering a namespace needs CAP_SYS_ADMIN, so run as root.");
                }
            }
            finally
            {
                libc.close(fd);
            }
        }
        finally
        {
            libc.free();
        }
    }

    /**
     * Run a task on a new platform thread that first enters the namespace, and wait for its result:
     * for example to open a port there, whose socket then stays in that namespace for any thread.
     *
     * @param name as given to {@code ip netns add}.
     * @param task what to run inside the namespace.
     * @return what the task returned.
     * @throws NetworkNamespaceException when the namespace cannot be entered; the task's own unchecked
     *                                   exceptions are rethrown as they are.
     */
    public static <T> T call(final String name, final Callable<T> task)
    {
        final Object[] result = new Object[1];
        final Throwable[] failure = new Throwable[1];
        final Thread thread = Thread.ofPlatform().name("netns-" + name).unstarted(() ->
        {
            try
            {
                enter(name);
                result[0] = task.call();
            }
            catch (final Throwable ex)
            {
                failure[0] = ex;
            }
        });
        thread.start();
        try
        {
            thread.join();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a task in network namespace " + name, ex);
        }

        if (failure[0] instanceof RuntimeException runtime)
        {
            throw runtime;
        }
        if (failure[0] instanceof Error error)
        {
            throw error;
        }
        if (failure[0] != null)
        {
            throw new IllegalStateException(failure[0].getMessage(), failure[0]);
        }
        @SuppressWarnings("unchecked")
        final T value = (T)result[0];
        return value;
    }
}
