package io.ertcp.systest;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.port.AfPacketPort;
import io.ertcp.engine.port.FrameFlags;
import io.ertcp.engine.port.PacketPort;
import io.ertcp.engine.port.PortException;
import io.ertcp.ffm.libc.NetworkNamespace;
import io.ertcp.test.NetNs;
import io.ertcp.test.Requirements;
import io.ertcp.test.Veth;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AfPacketPort} on a real veth pair between two network namespaces, with a port on each end
 * opened from a thread that entered that end's namespace: frames both ways byte for byte, ring
 * wrap-around and overrun counting, the kernel's own ARP and ICMP, checksum-offload and truncation
 * flags, and the sentences a user sees for a missing or down interface.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AfPacketPortSystemTest
{
    private static final int TEST_ETHER_TYPE = 0x88B5;
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final String A_IP = "10.7.0.1";
    private static final String B_IP = "10.7.0.2";
    private static final int CAP_NET_RAW = 13;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private NetNs nsA;
    private NetNs nsB;

    /** A frame as received: a copy of its bytes and its {@link FrameFlags}. */
    private record Frame(byte[] bytes, int flags)
    {
        int etherType()
        {
            return ((bytes[12] & 0xFF) << 8) | (bytes[13] & 0xFF);
        }

        int sequence()
        {
            return ((bytes[14] & 0xFF) << 24) | ((bytes[15] & 0xFF) << 16) | ((bytes[16] & 0xFF) << 8) |
                (bytes[17] & 0xFF);
        }
    }

    @BeforeEach
    void setUp()
    {
        Requirements.assumeRootAndNetns();
        nsA = track(NetNs.create("afa"));
        nsB = track(NetNs.create("afb"));
        Veth.create(nsA, "ea", nsB, "eb");
    }

    @AfterEach
    void tearDown() throws Exception
    {
        // Ports first, then namespaces; in reverse order of creation, each even if another fails.
        Exception failure = null;
        for (int i = resources.size() - 1; i >= 0; i--)
        {
            try
            {
                resources.get(i).close();
            }
            catch (final Exception ex)
            {
                failure = ex;
            }
        }
        resources.clear();
        if (failure != null)
        {
            throw failure;
        }
    }

    @Test
    void exchangesFramesBothWaysWithExactContentsLengthsAndCounters()
    {
        final AfPacketPort portA = open(nsA, "ea", AfPacketPort.DEFAULT_RING_FRAMES, AfPacketPort.DEFAULT_RING_FRAMES);
        final AfPacketPort portB = open(nsB, "eb", AfPacketPort.DEFAULT_RING_FRAMES, AfPacketPort.DEFAULT_RING_FRAMES);
        assertEquals("af-packet:ea", portA.name());
        assertEquals(parseMac(nsA.mac("ea")), portA.macAddress());
        assertEquals(parseMac(nsB.mac("eb")), portB.macAddress());

        final int count = 100;
        assertFalse(portB.awaitFrames(0), "a quiet wire");
        final long bytesAtoB = sendSequence(portA, portB.macAddress(), 0, count);
        assertTrue(portB.awaitFrames(5000), "poll wakes for a filled slot");
        assertReceivedSequence(portB, portA.macAddress(), 0, count);
        final long bytesBtoA = sendSequence(portB, portA.macAddress(), 1000, count);
        assertReceivedSequence(portA, portB.macAddress(), 1000, count);

        assertCounters(portA, count, bytesBtoA, 0, count, bytesAtoB, 0);
        assertCounters(portB, count, bytesAtoB, 0, count, bytesBtoA, 0);
    }

    @Test
    void aPairWaitWakesForAFrameOnEitherPort()
    {
        // A node's two ports (docs/cluster-file.md, "A separate replication interface"): ea and a second veth's ra.
        Veth.create(nsA, "ra", nsB, "rb");
        final AfPacketPort clients = open(nsA, "ea", AfPacketPort.DEFAULT_RING_FRAMES, AfPacketPort.DEFAULT_RING_FRAMES);
        final AfPacketPort replication = open(nsA, "ra", AfPacketPort.DEFAULT_RING_FRAMES, AfPacketPort.DEFAULT_RING_FRAMES);
        final AfPacketPort clientsPeer = open(nsB, "eb", AfPacketPort.DEFAULT_RING_FRAMES, AfPacketPort.DEFAULT_RING_FRAMES);
        final AfPacketPort replicationPeer = open(nsB, "rb", AfPacketPort.DEFAULT_RING_FRAMES, AfPacketPort.DEFAULT_RING_FRAMES);
        final AfPacketPort.PairWait pair = new AfPacketPort.PairWait(clients, replication);
        drain(clients);
        drain(replication);
        assertFalse(pair.await(0), "a quiet wire on both");
        final long quietStartNs = System.nanoTime();
        assertFalse(pair.await(50), "nothing arrives");
        assertTrue(System.nanoTime() - quietStartNs >= TimeUnit.MILLISECONDS.toNanos(40), "it slept the timeout");

        sendSequence(replicationPeer, replication.macAddress(), 0, 1);
        final long startNs = System.nanoTime();
        assertTrue(pair.await(5000), "a frame on the second port wakes it");
        assertTrue(System.nanoTime() - startNs < TimeUnit.SECONDS.toNanos(1), "at once, not after the timeout");
        assertReceivedSequence(replication, replicationPeer.macAddress(), 0, 1);

        sendSequence(clientsPeer, clients.macAddress(), 1, 1);
        assertTrue(pair.await(5000), "a frame on the first port wakes it");
        assertReceivedSequence(clients, clientsPeer.macAddress(), 1, 1);
    }

    /** Whatever the kernel sent on a fresh veth (IPv6 neighbour discovery), taken off the ring. */
    private static void drain(final AfPacketPort port)
    {
        final long endNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        while (System.nanoTime() - endNs < 0)
        {
            port.receive((buffer, offset, length, flags) -> { }, 64);
        }
    }

    @Test
    void burstLargerThanTheRingsWrapsAroundAndCountsOverrun() throws InterruptedException
    {
        final int ring = 64;
        final AfPacketPort portA = open(nsA, "ea", ring, ring);
        final AfPacketPort portB = open(nsB, "eb", ring, ring);

        // 200 frames into a 64-slot RX ring that nobody drains: the first 64 land, 136 find it full.
        long bytes = sendSequence(portA, portB.macAddress(), 0, 200);
        Thread.sleep(200); // let the peer's softirq finish delivering
        final List<Frame> first = receive(portB, ring, WAIT_NS);
        long receivedBytes = assertSequence(first, portA.macAddress(), portB.macAddress(), 0, ring);
        assertEquals(0, portB.receive((buffer, offset, length, flags) -> { }, 10), "more than the ring held");

        // The kernel marks the next frame TP_STATUS_LOSING; the port then reads its drop count.
        bytes += sendSequence(portA, portB.macAddress(), 200, 1);
        receivedBytes += assertSequence(receive(portB, 1, WAIT_NS), portA.macAddress(), portB.macAddress(), 200, 1);
        assertEquals(136, portB.counters().rxDropped());

        // Then bursts that wrap both rings several times, each drained before the next.
        for (int start = 201; start < 501; start += 40)
        {
            final int n = Math.min(40, 501 - start);
            bytes += sendSequence(portA, portB.macAddress(), start, n);
            receivedBytes += assertSequence(receive(portB, n, WAIT_NS), portA.macAddress(), portB.macAddress(), start, n);
        }

        assertCounters(portA, 0, 0, 0, 501, bytes, 0);
        assertCounters(portB, ring + 1 + 300, receivedBytes, 136, 0, 0, 0);
    }

    @Test
    void answersTheKernelStacksArpAndPing() throws Exception
    {
        final AfPacketPort portA = open(nsA, "ea", AfPacketPort.DEFAULT_RING_FRAMES, AfPacketPort.DEFAULT_RING_FRAMES);
        nsB.address("eb", B_IP + "/24");
        final long macB = parseMac(nsB.mac("eb"));
        final Path log = Files.createTempFile("ertcp-ping", ".log");
        final Process ping = nsB.start(log, "ping", "-n", "-c", "1", "-W", "5", A_IP);

        // The kernel in B asks who has A_IP: an ARP request from eb, broadcast.
        final Frame arp = receiveFirst(portA, frame -> frame.etherType() == 0x0806);
        assertEquals(42, arp.bytes().length);
        assertEquals(0xFFFF_FFFF_FFFFL, mac(arp.bytes(), 0));
        assertEquals(macB, mac(arp.bytes(), 6));
        assertEquals(1, u16(arp.bytes(), 20), "ARP request");
        assertEquals(macB, mac(arp.bytes(), 22));
        assertEquals(B_IP, ip(arp.bytes(), 28));
        assertEquals(A_IP, ip(arp.bytes(), 38));

        final byte[] reply = new byte[42];
        putMac(reply, 0, macB);
        putMac(reply, 6, portA.macAddress());
        putU16(reply, 12, 0x0806);
        System.arraycopy(arp.bytes(), 14, reply, 14, 6); // hardware and protocol types and lengths
        putU16(reply, 20, 2);
        putMac(reply, 22, portA.macAddress());
        System.arraycopy(arp.bytes(), 38, reply, 28, 4);
        putMac(reply, 32, macB);
        System.arraycopy(arp.bytes(), 28, reply, 38, 4);
        assertTrue(portA.send(new UnsafeBuffer(reply), 0, reply.length));
        assertEquals(1, portA.flush());

        // With A's MAC learnt, the echo request comes to it; answer it and ping succeeds.
        final Frame echo = receiveFirst(portA, frame -> frame.etherType() == 0x0800 && frame.bytes()[23] == 1);
        final byte[] request = echo.bytes();
        assertEquals(portA.macAddress(), mac(request, 0));
        assertEquals(B_IP, ip(request, 26));
        assertEquals(A_IP, ip(request, 30));
        final int icmp = 14 + (request[14] & 0x0F) * 4;
        assertEquals(8, request[icmp], "echo request");

        final byte[] answer = request.clone();
        putMac(answer, 0, macB);
        putMac(answer, 6, portA.macAddress());
        System.arraycopy(request, 30, answer, 26, 4);
        System.arraycopy(request, 26, answer, 30, 4);
        answer[icmp] = 0;
        putU16(answer, icmp + 2, 0);
        putU16(answer, icmp + 2, internetChecksum(answer, icmp, answer.length - icmp));
        assertTrue(portA.send(new UnsafeBuffer(answer), 0, answer.length));
        assertEquals(1, portA.flush());

        assertTrue(ping.waitFor(20, TimeUnit.SECONDS), "ping did not finish");
        assertEquals(0, ping.exitValue(), () -> "ping got no reply: " + readQuietly(log));
        assertTrue(portA.counters().rxFrames() >= 2);
        assertEquals(2, portA.counters().txFrames());
        assertEquals(42 + answer.length, portA.counters().txBytes());
        Files.deleteIfExists(log);
    }

    @Test
    void reportsChecksumPartialOnlyWhileTheSendersOffloadsAreOn()
    {
        final AfPacketPort portA = open(nsA, "ea", AfPacketPort.DEFAULT_RING_FRAMES, AfPacketPort.DEFAULT_RING_FRAMES);
        nsB.address("eb", B_IP + "/24");
        nsB.exec("ip", "neigh", "replace", A_IP, "lladdr", nsA.mac("ea"), "dev", "eb", "nud", "permanent");

        sendUdp(nsB, "offloaded", 9999);
        final Frame offloaded = receiveFirst(portA, AfPacketPortSystemTest::isUdp);
        assertTrue(FrameFlags.isChecksumPartial(offloaded.flags()), "a veth with tx offload on leaves the sum unfilled");
        assertFalse(FrameFlags.isTruncated(offloaded.flags()));

        nsB.disableOffloads("eb");
        sendUdp(nsB, "wire-true", 9999);
        final Frame wireTrue = receiveFirst(portA, AfPacketPortSystemTest::isUdp);
        assertFalse(FrameFlags.isChecksumPartial(wireTrue.flags()), "offloads off: the kernel fills the sum in");
        assertEquals(0, udpChecksumResidue(wireTrue.bytes()), "the UDP checksum verifies");
        assertEquals(0, portA.counters().rxDropped());
    }

    @Test
    void truncatesAFrameLargerThanASlotAndCountsIt()
    {
        nsA.exec("ip", "link", "set", "ea", "mtu", "4000");
        nsB.exec("ip", "link", "set", "eb", "mtu", "4000");
        final AfPacketPort portA = open(nsA, "ea", AfPacketPort.DEFAULT_RING_FRAMES, AfPacketPort.DEFAULT_RING_FRAMES);
        nsB.address("eb", B_IP + "/24");
        nsB.exec("ip", "neigh", "replace", A_IP, "lladdr", nsA.mac("ea"), "dev", "eb", "nud", "permanent");

        nsB.exec("bash", "-c", "printf '%3000s' x > /dev/udp/" + A_IP + "/9999");
        final Frame big = receiveFirst(portA, AfPacketPortSystemTest::isUdp);
        assertTrue(FrameFlags.isTruncated(big.flags()));
        // The slot holds FRAME_SIZE minus the frame's start at tp_mac = 66 (see AfPacketPort.FRAME_SIZE).
        assertEquals(AfPacketPort.FRAME_SIZE - 66, big.bytes().length);
        assertEquals(14 + 20 + 8 + 3000, 14 + u16(big.bytes(), 16), "the IP header still tells the real length");
        assertEquals(1, portA.counters().rxDropped());
    }

    @Test
    void dropsABurstTheInterfaceRefusesAndCarriesOnWhenItIsBack()
    {
        final AfPacketPort portA = open(nsA, "ea", 64, 64);
        final AfPacketPort portB = open(nsB, "eb", 64, 64);
        for (int sequence = 0; sequence < 3; sequence++)
        {
            final byte[] frame = testFrame(portA.macAddress(), portB.macAddress(), sequence);
            assertTrue(portA.send(new UnsafeBuffer(frame), 0, frame.length));
        }

        nsA.exec("ip", "link", "set", "ea", "down");
        assertEquals(0, portA.flush(), "a down interface takes nothing");
        assertEquals(3, portA.counters().txDropped());
        assertEquals(0, portA.flush(), "the dropped frames are gone, not retried");

        nsA.exec("ip", "link", "set", "ea", "up");
        // Fewer than B's 64 RX slots, so nothing is lost there; A's TX claims resume where the kernel stands.
        final long bytes = sendSequence(portA, portB.macAddress(), 3, 60);
        assertReceivedSequence(portB, portA.macAddress(), 3, 60);
        assertCounters(portA, 0, 0, 0, 60, bytes, 3);
    }

    @Test
    void aClosedPortRefusesUseInsteadOfTouchingUnmappedRings()
    {
        final AfPacketPort portA = open(nsA, "ea", 64, 64);
        portA.close();
        portA.close();
        assertThrows(IllegalStateException.class, () -> portA.receive((buffer, offset, length, flags) -> { }, 1));
        assertThrows(IllegalStateException.class, () -> portA.txClaim(60));
        assertThrows(IllegalStateException.class, portA::flush);
    }

    @Test
    void aMissingInterfaceSaysHowToFindIt()
    {
        final PortException ex = assertThrows(PortException.class,
            () -> NetworkNamespace.call(nsA.name(), () -> AfPacketPort.open("veth9", new Counters(16))));
        assertEquals("interface veth9 does not exist in this network namespace: check `ip link`, or run inside " +
            "the node's namespace with ip netns exec NS", ex.getMessage());
    }

    @Test
    void aDownInterfaceSaysHowToBringItUp()
    {
        nsA.exec("ip", "link", "set", "ea", "down");
        final PortException ex = assertThrows(PortException.class,
            () -> NetworkNamespace.call(nsA.name(), () -> AfPacketPort.open("ea", new Counters(16))));
        assertEquals("interface ea is down: bring it up with ip link set ea up.", ex.getMessage());
    }

    @Test
    void withoutCapNetRawSaysWhichCapabilityIsMissing()
    {
        final PortException ex = assertThrows(PortException.class, () -> NetworkNamespace.call(nsA.name(), () ->
        {
            dropEffectiveCapabilityOfThisThread(CAP_NET_RAW);
            return AfPacketPort.open("ea", new Counters(16));
        }));
        assertEquals("AF_PACKET needs CAP_NET_RAW: run as root or grant the capability with setcap cap_net_raw+ep",
            ex.getMessage());
    }

    /**
     * Linux keeps capabilities per thread: clearing one from the calling thread's effective set with
     * capget/capset leaves the rest of the JVM as it was. The thread is one made for the purpose.
     */
    private static void dropEffectiveCapabilityOfThisThread(final int capability)
    {
        final Linker linker = Linker.nativeLinker();
        final FunctionDescriptor signature =
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS);
        final MethodHandle capget =
            linker.downcallHandle(linker.defaultLookup().find("capget").orElseThrow(), signature);
        final MethodHandle capset =
            linker.downcallHandle(linker.defaultLookup().find("capset").orElseThrow(), signature);
        try (Arena arena = Arena.ofConfined())
        {
            // struct __user_cap_header_struct { u32 version; int pid; } and two __user_cap_data_struct
            // { u32 effective, permitted, inheritable; } for _LINUX_CAPABILITY_VERSION_3; pid 0 is this thread.
            final MemorySegment header = arena.allocate(8);
            header.set(ValueLayout.JAVA_INT, 0, 0x20080522);
            final MemorySegment data = arena.allocate(24);
            assertEquals(0, (int)capget.invokeExact(header, data));
            final long offset = capability < 32 ? 0 : 12;
            final int effective = data.get(ValueLayout.JAVA_INT, offset);
            data.set(ValueLayout.JAVA_INT, offset, effective & ~(1 << (capability & 31)));
            assertEquals(0, (int)capset.invokeExact(header, data));
        }
        catch (final AssertionError | RuntimeException ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("could not drop capability " + capability + " from this thread", ex);
        }
    }

    private <T extends AutoCloseable> T track(final T resource)
    {
        resources.add(resource);
        return resource;
    }

    private AfPacketPort open(final NetNs ns, final String iface, final int rxFrames, final int txFrames)
    {
        return track(NetworkNamespace.call(ns.name(),
            () -> AfPacketPort.open(iface, new Counters(16), rxFrames, txFrames)));
    }

    /** The length of test frame {@code sequence}: every length from 60 to 1514 comes up. */
    private static int lengthOf(final int sequence)
    {
        return 60 + (sequence * 37) % (PacketPort.MAX_FRAME_LENGTH - 60 + 1);
    }

    private static byte[] testFrame(final long source, final long destination, final int sequence)
    {
        final byte[] frame = new byte[lengthOf(sequence)];
        putMac(frame, 0, destination);
        putMac(frame, 6, source);
        putU16(frame, 12, TEST_ETHER_TYPE);
        frame[14] = (byte)(sequence >>> 24);
        frame[15] = (byte)(sequence >>> 16);
        frame[16] = (byte)(sequence >>> 8);
        frame[17] = (byte)sequence;
        for (int i = 18; i < frame.length; i++)
        {
            frame[i] = (byte)(sequence * 31 + i);
        }
        return frame;
    }

    /**
     * Send test frames {@code first..first+count-1} through the TX ring, flushing when it is full.
     *
     * @return the bytes sent.
     */
    private static long sendSequence(final AfPacketPort port, final long destination, final int first, final int count)
    {
        long bytes = 0;
        final long deadlineNs = System.nanoTime() + WAIT_NS;
        final long sentBefore = port.counters().txFrames();
        final long droppedBefore = port.counters().txDropped();
        for (int sequence = first; sequence < first + count; sequence++)
        {
            final byte[] frame = testFrame(port.macAddress(), destination, sequence);
            int offset;
            while ((offset = port.txClaim(frame.length)) < 0)
            {
                port.flush();
                pause(deadlineNs, "a TX slot on " + port.name());
            }
            port.txBuffer().putBytes(offset, frame);
            port.txCommit(frame.length);
            bytes += frame.length;
        }
        while (port.counters().txFrames() - sentBefore < count)
        {
            port.flush();
            assertEquals(droppedBefore, port.counters().txDropped(), "frames dropped on " + port.name());
            if (port.counters().txFrames() - sentBefore < count)
            {
                pause(deadlineNs, "the TX ring of " + port.name() + " to drain");
            }
        }
        return bytes;
    }

    private static void assertReceivedSequence(
        final AfPacketPort port, final long source, final int first, final int count)
    {
        assertSequence(receive(port, count, WAIT_NS), source, port.macAddress(), first, count);
    }

    private static long assertSequence(
        final List<Frame> frames, final long source, final long destination, final int first, final int count)
    {
        assertEquals(count, frames.size());
        long bytes = 0;
        for (int i = 0; i < count; i++)
        {
            final Frame frame = frames.get(i);
            assertEquals(first + i, frame.sequence(), "frames in order");
            assertArrayEquals(testFrame(source, destination, first + i), frame.bytes(), "frame " + (first + i));
            assertEquals(0, frame.flags());
            bytes += frame.bytes().length;
        }
        return bytes;
    }

    private static List<Frame> receive(final AfPacketPort port, final int count, final long timeoutNs)
    {
        final List<Frame> frames = new ArrayList<>();
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (frames.size() < count)
        {
            final int n = port.receive((buffer, offset, length, flags) ->
            {
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                frames.add(new Frame(bytes, flags));
            }, count - frames.size());
            if (n == 0 && !port.awaitFrames(10) && System.nanoTime() - deadlineNs > 0)
            {
                throw new AssertionError("timed out waiting for " + count + " frames on " + port.name() + " (got " +
                    frames.size() + ")");
            }
        }
        return frames;
    }

    private static Frame receiveFirst(final AfPacketPort port, final Predicate<Frame> wanted)
    {
        final long deadlineNs = System.nanoTime() + WAIT_NS;
        while (true)
        {
            for (final Frame frame : receive(port, 1, deadlineNs - System.nanoTime()))
            {
                if (wanted.test(frame))
                {
                    return frame;
                }
            }
        }
    }

    private static void pause(final long deadlineNs, final String waitingFor)
    {
        if (System.nanoTime() - deadlineNs > 0)
        {
            throw new AssertionError("timed out waiting for " + waitingFor);
        }
        try
        {
            Thread.sleep(1);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + waitingFor);
        }
    }

    private static void assertCounters(
        final AfPacketPort port,
        final long rxFrames,
        final long rxBytes,
        final long rxDropped,
        final long txFrames,
        final long txBytes,
        final long txDropped)
    {
        final String what = port.toString();
        assertEquals(rxFrames, port.counters().rxFrames(), what);
        assertEquals(rxBytes, port.counters().rxBytes(), what);
        assertEquals(rxDropped, port.counters().rxDropped(), what);
        assertEquals(txFrames, port.counters().txFrames(), what);
        assertEquals(txBytes, port.counters().txBytes(), what);
        assertEquals(txDropped, port.counters().txDropped(), what);
    }

    private static void sendUdp(final NetNs ns, final String payload, final int port)
    {
        ns.exec("bash", "-c", "printf '" + payload + "' > /dev/udp/" + A_IP + "/" + port);
    }

    private static boolean isUdp(final Frame frame)
    {
        return frame.etherType() == 0x0800 && frame.bytes().length > 23 && frame.bytes()[23] == 17;
    }

    /** The one's complement sum over the UDP pseudo-header and datagram: 0 when the checksum is right. */
    private static int udpChecksumResidue(final byte[] frame)
    {
        final int ip = 14;
        final int udp = ip + (frame[ip] & 0x0F) * 4;
        final int udpLength = u16(frame, udp + 4);
        long sum = 0;
        for (int i = 12; i < 20; i += 2)
        {
            sum += u16(frame, ip + i);
        }
        sum += 17 + udpLength;
        sum += sum16(frame, udp, udpLength);
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)(~sum & 0xFFFF);
    }

    private static int internetChecksum(final byte[] bytes, final int offset, final int length)
    {
        long sum = sum16(bytes, offset, length);
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)(~sum & 0xFFFF);
    }

    private static long sum16(final byte[] bytes, final int offset, final int length)
    {
        long sum = 0;
        for (int i = 0; i < length; i += 2)
        {
            final int high = bytes[offset + i] & 0xFF;
            final int low = i + 1 < length ? bytes[offset + i + 1] & 0xFF : 0;
            sum += (high << 8) | low;
        }
        return sum;
    }

    private static long parseMac(final String text)
    {
        return Long.parseLong(text.replace(":", ""), 16);
    }

    private static long mac(final byte[] bytes, final int offset)
    {
        long mac = 0;
        for (int i = 0; i < 6; i++)
        {
            mac = (mac << 8) | (bytes[offset + i] & 0xFFL);
        }
        return mac;
    }

    private static void putMac(final byte[] bytes, final int offset, final long mac)
    {
        for (int i = 0; i < 6; i++)
        {
            bytes[offset + i] = (byte)(mac >>> (40 - 8 * i));
        }
    }

    private static int u16(final byte[] bytes, final int offset)
    {
        return ((bytes[offset] & 0xFF) << 8) | (bytes[offset + 1] & 0xFF);
    }

    private static void putU16(final byte[] bytes, final int offset, final int value)
    {
        bytes[offset] = (byte)(value >>> 8);
        bytes[offset + 1] = (byte)value;
    }

    private static String ip(final byte[] bytes, final int offset)
    {
        return (bytes[offset] & 0xFF) + "." + (bytes[offset + 1] & 0xFF) + "." + (bytes[offset + 2] & 0xFF) + "." +
            (bytes[offset + 3] & 0xFF);
    }

    private static String readQuietly(final Path log)
    {
        try
        {
            return Files.readString(log);
        }
        catch (final java.io.IOException ex)
        {
            return "(no log: " + ex.getMessage() + ")";
        }
    }
}
