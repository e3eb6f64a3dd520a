package io.ertcp.jmh;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.replication.channel.ClusterKey;
import io.ertcp.engine.replication.channel.FrameAuthenticator;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * {@link FrameAuthBenchmark#sealThenVerify} timed in this thread's CPU time rather than wall time, for a machine other
 * work shares (JMH's averages there count the time the thread waited for a core): per frame size, the median, lowest
 * and highest of nine rounds after three of warm-up. Frames are off-heap, as a port holds them. Run:
 * <pre>
 *   java @jvm.flags -cp jmh/target/benchmarks.jar io.ertcp.jmh.FrameAuthCpuTime [BYTES...]
 * </pre>
 */
public final class FrameAuthCpuTime
{
    private FrameAuthCpuTime()
    {
    }

    public static void main(final String[] args)
    {
        final int[] sizes = 0 == args.length ? new int[] {100, 256, 384, 512, 1500, 9000} :
            Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final long senderMac = 0x0200_0000_0011L;
        final long[] macs = {0, senderMac, 0x0200_0000_0012L};
        final ClusterKey key = ClusterKey.random();
        for (final int bytes : sizes)
        {
            final FrameAuthenticator sender =
                new FrameAuthenticator(key, "bench", 1, 1, macs, new FrameAuthenticator.Refusals(new Counters(64)));
            final FrameAuthenticator receiver =
                new FrameAuthenticator(key, "bench", 2, 2, macs, new FrameAuthenticator.Refusals(new Counters(64)));
            final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024));
            final int length = bytes - FrameAuthenticator.TRAILER_LENGTH;
            new EthernetFlyweight().wrap(frame, 0).destination(macs[2]).source(senderMac)
                .etherType(EthernetFlyweight.ETHER_TYPE_REPLICATION);
            new ReplicationFrameFlyweight().wrap(frame, EthernetFlyweight.HEADER_LENGTH)
                .writeHeader(ReplicationFrameFlyweight.KIND_RECORDS, 1, 1, 1, length - 46);
            for (int i = EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH; i < length; i++)
            {
                frame.putByte(i, (byte)(i * 31 + (i >> 4)));
            }
            final int iterations = 3_000_000 / (bytes / 64 + 1);
            final double[] rounds = new double[9];
            for (int round = -3; round < rounds.length; round++)
            {
                final long start = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < iterations; i++)
                {
                    final int sealed = sender.seal(frame, 0, length);
                    if (receiver.verify(frame, 0, sealed) != length)
                    {
                        throw new IllegalStateException("refused: reason " + receiver.lastRefusal());
                    }
                }
                final long end = threads.getCurrentThreadCpuTime();
                if (round >= 0)
                {
                    rounds[round] = (end - start) / (double)iterations;
                }
            }
            Arrays.sort(rounds);
            System.out.printf("%5d B: seal + verify %6.0f ns CPU (%.0f-%.0f)%n",
                bytes, rounds[4], rounds[0], rounds[8]);
        }
    }
}
