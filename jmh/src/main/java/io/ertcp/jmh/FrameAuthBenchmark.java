package io.ertcp.jmh;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.replication.channel.ClusterKey;
import io.ertcp.engine.replication.channel.FrameAuthenticator;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * What authentication costs one replication frame in the engine: {@link FrameAuthenticator#seal} on the sender and
 * {@link FrameAuthenticator#verify} (cluster, sender, source MAC, replay window, MAC) on the receiver, over a frame
 * off-heap as the port holds it. {@code none} is {@code security: none}: the trailer written and read, no MAC.
 * Allocation per frame must be 0 (run with -prof gc).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FrameAuthBenchmark
{
    private static final long SENDER_MAC = 0x0200_0000_0011L;

    /** 100: the shortest frame the channel sends (a confirm, a heartbeat); 384: a small record's. */
    @Param({"100", "384", "1500", "9000"})
    int frameBytes;

    @Param({"key", "none"})
    String security;

    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024));
    private FrameAuthenticator sender;
    private FrameAuthenticator receiver;
    private int length;

    @Setup
    public void setUp()
    {
        final ClusterKey key = security.equals("none") ? null : ClusterKey.random();
        final long[] macs = {0, SENDER_MAC, 0x0200_0000_0012L};
        sender = new FrameAuthenticator(key, "bench", 1, 1, macs, new FrameAuthenticator.Refusals(new Counters(64)));
        receiver = new FrameAuthenticator(key, "bench", 2, 2, macs, new FrameAuthenticator.Refusals(new Counters(64)));
        length = frameBytes - FrameAuthenticator.TRAILER_LENGTH;
        new EthernetFlyweight().wrap(frame, 0).destination(0x0200_0000_0012L).source(SENDER_MAC)
            .etherType(EthernetFlyweight.ETHER_TYPE_REPLICATION);
        new ReplicationFrameFlyweight().wrap(frame, EthernetFlyweight.HEADER_LENGTH)
            .writeHeader(ReplicationFrameFlyweight.KIND_RECORDS, 1, 1, 1, length - 46);
    }

    @Benchmark
    public int sealThenVerify()
    {
        final int sealed = sender.seal(frame, 0, length);
        final int inner = receiver.verify(frame, 0, sealed);
        if (inner != length)
        {
            throw new IllegalStateException("refused: reason " + receiver.lastRefusal());
        }
        return inner;
    }
}
