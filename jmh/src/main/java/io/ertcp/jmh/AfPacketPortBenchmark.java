package io.ertcp.jmh;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.port.AfPacketPort;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.ffm.libc.NetworkNamespace;
import io.ertcp.test.NetNs;
import io.ertcp.test.Requirements;
import io.ertcp.test.Veth;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * Frames per second through {@link AfPacketPort} on a veth pair whose ends live in two network
 * namespaces made for the run; one operation is one frame.
 * <ul>
 * <li>{@code receive}: the measured thread polls the RX ring of the port on one end while a sender
 * thread in this JVM blasts frames into the other end through a second port's TX ring, one
 * {@code sendto} per burst. The kernel's delivery work happens in the sender's {@code sendto}, so the
 * figure is the pair's throughput; the receive path itself must allocate nothing (see -prof gc).
 * Frames the receiver was too slow for are printed as rx-dropped at the end of the trial.</li>
 * <li>{@code transmit}: the measured thread claims, writes and commits frames and flushes every
 * {@link #BURST}; the far end has nobody listening, so its kernel drops them.</li>
 * </ul>
 * Needs root (namespaces, veths, CAP_NET_RAW): run {@code java @jvm.flags -jar jmh/target/benchmarks.jar
 * AfPacketPort -prof gc} as root.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = { "-Xmx256m", "-Xms256m" })
public class AfPacketPortBenchmark
{
    /** Frames per benchmark invocation and per TX flush: a burst as an agent's duty cycle would take. */
    public static final int BURST = 64;

    private static final int ETHER_TYPE = 0x88B5;

    /** A veth pair between two fresh namespaces, ports opened on demand. */
    abstract static class Wire
    {
        NetNs near;
        NetNs far;

        void createWire()
        {
            if (!Requirements.isRoot())
            {
                final String message = "AfPacketPortBenchmark needs root to create network namespaces, veth pairs and " +
                    "AF_PACKET sockets: run java @jvm.flags -jar jmh/target/benchmarks.jar AfPacketPort as root.";
                System.err.println(message);
                throw new IllegalStateException(message);
            }
            near = NetNs.create("jmh-near");
            far = NetNs.create("jmh-far");
            Veth.create(near, "bench0", far, "bench1");
        }

        static AfPacketPort open(final NetNs ns, final String iface)
        {
            return NetworkNamespace.call(ns.name(), () -> AfPacketPort.open(iface, new Counters(16)));
        }

        void closeWire()
        {
            if (far != null)
            {
                far.close();
            }
            if (near != null)
            {
                near.close();
            }
        }
    }

    @State(Scope.Thread)
    public static class ReceiveState extends Wire implements FrameHandler
    {
        @Param({ "60", "1514" })
        public int frameLength;

        AfPacketPort port;
        AfPacketPort senderPort;
        Thread sender;
        volatile boolean running;
        long checksum;

        @Setup(Level.Trial)
        public void setUp()
        {
            createWire();
            port = open(near, "bench0");
            senderPort = open(far, "bench1");
            running = true;
            sender = Thread.ofPlatform().name("afpacket-sender").daemon().start(this::blast);
        }

        /** The sender's duty cycle: fill every free TX slot, kick once, repeat; no allocation. */
        private void blast()
        {
            final AfPacketPort tx = senderPort;
            final MutableDirectBuffer buffer = tx.txBuffer();
            final UnsafeBuffer header = header(port.macAddress(), tx.macAddress());
            final int length = frameLength;
            int sequence = 0;
            while (running)
            {
                int claimed = 0;
                int offset;
                while (claimed < 4 * BURST && (offset = tx.txClaim(length)) >= 0)
                {
                    buffer.putBytes(offset, header, 0, 14);
                    buffer.putInt(offset + 14, sequence++);
                    tx.txCommit(length);
                    claimed++;
                }
                if (tx.flush() == 0 && claimed == 0)
                {
                    Thread.onSpinWait();
                }
            }
        }

        public void onFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
        {
            checksum += buffer.getInt(offset + 14) + length;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException
        {
            running = false;
            if (sender != null)
            {
                sender.join();
            }
            if (port != null)
            {
                port.close();
                System.out.println();
                System.out.println("receiver " + port + "; sender " + senderPort);
            }
            if (senderPort != null)
            {
                senderPort.close();
            }
            closeWire();
        }
    }

    @State(Scope.Thread)
    public static class TransmitState extends Wire
    {
        @Param({ "60", "1514" })
        public int frameLength;

        AfPacketPort port;
        MutableDirectBuffer buffer;
        UnsafeBuffer header;
        int sequence;

        @Setup(Level.Trial)
        public void setUp()
        {
            createWire();
            port = open(near, "bench0");
            buffer = port.txBuffer();
            header = header(0xFFFF_FFFF_FFFFL, port.macAddress());
        }

        @TearDown(Level.Trial)
        public void tearDown()
        {
            if (port != null)
            {
                port.close();
                System.out.println();
                System.out.println("transmitter " + port);
            }
            closeWire();
        }
    }

    /**
     * Receive {@link #BURST} frames, polling the ring until they have come: a dedicated agent's loop.
     */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public long receive(final ReceiveState state)
    {
        final AfPacketPort port = state.port;
        int received = 0;
        while (received < BURST)
        {
            final int frames = port.receive(state, BURST - received);
            if (frames == 0)
            {
                Thread.onSpinWait();
            }
            received += frames;
        }
        return state.checksum;
    }

    /**
     * Claim, write and commit {@link #BURST} frames, then kick them with one flush.
     */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public int transmit(final TransmitState state)
    {
        final AfPacketPort port = state.port;
        final MutableDirectBuffer buffer = state.buffer;
        final int length = state.frameLength;
        int committed = 0;
        while (committed < BURST)
        {
            final int offset = port.txClaim(length);
            if (offset < 0)
            {
                port.flush();
                Thread.onSpinWait();
                continue;
            }
            buffer.putBytes(offset, state.header, 0, 14);
            buffer.putInt(offset + 14, state.sequence++);
            port.txCommit(length);
            committed++;
        }
        return port.flush();
    }

    static UnsafeBuffer header(final long destination, final long source)
    {
        final UnsafeBuffer header = new UnsafeBuffer(new byte[14]);
        for (int i = 0; i < 6; i++)
        {
            header.putByte(i, (byte)(destination >>> (40 - 8 * i)));
            header.putByte(6 + i, (byte)(source >>> (40 - 8 * i)));
        }
        header.putByte(12, (byte)(ETHER_TYPE >>> 8));
        header.putByte(13, (byte)ETHER_TYPE);
        return header;
    }
}
