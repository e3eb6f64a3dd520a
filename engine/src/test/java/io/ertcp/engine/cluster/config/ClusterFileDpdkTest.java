package io.ertcp.engine.cluster.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A node that names its DPDK port by PCI address ({@code pci}) or DPDK port id ({@code port-id}) instead of a Linux
 * interface, as on bare metal (docs/bare-metal.md), and the sentences for what does not fit.
 */
class ClusterFileDpdkTest
{
    private static final String FILE = """
        cluster: metal
        mode: er-tcp
        service:
          name: echo
        vip:
          address: 192.0.2.100/24
          mac: 02:00:00:00:00:64
        security: none
        nodes:
          - name: p
            role: primary
            driver: dpdk
        %s
          - name: l
            role: logger
            driver: dpdk
            pci: 0000:03:00.0
          - name: b
            role: backup
            rank: 1
            driver: af-packet
            interface: eth1
        """;

    private static ClusterConfig parse(final String primary)
    {
        return ClusterConfig.parse(FILE.formatted(primary.indent(4).stripTrailing()));
    }

    private static List<String> problems(final String primary)
    {
        return assertThrows(ClusterConfigException.class, () -> parse(primary)).problems();
    }

    @Test
    void aNodeByPciAddress()
    {
        final NodeConfig primary = parse("pci: 03:00.1\neal: \"-l 2\"").node("p");
        assertEquals(Optional.of("0000:03:00.1"), primary.pci());
        assertEquals(OptionalInt.empty(), primary.portId());
        assertEquals("", primary.iface());
        assertEquals(Optional.of("-l 2"), primary.eal());
        assertEquals("pci 0000:03:00.1", primary.portName());
    }

    @Test
    void aNodeByPortId()
    {
        final NodeConfig primary = parse("port-id: 1\neal: \"--vdev=net_ring0 --vdev=net_ring1\"").node("p");
        assertEquals(OptionalInt.of(1), primary.portId());
        assertEquals(Optional.empty(), primary.pci());
        assertEquals("dpdk port 1", primary.portName());
        assertEquals("eth1", parse("port-id: 1").node("b").portName());
    }

    @Test
    void refusals()
    {
        assertEquals(List.of("line 13: node 'p' pci '03:00' is not a PCI address: write it as DDDD:BB:DD.F, such as " +
            "0000:03:00.0 (dpdk-devbind.py --status lists the NICs)."), problems("pci: \"03:00\""));
        assertEquals(List.of("line 13: node 'p' gives interface beside pci: drop interface (a NIC bound to vfio-pci has " +
            "no Linux interface), or drop pci to drive the interface through net_af_packet."),
            problems("interface: eth0\npci: 0000:03:00.0"));
        assertEquals(List.of("line 14: node 'p' gives both pci and port-id: keep one (pci names the NIC, port-id the " +
            "N-th port EAL finds)."), problems("pci: 0000:04:00.0\nport-id: 0"));
        assertEquals(1, problems("port-id: 5000").size());
        assertEquals(List.of("line 10: node 'p' lacks 'interface': add it, such as interface: eth0."), problems(""));
    }

    @Test
    void pciIsForTheDpdkDriverOnly()
    {
        final List<String> problems = assertThrows(ClusterConfigException.class, () -> ClusterConfig.parse(
            FILE.formatted("    pci: 0000:04:00.0").replace("driver: af-packet\n    interface: eth1",
                "driver: af-packet\n    pci: 0000:05:00.0"))).problems();
        assertEquals(List.of("line 22: node 'b' names a DPDK port with pci but has driver af-packet: use driver: dpdk, " +
            "or give af-packet a Linux interface with interface: and drop pci."), problems);
    }

    @Test
    void aReplicationPortByPciAddressOrPortId()
    {
        final NodeConfig byPci = parse("pci: 03:00.0\nreplication-pci: 03:00.1\nreplication-mac: 02:00:00:00:01:01").node("p");
        final NodeConfig.Replication replication = byPci.replication().orElseThrow();
        assertEquals(Optional.of("0000:03:00.1"), replication.pci());
        assertEquals("", replication.iface());
        assertEquals("pci 0000:03:00.1", replication.portName());
        assertEquals(java.util.OptionalLong.of(io.ertcp.engine.net.MacAddress.parse("02:00:00:00:01:01")),
            byPci.channelMac());

        final NodeConfig byId = parse("port-id: 0\nreplication-port-id: 1\neal: \"--vdev=net_ring0 --vdev=net_ring1\"")
            .node("p");
        assertEquals(OptionalInt.of(1), byId.replication().orElseThrow().portId());
        assertEquals("dpdk port 1", byId.replication().orElseThrow().portName());
        // Mixed: the clients on a Linux interface through net_af_packet, the channel on a NIC.
        assertEquals("pci 0000:04:00.0", parse("interface: eth0\nreplication-pci: 0000:04:00.0").node("p")
            .replication().orElseThrow().portName());
    }

    @Test
    void aReplicationPortRefusals()
    {
        assertEquals(List.of("line 14: node 'p' has replication-pci 0000:03:00.1, its pci too: name another port (a " +
            "VLAN or NIC of its own), or drop replication-pci to run the channel on the pci."),
            problems("pci: 0000:03:00.1\nreplication-pci: 03:00.1"));
        assertEquals(List.of("line 14: node 'p' has replication-port-id 0, its port-id too: name another port (a " +
            "VLAN or NIC of its own), or drop replication-port-id to run the channel on the port-id."),
            problems("port-id: 0\nreplication-port-id: 0"));
        assertEquals(List.of("line 15: node 'p' gives both replication-pci and replication-port-id: keep one " +
            "(replication-pci names the NIC, replication-port-id the N-th port EAL finds)."),
            problems("pci: 0000:03:00.0\nreplication-pci: 0000:04:00.0\nreplication-port-id: 1"));
        final List<String> afPacket = assertThrows(ClusterConfigException.class, () -> ClusterConfig.parse(
            FILE.formatted("    pci: 0000:04:00.0").replace("driver: af-packet\n    interface: eth1",
                "driver: af-packet\n    interface: eth1\n    replication-pci: 0000:05:00.0"))).problems();
        assertEquals(List.of("line 23: node 'b' names a DPDK port with replication-pci but has driver af-packet: use " +
            "driver: dpdk, or give af-packet a Linux interface with replication-interface: and drop replication-pci."), afPacket);
    }
}
