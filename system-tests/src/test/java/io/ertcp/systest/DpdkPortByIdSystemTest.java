package io.ertcp.systest;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.port.DpdkPort;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.cluster.config.ClusterTemplate;
import io.ertcp.test.Ertcp;
import io.ertcp.test.NetNs;
import io.ertcp.test.Requirements;
import io.ertcp.test.Shell;
import io.ertcp.test.Veth;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DPDK ports named by port id, as on bare metal where a NIC bound to vfio-pci has no Linux interface: a
 * {@code net_af_packet} device named by port id answers a kernel client through {@code ./ertcp port}; a {@code net_ring}
 * device named by port id carries a frame round; a port id EAL did not find, and a PCI address with no NIC behind
 * it, are one sentence each. EAL runs with {@code --no-huge --no-pci} (or {@code --no-huge} with the PCI address alone
 * allowed) and a file prefix of the process's own. EAL starts once per process: the in-process port is this class's only
 * one; the others run in {@code ./ertcp} processes.
 */
@Timeout(180)
class DpdkPortByIdSystemTest
{
    private static final String NODE_IP = "10.98.0.1";

    @Test
    void aNetAfPacketDeviceNamedByPortIdAnswersARP() throws Exception
    {
        Requirements.assumeRootAndNetns();
        Requirements.assumeDpdkShim();
        Requirements.assumeCommand("arping", "iputils-arping");
        try (NetNs node = NetNs.create("byid"); NetNs client = NetNs.create("byidc"))
        {
            Veth.create(node, "n0", client, "c0");
            client.address("c0", "10.98.0.2/24");
            client.disableOffloads("c0");
            final String mac = node.mac("n0");
            final Ertcp port = Ertcp.start(node, "port", "--driver", "dpdk", "--port-id", "0",
                "--eal", "--no-huge --no-pci --no-shconf -m 64 --vdev=net_af_packet0,iface=n0",
                "--ip", NODE_IP + "/24", "--interval-ms", "200");
            port.awaitOutput("answering ARP for " + NODE_IP + "/24", Duration.ofSeconds(60));
            assertTrue(port.output().contains("port dpdk:port0 mac " + mac),
                "the port's MAC is the device's, " + mac + ":\n" + port.output());

            final Shell.Result arping = client.run(Duration.ofSeconds(20), "arping", "-c", "3", "-w", "10", "-I", "c0", NODE_IP);
            assertTrue(arping.ok() && arping.stdout().toLowerCase().contains(mac),
                "arping got no reply carrying " + mac + ":\n" + arping.stdout() + arping.stderr() + "\nport:\n" + port.output());
            port.stop();
            final List<String> finals = port.lines("final: dpdk:port0 ");
            assertEquals(1, finals.size(), port.output());
            final java.util.regex.Matcher replies = java.util.regex.Pattern.compile("arp replies (\\d+)").matcher(finals.getFirst());
            assertTrue(replies.find() && Long.parseLong(replies.group(1)) >= 3, "the three arping requests were answered: " +
                finals.getFirst());
        }
    }

    @Test
    void aNetRingDeviceNamedByPortIdCarriesAFrameRound()
    {
        Requirements.assumeRootAndNetns();
        Requirements.assumeDpdkShim();
        // A net_ring vdev's transmit ring is its receive ring: what the port sends comes back to it.
        try (DpdkPort port = DpdkPort.open("--no-huge --no-pci --no-shconf -m 64 --vdev=net_ring0", 0, null, new Counters(64)))
        {
            assertEquals("dpdk:port0", port.name());
            assertEquals(0, port.portId());
            final byte[] frame = new byte[60];
            for (int i = 0; i < frame.length; i++)
            {
                frame[i] = (byte)(i * 7 + 1);
            }
            assertEquals(0, port.txClaim(frame.length));
            port.txBuffer().putBytes(0, frame);
            port.txCommit(frame.length);
            assertEquals(1, port.flush());

            final byte[] received = new byte[frame.length];
            final int[] frames = new int[1];
            final FrameHandler handler = (final DirectBuffer buffer, final int offset, final int length, final int flags) ->
            {
                assertEquals(frame.length, length);
                buffer.getBytes(offset, received);
                frames[0]++;
            };
            final long deadline = System.nanoTime() + 5_000_000_000L;
            while (frames[0] == 0 && System.nanoTime() < deadline)
            {
                port.receive(handler, 32);
            }
            assertEquals(1, frames[0], "the frame came back through the ring");
            assertArrayEquals(frame, received);
            assertEquals(1, port.counters().rxFrames());
            assertEquals(1, port.counters().txFrames());
        }
    }

    @Test
    void aPortIdEalDidNotFindIsOneSentence() throws Exception
    {
        Requirements.assumeRootAndNetns();
        Requirements.assumeDpdkShim();
        try (NetNs ns = NetNs.create("byidx"))
        {
            final Ertcp port = Ertcp.start(ns, "port", "--driver", "dpdk", "--port-id", "3",
                "--eal", "--no-huge --no-pci --no-shconf -m 64 --vdev=net_null0", "--ip", NODE_IP + "/24");
            assertTrue(port.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS), port.output());
            assertEquals(2, port.process().exitValue(), port.output());
            final List<String> refusals = port.lines("ertcp port: ");
            assertEquals(List.of("ertcp port: DPDK port 3 does not exist (EAL found 1 port(s) with --no-huge --no-pci " +
                "--no-shconf -m 64 --vdev=net_null0 --file-prefix=ertcp-" + port.process().pid() + "): bind the NIC to " +
                "vfio-pci and allow it with -a, or pick a port id below 1."), refusals, port.output());
            assertFalse(port.output().contains("\tat "), port.output());
        }
    }

    @Test
    void aPciAddressWithNoNicIsOneSentence() throws Exception
    {
        Requirements.assumeRootAndNetns();
        Requirements.assumeDpdkShim();
        try (NetNs ns = NetNs.create("byidp"))
        {
            // No hugepages here: --no-huge; the address names no device on this machine.
            final Ertcp port = Ertcp.start(ns, "port", "--driver", "dpdk", "--pci", "ff:1f.7",
                "--eal", "--no-huge --no-shconf -m 64", "--ip", NODE_IP + "/24");
            assertTrue(port.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS), port.output());
            assertEquals(2, port.process().exitValue(), port.output());
            assertEquals(List.of("ertcp port: DPDK found no port at PCI device 0000:ff:1f.7 (EAL found 0 port(s) with " +
                "--no-huge --no-shconf -m 64 -a 0000:ff:1f.7 --file-prefix=ertcp-" + port.process().pid() + "): bind the " +
                "NIC to vfio-pci (dpdk-devbind.py --bind=vfio-pci 0000:ff:1f.7) and check its address with " +
                "dpdk-devbind.py --status."), port.lines("ertcp port: "), port.output());
        }
    }

    @Test
    void aClusterNodeNamesItsNicByPciAddress() throws Exception
    {
        Requirements.assumeRootAndNetns();
        Requirements.assumeDpdkShim();
        final java.nio.file.Path directory = java.nio.file.Files.createTempDirectory("ertcp-pci");
        final java.nio.file.Path file = directory.resolve("cluster.yaml");
        // A primary and a logger, each naming its NIC by PCI address (only the primary runs here).
        java.nio.file.Files.writeString(file, new ClusterTemplate().name("metal").backups(0).vip("10.98.0.100/24")
            .logDir(directory.resolve("log")).securityNone().macs(false).addresses(false).driver("dpdk").pci("ff:1f.7")
            .eal("--no-huge --no-shconf -m 64").text());
        try (NetNs ns = NetNs.create("byidn"))
        {
            // No Linux interface is looked for (the NIC has none): EAL starts and finds no NIC at the address.
            final Ertcp node = Ertcp.start(ns, "node", "--config", file.toString(), "--name", "primary");
            assertTrue(node.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS), node.output());
            assertEquals(2, node.process().exitValue(), node.output());
            final List<String> refusals = node.lines("ertcp node: ");
            assertEquals(1, refusals.size(), node.output());
            assertTrue(refusals.getFirst().startsWith("ertcp node: DPDK found no port at PCI device 0000:ff:1f.7 (EAL " +
                "found 0 port(s) with --no-huge --no-shconf -m 64 -a 0000:ff:1f.7 --file-prefix=ertcp-"), node.output());
            assertFalse(node.output().contains("there is no network interface"), node.output());
        }
    }
}
