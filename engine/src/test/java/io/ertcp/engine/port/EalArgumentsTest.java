package io.ertcp.engine.port;

import io.ertcp.ffm.dpdk.DpdkShim;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EalArgumentsTest
{
    @Test
    void splitsLikeAShell()
    {
        assertEquals(
            List.of("-l", "0", "--vdev=net_af_packet0,iface=veth 0", "a'b", "x\"y", "--lcores=0@(0-1)"),
            EalArguments.split("  -l 0 \"--vdev=net_af_packet0,iface=veth 0\"  a\\'b 'x\"y' --lcores='0@(0-1)' "));
        assertEquals(List.of(""), EalArguments.split("''"));
        assertEquals(List.of(), EalArguments.split("   "));
    }

    @Test
    void anOpenQuoteIsOneSentence()
    {
        final PortException ex = assertThrows(PortException.class, () -> EalArguments.split("--vdev='net_af_packet0"));
        assertTrue(ex.getMessage().startsWith("the EAL arguments leave a ' quote open"), ex.getMessage());
    }

    @Test
    void defaultsDriveTheInterfaceWithoutHugepagesOrPci()
    {
        final List<String> args = EalArguments.defaults("veth7");

        assertTrue(args.containsAll(List.of("--no-huge", "--no-pci", "--vdev=net_af_packet0,iface=veth7")), args::toString);
        assertTrue(args.stream().anyMatch(a -> a.startsWith("--file-prefix=ertcp-" + ProcessHandle.current().pid())));
        assertTrue(args.stream().anyMatch(a -> a.matches("--lcores=0@\\([0-9,-]+\\)")), args::toString);
        assertEquals("net_af_packet0", EalArguments.deviceFor(args, "veth7"));
        assertNotEquals(args, EalArguments.defaults("veth7"), "every port has its own file prefix");
    }

    @Test
    void findsTheDeviceThatDrivesAnInterface()
    {
        final List<String> args = List.of("--vdev", "net_af_packet1,iface=b0,qpairs=1", "--vdev=net_af_packet0,iface=a0");

        assertEquals("net_af_packet0", EalArguments.deviceFor(args, "a0"));
        assertEquals("net_af_packet1", EalArguments.deviceFor(args, "b0"));
        assertNull(EalArguments.deviceFor(args, "c0"));
    }

    @Test
    void theShimsFrameFlagsAreThePortsFrameFlags()
    {
        // DpdkPort hands the shim's flags to handlers unchanged.
        assertEquals(FrameFlags.CHECKSUM_PARTIAL, DpdkShim.FLAG_CHECKSUM_PARTIAL);
        assertEquals(FrameFlags.TRUNCATED, DpdkShim.FLAG_TRUNCATED);
        assertEquals(FrameFlags.CHECKSUM_VERIFIED, DpdkShim.FLAG_CHECKSUM_GOOD);
        assertEquals(FrameFlags.CHECKSUM_BAD, DpdkShim.FLAG_CHECKSUM_BAD);
        assertEquals(FrameFlags.FILL_CHECKSUM, DpdkShim.FLAG_FILL_CHECKSUM);
    }
}
