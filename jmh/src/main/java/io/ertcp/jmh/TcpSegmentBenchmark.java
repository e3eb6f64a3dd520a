package io.ertcp.jmh;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.Ipv4Output;
import io.ertcp.engine.tcp.TcpConfig;
import io.ertcp.engine.tcp.TcpHeaderFlyweight;
import io.ertcp.engine.tcp.TcpStack;
import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import static io.ertcp.engine.tcp.TcpHeaderFlyweight.ACK;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.PSH;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.SYN;

/**
 * Nanoseconds per segment through the TCP layer of one established connection, without the
 * IPv4 layer: the receive path (an in-order 1460-byte segment copied into the receive buffer and
 * consumed by the service, the delayed ACK every second segment) and the send path (a 1460-byte
 * service write, its segment written into the output, the peer's ACK releasing it). Allocation
 * per segment must be 0 (run with -prof gc).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TcpSegmentBenchmark
{
    private static final int LOCAL_IP = 0x0A00_0001;
    private static final int REMOTE_IP = 0x0A00_0002;
    private static final int LOCAL_PORT = 5001;
    private static final int REMOTE_PORT = 40_000;
    private static final int MSS = 1460;
    private static final int REMOTE_ISN = 1_000;

    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
    private final UnsafeBuffer ackFrame = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(MSS));
    private final TcpHeaderFlyweight header = new TcpHeaderFlyweight();
    private TcpStack stack;
    private SinkOutput output;
    private ConsumingService service;
    private long nowNs;
    private int remoteSeq;
    private int localSeq;

    /** Counts what the stack sends and remembers the last sequence number, nothing more. */
    static final class SinkOutput implements Ipv4Output
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
        long segments;
        int lastSeq;
        int lastLength;

        public int claim(final int sourceIp, final int destinationIp, final int protocol, final int length)
        {
            lastLength = length;
            return 0;
        }

        public MutableDirectBuffer buffer()
        {
            return buffer;
        }

        public void commit()
        {
            segments++;
            lastSeq = buffer.getInt(TcpHeaderFlyweight.SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN);
        }
    }

    /** Consumes every byte; keeps the connection for the send benchmark. */
    static final class ConsumingService implements TcpService
    {
        Connection connection;
        long bytes;

        public String name()
        {
            return "consume";
        }

        public void onOpen(final Connection connection)
        {
            this.connection = connection;
        }

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            bytes += length;
            return length;
        }

        public void onPeerClosed(final Connection connection)
        {
        }

        public void onWritable(final Connection connection)
        {
        }

        public void onClosed(final Connection connection, final CloseReason reason)
        {
        }
    }

    @Setup(Level.Trial)
    public void setUp()
    {
        output = new SinkOutput();
        service = new ConsumingService();
        stack = new TcpStack(new TcpConfig().timestamps(false).maxConnections(4).isnSecretSeed(7), output,
            new Counters());
        stack.listen(LOCAL_IP, LOCAL_PORT, service);

        remoteSeq = REMOTE_ISN;
        final int synLength = writeHeader(frame, remoteSeq, 0, SYN, 0);
        stack.onDatagram(REMOTE_IP, LOCAL_IP, frame, 0, synLength, nowNs);
        stack.doWork(nowNs);
        localSeq = output.lastSeq + 1;
        remoteSeq++;
        final int ackLength = writeHeader(frame, remoteSeq, localSeq, ACK, 0);
        stack.onDatagram(REMOTE_IP, LOCAL_IP, frame, 0, ackLength, nowNs);
        stack.doWork(nowNs);
        if (service.connection == null)
        {
            throw new IllegalStateException("handshake did not complete");
        }
        for (int i = 0; i < MSS; i++)
        {
            payload.putByte(i, (byte)i);
            frame.putByte(20 + i, (byte)i);
        }
    }

    @TearDown(Level.Trial)
    public void check()
    {
        // A benchmark that silently dropped its segments would measure the drop path.
        if (service.bytes == 0 && output.segments < 1000)
        {
            throw new IllegalStateException("no segment went through: bytes " + service.bytes);
        }
        System.out.println("\nreceived " + service.bytes + " bytes, sent " + output.segments + " segments");
    }

    private int writeHeader(
        final UnsafeBuffer buffer, final int seq, final int ack, final int flags, final int payloadLength)
    {
        header.wrap(buffer, 0).write(REMOTE_PORT, LOCAL_PORT, seq, ack, 20, flags, 65_535);
        buffer.putShort(TcpHeaderFlyweight.URGENT_POINTER_OFFSET, (short)0);
        return 20 + payloadLength;
    }

    /**
     * One in-order full segment in, the service consumes it, the stack's duty cycle runs.
     */
    @Benchmark
    public long receiveSegment()
    {
        nowNs += 1_000;
        header.wrap(frame, 0).write(REMOTE_PORT, LOCAL_PORT, remoteSeq, localSeq, 20, ACK | PSH, 65_535);
        stack.onDatagram(REMOTE_IP, LOCAL_IP, frame, 0, 20 + MSS, nowNs);
        remoteSeq += MSS;
        stack.doWork(nowNs);
        return service.bytes;
    }

    /**
     * One full-segment write, the segment out, the peer's ACK for it in.
     */
    @Benchmark
    public long sendSegment()
    {
        nowNs += 1_000;
        service.connection.write(payload, 0, MSS);
        stack.doWork(nowNs);
        localSeq += MSS;
        header.wrap(ackFrame, 0).write(REMOTE_PORT, LOCAL_PORT, remoteSeq, localSeq, 20, ACK, 65_535);
        stack.onDatagram(REMOTE_IP, LOCAL_IP, ackFrame, 0, 20, nowNs);
        return output.segments;
    }
}
