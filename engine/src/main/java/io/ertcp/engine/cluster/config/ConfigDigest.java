package io.ertcp.engine.cluster.config;

import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.MacAddress;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a cluster file means, as one number every member can send in its heartbeats: the SHA-256 of a canonical text
 * of every setting after defaults (the first eight bytes). Two files that differ only in comments, layout, key order,
 * quoting or in stating a default are the same cluster and give the same digest; a file whose members, roles, timings,
 * addresses or service differ gives another, so a member started with a stale copy is found before it votes on the
 * wrong majority or serves the wrong service.
 * <p>
 * Every setting of {@link ClusterConfig} must be written here: a new one left out would let files that disagree on it
 * pass as the same (ConfigDigestTest checks the record components against this list). Warnings and the line numbers
 * of nodes are not settings.
 */
public final class ConfigDigest
{
    private final StringBuilder text = new StringBuilder(1024);

    private ConfigDigest()
    {
    }

    /** @return the digest of the file's meaning. */
    static long of(final ClusterConfig config)
    {
        final byte[] sha;
        try
        {
            sha = MessageDigest.getInstance("SHA-256").digest(canonical(config).getBytes(StandardCharsets.UTF_8));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("every JDK has SHA-256", ex);
        }
        return ByteBuffer.wrap(sha, 0, Long.BYTES).getLong();
    }

    /** For sentences: the digest as 16 hex digits. */
    public static String format(final long digest)
    {
        return String.format("%016x", digest);
    }

    /** One {@code key=value} line per setting, in a fixed order, defaults applied. */
    static String canonical(final ClusterConfig config)
    {
        final ConfigDigest d = new ConfigDigest();
        d.put("cluster", config.name());
        d.put("mode", config.mode().text());
        d.put("service.name", config.service().name());
        d.put("service.port", config.service().port());
        d.put("service.jar", config.service().jar().map(Path::toString).orElse(""));
        for (final Map.Entry<String, String> option : new TreeMap<>(config.service().options()).entrySet())
        {
            d.put("service." + option.getKey(), option.getValue());
        }
        d.put("vip.address", config.vip().address().toString());
        d.put("vip.mac", MacAddress.format(config.vip().mac()));
        d.put("vip.gateway", config.vip().gateway().isPresent() ? Ipv4Address.format(config.vip().gateway().getAsInt()) : "");
        d.put("durability", config.durability().toString());
        d.put("failure-detection.heartbeat-interval-ns", config.detection().heartbeatIntervalNs());
        d.put("failure-detection.suspect-timeout-ns", config.detection().suspectTimeoutNs());
        d.put("failure-detection.fencing-hook", config.detection().fencingHook().orElse(""));
        d.put("log.dir", config.log().dir().toString());
        d.put("log.retention-ns", config.log().retentionNs());
        d.put("log.roll-cycle", config.log().rollCycle());
        d.put("log.file", config.log().file().map(Path::toString).orElse(""));
        d.put("log.snapshot-every-records", config.log().snapshotEveryRecords());
        d.put("log.snapshot-every-ns", config.log().snapshotEveryNs());
        d.put("tcp.congestion", config.tcp().congestion().name());
        d.put("tcp.buffer-kib", config.tcp().bufferKib());
        d.put("tcp.max-connections", config.tcp().maxConnections());
        d.put("tcp.nagle", Boolean.toString(config.tcp().nagle()));
        d.put("tcp.spare-connections", config.tcp().spareConnections());
        d.put("security.key-file", config.security().keyFile().map(Path::toString).orElse("none"));
        d.put("management.port", config.management().port());
        d.put("replication-mtu", config.replicationMtu());
        // File order matters: a node's id is its place in the file.
        int index = 0;
        for (final NodeConfig node : config.nodes())
        {
            final String at = "nodes." + ++index + ".";
            d.put(at + "name", node.name());
            d.put(at + "role", node.role().text());
            d.put(at + "rank", node.rank().isPresent() ? Integer.toString(node.rank().getAsInt()) : "");
            d.put(at + "driver", node.driver().text());
            d.put(at + "interface", node.iface());
            d.put(at + "eal", node.eal().orElse(""));
            d.put(at + "mac", node.mac().isPresent() ? MacAddress.format(node.mac().getAsLong()) : "");
            d.put(at + "address", node.address().map(Ipv4Address.Cidr::toString).orElse(""));
            d.put(at + "threading", node.threading().name());
            d.put(at + "slow-ns-per-record", node.slowNsPerRecord());
            d.put(at + "pci", node.pci().orElse(""));
            d.put(at + "port-id", node.portId().isPresent() ? Integer.toString(node.portId().getAsInt()) : "");
            final Optional<NodeConfig.Replication> replication = node.replication();
            d.put(at + "replication-interface", replication.map(NodeConfig.Replication::iface).orElse(""));
            d.put(at + "replication-pci", replication.flatMap(NodeConfig.Replication::pci).orElse(""));
            d.put(at + "replication-port-id", replication.isPresent() && replication.get().portId().isPresent() ?
                Integer.toString(replication.get().portId().getAsInt()) : "");
            d.put(at + "replication-mac", replication.isPresent() && replication.get().mac().isPresent() ?
                MacAddress.format(replication.get().mac().getAsLong()) : "");
        }
        return d.text.toString();
    }

    private void put(final String key, final long value)
    {
        put(key, Long.toString(value));
    }

    private void put(final String key, final String value)
    {
        // A value cannot end its line early: a newline in it is escaped, so no two files share one canonical text.
        text.append(key).append('=').append(value.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
    }
}
