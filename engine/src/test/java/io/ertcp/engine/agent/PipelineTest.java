package io.ertcp.engine.agent;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.lan.MemorySwitch;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.port.Frames;
import io.ertcp.engine.port.ManualClock;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A port agent and a dispatcher joined by rings: frames in through the receive ring, replies out
 * through the transmit ring, in each threading mode.
 */
class PipelineTest
{
    private static final long NODE_MAC = MacAddress.parse("02:00:00:00:00:01");
    private static final long PEER_MAC = MacAddress.parse("02:00:00:00:00:02");

    private final Counters counters = new Counters();
    private final MemorySwitch lan = new MemorySwitch(new ManualClock(), 3, counters);
    private final MemoryPort node = lan.newPort("node", NODE_MAC);
    private final MemoryPort peer = lan.newPort("peer", PEER_MAC);
    private final OneToOneRingBuffer rxRing = FrameRings.oneToOne(64 * 1024);
    private final OneToOneRingBuffer txRing = FrameRings.oneToOne(64 * 1024);
    private final AtomicCounter ringFull = counters.newCounter("ring full");
    private final RingFrameOutput output = new RingFrameOutput(txRing);

    /** Echoes each frame back to its sender with the payload number plus 1000. */
    private final io.ertcp.engine.port.FrameHandler echo = (buffer, offset, length, flags) ->
    {
        final int claim = output.claim(length);
        if (claim > 0)
        {
            output.buffer().putBytes(claim, Frames.frame(PEER_MAC, NODE_MAC, buffer.getInt(offset + 14) + 1000, length), 0, length);
            output.commit(claim);
        }
    };

    @Test
    void invokerStepsTheAgentsDeterministically()
    {
        try (AgentHost host = AgentHost.start(ThreadingMode.INVOKER, Throwable::printStackTrace,
            new PortAgent(node, rxRing, txRing, 16, ringFull), new FrameDispatcher("echo", rxRing, echo, 16)))
        {
            sendFromPeer(0, 5);
            assertEquals(5 + 5, host.invoke(), "5 frames into the ring, 5 out of it to the echo");
            assertTrue(received(peer).isEmpty(), "replies wait in the transmit ring until the next duty cycle");
            assertEquals(5, host.invoke());
            assertEquals(List.of(1000, 1001, 1002, 1003, 1004), received(peer));
        }
    }

    @Test
    void sharedThreadMovesFramesBothWays() throws Exception
    {
        runThreaded(ThreadingMode.SHARED);
    }

    @Test
    void dedicatedThreadsMoveFramesBothWays() throws Exception
    {
        runThreaded(ThreadingMode.DEDICATED);
    }

    @Test
    void aFullReceiveRingDropsAndCounts()
    {
        final OneToOneRingBuffer tiny = FrameRings.oneToOne(1024);
        try (AgentHost host = AgentHost.start(ThreadingMode.INVOKER, Throwable::printStackTrace,
            new PortAgent(node, tiny, txRing, 64, ringFull)))
        {
            sendFromPeer(0, 40);
            host.invoke();
            assertTrue(ringFull.get() > 0);
            assertEquals(40, ringFull.get() + countMessages(tiny));
        }
    }

    @Test
    void invokeIsRefusedOutsideInvokerMode()
    {
        try (AgentHost host = AgentHost.start(ThreadingMode.SHARED, Throwable::printStackTrace,
            new FrameDispatcher("idle", rxRing, echo, 1)))
        {
            assertThrows(IllegalStateException.class, host::invoke);
        }
    }

    private void runThreaded(final ThreadingMode mode) throws InterruptedException
    {
        try (AgentHost ignored = AgentHost.start(mode, Throwable::printStackTrace,
            new PortAgent(node, rxRing, txRing, 16, ringFull), new FrameDispatcher("echo", rxRing, echo, 16)))
        {
            sendFromPeer(0, 200);
            final List<Integer> got = new ArrayList<>();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (got.size() < 200 && System.nanoTime() < deadline)
            {
                got.addAll(received(peer));
                Thread.sleep(1);
            }
            final List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < 200; i++)
            {
                expected.add(1000 + i);
            }
            assertEquals(expected, got);
        }
    }

    private void sendFromPeer(final int first, final int count)
    {
        for (int i = first; i < first + count; i++)
        {
            assertTrue(peer.send(Frames.frame(NODE_MAC, PEER_MAC, i, 64), 0, 64));
        }
        peer.flush();
    }

    private static List<Integer> received(final MemoryPort port)
    {
        final Frames.Collector collector = new Frames.Collector();
        port.receive(collector, 1000);
        return collector.numbers();
    }

    private static int countMessages(final OneToOneRingBuffer ring)
    {
        return ring.read((typeId, buffer, index, length) -> { }, Integer.MAX_VALUE);
    }
}
