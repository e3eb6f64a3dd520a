package io.ertcp.engine.cluster.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The cluster file's {@code log.file} (where a node's log lines go; from {@link ClusterTemplate}, which writes the file
 * and reads it back), and the nesting limit that keeps a deeply nested file from overflowing the YAML reader's stack.
 */
class ClusterFileLogTest
{
    /** A valid cluster (primary, logger, backup) logging under /var/lib/ertcp. */
    private static ClusterTemplate cluster()
    {
        return new ClusterTemplate().logDir(Path.of("/var/lib/ertcp")).securityNone();
    }

    @Test
    void withoutLogFileTheLinesGoToStdout()
    {
        final ClusterConfig config = cluster().config();
        assertEquals(Optional.empty(), config.log().file());
        assertEquals(Optional.empty(), config.log().fileOf("backup"));
    }

    @Test
    void aRelativeLogFileLiesInTheNodesDirectory()
    {
        final ClusterConfig config = cluster().logFile(Path.of("node.log")).config();
        assertEquals(Optional.of(Path.of("/var/lib/ertcp/backup/node.log")), config.log().fileOf("backup"));
        assertEquals(Optional.of(Path.of("/var/lib/ertcp/logger/node.log")), config.log().fileOf("logger"));
    }

    @Test
    void anAbsoluteLogFileIsTakenAsGiven()
    {
        final ClusterConfig config = cluster().logFile(Path.of("/var/log/ertcp.log")).config();
        assertEquals(Optional.of(Path.of("/var/log/ertcp.log")), config.log().fileOf("backup"));
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
