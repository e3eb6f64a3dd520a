package io.ertcp.engine.cluster.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The cluster file's {@code management} section (docs/cluster-file.md): the port every node's status and metrics
 * endpoint listens on.
 */
class ManagementConfigTest
{
    private static final String FILE = """
        cluster: test
        mode: er-tcp
        service:
          name: echo
        vip:
          address: 10.80.0.100/24
          mac: 02:00:00:00:00:64
        security: none
        %s
        nodes:
          - {name: p, role: primary, driver: af-packet, interface: veth-p, address: 10.80.0.11}
          - {name: l, role: logger, driver: af-packet, interface: veth-l, address: 10.80.0.12}
        """;

    @Test
    void withoutTheSectionEveryNodeServesOn9464()
    {
        assertEquals(new Management(9464), ClusterConfig.parse(FILE.formatted("")).management());
    }

    @Test
    void thePortIsTheFilesAndPartOfTheDigest()
    {
        final ClusterConfig config = ClusterConfig.parse(FILE.formatted("management: {port: 8080}"));
        assertEquals(8080, config.management().port());
        assertNotEquals(ClusterConfig.parse(FILE.formatted("")).digest(), config.digest());
    }

    @Test
    void aBadPortOrAnUnknownKeyIsRefusedWithItsLine()
    {
        final ClusterConfigException port = assertThrows(ClusterConfigException.class,
            () -> ClusterConfig.parse(FILE.formatted("management: {port: 70000}")));
        assertEquals(1, port.problems().size(), port.getMessage());
        assertEquals(true, port.problems().get(0).startsWith("line 9: "), port.getMessage());
        assertEquals(true, port.problems().get(0).contains("port"), port.getMessage());
        final ClusterConfigException key = assertThrows(ClusterConfigException.class,
            () -> ClusterConfig.parse(FILE.formatted("management: {prot: 80}")));
        assertEquals(List.of("line 9: management has an unknown key 'prot': did you mean 'port'?"), key.problems());
    }
}
