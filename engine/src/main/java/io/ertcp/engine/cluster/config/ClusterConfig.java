package io.ertcp.engine.cluster.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The whole cluster as one file describes it (docs/cluster-file.md): every node reads the same file
 * and picks itself out by name, so that all members agree on who votes, who takes over in which
 * order and what counts as durable. Instances are only made by {@link #load} and {@link #parse},
 * which refuse any file with a problem, so a {@code ClusterConfig} is always consistent.
 *
 * @param name       the cluster's name, for logs and the log directory.
 * @param mode       er-tcp or st-tcp.
 * @param service    the service every node runs.
 * @param vip        the VIP, virtual MAC and gateway.
 * @param durability whose confirmation an ACK to the client waits for.
 * @param detection  heartbeat and suspicion timings, and the fencing hook.
 * @param log        where the replication log lives and how long it is kept.
 * @param tcp        the TCP settings all nodes share.
 * @param security   the cluster key that authenticates the replication channel, or none.
 * @param nodes      the members in file order.
 * @param warnings   things allowed but unwise, one sentence each, for the CLI to print.
 * @param management the port of every node's management endpoint (status and metrics over HTTP).
 * @param replicationMtu the replication channel's frame size after the Ethernet header (docs/cluster-file.md,
 *                   {@code replication-mtu}): records are batched into frames up to it.
 */
public record ClusterConfig(
    String name,
    ClusterMode mode,
    ServiceConfig service,
    VirtualAddress vip,
    Durability durability,
    FailureDetection detection,
    LogConfig log,
    TcpOptions tcp,
    Security security,
    List<NodeConfig> nodes,
    List<String> warnings,
    Management management,
        int replicationMtu)
{
    /** The replication MTU when the file gives none: Ethernet's 1500 bytes. */
    public static final int DEFAULT_REPLICATION_MTU = 1500;

    public ClusterConfig
    {
        nodes = List.copyOf(nodes);
        warnings = List.copyOf(warnings);
    }

    /** A cluster at the default management port and replication MTU. */
    public ClusterConfig(
        final String name,
        final ClusterMode mode,
        final ServiceConfig service,
        final VirtualAddress vip,
        final Durability durability,
        final FailureDetection detection,
        final LogConfig log,
        final TcpOptions tcp,
        final Security security,
        final List<NodeConfig> nodes,
        final List<String> warnings)
    {
        this(name, mode, service, vip, durability, detection, log, tcp, security, nodes, warnings,
            new Management(Management.DEFAULT_PORT), DEFAULT_REPLICATION_MTU);
    }

    /**
     * @param file a cluster file.
     * @throws ClusterConfigException listing every problem, or that the file cannot be read.
     */
    public static ClusterConfig load(final Path file)
    {
        final String text;
        try
        {
            text = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new ClusterConfigException(file.toString(), List.of("cannot read the cluster file (" + ex.getMessage() +
                "): check the path given to --config."));
        }
        return ClusterFileReader.read(text, file.toString());
    }

    /**
     * @param text a cluster file's contents.
     * @throws ClusterConfigException listing every problem.
     */
    public static ClusterConfig parse(final String text)
    {
        return ClusterFileReader.read(text, "the cluster file");
    }

    /**
     * @param nodeName as given to {@code ./ertcp node --name}.
     * @throws ClusterConfigException with one sentence naming the nodes there are.
     */
    public NodeConfig node(final String nodeName)
    {
        for (final NodeConfig node : nodes)
        {
            if (node.name().equals(nodeName))
            {
                return node;
            }
        }
        throw new ClusterConfigException("cluster '" + name + "'", List.of("there is no node '" + nodeName +
            "': choose one of " + nodes.stream().map(NodeConfig::name).collect(Collectors.joining(", ")) + "."));
    }

    /** The node that starts as primary; the file has exactly one. */
    public NodeConfig primary()
    {
        return nodes.stream().filter(node -> node.role() == Role.PRIMARY).findFirst().orElseThrow();
    }

    /** ER-TCP's logger; empty in ST-TCP. */
    public Optional<NodeConfig> logger()
    {
        return nodes.stream().filter(node -> node.role() == Role.LOGGER).findFirst();
    }

    /** The backups in takeover order, lowest rank first. */
    public List<NodeConfig> backups()
    {
        return nodes.stream()
            .filter(node -> node.role() == Role.BACKUP)
            .sorted(Comparator.comparingInt(node -> node.rank().orElseThrow()))
            .toList();
    }

    /**
     * What the file means as one number, the same for every member that runs the same cluster (comments, layout and
     * stated defaults aside): members compare it to find one started with another file. See {@link ConfigDigest}.
     */
    public long digest()
    {
        return ConfigDigest.of(this);
    }

    /** Votes a takeover needs (docs/architecture.md rule 4): a strict majority of all configured members. */
    public int majority()
    {
        return nodes.size() / 2 + 1;
    }
}
