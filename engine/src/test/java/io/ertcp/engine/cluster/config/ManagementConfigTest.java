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
    /** A valid file with {@code extra} on line 23. */
    private static String file(final String extra)
    {
        return ClusterFiles.UNAUTHENTICATED + extra + "\n";
    }

    @Test
    void withoutTheSectionEveryNodeServesOn9464()
    {
        assertEquals(new Management(9464), ClusterConfig.parse(file("")).management());
    }

    @Test
    void thePortIsTheFilesAndPartOfTheDigest()
    {
        final ClusterConfig config = ClusterConfig.parse(file("management: {port: 8080}"));
        assertEquals(8080, config.management().port());
        assertNotEquals(ClusterConfig.parse(file("")).digest(), config.digest());
    }

    @Test
    void aBadPortOrAnUnknownKeyIsRefusedWithItsLine()
    {
        final ClusterConfigException port = assertThrows(ClusterConfigException.class,
            () -> ClusterConfig.parse(file("management: {port: 70000}")));
        assertEquals(1, port.problems().size(), port.getMessage());
        assertEquals(true, port.problems().get(0).startsWith("line 23: "), port.getMessage());
        assertEquals(true, port.problems().get(0).contains("port"), port.getMessage());
        final ClusterConfigException key = assertThrows(ClusterConfigException.class,
            () -> ClusterConfig.parse(file("management: {prot: 80}")));
        assertEquals(List.of("line 23: management has an unknown key 'prot': did you mean 'port'?"), key.problems());
    }
}
