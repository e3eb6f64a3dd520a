package io.ertcp.log;

import io.ertcp.ffm.libc.Libc;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * Allocates the pages of every open log's current cycle file ahead of its write position, on a thread of its own,
 * so that neither an append nor the duty cycle's {@link LogPretoucher} pays for fresh pages (docs/architecture.md,
 * "The log's pages").
 * <p>
 * A page a file has never held must be allocated and zeroed by the kernel, and on a virtual machine whose host takes
 * back freed memory, faulted in by the host as well: measured here, 0.4 ms of CPU per MiB on tmpfs with the host's
 * memory in place and about 2.5 ms per MiB once it is not (BENCHMARKS.md, "The log's pages off the duty cycle"),
 * against 0.06 ms per MiB to map pages the file already holds. This thread maps a window of the file of its own, up
 * to {@link #WINDOW_BYTES} (the pages of a shared file mapping are the file's, whichever mapping faulted them in),
 * faults it in a step at a time with {@code madvise(MADV_POPULATE_WRITE)}, which writes nothing, and unmaps it once
 * the appends have left it; the duty cycle's pretoucher then only maps pages into the appender's mapping. Like the
 * pretoucher it changes no byte and no length of a file: it stays below the file's size (Chronicle sizes a cycle file
 * a chunk at a time) and touches at most {@link #AHEAD_BYTES} past the write position.
 * <p>
 * One daemon thread per process serves every log, started with the first; it spins down to a park of up to
 * {@link #MAX_PARK_NS} when there is nothing to fault in, and never blocks an appender (which only publishes its file
 * and write position). When {@code MADV_POPULATE_WRITE} is missing (a kernel before 5.14) it stops and the pretoucher
 * alone does the work on the duty cycle, as before. Set {@code -Dertcp.log.prefault=false} to leave it off.
 */
final class LogPrefaulter
{
    /** How far past the write position pages are allocated: ahead of the pretoucher's 4 MiB. */
    static final long AHEAD_BYTES = 8L << 20;

    /** The most one step maps and faults in. */
    static final long STEP_BYTES = 1L << 20;

    /** The most of a file mapped at once. */
    static final long WINDOW_BYTES = 64L << 20;

    /** The longest park when every log is far enough ahead. */
    static final long MAX_PARK_NS = 4_000_000L;

    private static final int EINVAL = 22;
    private static final boolean ENABLED = !"false".equals(System.getProperty("ertcp.log.prefault"));
    private static final Object LOCK = new Object();
    private static LogPrefaulter shared;

    private final CopyOnWriteArrayList<Target> targets = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean stopped;
    private volatile String stopReason;

    /**
     * One log's publication: the appender's current cycle file and how far it has written (the appending thread
     * writes both, this prefaulter's thread reads them), and what the prefaulter has done with them (its thread only).
     */
    static final class Target
    {
        private volatile File file;
        private volatile long writtenTo;
        private volatile boolean closed;

        private File openFile;
        private FileChannel channel;
        private Arena windowArena;
        private MemorySegment window;
        private long windowFrom;
        private long touchedTo;
        private volatile long bytesFaulted;
        /** The file and write position for which every page up to the lead (or the file's end) is in. */
        private volatile File doneFile;
        private volatile long doneFor = -1;

        /** The appender wrote up to {@code fileOffset} of {@code cycleFile}: allocation-free, two volatile writes. */
        void wrote(final File cycleFile, final long fileOffset)
        {
            if (cycleFile != file)
            {
                file = cycleFile;
            }
            writtenTo = fileOffset;
        }

        /** Bytes of pages this log's files had allocated ahead of its appends so far. */
        long bytesFaulted()
        {
            return bytesFaulted;
        }

        void close()
        {
            closed = true;
        }
    }

    private LogPrefaulter()
    {
        thread = new Thread(this::run, "ertcp-log-prefault");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * A target for one log, served by the process's prefaulter, or null when prefaulting is off or cannot run here.
     */
    static Target register()
    {
        if (!ENABLED)
        {
            return null;
        }
        synchronized (LOCK)
        {
            if (null == shared || shared.stopped)
            {
                if (null != shared)
                {
                    return null;
                }
                shared = new LogPrefaulter();
            }
            final Target target = new Target();
            shared.targets.add(target);
            LockSupport.unpark(shared.thread);
            return target;
        }
    }

    /** Why the process's prefaulter stopped, or null while it runs (or never started). */
    static String stopReason()
    {
        synchronized (LOCK)
        {
            return null == shared ? null : shared.stopReason;
        }
    }

    /**
     * @return whether every open log's pages are in up to {@link #AHEAD_BYTES} past its last append (or its file's
     * end), true without a prefaulter: what the per-byte harness may wait for between steps, to measure duty cycles
     * with the page work all off them, as on a machine where this thread has a core to itself.
     */
    static boolean caughtUp()
    {
        final LogPrefaulter prefaulter;
        synchronized (LOCK)
        {
            prefaulter = shared;
        }
        if (null == prefaulter || prefaulter.stopped)
        {
            return true;
        }
        for (final Target target : prefaulter.targets)
        {
            final File file = target.file;
            if (!target.closed && null != file && (target.doneFile != file || target.doneFor < target.writtenTo))
            {
                return false;
            }
        }
        return true;
    }

    /** The prefaulter thread's CPU time so far in ns, or -1 when there is none: what the per-byte harness reports. */
    static long threadCpuNs()
    {
        final Thread t;
        synchronized (LOCK)
        {
            if (null == shared)
            {
                return -1;
            }
            t = shared.thread;
        }
        final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        return threads.getThreadCpuTime(t.threadId());
    }

    private void run()
    {
        final Libc libc;
        try
        {
            libc = new Libc();
        }
        catch (final RuntimeException | LinkageError ex)
        {
            stop("no C library to call (" + ex.getMessage() + ")");
            return;
        }
        long parkNs = 0;
        while (!stopped)
        {
            int work = 0;
            for (final Target target : targets)
            {
                if (target.closed)
                {
                    release(target);
                    targets.remove(target);
                    continue;
                }
                work += step(target, libc);
            }
            if (0 != work)
            {
                parkNs = 0;
            }
            else
            {
                parkNs = Math.min(MAX_PARK_NS, Math.max(50_000L, parkNs * 2));
                LockSupport.parkNanos(parkNs);
            }
        }
        targets.forEach(LogPrefaulter::release);
        libc.free();
    }

    private int step(final Target target, final Libc libc)
    {
        final File file = target.file;
        final long writtenTo = target.writtenTo;
        if (null == file)
        {
            return 0;
        }
        if (file != target.openFile)
        {
            release(target);
            target.openFile = file;
            target.touchedTo = 0;
            try
            {
                target.channel = FileChannel.open(file.toPath(), StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            catch (final IOException | SecurityException | UnsupportedOperationException ex)
            {
                // Gone already (a roll and retention in between) or not a file mapping can serve: wait for the next.
                return 0;
            }
        }
        final FileChannel channel = target.channel;
        if (null == channel)
        {
            return 0;
        }
        try
        {
            final long from = Math.max(target.touchedTo, writtenTo & -LogPretoucher.PAGE_BYTES);
            final long limit = Math.min(writtenTo + AHEAD_BYTES, channel.size()) & -LogPretoucher.PAGE_BYTES;
            final long length = Math.min(STEP_BYTES, limit - from);
            if (length <= 0)
            {
                target.doneFor = writtenTo;
                target.doneFile = file;
                return 0;
            }
            if (null == target.window || from < target.windowFrom ||
                from + length > target.windowFrom + target.window.byteSize())
            {
                // A window of up to WINDOW_BYTES from here, mapped until the appends leave it: one munmap (and its
                // TLB shootdown, which interrupts the appending thread too) per window, not one per step.
                unmap(target);
                final long windowLength = Math.min(WINDOW_BYTES, channel.size() - from) & -LogPretoucher.PAGE_BYTES;
                target.windowArena = Arena.ofConfined();
                target.window = channel.map(FileChannel.MapMode.READ_WRITE, from, windowLength, target.windowArena);
                target.windowFrom = from;
            }
            if (0 != libc.madvise(target.window.address() + (from - target.windowFrom), length, Libc.MADV_POPULATE_WRITE))
            {
                final int errno = libc.errno();
                if (EINVAL == errno)
                {
                    stop("madvise(MADV_POPULATE_WRITE) is refused (EINVAL: a kernel before 5.14 has none): the duty " +
                        "cycle's pretouch alone faults the logs' pages in");
                }
                else
                {
                    // This file only (cut short under us, out of memory): leave it until the appender names the next.
                    release(target);
                }
                return 0;
            }
            target.touchedTo = from + length;
            target.bytesFaulted += length;
            if (from + length >= limit)
            {
                target.doneFor = writtenTo;
                target.doneFile = file;
            }
            return 1;
        }
        catch (final IOException | RuntimeException ex)
        {
            // The file went (retention) or shrank under us: nothing of the log depends on this, try the next file.
            release(target);
            return 0;
        }
    }

    private static void unmap(final Target target)
    {
        if (null != target.windowArena)
        {
            target.windowArena.close();
        }
        target.windowArena = null;
        target.window = null;
    }

    private static void release(final Target target)
    {
        unmap(target);
        final FileChannel channel = target.channel;
        target.channel = null;
        if (null != channel)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // Closing a channel we only mapped through: nothing was written by it.
            }
        }
    }

    private void stop(final String reason)
    {
        stopReason = reason;
        stopped = true;
    }
}
