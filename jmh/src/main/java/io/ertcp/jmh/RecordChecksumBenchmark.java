package io.ertcp.jmh;

import io.ertcp.log.RecordCodec;
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
 * Nanoseconds per record CRC32C ({@link RecordCodec#checksum}) over a record off heap, as every hop of the replication
 * channel computes or verifies it: in place by address when {@code java.util.zip} is opened (jvm.flags does), else
 * after a copy into an array (run with a jvm.flags without that line to see it). Allocation must be 0.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RecordChecksumBenchmark
{
    /** One full segment's DATA record, an 8 KiB one, and the largest the primary makes at a 1500-byte MTU. */
    @Param({"1500", "8232", "15708"})
    public int recordLength;

    private final UnsafeBuffer record = new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024 + 64));
    private final RecordCodec codec = new RecordCodec();
    private int offset;

    @Setup
    public void setUp()
    {
        final byte[] bytes = new byte[16 * 1024 + 64];
        new Random(7).nextBytes(bytes);
        record.putBytes(0, bytes);
    }

    @Benchmark
    public int checksum()
    {
        // A moving offset keeps the JIT from treating the record as unchanged between calls.
        offset = (offset + 8) & 63;
        return codec.checksum(record, offset, recordLength);
    }
}
