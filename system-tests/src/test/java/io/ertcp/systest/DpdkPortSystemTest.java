package io.ertcp.systest;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.port.DpdkPort;
import io.ertcp.engine.port.FrameFlags;
import io.ertcp.engine.port.PacketPort;
import io.ertcp.engine.port.PortCounters;
import io.ertcp.test.NetNs;
import io.ertcp.test.RawFrames;
import io.ertcp.test.Requirements;
import io.ertcp.test.Veth;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DpdkPort on a real veth through DPDK's net_af_packet driver, against the Linux kernel on the other
 * end: frames with distinct lengths and payloads go both ways and arrive byte for byte, and the
 * port's counters agree with what crossed the wire.
 * <p>
 * The port's end of the veth lives in one namespace and the kernel's end in another; the test JVM
 * stays in the root namespace and only EAL's thread enters the port's.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DpdkPortSystemTest
{
    /** IEEE's local experimental EtherType: nothing else on the veth uses it. */
    private static final int ETHER_TYPE = 0x88B5;
    private static final int FRAMES = 40;

    private NetNs portNs;
    private NetNs peerNs;
    private Veth veth;
    private DpdkPort port;

    @BeforeEach
    void setUp()
    {
        Requirements.assumeRootAndNetns();
        Requirements.assumeDpdkShim();
        Requirements.assumeCommand("python3", "python3");
        Requirements.assumeCommand("ethtool", "ethtool");

        portNs = NetNs.create("dpdk");
        peerNs = NetNs.create("peer");
        veth = Veth.create(portNs, "dpdk0", peerNs, "peer0");
        portNs.disableOffloads(veth.aName());
        peerNs.disableOffloads(veth.bName());
    }

    @AfterEach
    void tearDown()
    {
        try
        {
            if (null != port)
            {
                port.close();
            }
        }
        finally
        {
            if (null != peerNs)
            {
                peerNs.close();
            }
            if (null != portNs)
            {
                portNs.close();
            }
        }
    }

    @Test
    void exchangesFramesWithTheKernelBothWays()
    {
        final Counters counters = new Counters(64);
        port = DpdkPort.open(veth.aName(), null, portNs.name(), counters);

        final byte[] portMac = mac(port.macAddress());
        assertEquals(portNs.mac(veth.aName()), HexFormat.ofDelimiter(":").formatHex(portMac), "the port reads the veth's MAC");
        final byte[] peerMac = HexFormat.ofDelimiter(":").parseHex(peerNs.mac(veth.bName()));

        kernelToPort(peerMac, portMac);
        portToKernel(portMac, peerMac);

        final DpdkPort.Statistics stats = port.pollStatistics();
        assertTrue(stats.ipackets() >= FRAMES, stats::toString);
        assertEquals(FRAMES, stats.opackets(), stats::toString);
        assertEquals(0, port.counters().rxDropped(), port.counters()::toString);
        assertEquals(0, port.counters().txDropped(), port.counters()::toString);
    }

    private void kernelToPort(final byte[] peerMac, final byte[] portMac)
    {
        final List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++)
        {
            sent.add(frame(portMac, peerMac, i, 60 + (i * 37) % (PacketPort.MAX_FRAME_LENGTH - 59), 0x10));
        }
        RawFrames.send(peerNs, veth.bName(), sent);

        final List<byte[]> received = new ArrayList<>();
        final long[] allFrames = new long[2];
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (received.size() < FRAMES && (deadlineNs - System.nanoTime()) > 0)
        {
            final int count = port.receive((buffer, offset, length, flags) ->
            {
                allFrames[0]++;
                allFrames[1] += length;
                assertEquals(0, flags & FrameFlags.TRUNCATED, "no frame is truncated");
                if (buffer.getShort(offset + 12, java.nio.ByteOrder.BIG_ENDIAN) == (short)ETHER_TYPE)
                {
                    final byte[] copy = new byte[length];
                    buffer.getBytes(offset, copy);
                    received.add(copy);
                }
            }, 16);
            if (count == 0)
            {
                sleepMs(1);
            }
        }

        assertEquals(FRAMES, received.size(), "frames the kernel sent arrive");
        for (int i = 0; i < FRAMES; i++)
        {
            assertArrayEquals(sent.get(i), received.get(i), "frame " + i + " arrives byte for byte, in order");
        }
        final PortCounters portCounters = port.counters();
        assertEquals(allFrames[0], portCounters.rxFrames(), "rx-frames counts every frame handed over");
        assertEquals(allFrames[1], portCounters.rxBytes(), "rx-bytes counts their lengths");
    }

    private void portToKernel(final byte[] portMac, final byte[] peerMac)
    {
        final RawFrames.Capture capture = RawFrames.capture(peerNs, veth.bName(), ETHER_TYPE, FRAMES, Duration.ofSeconds(20));

        final List<byte[]> sent = new ArrayList<>();
        long bytes = 0;
        int flushed = 0;
        for (int i = 0; i < FRAMES; i++)
        {
            final byte[] frame = frame(peerMac, portMac, i, PacketPort.MAX_FRAME_LENGTH - (i * 41) % 1400, 0x80);
            sent.add(frame);
            bytes += frame.length;

            // Claim more than is written, then commit the real length, as a stack that reserves room does.
            int offset = port.txClaim(PacketPort.MAX_FRAME_LENGTH);
            if (offset < 0)
            {
                flushed += port.flush();
                offset = port.txClaim(PacketPort.MAX_FRAME_LENGTH);
            }
            assertTrue(offset >= 0, "a claim succeeds after a flush");
            final MutableDirectBuffer tx = port.txBuffer();
            tx.putBytes(offset, frame);
            port.txCommit(frame.length);
            if (i % 16 == 15)
            {
                flushed += port.flush();
            }
        }
        flushed += port.flush();
        assertEquals(FRAMES, flushed, "every frame is handed to the wire");

        final List<byte[]> captured = capture.frames();
        assertEquals(FRAMES, captured.size(), "the kernel receives every frame");
        for (int i = 0; i < FRAMES; i++)
        {
            assertArrayEquals(sent.get(i), captured.get(i), "frame " + i + " leaves byte for byte, in order");
        }
        assertEquals(FRAMES, port.counters().txFrames());
        assertEquals(bytes, port.counters().txBytes());
    }

    /**
     * An Ethernet frame of the test's EtherType whose payload says which frame it is and then counts
     * from a per-direction seed, so a frame from the wrong place or a shifted byte shows.
     */
    static byte[] frame(final byte[] dst, final byte[] src, final int index, final int length, final int seed)
    {
        final byte[] frame = new byte[length];
        System.arraycopy(dst, 0, frame, 0, 6);
        System.arraycopy(src, 0, frame, 6, 6);
        frame[12] = (byte)(ETHER_TYPE >>> 8);
        frame[13] = (byte)ETHER_TYPE;
        frame[14] = (byte)(index >>> 8);
        frame[15] = (byte)index;
        for (int i = 16; i < length; i++)
        {
            frame[i] = (byte)(seed + index + i);
        }
        return frame;
    }

    static byte[] mac(final long address)
    {
        final byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++)
        {
            mac[i] = (byte)(address >>> (40 - 8 * i));
        }
        return mac;
    }

    private static void sleepMs(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
