package io.ertcp.engine.cluster.config;

import java.util.Optional;

/**
 * Heartbeats and suspicion (docs/architecture.md rule 4), and the fencing hook that lets a two-node ST-TCP
 * cluster take over safely without a third vote.
 *
 * @param heartbeatIntervalNs how often every member sends a heartbeat on the replication channel.
 * @param suspectTimeoutNs    silence after which a member is suspected; longer than the interval.
 * @param fencingHook         a command a candidate runs before taking over; it must cut the old
 *                            primary off (power, switch port) and exit 0, or no takeover happens.
 */
public record FailureDetection(long heartbeatIntervalNs, long suspectTimeoutNs, Optional<String> fencingHook)
{
    /** docs/architecture.md rule 4: every 10 ms. */
    public static final long DEFAULT_HEARTBEAT_INTERVAL_NS = 10_000_000L;
    /** Five missed heartbeats: a lost frame or a GC pause does not start a takeover. */
    public static final int DEFAULT_SUSPECT_HEARTBEATS = 5;
    /** Below this the heartbeats themselves become load on a shared core. */
    public static final long MIN_HEARTBEAT_INTERVAL_NS = 100_000L;
}
