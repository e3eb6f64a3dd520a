package io.ertcp.engine.port;

import io.ertcp.engine.counters.Counters;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What {@link AfPacketPort#open} tells a user before it needs any privilege; the datapath itself is
 * tested on real veths in the system tests (AfPacketPortSystemTest).
 */
class AfPacketPortTest
{
    @Test
    void aMissingInterfaceSaysHowToFindIt()
    {
        final PortException ex = assertThrows(PortException.class,
            () -> AfPacketPort.open("ertcp-none9", new Counters(16)));
        assertEquals("interface ertcp-none9 does not exist in this network namespace: check `ip link`, or run " +
            "inside the node's namespace with ip netns exec NS", ex.getMessage());
    }

    @Test
    void ringFramesMustBeAPowerOfTwo()
    {
        final PortException ex = assertThrows(PortException.class,
            () -> AfPacketPort.open("lo", new Counters(16), 1000, 1024));
        assertEquals("rx ring frames 1000 is not valid: use a power of two from 2 to 262144.", ex.getMessage());
    }

    @Test
    void anInterfaceNameLongerThanLinuxAllowsIsRefused()
    {
        final PortException ex = assertThrows(PortException.class,
            () -> AfPacketPort.open("a-very-long-interface", new Counters(16)));
        assertEquals("interface name 'a-very-long-interface' is not valid: Linux interface names have 1 to 15 " +
            "characters.", ex.getMessage());
    }
}
