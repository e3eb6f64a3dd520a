package io.ertcp.engine.cluster.config;

import io.ertcp.engine.agent.ThreadingMode;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.service.ServiceCatalogue;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes a {@link ClusterConfig} as a commented cluster file (docs/cluster-file.md), the inverse of
 * {@code ClusterFileReader}: {@code ClusterConfig.parse(ClusterFileWriter.write(config))} equals {@code config} but for
 * each node's {@code line} (where the node stands in the new text) and the warnings (which the reader derives). Every
 * value is written, defaults too, so that the file says all it means; a comment beside a key says what it is for.
 */
public final class ClusterFileWriter
{
    /** A scalar YAML reads back as the same text, unquoted: no indicator first, no ': ' or ' #' inside. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./+@][A-Za-z0-9_./+@=,:-]*");
    private static final int COMMENT_COLUMN = 32;

    private final StringBuilder out = new StringBuilder();

    private ClusterFileWriter()
    {
    }

    /**
     * @return the cluster file's text, ending in a newline.
     */
    public static String write(final ClusterConfig config)
    {
        return new ClusterFileWriter().file(config);
    }

    private String file(final ClusterConfig config)
    {
        out.append("# Cluster '").append(config.name()).append("' (").append(config.mode().text()).append("): ")
            .append(config.nodes().size()).append(" nodes. Every node runs with this same file and picks itself by\n")
            .append("# name: ./ertcp node --config FILE --name NAME. Keys and defaults: docs/cluster-file.md.\n\n");
        line(0, "cluster", config.name(), "names the log directories and the logs' lines");
        line(0, "mode", config.mode().text(), config.mode() == ClusterMode.ER_TCP ?
            "forward ingest: primary -> logger -> backups" : "tap ingest: the backup reads the client's frames off the LAN");
        out.append('\n');

        service(config.service());
        out.append('\n');

        section("vip");
        line(1, "address", config.vip().address().toString(), "what clients connect to; moves at takeover");
        line(1, "mac", MacAddress.format(config.vip().mac()), "the virtual MAC that moves with it");
        if (config.vip().gateway().isPresent())
        {
            line(1, "gateway", Ipv4Address.format(config.vip().gateway().getAsInt()), "the next hop off the prefix");
        }
        out.append('\n');

        line(0, "durability", config.durability().toString(), switch (config.durability().kind())
        {
            case LOGGER -> "ACK the client once the logger has the bytes";
            case LOGGER_PLUS -> "ACK once the logger and " + config.durability().backups() + " backups have them";
            case BACKUP -> "ACK once the in-sync backup has them";
        });
        out.append('\n');

        line(0, "replication-mtu", Integer.toString(config.replicationMtu()), config.replicationMtu() ==
            ClusterConfig.DEFAULT_REPLICATION_MTU ? "replication frames fit plain Ethernet" :
            "replication frames this large: every port and the switch carry jumbo frames");
        out.append('\n');

        section("failure-detection");
        line(1, "heartbeat-interval", Durations.format(config.detection().heartbeatIntervalNs()), null);
        line(1, "suspect-timeout", Durations.format(config.detection().suspectTimeoutNs()),
            "silence after which a member is suspected");
        config.detection().fencingHook().ifPresent(hook ->
            line(1, "fencing-hook", hook, "cuts the old primary off before a takeover; exit 0 or no takeover"));
        out.append('\n');

        section("log");
        line(1, "dir", config.log().dir().toString(), "each node writes under DIR/NODE");
        line(1, "retention", Durations.format(config.log().retentionNs()), "how long a roll cycle nobody needs is kept");
        line(1, "roll-cycle", config.log().rollCycle(), null);
        config.log().file().ifPresent(file -> line(1, "file", file.toString(),
            file.isAbsolute() ? "every node's log lines, not stdout" : "each node's log lines in DIR/NODE, not stdout"));
        if (config.log().snapshotEveryRecords() > 0)
        {
            line(1, "snapshot-every-records", Long.toString(config.log().snapshotEveryRecords()),
                "a service snapshot this many records after the last");
        }
        if (config.log().snapshotEveryNs() > 0)
        {
            line(1, "snapshot-every", Durations.format(config.log().snapshotEveryNs()),
                "a service snapshot this long after the last");
        }
        out.append('\n');

        if (config.security().authenticated())
        {
            section("security");
            line(1, "key-file", config.security().keyFile().orElseThrow().toString(),
                "32 bytes from ./ertcp keygen, the same on every node");
        }
        else
        {
            line(0, "security", "none", "the replication channel unauthenticated: benchmarks only");
        }
        out.append('\n');

        section("tcp");
        line(1, "congestion", config.tcp().congestion().name().toLowerCase(Locale.ROOT), "cubic or newreno");
        line(1, "buffer-kib", Integer.toString(config.tcp().bufferKib()), "send and receive buffer per connection");
        line(1, "max-connections", Integer.toString(config.tcp().maxConnections()), null);
        line(1, "nagle", Boolean.toString(config.tcp().nagle()), null);
        line(1, "spare-connections", Integer.toString(config.tcp().spareConnections()),
            "connections built ahead, with their buffers, for opens to come");
        out.append('\n');

        section("management");
        line(1, "port", Integer.toString(config.management().port()),
            "GET /status and /metrics on each node's address");
        out.append('\n');

        section("nodes");
        for (final NodeConfig node : config.nodes())
        {
            node(node);
        }
        return out.toString();
    }

    private void service(final ServiceConfig service)
    {
        section("service");
        if (service.jar().isPresent())
        {
            line(1, "class", service.name(), "your own io.ertcp.service.TcpService");
            line(1, "jar", service.jar().get().toString(), "at this path on every node");
            line(1, "port", Integer.toString(service.port()), null);
            if (!service.options().isEmpty())
            {
                section(1, "options");
                service.options().forEach((key, value) -> line(2, key, value, null));
            }
            return;
        }
        final ServiceCatalogue.Entry entry = ServiceCatalogue.byName(service.name()).orElse(null);
        line(1, "name", service.name(), entry == null ? null : entry.summary());
        line(1, "port", Integer.toString(service.port()), entry != null && entry.defaultPort() == service.port() ?
            "the service's default" : null);
        for (final Map.Entry<String, String> option : service.options().entrySet())
        {
            line(1, option.getKey(), option.getValue(), entry == null ? null :
                entry.option(option.getKey()).map(ServiceCatalogue.Option::help).orElse(null));
        }
    }

    private void node(final NodeConfig node)
    {
        out.append("  - ");
        pair("name", node.name());
        out.append('\n');
        line(2, "role", node.role().text(), null);
        if (node.rank().isPresent() && (node.role() != Role.PRIMARY || node.rank().getAsInt() != 0))
        {
            line(2, "rank", Integer.toString(node.rank().getAsInt()), node.role() == Role.BACKUP ?
                "the lowest takes over first" : null);
        }
        line(2, "driver", node.driver().text(), null);
        if (node.pci().isPresent())
        {
            line(2, "pci", node.pci().get(), "the NIC, bound to vfio-pci");
        }
        else if (node.portId().isPresent())
        {
            line(2, "port-id", Integer.toString(node.portId().getAsInt()), "the N-th port EAL finds");
        }
        else
        {
            line(2, "interface", node.iface(), null);
        }
        node.eal().ifPresent(eal -> line(2, "eal", eal, "EAL arguments used as given"));
        if (node.mac().isPresent())
        {
            line(2, "mac", MacAddress.format(node.mac().getAsLong()), null);
        }
        node.address().ifPresent(address -> line(2, "address", address.toString(), "the node's own, for management"));
        if (node.threading() != ThreadingMode.SHARED)
        {
            line(2, "threading", node.threading().name().toLowerCase(Locale.ROOT), null);
        }
        if (node.slowNsPerRecord() != 0)
        {
            line(2, "slow-ns-per-record", Long.toString(node.slowNsPerRecord()), "slow on purpose");
        }
        node.replication().ifPresent(replication ->
        {
            if (replication.pci().isPresent())
            {
                line(2, "replication-pci", replication.pci().get(), "the replication channel on a NIC of its own");
            }
            else if (replication.portId().isPresent())
            {
                line(2, "replication-port-id", Integer.toString(replication.portId().getAsInt()),
                    "the replication channel on another port EAL finds");
            }
            else
            {
                line(2, "replication-interface", replication.iface(), "the replication channel on a LAN of its own");
            }
            if (replication.mac().isPresent())
            {
                line(2, "replication-mac", MacAddress.format(replication.mac().getAsLong()), null);
            }
        });
    }

    private void section(final String key)
    {
        section(0, key);
    }

    private void section(final int depth, final String key)
    {
        out.append("  ".repeat(depth)).append(key).append(":\n");
    }

    private void line(final int depth, final String key, final String value, final String comment)
    {
        final int start = out.length();
        out.append("  ".repeat(depth));
        pair(key, value);
        if (comment != null)
        {
            final int width = out.length() - start;
            out.append(" ".repeat(Math.max(1, COMMENT_COLUMN - width))).append("# ").append(comment);
        }
        out.append('\n');
    }

    private void pair(final String key, final String value)
    {
        out.append(scalar(key)).append(": ").append(scalar(value));
    }

    /** The text as a YAML scalar that reads back as the same text: plain where that is safe, else double-quoted. */
    static String scalar(final String text)
    {
        if (PLAIN.matcher(text).matches() && !text.endsWith(":"))
        {
            return text;
        }
        final StringBuilder quoted = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\t' -> quoted.append("\\t");
                default ->
                {
                    if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) || c == 0x85 || c == 0x2028 || c == 0x2029 ||
                        c == 0xfeff)
                    {
                        quoted.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
