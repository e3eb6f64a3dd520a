package io.ertcp.systest;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.port.DpdkPort;
import io.ertcp.engine.port.PortException;
import io.ertcp.test.NetNs;
import io.ertcp.test.RawFrames;
import io.ertcp.test.Veth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * EAL's life in one process: two ports opened with the same explicit EAL arguments (quoted as a user
 * writes them) share it, each receiving only its own veth's frames; other arguments are refused while
 * it runs; it shuts down with the last port and then refuses to start again. A class of its own
 * because EAL starts once per process.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DpdkPortSharedEalSystemTest
{
    @Test
    void portsWithTheSameArgumentsShareEal()
    {
        DpdkVethPairs.assumeDpdk();

        try (DpdkVethPairs wires = DpdkVethPairs.create("shared", "speer", "sa", "sb"))
        {
            final NetNs portNs = wires.portNs;
            final NetNs peerNs = wires.peerNs;
            final Veth a = wires.first;
            final Veth b = wires.second;

            final String ealArgs = "--no-huge --no-pci --no-shconf --file-prefix=ertcp-shared-" +
                ProcessHandle.current().pid() + " -m 64 -l 0 --no-telemetry '--log-level=*:error' " +
                "--vdev=net_af_packet0,iface=sa0 \"--vdev=net_af_packet1,iface=sb0\"";
            final Counters counters = new Counters(64);

            final DpdkPort portA = DpdkPort.open(a.aName(), ealArgs, portNs.name(), counters);
            final DpdkPort portB;
            try
            {
                portB = DpdkPort.open(b.aName(), ealArgs, portNs.name(), counters);
                assertNotEquals(portA.portId(), portB.portId());
                assertNotEquals(portA.macAddress(), portB.macAddress());

                final PortException other = assertThrows(PortException.class,
                    () -> DpdkPort.open("sa0", null, portNs.name(), counters));
                assertTrue(other.getMessage().startsWith("DPDK's EAL is already running in this process with other " +
                    "arguments"), other.getMessage());

                final PortException twice = assertThrows(PortException.class,
                    () -> DpdkPort.open(a.aName(), ealArgs, portNs.name(), counters));
                assertTrue(twice.getMessage().contains("already open in this process"), twice.getMessage());

                final byte[] toA = DpdkVethPairs.frame(portA.macAddress(), peerNs.mac(a.bName()), 0xA);
                final byte[] toB = DpdkVethPairs.frame(portB.macAddress(), peerNs.mac(b.bName()), 0xB);
                RawFrames.send(peerNs, a.bName(), List.of(toA));
                RawFrames.send(peerNs, b.bName(), List.of(toB));
                assertArrayEquals(toA, DpdkVethPairs.receiveOne(portA), "port A receives what its veth carried");
                assertArrayEquals(toB, DpdkVethPairs.receiveOne(portB), "port B receives what its veth carried");
            }
            finally
            {
                portA.close();
            }

            // EAL outlives the first port: the second still works.
            final byte[] again = DpdkVethPairs.frame(portB.macAddress(), peerNs.mac(b.bName()), 0xC);
            RawFrames.send(peerNs, b.bName(), List.of(again));
            assertArrayEquals(again, DpdkVethPairs.receiveOne(portB), "port B still receives after port A closed");
            portB.close();

            final PortException spent = assertThrows(PortException.class,
                () -> DpdkPort.open(a.aName(), ealArgs, portNs.name(), counters));
            assertTrue(spent.getMessage().startsWith("DPDK's EAL was shut down in this process"), spent.getMessage());
        }
    }
}
