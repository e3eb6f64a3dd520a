package io.ertcp.log;

import org.agrona.concurrent.UnsafeBuffer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Appends records to one {@link ReplicationLog} on a thread of its own, from memory the owner keeps them in until they
 * are appended: the ER-TCP primary's own copy of the log, written from its sender's window off the duty cycle
 * (docs/architecture.md, "The primary's own log copy").
 * <p>
 * The owner (the thread that opened the writer, the node's duty cycle) {@link #hand}s each record as an address and a
 * length, in position order; the writer's thread copies it into the log with {@link ReplicationLog#appendStamped} and
 * then publishes the log's new last position, after which the owner may reuse the record's memory. Between records the
 * writer's thread does the log's pretouching, which its appends would otherwise pay on the duty cycle. The hand-off is
 * a single-producer, single-consumer ring of descriptors: no lock, no allocation; a writer that spins takes
 * each record at once, a parked one once the owner {@link #wake}s it, which it does once for a batch (a wake-up is a
 * system call on each side).
 * <p>
 * While a writer is open the log takes other appends and reads from its owner as before: the log first waits for the
 * writer to finish what it was handed and its pretouch step ({@link #drain}), and the owner then holds the log until
 * it hands the writer a record again, so the log's order stays the order of the calls and only one thread at a time
 * touches the appender and the pretoucher. {@link #tryHold} takes the log the same way without waiting, for an
 * owner that appends a few small records itself rather than wake the writer for them. A failed append on the
 * writer's thread stops the writer; the owner's next call to it throws with the reason.
 */
public final class LogWriter
{
    /**
     * Records handed and not yet appended, at most: 12 KiB of descriptors, built at a takeover. The writer appends a
     * record in about a µs (a few for 16 KB), so the owner waits for room only behind a writer that lost its core.
     */
    public static final int CAPACITY = 1 << 10;

    /**
     * How long an idle writer spins for the next hand-off before it parks ({@code -Dertcp.log.writer-spin-ns}): a
     * node streaming at line rate hands records every few tens of µs, and a wake-up costs both threads a system call.
     */
    static final long SPIN_NS = Long.getLong("ertcp.log.writer-spin-ns", 5_000L);

    /**
     * The longest park. A hand-off to a parked writer wakes it at once, so the timeout only bounds a wake-up that
     * never came; short timed parks cost a timer wake-up each, several per hand-off on a VM (BENCHMARKS.md).
     */
    static final long MAX_PARK_NS = 100_000_000L;

    private static final int MASK = CAPACITY - 1;
    /** The writers running in this process, and the CPU time of those that stopped: the per-byte harness's figure. */
    private static final java.util.Set<LogWriter> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final AtomicLong STOPPED_CPU_NS = new AtomicLong();

    private final ReplicationLog log;
    private final Thread owner;
    private final Thread thread;
    private final long[] addresses = new long[CAPACITY];
    private final int[] lengths = new int[CAPACITY];
    /** Records handed so far (the owner's count; published with release). */
    private final AtomicLong handed = new AtomicLong();
    /** Records appended so far (the writer's count; published with release). */
    private final AtomicLong appended = new AtomicLong();
    private final AtomicBoolean parked = new AtomicBoolean();
    /** Who may touch the log's appender and pretoucher besides the writer's appends: {@link #FREE} and the others. */
    private final AtomicInteger hold = new AtomicInteger(FREE);
    private static final int FREE = 0;
    private static final int WRITER_PRETOUCHING = 1;
    private static final int OWNER_HOLDS = 2;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private long handedLocal;
    private long wakeUps;
    private volatile boolean closed;
    private volatile Throwable failure;

    LogWriter(final ReplicationLog log, final String name)
    {
        this.log = log;
        this.owner = Thread.currentThread();
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        RUNNING.add(this);
        this.thread.start();
    }

    /**
     * @return the CPU time, in ns, of every log writer thread this process ran so far (0 when none ran), or -1 where
     * the JVM does not measure thread CPU time.
     */
    public static long totalCpuNs()
    {
        long total = STOPPED_CPU_NS.get();
        for (final LogWriter writer : RUNNING)
        {
            final long ns = writer.cpuNs();
            if (ns < 0)
            {
                return -1;
            }
            total += ns;
        }
        return total;
    }

    /**
     * Hand one record to be appended: its bytes at {@code address} stay as they are until {@link ReplicationLog#lastPosition()}
     * reaches its position. The record carries that position (the log's next after those handed before) and its
     * checksum, as {@link ReplicationLog#appendStamped} takes it. A writer that spins takes it at once; a parked one
     * only once {@link #wake}d (or drained), so that the owner can wake it once for many records.
     *
     * @return false when the writer has {@link #CAPACITY} records waiting: append again once it took some.
     * @throws IllegalStateException when the writer stopped on a failed append, or the caller is not the owner.
     */
    public boolean hand(final long address, final int length)
    {
        checkOwner();
        checkFailure();
        final long next = handedLocal;
        if (next - appended.getAcquire() >= CAPACITY)
        {
            return false;
        }
        final int index = (int)(next & MASK);
        addresses[index] = address;
        lengths[index] = length;
        handedLocal = next + 1;
        handed.set(next + 1);
        if (hold.get() == OWNER_HOLDS)
        {
            hold.set(FREE); // the owner's own appends are done: the writer's turn
        }
        return true;
    }

    /**
     * Wake the writer if it parked with records waiting: a system call, so the owner calls it once for a batch.
     *
     * @return whether it was parked.
     */
    public boolean wake()
    {
        // Volatile on both sides (the writer sets parked, then reads handed): a writer about to park sees the records.
        if (parked.get() && appended.getAcquire() < handedLocal)
        {
            wakeUps++;
            LockSupport.unpark(thread);
            return true;
        }
        return false;
    }

    /**
     * @return how many times {@link #wake} woke the writer.
     */
    public long wakeUps()
    {
        return wakeUps;
    }

    /**
     * Wait until every record handed is appended and the writer is not pretouching: afterwards the calling thread (the
     * owner) holds the log and may use it directly, until it hands the writer a record again.
     *
     * @throws IllegalStateException when the writer stopped on a failed append.
     */
    public void drain()
    {
        checkOwner();
        int spins = 0;
        while (appended.getAcquire() < handedLocal || !holdLog())
        {
            checkFailure();
            if (parked.getAcquire())
            {
                LockSupport.unpark(thread);
            }
            if (++spins < 1_000)
            {
                Thread.onSpinWait();
            }
            else
            {
                Thread.yield();
            }
        }
        checkFailure();
    }

    /**
     * Hold the log for the owner's own appends if that needs no wait: the writer has appended everything handed and
     * is not pretouching. Holding, the owner appends through {@link ReplicationLog} as if no writer ran; the next
     * {@link #hand} gives the log back.
     *
     * @return whether the owner holds the log now.
     */
    public boolean tryHold()
    {
        checkOwner();
        checkFailure();
        return appended.getAcquire() == handedLocal && holdLog();
    }

    /**
     * @return whether the owner holds the log ({@link #drain}, {@link #tryHold}): it then pretouches on its own thread.
     */
    public boolean ownerHolds()
    {
        return hold.get() == OWNER_HOLDS;
    }

    private boolean holdLog()
    {
        return hold.get() == OWNER_HOLDS || hold.compareAndSet(FREE, OWNER_HOLDS);
    }

    /**
     * @return whether every record handed is appended.
     */
    public boolean isDrained()
    {
        return appended.getAcquire() == handed.getAcquire();
    }

    /**
     * @return the CPU time, in ns, of the writer's thread so far, or -1 where the JVM does not measure it: the per-byte
     * harness counts it apart from the duty cycle.
     */
    public long cpuNs()
    {
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return threads.isThreadCpuTimeSupported() ? threads.getThreadCpuTime(thread.threadId()) : -1;
    }

    /** Whether the writer's thread is parked or about to park (tests). */
    boolean isParked()
    {
        return parked.get();
    }

    /** The writer's thread, for the log's check that an append comes from it. */
    Thread thread()
    {
        return thread;
    }

    /** Finish what was handed, then stop the thread. */
    void close()
    {
        if (null == failure && Thread.currentThread() == owner)
        {
            drain();
        }
        final long cpuBefore = cpuNs();
        closed = true;
        LockSupport.unpark(thread);
        try
        {
            thread.join(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        // The thread's last moments after the reading above are not counted: a few µs at most.
        RUNNING.remove(this);
        STOPPED_CPU_NS.addAndGet(Math.max(0, cpuBefore));
    }

    private void checkOwner()
    {
        if (Thread.currentThread() != owner)
        {
            throw new IllegalStateException("The log writer of " + log.directory() + " belongs to thread " +
                owner.getName() + ": hand records to it from that thread only.");
        }
    }

    private void checkFailure()
    {
        final Throwable cause = failure;
        if (null != cause)
        {
            throw new IllegalStateException("The log writer of " + log.directory() + " stopped: an append failed (" +
                cause.getMessage() + "); the log ends at position " + log.lastPosition() + ".", cause);
        }
    }

    private void run()
    {
        long next = 0;
        long idleSince = 0;
        while (!closed)
        {
            final long available = handed.getAcquire();
            if (next < available)
            {
                try
                {
                    do
                    {
                        final int index = (int)(next & MASK);
                        view.wrap(addresses[index], lengths[index]);
                        log.appendStamped(view, 0, lengths[index]);
                        appended.setRelease(++next);
                    }
                    while (next < available);
                }
                catch (final RuntimeException | Error ex)
                {
                    failure = ex;
                    return;
                }
                idleSince = 0;
                continue;
            }
            if (hold.compareAndSet(FREE, WRITER_PRETOUCHING))
            {
                final int stepped;
                try
                {
                    stepped = log.pretouchOwned();
                }
                finally
                {
                    hold.set(FREE);
                }
                if (stepped > 0)
                {
                    continue;
                }
            }
            final long now = System.nanoTime();
            if (0 == idleSince)
            {
                idleSince = now;
            }
            if (now - idleSince < SPIN_NS)
            {
                Thread.onSpinWait();
                continue;
            }
            parked.set(true);
            if (handed.get() == next && !closed)
            {
                LockSupport.parkNanos(this, MAX_PARK_NS);
            }
            parked.setRelease(false);
            idleSince = 0;
        }
    }
}
