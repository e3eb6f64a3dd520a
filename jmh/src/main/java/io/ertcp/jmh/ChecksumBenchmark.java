package io.ertcp.jmh;

import io.ertcp.engine.net.Ipv4Layer;
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
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Nanoseconds per TCP checksum (pseudo-header, header and payload) over one segment in a direct buffer, as the IPv4
 * layer verifies every received segment and computes every sent one. Allocation must be 0 (run with -prof gc).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ChecksumBenchmark
{
    /** A full 1460-byte segment with its 20-byte header, and a bare ACK with timestamps. */
    @Param({"1480", "32"})
    public int segmentLength;

    private final UnsafeBuffer segment = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));

    @Setup
    public void setUp()
    {
        final byte[] bytes = new byte[2048];
        new Random(7).nextBytes(bytes);
        segment.putBytes(0, bytes);
    }

    @Benchmark
    public int tcpChecksum()
    {
        // Offset 34: where the TCP header starts in an Ethernet/IPv4 frame.
        return Ipv4Layer.transportChecksum(segment, 34, segmentLength, 6, 0x0A00_0001, 0x0A00_0002);
    }
}
