package io.ertcp.engine.cli;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What {@code port} and {@code serve} open: {@code --iface}, or for dpdk {@code --pci} or {@code --port-id}; one of
 * them, and each refused with a sentence where the driver cannot open it.
 */
class PortTargetTest
{
    private static Ports.Target target(final String driver, final String... argv)
    {
        final Args args = Args.parse("serve", argv, Ports.Target.OPTIONS, Set.of());
        return Ports.Target.of(args, "serve", driver);
    }

    private static String refusal(final String driver, final String... argv)
    {
        return assertThrows(CliException.class, () -> target(driver, argv)).getMessage();
    }

    @Test
    void eachWayOfNamingAPort()
    {
        assertEquals(new Ports.Target("veth0", null, -1), target("af-packet", "--iface", "veth0"));
        assertEquals(new Ports.Target("veth0", null, -1), target("dpdk", "--iface", "veth0"));
        assertEquals(new Ports.Target(null, "0000:03:00.0", -1), target("dpdk", "--pci", "0000:03:00.0"));
        assertEquals(new Ports.Target(null, null, 2), target("dpdk", "--port-id", "2"));
    }

    @Test
    void aPciAddressGivenAsTheInterfaceIsTakenAsOne()
    {
        // The README's bare-metal line of old: a NIC bound to vfio-pci has no Linux interface to look for.
        assertEquals(new Ports.Target(null, "0000:03:00.0", -1), target("dpdk", "--iface", "0000:03:00.0"));
        assertEquals("0000:03:00.0 is a PCI address, not a network interface: af-packet needs a Linux interface (ip link " +
            "lists them); for a NIC bound to DPDK use --driver dpdk --pci 0000:03:00.0.",
            refusal("af-packet", "--iface", "0000:03:00.0"));
    }

    @Test
    void refusals()
    {
        assertEquals("serve needs --iface IF (or, with --driver dpdk, --pci ADDR or --port-id N): see ./ertcp serve --help",
            refusal("dpdk"));
        assertEquals("give one of --iface, --pci and --port-id, not several: see ./ertcp serve --help",
            refusal("dpdk", "--iface", "veth0", "--pci", "0000:03:00.0"));
        assertEquals("--pci names a port DPDK drives: use it with --driver dpdk, or give af-packet a Linux interface with " +
            "--iface.", refusal("af-packet", "--pci", "0000:03:00.0"));
        assertEquals("--port-id names a port DPDK drives: use it with --driver dpdk, or give af-packet a Linux interface " +
            "with --iface.", refusal("af-packet", "--port-id", "0"));
        assertEquals("--port-id must be a DPDK port id from 0 to 1023, not 5000", refusal("dpdk", "--port-id", "5000"));
        assertEquals("--port-id must be a whole number, not 'x'", refusal("dpdk", "--port-id", "x"));
    }

    @Test
    void aBadPciAddressIsOneSentenceFromTheCommand()
    {
        final java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        final int status = Main.run(new String[]{ "port", "--driver", "dpdk", "--pci", "0000:03:00", "--ip", "10.0.0.1/24" },
            new java.io.PrintStream(new java.io.ByteArrayOutputStream()), new java.io.PrintStream(err, true));
        assertEquals(2, status);
        assertEquals("ertcp port: '0000:03:00' is not a PCI address: write it as DDDD:BB:DD.F, such as 0000:03:00.0 " +
            "(dpdk-devbind.py --status lists the NICs).", err.toString().strip());
    }
}
