package io.ertcp.log;

import io.ertcp.ffm.libc.Libc;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.MappedBytesStore;

/**
 * Faults in the pages of the current cycle file ahead of the write position, so an append copies into pages that
 * are already mapped instead of taking a page fault for every fresh 4 KiB (on this project's machines that fault was
 * most of an append's cost: issue 11). Chronicle Queue's own pretoucher is in its enterprise edition only (2026.4:
 * {@code ExcerptAppender.pretouch()} is a no-op without it), and its open-source micro-toucher touches one page.
 * <p>
 * Each {@link #pretouch()} does one bounded step: at most {@link Settings#stepBytes} of the range from the write
 * position to {@link Settings#aheadBytes} past it, within the file region the appender has mapped now (a Chronicle
 * chunk; the next chunk and the next cycle file are touched once the appender has mapped them). The step is one
 * {@code madvise(MADV_POPULATE_WRITE)}, which faults the pages in writable without writing them: the file's bytes,
 * its length and every record stay exactly as they were; only its blocks ahead of the end become allocated (the
 * file is sparse otherwise), at most {@code aheadBytes} of them. On a kernel without it (before Linux 5.14) each
 * page gets a compare-and-swap of 0 for 0, which likewise leaves any byte as it was, even one already written.
 * <p>
 * One thread, the appending one (the mapping changes under appends). Allocation-free.
 */
final class LogPretoucher
{
    /** The page the step is rounded to; a larger page only means some steps touch pages already in. */
    static final int PAGE_BYTES = 4096;
    private static final int EINVAL = 22;

    /**
     * How far ahead and how much per call.
     *
     * @param aheadBytes how far past the write position pages are faulted in: more than the appends between two
     *                   calls, so they never catch up with it.
     * @param stepBytes  the most one call faults in, which bounds its time (about 0.3 ms per MiB here).
     */
    record Settings(long aheadBytes, int stepBytes)
    {
        /** 4 MiB ahead, 256 KiB a call: a duty cycle appends far less than 256 KiB, a burst of full segments ~47. */
        static final Settings DEFAULT = new Settings(4L << 20, 256 << 10);

        Settings
        {
            if (stepBytes < PAGE_BYTES || stepBytes % PAGE_BYTES != 0)
            {
                throw new IllegalArgumentException(
                    "The pretouch step must be a whole number of " + PAGE_BYTES + "-byte pages, not " + stepBytes + ".");
            }
            if (aheadBytes < stepBytes)
            {
                throw new IllegalArgumentException("The pretouch distance (" + aheadBytes +
                    " bytes) must be at least one step (" + stepBytes + " bytes).");
            }
        }
    }

    private final Settings settings;
    private final Libc libc;
    private final LogPrefaulter.Target ahead;
    private boolean populateUnsupported;

    /** The appender's mapped region at its last append, and the file offset just after that append. */
    private BytesStore<?, ?> store;
    private long writtenTo;

    /** The region pages were faulted in for, and the page-aligned file offset faulted in up to. */
    private BytesStore<?, ?> touchedStore;
    private long touchedTo;
    private long bytesTouched;

    /**
     * @param usePopulate false to touch page by page even where the kernel has MADV_POPULATE_WRITE (tests of the
     *                    fallback).
     */
    LogPretoucher(final Settings settings, final boolean usePopulate)
    {
        this.settings = settings;
        this.libc = usePopulate ? libcOrNull() : null;
        this.populateUnsupported = null == libc;
        this.ahead = usePopulate ? LogPrefaulter.register() : null;
    }

    /**
     * The appender wrote up to {@code fileOffset} in {@code mapped}, a region of {@code cycleFile} (null when not known):
     * called after every append. The process's {@link LogPrefaulter} learns it too.
     */
    void wrote(final BytesStore<?, ?> mapped, final java.io.File cycleFile, final long fileOffset)
    {
        store = mapped;
        writtenTo = fileOffset;
        if (null != ahead && null != cycleFile)
        {
            ahead.wrote(cycleFile, fileOffset);
        }
    }

    /**
     * @return bytes of pages the process's prefaulter allocated ahead of this log's appends, or -1 without one.
     */
    long bytesPrefaulted()
    {
        return null == ahead ? -1 : ahead.bytesFaulted();
    }

    /**
     * Fault in the next step of pages ahead of the write position.
     *
     * @return 1 when it faulted pages in, 0 when they were already far enough ahead (or nothing was appended yet).
     */
    int pretouch()
    {
        final BytesStore<?, ?> mapped = store;
        if (!(mapped instanceof MappedBytesStore region) || region.refCount() <= 0)
        {
            return 0;
        }
        if (mapped != touchedStore || touchedTo < writtenTo)
        {
            // A new chunk or cycle file, or the appends overtook the touching: start again where they are.
            touchedStore = mapped;
            touchedTo = alignUp(writtenTo);
        }
        final long limit = Math.min(writtenTo + settings.aheadBytes(), region.safeLimit()) & -PAGE_BYTES;
        final long length = Math.min(settings.stepBytes(), limit - touchedTo);
        if (length <= 0)
        {
            return 0;
        }

        if (!populateUnsupported && 0 != libc.madvise(region.addressForWrite(touchedTo), length, Libc.MADV_POPULATE_WRITE))
        {
            if (EINVAL != libc.errno())
            {
                // The region is no longer mapped as it was: leave it alone until the next append names one.
                touchedTo = limit;
                return 0;
            }
            // A kernel before 5.14: touch page by page from now on.
            populateUnsupported = true;
        }
        if (populateUnsupported)
        {
            for (long offset = touchedTo; offset < touchedTo + length; offset += PAGE_BYTES)
            {
                region.compareAndSwapLong(offset, 0L, 0L);
            }
        }
        touchedTo += length;
        bytesTouched += length;
        return 1;
    }

    /**
     * @return the file offset just after the last append.
     */
    long writtenTo()
    {
        return writtenTo;
    }

    /**
     * @return the file offset pages have been faulted in up to in the current region.
     */
    long touchedTo()
    {
        return touchedTo;
    }

    /**
     * @return bytes faulted in since the log was opened.
     */
    long bytesTouched()
    {
        return bytesTouched;
    }

    void close()
    {
        store = null;
        touchedStore = null;
        if (null != ahead)
        {
            ahead.close();
        }
        if (null != libc)
        {
            libc.free();
        }
    }

    private static Libc libcOrNull()
    {
        try
        {
            return new Libc();
        }
        catch (final RuntimeException | LinkageError ex)
        {
            // No glibc to call (another C library, native access denied): the page-by-page touch needs none.
            return null;
        }
    }

    private static long alignUp(final long offset)
    {
        return (offset + PAGE_BYTES - 1) & -PAGE_BYTES;
    }
}
