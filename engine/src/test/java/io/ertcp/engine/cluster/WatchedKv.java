package io.ertcp.engine.cluster;

import io.ertcp.engine.service.KvService;
import io.ertcp.service.CloseReason;
import io.ertcp.service.ClusterClock;
import io.ertcp.service.Connection;
import io.ertcp.service.SnapshotInput;
import io.ertcp.service.SnapshotService;
import io.ertcp.service.SnapshotWriter;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

/**
 * The kv service, snapshots and all, on one cluster node, watched: whenever a number of its store (its size, the keys
 * it expired) has changed after a callback that can change it (a timer, data, a write), it notes a {@link Change}. The
 * expiry tests compare the notes of the primary and a backup, which must apply every change at the same log position
 * and cluster time (docs/architecture.md, "Cluster time").
 */
final class WatchedKv implements TcpService, SnapshotService
{
    /** One change: the log position the node had applied, the watched number after it, the cluster time, the epoch. */
    record Change(long position, long value, long timeMs, long epoch)
    {
    }

    final KvService kv = new KvService();
    final List<Change> changes = new ArrayList<>();
    final Supplier<ClusterNode> node;
    private final ToLongFunction<KvService> watched;
    private ClusterClock clock;
    private long value;

    /**
     * @param node    the node this service runs on (asked at each change: the node is made after its service).
     * @param watched the number to watch, 0 at the start.
     */
    WatchedKv(final Supplier<ClusterNode> node, final ToLongFunction<KvService> watched)
    {
        this.node = node;
        this.watched = watched;
    }

    /** One change a line, for an assertion's comparison and message. */
    static String text(final List<Change> changes)
    {
        return changes.stream().map(c -> c + "\n").collect(Collectors.joining());
    }

    private void watch()
    {
        final long now = watched.applyAsLong(kv);
        if (now != value)
        {
            value = now;
            final ClusterNode n = node.get();
            changes.add(new Change(n.replicated().appliedPosition(), now, clock.timeMillis(), n.replicated().epoch()));
        }
    }

    public SnapshotWriter takeSnapshot()
    {
        return kv.takeSnapshot();
    }

    public void loadSnapshot(final SnapshotInput in)
    {
        kv.loadSnapshot(in);
    }

    public String name()
    {
        return kv.name();
    }

    public boolean sharesStateAcrossConnections()
    {
        return true;
    }

    public void clusterClock(final ClusterClock clock)
    {
        this.clock = clock;
        kv.clusterClock(clock);
    }

    public void onTimer(final long timerId)
    {
        kv.onTimer(timerId);
        watch();
    }

    public void onOpen(final Connection connection)
    {
        kv.onOpen(connection);
    }

    public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        final int used = kv.onData(connection, buffer, offset, length);
        watch();
        return used;
    }

    public void onPeerClosed(final Connection connection)
    {
        kv.onPeerClosed(connection);
    }

    public void onWritable(final Connection connection)
    {
        kv.onWritable(connection);
        watch();
    }

    public void onTimeout(final Connection connection)
    {
        kv.onTimeout(connection);
    }

    public void onClosed(final Connection connection, final CloseReason reason)
    {
        kv.onClosed(connection, reason);
    }

    /** Every node's WatchedKv, by node name: the newest one of a node that restarted. */
    static final class ByNode
    {
        private final Map<String, WatchedKv> byNode = new HashMap<>();
        private final ToLongFunction<KvService> watched;
        private InProcessCluster cluster;

        ByNode(final ToLongFunction<KvService> watched)
        {
            this.watched = watched;
        }

        /** For {@code InProcessCluster.withServices}: node NAME's service, a fresh WatchedKv each time it starts. */
        Function<String, Supplier<TcpService>> services()
        {
            return name -> () ->
            {
                final WatchedKv kv = new WatchedKv(() -> cluster.node(name), watched);
                byNode.put(name, kv);
                return kv;
            };
        }

        /** @return {@code cluster}, made with {@link #services}: its nodes are the ones the watches ask. */
        InProcessCluster of(final InProcessCluster cluster)
        {
            this.cluster = cluster;
            return cluster;
        }

        WatchedKv get(final String node)
        {
            return byNode.get(node);
        }
    }
}
