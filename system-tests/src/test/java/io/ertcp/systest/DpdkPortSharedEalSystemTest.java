package io.ertcp.systest;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.port.DpdkPort;
import io.ertcp.engine.port.PortException;
import io.ertcp.test.RawFrames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.ertcp.systest.DpdkVethPairs.frame;
import static io.ertcp.systest.DpdkVethPairs.receiveOne;
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
        try (DpdkVethPairs wires = DpdkVethPairs.create("shared", "speer", "sa", "sb"))
        {
            final String ealArgs = "--no-huge --no-pci --no-shconf --file-prefix=ertcp-shared-" +
                ProcessHandle.current().pid() + " -m 64 -l 0 --no-telemetry '--log-level=*:error' " +
                "--vdev=net_af_packet0,iface=sa0 \"--vdev=net_af_packet1,iface=sb0\"";
            final Counters counters = new Counters(64);

            final DpdkPort portA = DpdkPort.open(wires.first.aName(), ealArgs, wires.portNs.name(), counters);
            final DpdkPort portB;
            try
            {
                portB = DpdkPort.open(wires.second.aName(), ealArgs, wires.portNs.name(), counters);
                assertNotEquals(portA.portId(), portB.portId());
                assertNotEquals(portA.macAddress(), portB.macAddress());

                final PortException other = assertThrows(PortException.class,
                    () -> DpdkPort.open("sa0", null, wires.portNs.name(), counters));
                assertTrue(other.getMessage().startsWith("DPDK's EAL is already running in this process with other " +
                    "arguments"), other.getMessage());

                final PortException twice = assertThrows(PortException.class,
                    () -> DpdkPort.open(wires.first.aName(), ealArgs, wires.portNs.name(), counters));
                assertTrue(twice.getMessage().contains("already open in this process"), twice.getMessage());

                final byte[] toA = frame(portA.macAddress(), wires.peerNs.mac(wires.first.bName()), 0xA);
                final byte[] toB = frame(portB.macAddress(), wires.peerNs.mac(wires.second.bName()), 0xB);
                RawFrames.send(wires.peerNs, wires.first.bName(), List.of(toA));
                RawFrames.send(wires.peerNs, wires.second.bName(), List.of(toB));
                assertArrayEquals(toA, receiveOne(portA), "port A receives what its veth carried");
                assertArrayEquals(toB, receiveOne(portB), "port B receives what its veth carried");
            }
            finally
            {
                portA.close();
            }

            // EAL outlives the first port: the second still works.
            final byte[] again = frame(portB.macAddress(), wires.peerNs.mac(wires.second.bName()), 0xC);
            RawFrames.send(wires.peerNs, wires.second.bName(), List.of(again));
            assertArrayEquals(again, receiveOne(portB), "port B still receives after port A closed");
            portB.close();

            final PortException spent = assertThrows(PortException.class,
                () -> DpdkPort.open(wires.first.aName(), ealArgs, wires.portNs.name(), counters));
            assertTrue(spent.getMessage().startsWith("DPDK's EAL was shut down in this process"), spent.getMessage());
        }
    }
}
