package io.ertcp.jmh;

import io.ertcp.engine.agent.AgentHost;
import io.ertcp.engine.agent.FrameDispatcher;
import io.ertcp.engine.agent.FrameRings;
import io.ertcp.engine.agent.PortAgent;
import io.ertcp.engine.agent.ThreadingMode;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.lan.MemorySwitch;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.port.FrameHandler;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Frames per second through the engine's in-process datapath: a burst sent on one
 * {@link MemoryPort}, switched to another, moved by a {@link PortAgent} into the receive ring and
 * handed by a {@link FrameDispatcher} to a handler, the agents stepped by an invoker on the
 * benchmark thread. Allocation per frame must be 0 (run with -prof gc).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MemoryPortBenchmark
{
    private static final int BURST = 32;
    private static final long SENDER_MAC = MacAddress.parse("02:00:00:00:00:01");
    private static final long RECEIVER_MAC = MacAddress.parse("02:00:00:00:00:02");

    @Param({"64", "1514"})
    public int frameLength;

    private MemoryPort sender;
    private AgentHost host;
    private UnsafeBuffer frame;
    private long received;
    private long checksum;

    @Setup(Level.Trial)
    public void setUp()
    {
        final Counters counters = new Counters();
        final MemorySwitch lan = new MemorySwitch(new SystemNanoClock(), 1, counters);
        sender = lan.newPort("sender", SENDER_MAC);
        final MemoryPort receiver = lan.newPort("receiver", RECEIVER_MAC);
        final OneToOneRingBuffer rxRing = FrameRings.oneToOne(FrameRings.DEFAULT_CAPACITY);
        final OneToOneRingBuffer txRing = FrameRings.oneToOne(64 * 1024);
        final FrameHandler consumer = (buffer, offset, length, flags) ->
        {
            received++;
            checksum += buffer.getLong(offset + EthernetFlyweight.HEADER_LENGTH);
        };
        host = AgentHost.start(ThreadingMode.INVOKER, Throwable::printStackTrace,
            new PortAgent(receiver, rxRing, txRing, BURST, counters.newCounter("ring full")),
            new FrameDispatcher("consumer", rxRing, consumer, BURST));

        frame = new UnsafeBuffer(new byte[frameLength]);
        new EthernetFlyweight().wrap(frame, 0).destination(RECEIVER_MAC).source(SENDER_MAC).etherType(0x88B6);
        // Teach the switch where the receiver lives, so frames are unicast, not flooded.
        final UnsafeBuffer hello = new UnsafeBuffer(new byte[60]);
        new EthernetFlyweight().wrap(hello, 0).destination(MacAddress.BROADCAST).source(RECEIVER_MAC).etherType(0x88B6);
        receiver.send(hello, 0, 60);
        receiver.flush();
        sender.receive((b, o, l, f) -> { }, 10);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        host.close();
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public long burstThroughPortRingAndAgent()
    {
        for (int i = 0; i < BURST; i++)
        {
            frame.putLong(EthernetFlyweight.HEADER_LENGTH, received + i);
            sender.send(frame, 0, frameLength);
        }
        sender.flush();
        final long target = received + BURST;
        while (received < target)
        {
            host.invoke();
        }
        return checksum;
    }
}
