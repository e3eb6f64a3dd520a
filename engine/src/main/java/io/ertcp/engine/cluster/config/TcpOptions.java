package io.ertcp.engine.cluster.config;

import io.ertcp.engine.tcp.CongestionControlAlgorithm;
import io.ertcp.engine.tcp.TcpConfig;

/**
 * The TCP settings every node uses. They must be the same on all nodes: a backup's shadow
 * connections have to make the primary's choices (window, segment sizes) to regenerate its output.
 *
 * @param congestion     cubic or newreno.
 * @param bufferKib      send and receive buffer per connection.
 * @param maxConnections the connection table's size.
 * @param nagle          Nagle's algorithm on (the default, except netpipe as in {@code ./ertcp serve}).
 * @param spareConnections connections a node keeps built ahead, with their buffers, for opens to come
 *                         (docs/cluster-file.md {@code tcp.spare-connections}); 0 for none.
 */
public record TcpOptions(CongestionControlAlgorithm congestion, int bufferKib, int maxConnections, boolean nagle,
    int spareConnections)
{
    /** None built ahead: connections take their buffers as they open, and pool them when they close. */
    public static final int DEFAULT_SPARE_CONNECTIONS = 0;

    /** With no spare connections. */
    public TcpOptions(final CongestionControlAlgorithm congestion, final int bufferKib, final int maxConnections,
        final boolean nagle)
    {
        this(congestion, bufferKib, maxConnections, nagle, DEFAULT_SPARE_CONNECTIONS);
    }

    /** As {@code ./ertcp serve}. */
    public static final int DEFAULT_BUFFER_KIB = 256;
    /** As {@code ./ertcp serve}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 100_000;

    /** A stack configuration with these settings over {@link TcpConfig}'s defaults. */
    public TcpConfig toTcpConfig()
    {
        return new TcpConfig()
            .congestionControl(congestion)
            .maxConnections(maxConnections)
            .receiveBufferBytes(bufferKib * 1024)
            .sendBufferBytes(bufferKib * 1024)
            .nagle(nagle);
    }
}
