package io.ertcp.systest;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.port.DpdkPort;
import io.ertcp.test.RawFrames;
import io.ertcp.test.Veth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.ertcp.systest.DpdkVethPairs.frame;
import static io.ertcp.systest.DpdkVethPairs.receiveOne;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster node's two DPDK ports, its interface and its replication interface (docs/cluster-file.md, "A separate
 * replication interface"), opened with the default EAL arguments through one EAL: each gets a net_af_packet device
 * of its own, receives only its own veth's frames, and sends on its own veth. A class of its own because EAL starts
 * once per process.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DpdkPortPairSystemTest
{
    @Test
    void aNodesInterfaceAndReplicationInterfaceShareOneEal()
    {
        try (DpdkVethPairs wires = DpdkVethPairs.create("pair", "ppeer", "pc", "pr"))
        {
            final Veth clients = wires.first;
            final Veth replication = wires.second;
            final DpdkPort[] ports = DpdkPort.openPair(clients.aName(), replication.aName(), null, wires.portNs.name(),
                new Counters(64));
            try
            {
                assertEquals("dpdk:pc0", ports[0].name());
                assertEquals("dpdk:pr0", ports[1].name());
                assertNotEquals(ports[0].portId(), ports[1].portId());
                assertEquals(wires.portNs.mac(clients.aName()), format(ports[0].macAddress()));
                assertEquals(wires.portNs.mac(replication.aName()), format(ports[1].macAddress()));

                final byte[] toClients = frame(ports[0].macAddress(), wires.peerNs.mac(clients.bName()), 0xA);
                final byte[] toReplication = frame(ports[1].macAddress(), wires.peerNs.mac(replication.bName()), 0xB);
                RawFrames.send(wires.peerNs, clients.bName(), List.of(toClients));
                RawFrames.send(wires.peerNs, replication.bName(), List.of(toReplication));
                assertArrayEquals(toClients, receiveOne(ports[0]), "the clients' port receives its veth's frame");
                assertArrayEquals(toReplication, receiveOne(ports[1]),
                    "the replication port receives its veth's frame");

                // Sending: a frame from the replication port leaves on its veth, not the clients'.
                final RawFrames.Capture onReplication = RawFrames.capture(wires.peerNs, replication.bName(), 0x88B5,
                    1, java.time.Duration.ofSeconds(20));
                final RawFrames.Capture onClients = RawFrames.capture(wires.peerNs, clients.bName(), 0x88B5, 1,
                    java.time.Duration.ofSeconds(3));
                final byte[] out = frame(0x0200_0000_0099L, format(ports[1].macAddress()), 0xC);
                final int at = ports[1].txClaim(out.length);
                ports[1].txBuffer().putBytes(at, out);
                ports[1].txCommit(out.length);
                assertEquals(1, ports[1].flush());
                final List<byte[]> replicationFrames = onReplication.frames();
                assertEquals(1, replicationFrames.size(), "the frame on the replication veth");
                assertArrayEquals(out, java.util.Arrays.copyOf(replicationFrames.getFirst(), out.length));
                assertTrue(onClients.frames().isEmpty(), "nothing on the clients' veth");
            }
            finally
            {
                ports[0].close();
                ports[1].close();
            }
        }
    }

    private static String format(final long mac)
    {
        return HexFormat.ofDelimiter(":").formatHex(DpdkPortSystemTest.mac(mac));
    }
}
