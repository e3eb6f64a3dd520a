package io.ertcp.engine.cluster;

import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.testing.Seeds;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node behind on its receive ring does not take that for its peers' silence (docs/architecture.md, rule 4): a burst
 * of frames lands in the primary's ring ahead of the logger's and the backup's heartbeats, more than it reads (32 a
 * duty cycle) within the suspect timeout, as 1,000 wrk connections' frames did after the primary lost the CPU for a
 * moment (BENCHMARKS.md "Many connections"). Before it suspects anyone the primary reads the backlog, finds the
 * heartbeats there and suspects no one; without that read it suspected both and held every acknowledgement.
 */
class ClusterBacklogSuspicionTest
{
    /** 60-byte frames the nodes ignore (an EtherType of local experiments): 12,000 take 375 cycles, 7.5 ms, to read. */
    private static final int FLOOD_FRAMES = 12_000;
    private static final int FRAME_LENGTH = 60;
    private static final int ETHER_TYPE_LOCAL_EXPERIMENTAL = 0x88B5;

    @Test
    void aBacklogAheadOfTheHeartbeatsIsReadBeforeAnyoneIsSuspected()
    {
        final long seed = Seeds.seed(ClusterBacklogSuspicionTest.class);
        try (InProcessCluster cluster = new InProcessCluster(seed, "echo", 1, null))
        {
            cluster.awaitReady("backup1");
            cluster.runUntil(() -> false, 20_000_000L);
            final ClusterNode primary = cluster.node("primary");
            final String suspicions = "membership-" + primary.nodeId() + " suspicions";
            final long suspicionsBefore = primary.counters().value(suspicions, -1);
            assertEquals(0, suspicionsBefore, "no suspicion before the burst\n" + cluster.events());
            final MemoryPort target = cluster.ports.get("primary");
            final long rxBefore = rxFrames(primary, target);

            flood(cluster.lan.newPort("flood", 0x0200_0000_0EEEL), target.macAddress());
            // The timeout is 6 ms: the burst alone takes 7.5 ms to read 32 frames a cycle, 20 µs a step.
            cluster.runUntil(() -> false, 30_000_000L);

            assertTrue(rxFrames(primary, target) - rxBefore >= FLOOD_FRAMES,
                "the primary read the whole burst: " + (rxFrames(primary, target) - rxBefore) + " frames");
            assertEquals(suspicionsBefore, primary.counters().value(suspicions, -1),
                "the heartbeats behind the burst were read before a suspicion; seed " + seed + "\n" + cluster.events());
            assertFalse(cluster.events().contains("[primary] suspects"), cluster.events());
            assertEquals(ClusterNode.State.PRIMARY, primary.state());
        }
    }

    private static long rxFrames(final ClusterNode node, final MemoryPort port)
    {
        return port.counters().rxFrames();
    }

    /** {@link #FLOOD_FRAMES} frames to {@code mac}, sent at once: all of them in its ring before it next reads. */
    private static void flood(final MemoryPort from, final long mac)
    {
        for (int sent = 0; sent < FLOOD_FRAMES; )
        {
            final int offset = from.txClaim(FRAME_LENGTH);
            if (offset < 0)
            {
                from.flush();
                continue;
            }
            final MutableDirectBuffer frame = from.txBuffer();
            frame.setMemory(offset, FRAME_LENGTH, (byte)0);
            putMac(frame, offset, mac);
            putMac(frame, offset + 6, from.macAddress());
            frame.putByte(offset + 12, (byte)(ETHER_TYPE_LOCAL_EXPERIMENTAL >>> 8));
            frame.putByte(offset + 13, (byte)ETHER_TYPE_LOCAL_EXPERIMENTAL);
            from.txCommit(FRAME_LENGTH);
            sent++;
        }
        from.flush();
    }

    private static void putMac(final MutableDirectBuffer frame, final int offset, final long mac)
    {
        for (int i = 0; i < 6; i++)
        {
            frame.putByte(offset + i, (byte)(mac >>> (8 * (5 - i))));
        }
    }
}
