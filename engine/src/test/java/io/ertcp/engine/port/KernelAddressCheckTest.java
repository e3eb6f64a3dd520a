package io.ertcp.engine.port;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelAddressCheckTest
{
    /** A host's /proc/net/route: a default route via 192.0.2.1 on eth0, and eth0's own prefix. */
    private static final String ROUTES = """
        Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
        eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
        eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
        veth1\t0000500A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
        """;

    @Test
    void theDefaultRouteIsReadWithItsGateway()
    {
        assertEquals(Optional.of("192.0.2.1"), KernelAddressCheck.defaultGateway(ROUTES, "eth0"));
        assertEquals(Optional.empty(), KernelAddressCheck.defaultGateway(ROUTES, "veth1"));
        assertEquals(Optional.empty(), KernelAddressCheck.defaultGateway("", "eth0"));
        assertEquals(Optional.of("a direct link"), KernelAddressCheck.defaultGateway(
            "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n" +
            "ppp0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\n", "ppp0"));
    }

    @Test
    void anInterfaceWithAKernelAddressIsRefusedWithTheFix()
    {
        assertEquals(Optional.of("interface eth0 has the kernel IPv4 address 192.0.2.2/24, so the host's kernel " +
            "answers there beside the node: run the node inside the network namespace that holds its interface " +
            "(ip netns exec NS ./ertcp node ...), remove the address (ip addr flush dev eth0), or pass " +
            "--allow-kernel-address to use it anyway."),
            KernelAddressCheck.refusal("eth0", List.of("192.0.2.2/24"), ROUTES, "--allow-kernel-address"));
    }

    @Test
    void anInterfaceWithTheDefaultRouteAndNoAddressIsRefused()
    {
        assertEquals(Optional.of("interface eth0 carries this machine's default route (via 192.0.2.1), so the " +
            "node would take over the machine's way out: give the node an interface of its own, or pass " +
            "--allow-kernel-address to use it anyway."),
            KernelAddressCheck.refusal("eth0", List.of(), ROUTES, "--allow-kernel-address"));
    }

    @Test
    void anInterfaceTheKernelDoesNotUseIsAccepted()
    {
        assertEquals(Optional.empty(), KernelAddressCheck.refusal("veth1", List.of(), ROUTES, "--x"));
        assertEquals(Optional.empty(), KernelAddressCheck.refusal("ertcp-no-such0", "--x"),
            "an interface that does not exist is for the port's open to name");
    }

    @Test
    void theLoopbackInterfaceHasTheKernelsAddress()
    {
        // The real interface list of this namespace: every Linux namespace's lo has 127.0.0.1/8 once up.
        final List<String> addresses = KernelAddressCheck.kernelAddresses("lo");
        if (addresses.isEmpty())
        {
            return; // a namespace whose lo is down has none; the parsing is covered above
        }
        assertTrue(addresses.contains("127.0.0.1/8"), addresses.toString());
        assertTrue(KernelAddressCheck.refusal("lo", "--allow-kernel-address").orElseThrow()
            .startsWith("interface lo has the kernel IPv4 address 127.0.0.1/8"));
    }
}
