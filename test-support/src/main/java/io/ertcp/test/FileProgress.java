package io.ertcp.test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Watches a file a client writes what it receives into (socat's or curl's output) every few
 * milliseconds, to see how far a transfer got and how long the client received nothing: the stall
 * a failover costs, as the client saw it.
 */
public final class FileProgress implements AutoCloseable
{
    private static final long SAMPLE_NS = 5_000_000;

    private final Path file;
    private final Thread thread;
    private final long startNs = System.nanoTime();
    private volatile boolean running = true;
    private volatile long size;
    private volatile long lastGrowthNs = startNs;
    private volatile long firstByteNs = -1;
    private volatile long markNs = Long.MAX_VALUE;
    private volatile long longestGapNs;
    private volatile long longestGapStartNs;

    private FileProgress(final Path file)
    {
        this.file = file;
        this.thread = Thread.ofPlatform().daemon().name("progress-" + file.getFileName()).start(this::run);
    }

    /** Start watching; the file need not exist yet. */
    public static FileProgress watch(final Path file)
    {
        return new FileProgress(file);
    }

    private void run()
    {
        while (running)
        {
            final long now = System.nanoTime();
            long current;
            try
            {
                current = Files.exists(file) ? Files.size(file) : 0;
            }
            catch (final IOException ex)
            {
                current = size;
            }
            if (current > size)
            {
                if (firstByteNs < 0)
                {
                    firstByteNs = now;
                }
                // Gaps that end after the mark (the kill) are the failover's.
                final long gap = now - lastGrowthNs;
                if (now >= markNs && gap > longestGapNs)
                {
                    longestGapNs = gap;
                    longestGapStartNs = lastGrowthNs;
                }
                size = current;
                lastGrowthNs = now;
            }
            try
            {
                Thread.sleep(Duration.ofNanos(SAMPLE_NS));
            }
            catch (final InterruptedException ex)
            {
                return;
            }
        }
    }

    /** Bytes in the file at the last sample. */
    public long size()
    {
        return size;
    }

    /** Wait until the file holds at least this many bytes, or the process ends, or the timeout. */
    public boolean awaitSize(final long bytes, final Process process, final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (size < bytes && process.isAlive() && System.nanoTime() < deadline)
        {
            Thread.sleep(2);
        }
        return size >= bytes;
    }

    /** From now on, measure the longest time without growth (call it at the kill). */
    public void mark(final long atNs)
    {
        markNs = atNs;
    }

    /** The longest time without growth that ended after the mark, in ms. */
    public double stallMs()
    {
        return longestGapNs / 1e6;
    }

    /** When that stall began, relative to the mark, in ms (negative: before the kill). */
    public double stallStartMs()
    {
        return markNs == Long.MAX_VALUE ? 0 : (longestGapStartNs - markNs) / 1e6;
    }

    /** Seconds from the watch's start to the first byte. */
    public double firstByteSeconds()
    {
        return firstByteNs < 0 ? -1 : (firstByteNs - startNs) / 1e9;
    }

    @Override
    public void close()
    {
        running = false;
        thread.interrupt();
    }
}
