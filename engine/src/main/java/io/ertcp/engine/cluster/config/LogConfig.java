package io.ertcp.engine.cluster.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where nodes keep the replication log (Chronicle Queue) and for how long, and where they write their log lines.
 *
 * @param dir         the parent directory; each node writes under {@code dir/NODE-NAME} so that
 *                    nodes sharing one machine (the namespace topology) never share a queue.
 * @param retentionNs how long a roll cycle no live connection needs is kept before it is deleted.
 * @param rollCycle   how often a new file starts (one of {@code ReplicationLog.ROLL_CYCLE_NAMES}): the unit retention
 *                    deletes.
 * @param file        the file each node appends its log lines to instead of stdout; a relative path lies in the
 *                    node's directory ({@link #fileOf}); empty for stdout.
 * @param snapshotEveryRecords a service snapshot is due this many records after the last one; 0 never by count.
 * @param snapshotEveryNs      a service snapshot is due this long after the last one; 0 never by time.
 */
public record LogConfig(Path dir, long retentionNs, String rollCycle, Optional<Path> file, long snapshotEveryRecords,
    long snapshotEveryNs)
{
    /** Log lines to the given file (or stdout), without snapshots. */
    public LogConfig(final Path dir, final long retentionNs, final String rollCycle, final Optional<Path> file)
    {
        this(dir, retentionNs, rollCycle, file, 0, 0);
    }

    /**
     * @return true when the file asks for service snapshots (docs/architecture.md rule 7).
     */
    public boolean snapshots()
    {
        return snapshotEveryRecords > 0 || snapshotEveryNs > 0;
    }

    public static final String DEFAULT_ROLL_CYCLE = "hourly";

    public static final Path DEFAULT_DIR = Path.of("ertcp-log");
    public static final long DEFAULT_RETENTION_NS = 3_600_000_000_000L;

    /** Log lines to stdout. */
    public LogConfig(final Path dir, final long retentionNs, final String rollCycle)
    {
        this(dir, retentionNs, rollCycle, Optional.empty());
    }

    /** The directory of one node's queue. */
    public Path dirOf(final String nodeName)
    {
        return dir.resolve(nodeName);
    }

    /** The file one node logs to: {@link #file} as given when absolute, else in {@link #dirOf the node's directory}. */
    public Optional<Path> fileOf(final String nodeName)
    {
        return file.map(f -> f.isAbsolute() ? f : dirOf(nodeName).resolve(f));
    }
}
