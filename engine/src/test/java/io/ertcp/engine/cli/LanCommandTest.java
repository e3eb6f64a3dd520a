package io.ertcp.engine.cli;

import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.ClusterTemplate;
import io.ertcp.engine.net.MacAddress;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code ./ertcp lan up} makes from cluster files, without making it (the namespaces themselves are the system
 * tests' and the demo's): the members, their ports and MACs, the client, and the refusals.
 */
class LanCommandTest
{
    private static ClusterTemplate template()
    {
        return new ClusterTemplate().vip("10.81.0.100/24").vipMac("02:00:00:00:81:64").numberedBackups(true)
            .securityNone();
    }

    @Test
    void twoFilesShareOneLanWithEachNodeOnce()
    {
        final ClusterConfig er = template().backups(2).config();
        final ClusterConfig st = template().mode("st-tcp").durability("backup").config();
        final List<NamespaceLan.Member> members = LanCommand.members(List.of(er, st), "10.81.0.2/24", true);

        assertEquals(List.of("primary", "logger", "backup1", "backup2", "witness", "client"),
            members.stream().map(NamespaceLan.Member::hint).toList());
        assertEquals(List.of("v-primary", "v-logger", "v-backup1", "v-backup2", "v-witness", "v-client"),
            members.stream().map(NamespaceLan.Member::port).toList());
        assertEquals("02:00:00:00:81:13", MacAddress.format(members.get(2).mac().getAsLong()));
        assertTrue(members.get(4).quiet(), "a hub spares the witness its flood");
        assertTrue(members.stream().limit(4).noneMatch(NamespaceLan.Member::quiet));
        final NamespaceLan.Member client = members.get(5);
        assertTrue(client.client() && client.address().orElseThrow().equals("10.81.0.2/24"));
    }

    @Test
    void withoutAHubNobodyIsQuiet()
    {
        final ClusterConfig st = template().mode("st-tcp").durability("backup").config();
        assertTrue(LanCommand.members(List.of(st), "10.81.0.2/24", false).stream().noneMatch(NamespaceLan.Member::quiet));
    }

    @Test
    void theDefaultClientIsHostTwoOnTheVipsNetwork()
    {
        assertEquals("10.81.0.2/24", LanCommand.defaultClient(template().config()));
        assertEquals("192.168.0.2/16", LanCommand.defaultClient(template().vip("192.168.40.9/16").config()));
    }

    @Test
    void aNodeWithTwoMacsIsRefused()
    {
        final ClusterConfig one = template().config();
        final ClusterConfig other = template().vip("10.81.0.100/24").vipMac("02:00:00:00:99:64").config();
        final CliException ex = assertThrows(CliException.class,
            () -> LanCommand.members(List.of(one, other), "10.81.0.2/24", false));
        assertEquals("node primary has two MACs in the files (02:00:00:00:81:11 and 02:00:00:00:99:11): one LAN " +
            "needs one MAC per node", ex.getMessage());
    }

    @Test
    void aNodeOffEth0OrOnANicIsRefused()
    {
        final CliException iface = assertThrows(CliException.class,
            () -> LanCommand.members(List.of(template().iface("veth7").config()), "10.81.0.2/24", false));
        assertEquals("node primary has iface veth7, but lan gives each node eth0 in its namespace: write iface: eth0 " +
            "(./ertcp cluster-file does)", iface.getMessage());
        final CliException nic = assertThrows(CliException.class, () -> LanCommand.members(
            List.of(template().driver("dpdk").pci("0000:03:00.0").config()), "10.81.0.2/24", false));
        assertTrue(nic.getMessage().startsWith("node primary names a DPDK NIC (pci or port-id)"), nic.getMessage());
    }

    @Test
    void aClientOnANodesAddressOrNoAddressIsRefused()
    {
        final List<ClusterConfig> files = List.of(template().config());
        assertEquals("--client 10.81.0.12/24 is node logger's address: give the client another one",
            assertThrows(CliException.class, () -> LanCommand.members(files, "10.81.0.12/24", false)).getMessage());
        assertEquals("--client 10.81.0.2 is not an address with a prefix length, such as 10.81.0.2/24",
            assertThrows(CliException.class, () -> LanCommand.members(files, "10.81.0.2", false)).getMessage());
        assertEquals("--client 10.81.0.x/24 is not an address with a prefix length, such as 10.81.0.2/24",
            assertThrows(CliException.class, () -> LanCommand.members(files, "10.81.0.x/24", false)).getMessage());
    }

    @Test
    void aPrefixIsALetterThenUpToSevenLettersOrDigits()
    {
        assertEquals("eb", LanCommand.prefix("eb"));
        assertEquals("sb2", LanCommand.prefix("sb2"));
        for (final String bad : new String[]{"", "9x", "Eb", "a-b", "abcdefghi"})
        {
            assertThrows(CliException.class, () -> LanCommand.prefix(bad), bad);
        }
    }
}
