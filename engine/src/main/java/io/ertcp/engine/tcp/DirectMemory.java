package io.ertcp.engine.tcp;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

/**
 * How much of the JVM's off-heap limit ({@code -XX:MaxDirectMemorySize}) direct buffers hold, for whoever builds
 * buffers ahead of need (spare connections, docs/architecture.md "Threading"): building ahead stops while what it
 * would take, twice over, does not fit, so that a buffer built ahead never meets the limit itself (the JVM then
 * collects and retries for about half a second before it refuses) and the limit keeps refusing only connections,
 * with the sentence it always had. Reading it allocates nothing.
 */
public final class DirectMemory
{
    private static final BufferPoolMXBean DIRECT = direct();
    private static final long MAX = max();

    private DirectMemory()
    {
    }

    /**
     * @return true when {@code bytes} more of direct buffers leave at least as much again below the off-heap limit.
     */
    public static boolean roomFor(final long bytes)
    {
        return null == DIRECT || DIRECT.getMemoryUsed() + 2 * bytes <= MAX;
    }

    private static BufferPoolMXBean direct()
    {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if ("direct".equals(pool.getName()))
            {
                return pool;
            }
        }
        return null;
    }

    private static long max()
    {
        try
        {
            final String value = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("MaxDirectMemorySize").getValue();
            final long configured = Long.parseLong(value);
            // 0: unset, and the JVM then allows as much as the heap's maximum.
            return configured > 0 ? configured : Runtime.getRuntime().maxMemory();
        }
        catch (final RuntimeException ex)
        {
            return Runtime.getRuntime().maxMemory();
        }
    }
}
