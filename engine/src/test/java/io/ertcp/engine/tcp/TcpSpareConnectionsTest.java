package io.ertcp.engine.tcp;

import io.ertcp.engine.counters.Counters;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Building connections ahead stops short of the off-heap limit ({@link DirectMemory}): a spare never meets the limit
 * itself, so what is left stays for connections, refused as before once it runs out.
 */
class TcpSpareConnectionsTest
{
    @Test
    void noSpareWhoseBuffersWouldNotLeaveAsMuchAgain()
    {
        final long limit = Math.max(Runtime.getRuntime().maxMemory(), 1L);
        assertFalse(DirectMemory.roomFor(limit), "the whole limit does not fit twice");
        assertTrue(DirectMemory.roomFor(1024), "a KiB does");
        // Buffers of 1 GiB each way: never built ahead in a test JVM (512 MB of heap, as much off-heap).
        final TcpConfig config = new TcpConfig().maxConnections(4).sendBufferBytes(1 << 30).receiveBufferBytes(1 << 30);
        final TcpStack stack = new TcpStack(config, new CapturingIpv4Output(), new Counters(256));
        assertEquals(0, stack.reserve(4));
        assertEquals(0, stack.connectionsBuilt(), "nothing allocated");
    }
}
