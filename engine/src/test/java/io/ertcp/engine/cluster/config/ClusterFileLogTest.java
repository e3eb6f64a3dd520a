package io.ertcp.engine.cluster.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The cluster file's {@code log.file} (where a node's log lines go), and the nesting limit that keeps a deeply nested
 * file from overflowing the YAML reader's stack.
 */
class ClusterFileLogTest
{
    private static final String FILE = """
        cluster: test
        mode: er-tcp
        service:
          name: echo
        vip:
          address: 10.80.0.100/24
          mac: 02:00:00:00:00:64
        log:
          dir: /var/lib/ertcp
        %s
        security: none
        nodes:
          - name: p
            role: primary
            driver: af-packet
            interface: veth-p
          - name: l
            role: logger
            driver: af-packet
            interface: veth-l
          - name: b
            role: backup
            rank: 1
            driver: af-packet
            interface: veth-b
        """;

    @Test
    void withoutLogFileTheLinesGoToStdout()
    {
        final ClusterConfig config = ClusterConfig.parse(FILE.formatted(""));
        assertEquals(Optional.empty(), config.log().file());
        assertEquals(Optional.empty(), config.log().fileOf("b"));
    }

    @Test
    void aRelativeLogFileLiesInTheNodesDirectory()
    {
        final ClusterConfig config = ClusterConfig.parse(FILE.formatted("  file: node.log"));
        assertEquals(Optional.of(Path.of("/var/lib/ertcp/b/node.log")), config.log().fileOf("b"));
        assertEquals(Optional.of(Path.of("/var/lib/ertcp/l/node.log")), config.log().fileOf("l"));
    }

    @Test
    void anAbsoluteLogFileIsTakenAsGiven()
    {
        final ClusterConfig config = ClusterConfig.parse(FILE.formatted("  file: /var/log/ertcp.log"));
        assertEquals(Optional.of(Path.of("/var/log/ertcp.log")), config.log().fileOf("b"));
    }

    @Test
    void aDeeplyNestedFileIsOneSentenceNotAStackOverflow()
    {
        final String deep = "cluster: x\nnodes:\n  - options: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n";
        final ClusterConfigException ex = assertThrows(ClusterConfigException.class, () -> ClusterConfig.parse(deep));
        assertEquals("the cluster file: line 3: 'nodes' nests collections more than 16 deep (a cluster file needs 4): " +
            "remove the extra nesting from here on (see examples/cluster-namespaces.yaml).", ex.getMessage());
    }

    @Test
    void deepBlockNestingNamesItsLine()
    {
        final StringBuilder deep = new StringBuilder("cluster: x\nservice:\n");
        for (int i = 1; i < 40; i++)
        {
            deep.append("  ".repeat(i)).append("a:\n");
        }
        deep.append("  ".repeat(40)).append("b: 1\n");
        final ClusterConfigException ex = assertThrows(ClusterConfigException.class, () -> ClusterConfig.parse(deep.toString()));
        assertEquals("the cluster file: line 18: 'service' nests collections more than 16 deep (a cluster file needs 4): " +
            "remove the extra nesting from here on (see examples/cluster-namespaces.yaml).", ex.getMessage());
    }

    @Test
    void nestingUpToTheLimitIsReadAsUsual()
    {
        // Fifteen levels below the top: refused for what it says, not for its depth.
        final String nested = "cluster: x\nservice:\n  options: " + "[".repeat(14) + "]".repeat(14) + "\n";
        final ClusterConfigException ex = assertThrows(ClusterConfigException.class, () -> ClusterConfig.parse(nested));
        assertEquals(false, ex.getMessage().contains("nests collections"), ex.getMessage());
    }
}
