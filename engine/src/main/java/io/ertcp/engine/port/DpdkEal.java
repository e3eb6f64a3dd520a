package io.ertcp.engine.port;

import io.ertcp.ffm.dpdk.DpdkShim;
import io.ertcp.ffm.dpdk.EalThreads;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The process's one DPDK environment (EAL), run on a thread of its own.
 * <p>
 * {@code rte_eal_init} pins its calling thread to the main lcore's CPUs, and the net_af_packet driver
 * opens its socket and sets interface flags in the network namespace of the thread that probes and
 * configures the port. So one dedicated thread enters the namespace, starts EAL, and then runs every
 * control step (port setup, close, cleanup) handed to it; the thread that opens a port is never
 * pinned and never moved. Frames never pass through this thread: the port's own polling thread calls
 * the burst functions directly.
 * <p>
 * EAL starts once per process and cannot start again after a failure or a cleanup, so this class
 * keeps the one instance and the reason it can no longer start: the only static state the DPDK port
 * has, because DPDK's own is process-wide.
 */
final class DpdkEal
{
    private static final long START_TIMEOUT_S = 60;
    private static final Object LOCK = new Object();

    /** The running EAL, or null; guarded by {@link #LOCK}. */
    private static DpdkEal running;

    /** Why EAL cannot start in this process any more, or null; guarded by {@link #LOCK}. */
    private static String spent;

    private final DpdkShim shim;
    private final List<String> args;
    private final String netns;
    private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final Thread thread;

    /** Ports using this EAL; guarded by {@link #LOCK}. */
    private int users;

    /** Set by EAL's thread once rte_eal_init was called: from then on, EAL cannot start again. */
    private volatile boolean initCalled;

    private DpdkEal(final DpdkShim shim, final List<String> args, final String netns)
    {
        this.shim = shim;
        this.args = args;
        this.netns = netns;
        thread = new Thread(this::run, "ertcp-dpdk-eal");
        thread.setDaemon(true);
    }

    /**
     * Start EAL, or share the running one when it started with the same arguments.
     *
     * @param netns the network namespace EAL's thread enters first, or null to stay in the caller's.
     * @param interfaces the Linux interfaces the net_af_packet devices drive, checked before EAL starts
     *                   so that a missing interface or permission is named plainly; none for a NIC (a
     *                   device bound to vfio-pci has no Linux interface) or another virtual device.
     */
    static DpdkEal acquire(final DpdkShim shim, final List<String> args, final String netns, final List<String> interfaces)
    {
        synchronized (LOCK)
        {
            if (null != running)
            {
                if (running.args.equals(args) && Objects.equals(running.netns, netns))
                {
                    running.users++;
                    return running;
                }
                throw new PortException("DPDK's EAL is already running in this process with other arguments (" +
                    String.join(" ", running.args) + ") and starts only once per process: open every DPDK port " +
                    "of a process with the same EAL arguments (one --vdev per interface), or use a process per port.");
            }
            if (null != spent)
            {
                throw new PortException(spent);
            }

            final DpdkEal eal = new DpdkEal(shim, args, netns);
            eal.start(interfaces);
            eal.users = 1;
            running = eal;
            return eal;
        }
    }

    /**
     * Run a control step on EAL's thread and wait for it.
     */
    <T> T call(final Callable<T> step)
    {
        final FutureTask<T> task = new FutureTask<>(step);
        tasks.add(task);
        try
        {
            return task.get();
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof RuntimeException runtime)
            {
                throw runtime;
            }
            throw new IllegalStateException(ex.getCause());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new PortException("interrupted while waiting for DPDK's EAL thread: retry.", ex);
        }
    }

    /**
     * A port is done with EAL; the last one shuts it down for good (rte_eal_cleanup).
     */
    void release()
    {
        synchronized (LOCK)
        {
            if (--users > 0)
            {
                return;
            }
            running = null;
            spent = "DPDK's EAL was shut down in this process when its last port closed and cannot start again: " +
                "open DPDK ports in a new process, or keep one open for the life of the process.";
            // The thread ends after the cleanup: nothing may call into EAL again.
            call(() ->
            {
                final int rc = shim.ealCleanup();
                Thread.currentThread().interrupt();
                return rc;
            });
            removeRuntimeDirectory();
        }
    }

    DpdkShim shim()
    {
        return shim;
    }

    List<String> args()
    {
        return args;
    }

    private void start(final List<String> interfaces)
    {
        final CompletableFuture<Void> started = new CompletableFuture<>();
        tasks.add(() -> init(interfaces, started));
        thread.start();
        try
        {
            started.get(START_TIMEOUT_S, TimeUnit.SECONDS);
        }
        catch (final ExecutionException ex)
        {
            if (initCalled)
            {
                spent = "DPDK's EAL failed to start earlier in this process and cannot start again: fix the " +
                    "cause reported then and start a new process.";
            }
            if (ex.getCause() instanceof PortException portException)
            {
                throw portException;
            }
            throw new PortException("DPDK's EAL could not start (" + ex.getCause() + "): see the cause.", ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            spent = "DPDK's EAL did not start within " + START_TIMEOUT_S + " s: check its log and the EAL arguments (" +
                String.join(" ", args) + ").";
            throw new PortException(spent, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new PortException("interrupted while DPDK's EAL was starting: retry.", ex);
        }
    }

    private void init(final List<String> interfaces, final CompletableFuture<Void> started)
    {
        try
        {
            if (null != netns)
            {
                try
                {
                    EalThreads.enterNetworkNamespace(netns);
                }
                catch (final IllegalStateException ex)
                {
                    throw new PortException(ex.getMessage(), ex);
                }
            }
            for (final String iface : interfaces)
            {
                checkInterface(iface);
            }

            initCalled = true;
            final int rc = shim.ealInit(args.toArray(new String[0]));
            if (rc < 0)
            {
                throw new PortException("DPDK's EAL could not start (" + shim.lastError() + ", arguments: " +
                    String.join(" ", args) + "): check the EAL arguments and that every --vdev interface exists " +
                    "in " + namespaceName() + (args.contains("--no-huge") ? "" : ", that hugepages are reserved and " +
                    "mounted, and that each -a device is bound to vfio-pci (docs/bare-metal.md)") +
                    "; EAL's log above names the device that failed.");
            }
            started.complete(null);
        }
        catch (final Throwable ex)
        {
            started.completeExceptionally(ex);
            Thread.currentThread().interrupt();
        }
    }

    private void checkInterface(final String iface)
    {
        if (EalThreads.interfaceIndex(iface) == 0)
        {
            throw new PortException("there is no network interface named " + iface + " in " + namespaceName() +
                ": check the name with " + (null == netns ? "" : "ip netns exec " + netns + " ") + "ip link.");
        }
        final int errno = EalThreads.packetSocketErrno();
        if (errno != 0)
        {
            throw new PortException("DPDK's net_af_packet driver cannot open interface " + iface + " (socket: " +
                EalThreads.strerror(errno) + "): run as root, or give the process CAP_NET_RAW and CAP_NET_ADMIN.");
        }
    }

    /**
     * EAL makes a runtime directory named after the file prefix even with --no-shconf and leaves it
     * after cleanup; remove ours when it is empty so that runs do not pile them up.
     */
    private void removeRuntimeDirectory()
    {
        for (final String arg : args)
        {
            if (arg.startsWith("--file-prefix="))
            {
                final String prefix = arg.substring("--file-prefix=".length());
                final String xdg = System.getenv("XDG_RUNTIME_DIR");
                for (final String base : new String[]{ "/var/run/dpdk", null == xdg ? "/tmp/dpdk" : xdg + "/dpdk" })
                {
                    try
                    {
                        Files.deleteIfExists(Path.of(base, prefix));
                    }
                    catch (final IOException | InvalidPathException ignore)
                    {
                        // Not empty, or not ours to remove: leave it.
                    }
                }
            }
        }
    }

    private String namespaceName()
    {
        return null == netns ? "this network namespace" : "network namespace " + netns;
    }

    private void run()
    {
        while (!Thread.currentThread().isInterrupted())
        {
            try
            {
                tasks.take().run();
            }
            catch (final InterruptedException ex)
            {
                return;
            }
        }
    }
}
