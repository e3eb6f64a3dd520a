package io.ertcp.jmh;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.Checksums;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.Ipv4Handler;
import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.net.NetCounters;
import io.ertcp.engine.port.FrameFlags;
import io.ertcp.engine.port.FrameOutput;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * Nanoseconds per full TCP segment (1,460 bytes of payload) through the IPv4 layer, with the checksum in software or
 * left to the NIC ({@code offload}): {@code receive} hands the layer a 1,514-byte frame (checked, or taken on the
 * NIC's {@link FrameFlags#CHECKSUM_VERIFIED}) and its transport takes it; {@code send} claims, writes the segment and
 * commits it (the checksum computed, or the pseudo-header sum and {@link FrameFlags#FILL_CHECKSUM}). Allocation must
 * be 0 (run with -prof gc).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class Ipv4SegmentBenchmark
{
    private static final long NODE_MAC = 0x0200_0000_0001L;
    private static final long PEER_MAC = 0x0200_0000_0002L;
    private static final int NODE_IP = 0x0A00_0001;
    private static final int PEER_IP = 0x0A00_0002;
    private static final int SEGMENT = 20 + 1460;

    /** false: the stack computes and checks every checksum; true: the NIC does. */
    @Param({"false", "true"})
    public boolean offload;

    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
    private final UnsafeBuffer segment = new UnsafeBuffer(ByteBuffer.allocateDirect(SEGMENT));
    private final Sink sink = new Sink();
    private Ipv4Layer layer;
    private Output output;
    private int receiveFlags;

    /** The transport: counts bytes. */
    static final class Sink implements Ipv4Handler
    {
        long bytes;

        public void onDatagram(
            final int sourceIp, final int destinationIp, final DirectBuffer buffer, final int offset, final int length, final long nowNs)
        {
            bytes += length;
        }
    }

    /** One frame's room, reused; says whether the NIC fills TCP checksums. */
    static final class Output implements FrameOutput
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
        final boolean fills;
        long frames;
        long filled;

        Output(final boolean fills)
        {
            this.fills = fills;
        }

        public int claim(final int length)
        {
            return 0;
        }

        public MutableDirectBuffer buffer()
        {
            return buffer;
        }

        public void commit(final int offset)
        {
            frames++;
        }

        public void commit(final int offset, final int flags)
        {
            frames++;
            filled += flags & FrameFlags.FILL_CHECKSUM;
        }

        public boolean fillsTcpChecksums()
        {
            return fills;
        }
    }

    @Setup
    public void setUp()
    {
        output = new Output(offload);
        layer = new Ipv4Layer(NODE_MAC, new Ipv4Address.Cidr(NODE_IP, 24), output, new NetCounters(new Counters(), "bench"));
        layer.register(6, sink);
        layer.arpCache().learn(PEER_IP, PEER_MAC, true, 0);
        receiveFlags = offload ? FrameFlags.CHECKSUM_VERIFIED : 0;

        for (int i = 0; i < SEGMENT; i++)
        {
            segment.putByte(i, (byte)(i * 7));
        }
        segment.putByte(12, (byte)0x50);
        // A received frame: Ethernet, IPv4 (checksummed), the segment with its checksum.
        frame.putLong(0, 0);
        for (int i = 0; i < 6; i++)
        {
            frame.putByte(i, (byte)(NODE_MAC >>> (40 - 8 * i)));
            frame.putByte(6 + i, (byte)(PEER_MAC >>> (40 - 8 * i)));
        }
        frame.putShort(12, (short)0x0800, ByteOrder.BIG_ENDIAN);
        frame.putByte(14, (byte)0x45);
        frame.putByte(15, (byte)0);
        frame.putShort(16, (short)(20 + SEGMENT), ByteOrder.BIG_ENDIAN);
        frame.putInt(18, 0x0001_4000, ByteOrder.BIG_ENDIAN);
        frame.putByte(22, (byte)64);
        frame.putByte(23, (byte)6);
        frame.putShort(24, (short)0);
        frame.putInt(26, PEER_IP, ByteOrder.BIG_ENDIAN);
        frame.putInt(30, NODE_IP, ByteOrder.BIG_ENDIAN);
        frame.putShort(24, (short)Checksums.finish(Checksums.sum(frame, 14, 20, 0)), ByteOrder.BIG_ENDIAN);
        frame.putBytes(34, segment, 0, SEGMENT);
        frame.putShort(34 + 16, (short)0);
        frame.putShort(34 + 16, (short)Ipv4Layer.transportChecksum(frame, 34, SEGMENT, 6, PEER_IP, NODE_IP), ByteOrder.BIG_ENDIAN);
    }

    @TearDown
    public void check()
    {
        // A benchmark whose frames were dropped would measure the drop path.
        if (sink.bytes == 0 && output.frames == 0)
        {
            throw new IllegalStateException("no segment went through");
        }
        if (offload && output.frames > 0 && output.filled == 0)
        {
            throw new IllegalStateException("no segment was left to the NIC");
        }
    }

    @Benchmark
    public long receive()
    {
        layer.onFrame(frame, 0, 14 + 20 + SEGMENT, receiveFlags);
        return sink.bytes;
    }

    @Benchmark
    public long send()
    {
        final int at = layer.claim(NODE_IP, PEER_IP, 6, SEGMENT);
        layer.buffer().putBytes(at, segment, 0, SEGMENT);
        layer.commit();
        return output.frames;
    }
}
