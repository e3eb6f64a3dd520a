package io.ertcp.engine.cluster.config;

import java.nio.file.Path;

/**
 * Where nodes keep the replication log (Chronicle Queue) and for how long.
 *
 * @param dir         the parent directory; each node writes under {@code dir/NODE-NAME} so that
 *                    nodes sharing one machine (the namespace topology) never share a queue.
 * @param retentionNs how long a roll cycle no live connection needs is kept before it is deleted.
 * @param rollCycle   how often a new file starts (one of {@code ReplicationLog.ROLL_CYCLE_NAMES}): the unit retention
 *                    deletes.
 */
public record LogConfig(Path dir, long retentionNs, String rollCycle)
{
    public static final String DEFAULT_ROLL_CYCLE = "hourly";

    public static final Path DEFAULT_DIR = Path.of("ertcp-log");
    public static final long DEFAULT_RETENTION_NS = 3_600_000_000_000L;

    /** The directory of one node's queue. */
    public Path dirOf(final String nodeName)
    {
        return dir.resolve(nodeName);
    }
}
