package io.ertcp.engine.cluster;

import com.sun.management.ThreadMXBean;
import org.agrona.concurrent.Agent;

import java.lang.management.ManagementFactory;

/**
 * One role's share of the stepping thread: thread CPU time and bytes allocated across each of its duty cycles, read
 * from {@link ThreadMXBean} right before and after the cycle. Everything runs on one thread, so what a cycle costs is
 * exactly the difference; the readings' own cost inside the window is measured once ({@link #calibrate()}) and taken
 * off per cycle.
 */
final class CpuMeter
{
    static final ThreadMXBean THREADS = (ThreadMXBean)ManagementFactory.getThreadMXBean();

    final String name;
    boolean on;
    long cycles;
    long workingCycles;
    long cpuNs;
    long workingCpuNs;
    long allocatedBytes;
    /** The longest one cycle took since {@link #reset()}: how long the node was deaf to its heartbeats. */
    long maxCycleNs;
    /** The same since {@link #resetTotals()}, across windows. */
    long totalCycles;
    long totalWorkingCycles;
    long totalCpuNs;
    long totalWorkingCpuNs;
    long totalAllocatedBytes;

    CpuMeter(final String name)
    {
        this.name = name;
    }

    /** Run one duty cycle of the agent, timed while the meter is on. */
    int measure(final Agent agent) throws Exception
    {
        if (!on)
        {
            return agent.doWork();
        }
        final long cpu0 = THREADS.getCurrentThreadCpuTime();
        final long alloc0 = THREADS.getCurrentThreadAllocatedBytes();
        final int work = agent.doWork();
        final long alloc1 = THREADS.getCurrentThreadAllocatedBytes();
        final long cpu1 = THREADS.getCurrentThreadCpuTime();
        final long ns = cpu1 - cpu0;
        cycles++;
        cpuNs += ns;
        maxCycleNs = Math.max(maxCycleNs, ns);
        allocatedBytes += alloc1 - alloc0;
        totalCycles++;
        totalCpuNs += ns;
        totalAllocatedBytes += alloc1 - alloc0;
        if (work > 0)
        {
            workingCycles++;
            workingCpuNs += ns;
            totalWorkingCycles++;
            totalWorkingCpuNs += ns;
        }
        return work;
    }

    void reset()
    {
        maxCycleNs = 0;
        cycles = 0;
        workingCycles = 0;
        cpuNs = 0;
        workingCpuNs = 0;
        allocatedBytes = 0;
    }

    void resetTotals()
    {
        reset();
        totalCycles = 0;
        totalWorkingCycles = 0;
        totalCpuNs = 0;
        totalWorkingCpuNs = 0;
        totalAllocatedBytes = 0;
    }

    /**
     * @return the CPU nanoseconds the readings themselves add to one measured cycle (an empty cycle's mean, after
     * warming the readings up), and the bytes they allocate, as {ns, bytes} per cycle.
     */
    static double[] calibrate() throws Exception
    {
        final CpuMeter empty = new CpuMeter("calibration");
        empty.on = true;
        final Agent nothing = new Agent()
        {
            public int doWork()
            {
                return 0;
            }

            public String roleName()
            {
                return "nothing";
            }
        };
        for (int i = 0; i < 200_000; i++)
        {
            empty.measure(nothing);
        }
        empty.reset();
        final int n = 1_000_000;
        for (int i = 0; i < n; i++)
        {
            empty.measure(nothing);
        }
        return new double[]{(double)empty.cpuNs / n, (double)empty.allocatedBytes / n};
    }
}
