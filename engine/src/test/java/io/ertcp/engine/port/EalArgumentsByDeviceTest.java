package io.ertcp.engine.port;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * EAL's arguments for a NIC named by its PCI address and for a port named by its DPDK port id, and what is refused;
 * which Linux interfaces must exist before EAL starts (only those of net_af_packet devices).
 */
class EalArgumentsByDeviceTest
{
    private static final String PREFIX = "--file-prefix=ertcp-" + ProcessHandle.current().pid();

    @Test
    void aPciAddressAloneGetsTheBareMetalDefaults()
    {
        final List<String> args = EalArguments.forPci("0000:03:00.0", null);
        assertEquals(List.of("--lcores=0@(" + EalArguments.allowedCpus() + ")", "--no-telemetry", "--log-level=*:warning",
            "-a", "0000:03:00.0", PREFIX), args);
        assertFalse(args.contains("--no-huge"), "a NIC takes its memory from hugepages");
        assertFalse(args.contains("--no-pci"), args.toString());
        assertEquals(List.of(), EalArguments.afPacketInterfaces(args), "a NIC bound to vfio-pci has no Linux interface");
    }

    @Test
    void theUsersArgumentsComeFirstAndGetTheDeviceAndAPrefixWhenTheyLackThem()
    {
        assertEquals(List.of("-l", "2", "--socket-mem", "1024", "-a", "0000:03:00.0", PREFIX),
            EalArguments.forPci("0000:03:00.0", "-l 2 --socket-mem 1024"));
        // The README's bare-metal line: the device and the prefix are there already, so nothing is added.
        assertEquals(List.of("-l", "2", "-a", "0000:03:00.0", "--file-prefix=ertcp"),
            EalArguments.forPci("0000:03:00.0", "-l 2 -a 0000:03:00.0 --file-prefix=ertcp"));
        assertEquals(List.of("--allow=0000:03:00.0,rx_low_latency=1", PREFIX),
            EalArguments.forPci("03:00.0", "--allow=0000:03:00.0,rx_low_latency=1"));
        // Another device allowed: ours is added beside it.
        assertEquals(List.of("-a", "0000:04:00.0", "-a", "0000:03:00.0", PREFIX),
            EalArguments.forPci("0000:03:00.0", "-a 0000:04:00.0"));
    }

    @Test
    void pciAddressesAreWrittenInDpdksFullForm()
    {
        assertEquals("0000:03:00.0", EalArguments.pciAddress("03:00.0"));
        assertEquals("0000:af:00.1", EalArguments.pciAddress("0000:AF:00.1"));
        assertEquals("10000:01:00.0", EalArguments.pciAddress("10000:01:00.0"));
        assertTrue(EalArguments.isPciAddress("0000:03:00.0"));
        assertFalse(EalArguments.isPciAddress("eth0"));
        assertFalse(EalArguments.isPciAddress("0000:03:00"));
    }

    @Test
    void whatIsNotAPciAddressIsOneSentence()
    {
        final PortException ex = assertThrows(PortException.class, () -> EalArguments.forPci("0000:03:00", null));
        assertEquals("'0000:03:00' is not a PCI address: write it as DDDD:BB:DD.F, such as 0000:03:00.0 " +
            "(dpdk-devbind.py --status lists the NICs).", ex.getMessage());
    }

    @Test
    void argumentsThatHideTheDeviceAreRefused()
    {
        assertEquals("the EAL arguments say --no-pci, which hides PCI device 0000:03:00.0 from DPDK: drop --no-pci.",
            assertThrows(PortException.class, () -> EalArguments.forPci("0000:03:00.0", "--no-huge --no-pci")).getMessage());
        assertEquals("the EAL arguments block PCI device 0000:03:00.0 (-b): drop that -b.",
            assertThrows(PortException.class, () -> EalArguments.forPci("03:00.0", "-b 0000:03:00.0")).getMessage());
        assertEquals("the EAL arguments block PCI device 0000:03:00.0 (--block=03:00.0): drop that -b.",
            assertThrows(PortException.class, () -> EalArguments.forPci("0000:03:00.0", "--block=03:00.0")).getMessage());
    }

    @Test
    void aPortIdKeepsTheUsersArgumentsAndGetsAPrefix()
    {
        assertEquals(List.of("--no-huge", "--no-pci", "--vdev=net_ring0", PREFIX),
            EalArguments.forPortId(0, "--no-huge --no-pci --vdev=net_ring0"));
        assertEquals(List.of("-a", "0000:03:00.0", "--file-prefix=mine"),
            EalArguments.forPortId(1, "-a 0000:03:00.0 --file-prefix=mine"));
        assertEquals(List.of(PREFIX), EalArguments.forPortId(0, null), "no arguments: EAL probes every bound NIC");
        assertEquals(EalArguments.forPortId(0, "--vdev=net_ring0"), EalArguments.forPortId(1, "--vdev=net_ring0"),
            "two ports of one process share its one EAL");
    }

    @Test
    void aPortIdOutOfRangeIsOneSentence()
    {
        assertEquals("DPDK port id 1024 is out of range: give one from 0 to 1023 (0 for the first port EAL finds).",
            assertThrows(PortException.class, () -> EalArguments.forPortId(1024, null)).getMessage());
        assertThrows(PortException.class, () -> EalArguments.forPortId(-1, null));
    }

    @Test
    void onlyNetAfPacketDevicesNameInterfacesThatMustExist()
    {
        assertEquals(List.of("veth7"), EalArguments.afPacketInterfaces(EalArguments.defaults("veth7")));
        assertEquals(List.of("a0", "b0"), EalArguments.afPacketInterfaces(EalArguments.split(
            "--no-huge --vdev=net_af_packet0,iface=a0 --vdev net_af_packet1,qpairs=1,iface=b0 --vdev=net_tap0,iface=t0 " +
            "-a 0000:03:00.0")));
        assertEquals(List.of(), EalArguments.afPacketInterfaces(EalArguments.split("-l 2 -a 0000:03:00.0")));
    }

    @Test
    void aNodesTwoPortsShareOneArgumentList()
    {
        final DpdkPort.Device clients = DpdkPort.Device.iface("veth-p");
        final DpdkPort.Device replication = DpdkPort.Device.iface("rep-p");
        final List<String> ifaces = EalArguments.forPair(clients, replication, null);
        assertEquals(List.of("veth-p", "rep-p"), EalArguments.afPacketInterfaces(ifaces));
        assertEquals(EalArguments.deviceName(0), EalArguments.deviceFor(ifaces, "veth-p"));
        assertEquals(EalArguments.deviceName(1), EalArguments.deviceFor(ifaces, "rep-p"));
        assertTrue(ifaces.contains("--no-huge") && ifaces.contains("--no-pci"), ifaces.toString());

        // Two NICs: both allowed, hugepages; the user's arguments kept, a device they allow not added twice.
        final DpdkPort.Device nic = new DpdkPort.Device(null, "03:00.0", -1);
        final DpdkPort.Device otherNic = new DpdkPort.Device(null, "0000:03:00.1", -1);
        assertEquals(List.of("--lcores=0@(" + EalArguments.allowedCpus() + ")", "--no-telemetry", "--log-level=*:warning",
            "-a", "0000:03:00.0", "-a", "0000:03:00.1", PREFIX), EalArguments.forPair(nic, otherNic, null));
        assertEquals(List.of("-l", "2", "-a", "0000:03:00.1", "-a", "0000:03:00.0", PREFIX),
            EalArguments.forPair(nic, otherNic, "-l 2 -a 0000:03:00.1"));

        // A NIC for the clients, a Linux interface for the channel: the interface gets a net_af_packet device.
        final List<String> mixed = EalArguments.forPair(nic, replication, null);
        assertEquals(List.of("rep-p"), EalArguments.afPacketInterfaces(mixed));
        assertTrue(mixed.containsAll(List.of("-a", "0000:03:00.0")), mixed.toString());
        assertFalse(mixed.contains("--no-pci"), mixed.toString());

        // Port ids: the user's arguments, as for one port.
        assertEquals(List.of("--vdev=net_ring0", "--vdev=net_ring1", PREFIX), EalArguments.forPair(
            new DpdkPort.Device(null, null, 0), new DpdkPort.Device(null, null, 1), "--vdev=net_ring0 --vdev=net_ring1"));
    }

    @Test
    void aNodesTwoPortsOnOneDeviceAreOneSentence()
    {
        final PortException same = assertThrows(PortException.class, () -> EalArguments.forPair(
            new DpdkPort.Device(null, "03:00.0", -1), new DpdkPort.Device(null, "0000:03:00.0", -1), null));
        assertEquals("a node's port and replication port are both PCI device 0000:03:00.0: give the replication port " +
            "a NIC of its own.", same.getMessage());
        final PortException blocked = assertThrows(PortException.class, () -> EalArguments.forPair(
            DpdkPort.Device.iface("veth-p"), new DpdkPort.Device(null, "0000:03:00.1", -1), "--no-pci"));
        assertEquals("the EAL arguments say --no-pci, which hides PCI device 0000:03:00.1 from DPDK: drop --no-pci.",
            blocked.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DpdkPort.Device("eth0", "0000:03:00.0", -1));
    }
}
