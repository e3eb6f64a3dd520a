package io.ertcp.jmh;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.port.DpdkPort;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.test.NetNs;
import io.ertcp.test.RawFrames;
import io.ertcp.test.Requirements;
import io.ertcp.test.Veth;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * Frames per second received through {@link DpdkPort} (DPDK's net_af_packet driver on a veth), one
 * op per frame, with the Linux kernel sending from the veth's other end in another namespace.
 * <p>
 * Two senders, chosen by {@code -p sender=}:
 * <ul>
 *     <li>{@code kernel}: python3 looping send(2) on an AF_PACKET socket in another namespace, the
 *     way any Linux host feeds the port; python's per-frame cost caps the rate.</li>
 *     <li>{@code dpdk}: a thread of this JVM sending bursts through a second DpdkPort on the veth's
 *     other end (one sendto per burst), which outruns the receiver, so the figure is what the
 *     receive path sustains. Both ends then live in one namespace, since the two ports share EAL.</li>
 * </ul>
 * The receive path is measured end to end (rx-burst downcall, the handler reading each frame in
 * place, the bulk free) and with {@code -prof gc} shows that it allocates nothing. A frame the
 * driver's ring had no room for never reaches the port, so it costs the receiver nothing.
 * <p>
 * Needs root (network namespaces, veths, raw sockets) and the DPDK shim:
 * <pre>
 *   java @jvm.flags -Dertcp.native.dir=native-dpdk/target/native -jar jmh/target/benchmarks.jar DpdkPort -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class DpdkPortBenchmark
{
    /** Frames one benchmark invocation receives: ops are frames. */
    static final int FRAMES_PER_OP = 32;

    /** A minimum Ethernet frame, without FCS. */
    static final int FRAME_LENGTH = 60;

    private static final long STALL_NS = TimeUnit.SECONDS.toNanos(10);

    @Param({ "kernel", "dpdk" })
    public String sender;

    private NetNs portNs;
    private NetNs senderNs;
    private Process senderProcess;
    private Path senderLog;
    private DpdkPort port;
    private DpdkPort senderPort;
    private Thread senderThread;
    private volatile boolean running = true;
    private final Reader reader = new Reader();

    /** Reads each frame in place, as a stack's Ethernet layer would look at its EtherType. */
    static final class Reader implements FrameHandler
    {
        long checksum;

        public void onFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
        {
            checksum += buffer.getShort(offset + 12) + buffer.getByte(offset + length - 1);
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        if (!Requirements.isRoot())
        {
            throw new IllegalStateException("DpdkPortBenchmark needs root to create network namespaces, veths and raw " +
                "sockets: run it as root.");
        }
        if (!Files.exists(Requirements.dpdkShim()))
        {
            throw new IllegalStateException("DpdkPortBenchmark needs the DPDK shim at " + Requirements.dpdkShim() +
                ": apt-get install -y libdpdk-dev dpdk pkg-config, rebuild, and pass -Dertcp.native.dir=<dir>.");
        }

        portNs = NetNs.create("bport");
        final Veth veth;
        if ("dpdk".equals(sender))
        {
            veth = Veth.create(portNs, "bdpdk0", portNs, "bsend0");
        }
        else
        {
            senderNs = NetNs.create("bsend");
            veth = Veth.create(portNs, "bdpdk0", senderNs, "bsend0");
        }
        portNs.disableOffloads(veth.aName());
        veth.b().disableOffloads(veth.bName());

        final byte[] senderMac = HexFormat.ofDelimiter(":").parseHex(veth.b().mac(veth.bName()));
        if ("dpdk".equals(sender))
        {
            final String ealArgs = "--no-huge --no-pci --no-shconf --file-prefix=ertcp-bench-" +
                ProcessHandle.current().pid() + " -m 128 --no-telemetry --log-level=*:error -l 0" +
                " --vdev=net_af_packet0,iface=" + veth.aName() + " --vdev=net_af_packet1,iface=" + veth.bName();
            final Counters counters = new Counters(64);
            port = DpdkPort.open(veth.aName(), ealArgs, portNs.name(), counters);
            senderPort = DpdkPort.open(veth.bName(), ealArgs, portNs.name(), counters);
            final byte[] frame = frame(port.macAddress(), senderMac);
            senderThread = new Thread(() -> sendUntilStopped(frame), "dpdk-sender");
            senderThread.setDaemon(true);
            senderThread.start();
        }
        else
        {
            port = DpdkPort.open(veth.aName(), null, portNs.name(), new Counters(64));
            senderLog = Files.createTempFile("ertcp-bench-sender", ".log");
            senderProcess = RawFrames.blast(senderNs, veth.bName(), frame(port.macAddress(), senderMac), senderLog);
        }
    }

    private static byte[] frame(final long dstMac, final byte[] srcMac)
    {
        final byte[] frame = new byte[FRAME_LENGTH];
        for (int i = 0; i < 6; i++)
        {
            frame[i] = (byte)(dstMac >>> (40 - 8 * i));
        }
        System.arraycopy(srcMac, 0, frame, 6, 6);
        frame[12] = (byte)0x88;
        frame[13] = (byte)0xB5;
        for (int i = 14; i < FRAME_LENGTH; i++)
        {
            frame[i] = (byte)i;
        }
        return frame;
    }

    /** The dpdk sender: full bursts, backing off briefly when the driver's tx ring is full. */
    private void sendUntilStopped(final byte[] frame)
    {
        final UnsafeBuffer source = new UnsafeBuffer(frame);
        while (running)
        {
            for (int i = 0; i < DpdkPort.BURST; i++)
            {
                if (!senderPort.send(source, 0, frame.length))
                {
                    break;
                }
            }
            if (senderPort.flush() < DpdkPort.BURST)
            {
                Thread.onSpinWait();
            }
        }
        senderPort.close();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES_PER_OP)
    public long receive()
    {
        int frames = 0;
        long idleSinceNs = 0;
        while (frames < FRAMES_PER_OP)
        {
            final int count = port.receive(reader, FRAMES_PER_OP - frames);
            if (count > 0)
            {
                frames += count;
                idleSinceNs = 0;
            }
            else if (idleSinceNs == 0)
            {
                idleSinceNs = System.nanoTime();
            }
            else if ((System.nanoTime() - idleSinceNs) > STALL_NS)
            {
                throw new IllegalStateException("no frame arrived for 10 s: the " + sender + " sender stopped");
            }
        }
        return reader.checksum;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        try
        {
            if (null != senderThread)
            {
                running = false;
                try
                {
                    senderThread.join(10_000);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }
            if (null != port)
            {
                final DpdkPort.Statistics stats = port.pollStatistics();
                System.out.println();
                System.out.println("# " + port + "; driver: " + stats);
                port.close();
            }
        }
        finally
        {
            if (null != senderProcess)
            {
                senderProcess.destroyForcibly();
            }
            if (null != senderNs)
            {
                senderNs.close();
            }
            if (null != portNs)
            {
                portNs.close();
            }
            if (null != senderLog)
            {
                Files.deleteIfExists(senderLog);
            }
        }
    }
}
