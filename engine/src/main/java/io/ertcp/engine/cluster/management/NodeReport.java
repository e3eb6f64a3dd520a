package io.ertcp.engine.cluster.management;

import java.util.List;

/**
 * What a node says of itself and of the others on {@code /status}: made on request by the node's duty cycle, so it
 * always describes one instant of the node.
 *
 * @param node        its name.
 * @param pid         its process id.
 * @param cluster     the cluster's name.
 * @param mode        {@code er-tcp} or {@code st-tcp}.
 * @param role        primary, logger, backup, witness, draining (taking over), starting, fenced (deposed).
 * @param epoch       the epoch it is in.
 * @param primary     the node it follows as primary (itself when primary), or empty.
 * @param logPosition the last position of its copy of the log.
 * @param applied     the last position its service replica applied (0 for a logger or witness).
 * @param confirmed   primary: the last position the durability rule confirmed.
 * @param lag         records it is behind: a backup behind the log it follows (the logger's in er-tcp, the primary's
 *                    in st-tcp) as its heartbeats report it, a primary's records not yet confirmed; -1 unknown or none.
 * @param connections connections it holds (live on a primary, shadows on a backup).
 * @param detail      one line of role-specific detail, as {@code ./ertcp status} shows it.
 * @param refused     replication frames refused, by reason (docs/architecture.md rule 8), in {@link #REFUSAL_REASONS} order.
 * @param feeds       a logger's feeds, one per backup it serves.
 * @param members     what this node knows of every member, itself included, from their heartbeats.
 * @param atMs        wall-clock time of the report.
 */
public record NodeReport(
    String node,
    long pid,
    String cluster,
    String mode,
    String role,
    int epoch,
    String primary,
    long logPosition,
    long applied,
    long confirmed,
    long lag,
    int connections,
    String detail,
    long[] refused,
    List<Feed> feeds,
    List<Member> members,
    long atMs)
{
    /** The reasons a replication frame is refused, as docs/cluster-file.md names them. */
    public static final List<String> REFUSAL_REASONS = List.of(
        "too-short", "wrong-cluster", "unknown-sender", "wrong-source-mac", "replay", "bad-mac", "on-client-port");

    /**
     * A logger's feed to one backup.
     *
     * @param backup    the backup's name.
     * @param confirmed the last position the backup confirmed.
     * @param lag       records the backup is behind the logger's log.
     */
    public record Feed(String backup, long confirmed, long lag)
    {
    }

    /**
     * One member as this node sees it.
     *
     * @param name           its name.
     * @param self           whether it is the reporting node.
     * @param configuredRole the role the cluster file gives it.
     * @param role           the role its last heartbeat said (or this node's own).
     * @param alive          heard within the suspicion timeout.
     * @param heard          ever heard.
     * @param lastHeardMsAgo how long since its last heartbeat, -1 never.
     * @param epoch          the epoch it said.
     * @param primary        the primary it said it follows, or empty.
     * @param logPosition    its log position as it said.
     * @param applied        its applied position as it said.
     * @param connections    its connections as it said.
     * @param configDiffers  its heartbeats carry another cluster file's digest than the reporting node's.
     */
    public record Member(
        String name,
        boolean self,
        String configuredRole,
        String role,
        boolean alive,
        boolean heard,
        long lastHeardMsAgo,
        int epoch,
        String primary,
        long logPosition,
        long applied,
        int connections,
        boolean configDiffers)
    {
    }
}
