package io.ertcp.systest;

import io.ertcp.test.Ertcp;
import io.ertcp.test.NetNs;
import io.ertcp.test.Requirements;
import io.ertcp.test.Shell;
import io.ertcp.test.Veth;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./ertcp port} in a node namespace answers ARP and ping for its address: the kernel in a
 * client namespace on the same link resolves the node's MAC with arping and with ping, and ping
 * gets every echo answered, for each driver.
 */
@Timeout(120)
class PortCommandSystemTest
{
    private static final String NODE_IP = "10.99.0.1";

    private NetNs node;
    private NetNs client;

    @BeforeEach
    void setUp()
    {
        Requirements.assumeRootAndNetns();
        Requirements.assumeCommand("arping", "iputils-arping");
        node = NetNs.create("node");
        client = NetNs.create("client");
        Veth.create(node, "n0", client, "c0");
        client.address("c0", "10.99.0.2/24");
        // The node reads raw frames: the client's kernel fills in its checksums itself.
        client.disableOffloads("c0");
    }

    @AfterEach
    void tearDown()
    {
        if (client != null)
        {
            client.close();
        }
        if (node != null)
        {
            node.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"af-packet", "dpdk"})
    void aClientNamespaceResolvesTheNodesMac(final String driver) throws Exception
    {
        if (driver.equals("dpdk"))
        {
            Requirements.assumeDpdkShim();
        }
        final String mac = node.mac("n0");
        final Ertcp port = Ertcp.start(node, "port", "--driver", driver, "--iface", "n0", "--ip", NODE_IP + "/24",
            "--interval-ms", "200");
        port.awaitOutput("answering ARP for " + NODE_IP + "/24", Duration.ofSeconds(60));
        assertTrue(port.output().contains("mac " + mac), "the port uses the interface's MAC " + mac + ":\n" + port.output());

        final Shell.Result arping = client.run(Duration.ofSeconds(20), "arping", "-c", "3", "-w", "10", "-I", "c0", NODE_IP);
        // iputils arping prints "reply from 10.99.0.1 [MAC]"; either way the MAC must be in a reply.
        assertTrue(arping.ok() && arping.stdout().toLowerCase().contains(mac),
            "arping got no reply carrying " + mac + ":\n" + arping.stdout() + arping.stderr() + "\nport:\n" + port.output());

        // ping resolves the MAC through ARP first.
        client.exec("ip", "neigh", "flush", "dev", "c0");
        client.run(Duration.ofSeconds(10), "ping", "-c", "1", "-W", "2", NODE_IP);
        final String neighbour = client.exec("ip", "neigh", "show", NODE_IP, "dev", "c0").stdout();
        assertTrue(neighbour.contains("lladdr " + mac), "neighbour table after ping: " + neighbour);

        // Every echo request is answered.
        final Shell.Result ping = client.run(Duration.ofSeconds(20), "ping", "-c", "3", "-i", "0.2", "-W", "2", NODE_IP);
        assertTrue(ping.ok() && ping.stdout().contains("3 received") && ping.stdout().contains(" 0% packet loss"),
            "ping -c 3 lost echoes:\n" + ping.stdout() + ping.stderr() + "\nport:\n" + port.output());

        port.stop();
        final List<String> finals = port.lines("final:");
        assertEquals(1, finals.size(), port.output());
        final Matcher counts = Pattern.compile(
            "rx (\\d+) frames (\\d+) B .*tx (\\d+) frames (\\d+) B .*arp replies (\\d+), icmp echo replies (\\d+)")
            .matcher(finals.get(0));
        assertTrue(counts.find(), finals.get(0));
        final long rxFrames = Long.parseLong(counts.group(1));
        final long txFrames = Long.parseLong(counts.group(3));
        final long replies = Long.parseLong(counts.group(5));
        assertTrue(replies >= 4, "3 arping requests and ping's resolution were answered: " + finals.get(0));
        assertTrue(rxFrames >= replies, finals.get(0));
        assertTrue(txFrames >= replies + 1, "the replies and the gratuitous announcement were sent: " + finals.get(0));
        assertTrue(Long.parseLong(counts.group(4)) >= txFrames * 42, finals.get(0));
        assertTrue(Long.parseLong(counts.group(6)) >= 3, "the three echo requests were answered: " + finals.get(0));
    }
}
