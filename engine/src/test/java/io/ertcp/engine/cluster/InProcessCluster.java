package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.lan.MemorySwitch;
import io.ertcp.engine.lan.impair.ImpairmentSpec;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.Ipv4Flyweight;
import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.net.NetCounters;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.replication.channel.ClusterKey;
import io.ertcp.engine.service.ServiceFactory;
import io.ertcp.engine.tcp.TcpConfig;
import io.ertcp.engine.tcp.TcpStack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A whole ER-TCP cluster in one thread on simulated time: every node is a real {@link ClusterNode} on its own
 * {@link MemoryPort} of one {@link MemorySwitch} (a LAN with seeded faults), with its log in a real Chronicle Queue
 * under a temporary directory; a client is a plain {@link TcpStack} on the same LAN. Nodes are killed by no longer
 * stepping them (and closing their port), the way {@code kill -9} stops a process: nothing of theirs runs again.
 */
final class InProcessCluster implements AutoCloseable
{
    static final String VIP = "10.80.0.100";
    static final long STEP_NS = 20_000;
    /** The cluster key every node reads, made afresh in each cluster's directory. */
    static final String KEY_FILE = "cluster.key";
    /** The nodes' wall clock is simulated time plus this (2026-12-01T00:00Z): cluster time follows simulated time. */
    static final long WALL_BASE_NS = 1_796_083_200_000_000_000L;

    final long seed;
    final long[] now = {1_000_000_000L};
    final MemorySwitch lan;
    final Path directory;
    final String service;
    final ByteArrayOutputStream events = new ByteArrayOutputStream();
    final PrintStream eventLog = new PrintStream(events, true, StandardCharsets.UTF_8);
    final Map<String, ClusterNode> nodes = new LinkedHashMap<>();
    final Map<String, MemoryPort> ports = new LinkedHashMap<>();
    final List<String> dead = new ArrayList<>();
    /** Nodes that hang: no duty cycles, while their port still takes frames off the LAN. */
    final java.util.Set<String> paused = new java.util.HashSet<>();
    final ClusterConfig config;
    final Client client;
    final ImpairmentSpec impairment;
    /** Per node: what the wire does to the frames towards it (ST-TCP: what the backup's tap misses). */
    final Map<String, ImpairmentSpec> ingress = new LinkedHashMap<>();
    /** Runs each node's duty cycle in {@link #step()}; the per-byte cost harness (jmh/) times each node's share. */
    NodeStepper stepper = (name, node) -> node.doWork();
    /** Per node name, what makes its service; null for the cluster file's. */
    final java.util.function.Function<String, java.util.function.Supplier<io.ertcp.service.TcpService>> services;

    /** One node's duty cycle, run by {@link #step()}. */
    @FunctionalInterface
    interface NodeStepper
    {
        void step(String name, ClusterNode node);
    }

    InProcessCluster(final long seed, final String service, final int backups, final ImpairmentSpec impairment)
    {
        this(seed, service, backups, impairment, true);
    }

    /**
     * @param macsInFile false to leave the nodes' MACs out of the cluster file: they learn each other's from the wire.
     */
    InProcessCluster(
        final long seed, final String service, final int backups, final ImpairmentSpec impairment, final boolean macsInFile)
    {
        this(seed, service, backups, impairment, macsInFile, "logger");
    }

    /**
     * @param durability the file's durability rule: logger, or logger+K.
     */
    InProcessCluster(
        final long seed,
        final String service,
        final int backups,
        final ImpairmentSpec impairment,
        final boolean macsInFile,
        final String durability)
    {
        this(seed, service, impairment, Map.of(), false, directory ->
        {
            final String yaml = yaml(service, backups, directory).replace("mode: er-tcp\n", "mode: er-tcp\ndurability: " + durability + "\n");
            return macsInFile ? yaml : yaml.replaceAll("(?m)^    mac: .*\n", "");
        }, null);
    }

    /**
     * An ST-TCP cluster: primary, backup1 and a witness (or, without one, a fencing hook), on a LAN that floods
     * every frame (a hub), so the backup taps the client's.
     *
     * @param ingress per node, what the wire does to frames towards it; on backup1 that is what its tap misses.
     * @param hook    the fencing hook's command for a two-node cluster, or null for a witness.
     */
    static InProcessCluster stTcp(final long seed, final String service, final Map<String, ImpairmentSpec> ingress, final String hook)
    {
        return new InProcessCluster(seed, service, null, ingress, true, directory -> stTcpYaml(service, directory, hook), null);
    }

    /**
     * An ER-TCP cluster (primary, logger, one backup) whose file is the usual one edited by {@code edit}.
     */
    static InProcessCluster erTcpEdited(
        final long seed, final String service, final java.util.function.UnaryOperator<String> edit)
    {
        return new InProcessCluster(seed, service, null, Map.of(), false, directory -> edit.apply(yaml(service, 1, directory)),
            null);
    }

    /**
     * An ER-TCP cluster (ST-TCP with {@code stTcp}) whose nodes each run the service {@code services} makes for
     * their name, such as a test's wrapper that watches the real service.
     */
    static InProcessCluster withServices(
        final long seed,
        final String service,
        final boolean stTcp,
        final java.util.function.Function<String, java.util.function.Supplier<io.ertcp.service.TcpService>> services)
    {
        return new InProcessCluster(seed, service, null, Map.of(), stTcp,
            directory -> stTcp ? stTcpYaml(service, directory, null) : yaml(service, 1, directory), services);
    }

    /**
     * An ER-TCP cluster (primary, logger, one backup) whose file is the usual one edited by {@code edit} and whose
     * nodes each run the service {@code services} makes for their name.
     */
    static InProcessCluster withServicesEdited(
        final long seed,
        final String service,
        final java.util.function.UnaryOperator<String> edit,
        final java.util.function.Function<String, java.util.function.Supplier<io.ertcp.service.TcpService>> services)
    {
        return new InProcessCluster(seed, service, null, Map.of(), false, directory -> edit.apply(yaml(service, 1, directory)),
            services);
    }

    /**
     * An ER-TCP cluster with {@code backups} backups whose file is the usual one edited by {@code edit} (the per-byte
     * cost harness's {@code security: none}, a replication MTU).
     */
    static InProcessCluster erTcpEdited(
        final long seed, final String service, final int backups, final java.util.function.UnaryOperator<String> edit)
    {
        return new InProcessCluster(seed, service, null, Map.of(), false, directory -> edit.apply(yaml(service, backups, directory)), null);
    }

    /**
     * An ST-TCP cluster (primary, backup1, a witness, a hub LAN) whose file is the usual one edited by {@code edit}.
     */
    static InProcessCluster stTcpEdited(final long seed, final String service, final java.util.function.UnaryOperator<String> edit)
    {
        return new InProcessCluster(seed, service, null, Map.of(), true, directory -> edit.apply(stTcpYaml(service, directory, null)), null);
    }

    private InProcessCluster(
        final long seed,
        final String service,
        final ImpairmentSpec impairment,
        final Map<String, ImpairmentSpec> ingress,
        final boolean hub,
        final java.util.function.Function<Path, String> yaml,
        final java.util.function.Function<String, java.util.function.Supplier<io.ertcp.service.TcpService>> services)
    {
        this.seed = seed;
        this.services = services;
        this.service = service;
        this.impairment = impairment;
        this.ingress.putAll(ingress);
        this.lan = new MemorySwitch(() -> now[0], seed, new Counters(256)).hub(hub);
        try
        {
            this.directory = Files.createTempDirectory("ertcp-cluster");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        ClusterKey.generate(directory.resolve(KEY_FILE), false);
        this.config = ClusterConfig.parse(yaml.apply(directory));
        // A replication MTU over 1500 needs a LAN whose ports carry jumbo frames.
        lan.maxFrameLength(Math.max(io.ertcp.engine.port.PacketPort.MAX_FRAME_LENGTH, config.replicationMtu() + 14));
        this.client = new Client(lan, now);
        for (final var node : config.nodes())
        {
            start(node.name());
        }
    }

    static String stTcpYaml(final String service, final Path directory, final String hook)
    {
        final String common = yaml(service, 1, directory)
            .replace("mode: er-tcp\n", "mode: st-tcp\n")
            .replace("""
                  - name: logger
                    role: logger
                    driver: af-packet
                    interface: l
                    mac: 02:00:00:00:00:12
                    address: 10.80.0.12/24
                """, "");
        if (null != hook)
        {
            return common.replace("  suspect-timeout: 6ms\n", "  suspect-timeout: 6ms\n  fencing-hook: " + hook + "\n");
        }
        return common + """
              - name: witness
                role: witness
                driver: af-packet
                interface: w
                mac: 02:00:00:00:00:30
                address: 10.80.0.30/24
            """;
    }

    static String yaml(final String service, final int backups, final Path directory)
    {
        final StringBuilder yaml = new StringBuilder("""
            cluster: inprocess
            mode: er-tcp
            service:
              name: %s
            vip:
              address: 10.80.0.100/24
              mac: 02:00:00:00:00:64
            failure-detection:
              heartbeat-interval: 1ms
              suspect-timeout: 6ms
            log:
              dir: %s
            security:
              key-file: %s
            tcp:
              buffer-kib: 64
              max-connections: 64
            nodes:
              - name: primary
                role: primary
                driver: af-packet
                interface: p
                mac: 02:00:00:00:00:11
                address: 10.80.0.11/24
              - name: logger
                role: logger
                driver: af-packet
                interface: l
                mac: 02:00:00:00:00:12
                address: 10.80.0.12/24
            """.formatted(service, directory, directory.resolve(KEY_FILE)));
        for (int i = 1; i <= backups; i++)
        {
            yaml.append("""
                  - name: backup%d
                    role: backup
                    rank: %d
                    driver: af-packet
                    interface: b%d
                    mac: 02:00:00:00:00:%02x
                    address: 10.80.0.%d/24
                """.formatted(i, i, i, 0x20 + i, 20 + i));
        }
        return yaml.toString();
    }

    /** Start (or restart) a node by name, on a fresh port: a new process on the same host and disk. */
    ClusterNode start(final String name)
    {
        final var nodeConfig = config.node(name);
        final long mac = nodeConfig.mac().orElse(0x0200_0000_0100L + ClusterNode.nodeIdOf(config, name));
        final ImpairmentSpec wire = ingress.getOrDefault(name, impairment);
        final MemoryPort port = null == wire ? lan.newPort(name, mac) : lan.newPort(name, mac, wire);
        final ClusterNode node = new ClusterNode(config, name, port,
            null == services ? config.service().factory() : services.apply(name), () -> now[0],
            () -> now[0] + WALL_BASE_NS, new Counters(4096), eventLog);
        nodes.put(name, node);
        ports.put(name, port);
        dead.remove(name);
        return node;
    }

    /** The node stops dead: no more duty cycles, its port gone from the LAN, its log left as it was on disk. */
    void kill(final String name)
    {
        final ClusterNode node = nodes.remove(name);
        dead.add(name);
        paused.remove(name);
        node.close();
    }

    ClusterNode node(final String name)
    {
        return nodes.get(name);
    }

    ClusterNode primary()
    {
        return nodes.values().stream().filter(n -> n.state() == ClusterNode.State.PRIMARY).findFirst().orElse(null);
    }

    void step()
    {
        now[0] += STEP_NS;
        for (final Map.Entry<String, ClusterNode> node : nodes.entrySet())
        {
            if (!paused.contains(node.getKey()))
            {
                stepper.step(node.getKey(), node.getValue());
            }
        }
        client.step(now[0]);
    }

    boolean runUntil(final BooleanSupplier done, final long limitNs)
    {
        final long end = now[0] + limitNs;
        while (!done.getAsBoolean())
        {
            if (now[0] >= end)
            {
                return false;
            }
            step();
        }
        return true;
    }

    String events()
    {
        final StringBuilder text = new StringBuilder(events.toString(StandardCharsets.UTF_8));
        if (Boolean.getBoolean("ertcp.debug"))
        {
            nodes.forEach((name, node) ->
            {
                text.append(name).append(' ').append(node.state()).append(' ').append(node.status()).append('\n');
                node.counters().forEach((label, value) ->
                {
                    if (value != 0)
                    {
                        text.append("  ").append(name).append(' ').append(label).append(' ').append(value).append('\n');
                    }
                });
            });
            client.stack.counters();
            text.append("client ").append(client.layer.counters()).append('\n');
        }
        return text.toString();
    }

    public void close()
    {
        for (final ClusterNode node : nodes.values())
        {
            node.close();
        }
        nodes.clear();
        try (var paths = Files.walk(directory))
        {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ignore)
        {
            // a temporary directory
        }
    }

    /** A client machine: port, IPv4, the TCP stack. */
    static final class Client
    {
        final MemoryPort port;
        final Ipv4Layer layer;
        final TcpStack stack;
        final int ip = Ipv4Address.parse("10.80.0.2");
        final int vip = Ipv4Address.parse(VIP);

        Client(final MemorySwitch lan, final long[] now)
        {
            final long mac = MacAddress.parse("02:00:00:00:00:02");
            this.port = lan.newPort("client", mac);
            final Counters counters = new Counters(512);
            this.layer = new Ipv4Layer(mac, new Ipv4Address.Cidr(ip, 24), FrameOutput.of(port), new NetCounters(counters, "client"));
            this.stack = new TcpStack(new TcpConfig().maxConnections(2048).isnSecretSeed(now[0]), layer, counters);
            layer.register(Ipv4Flyweight.PROTOCOL_TCP, stack);
        }

        void step(final long nowNs)
        {
            layer.nowNs(nowNs);
            port.receive(layer, 64);
            stack.doWork(nowNs);
            port.flush();
        }
    }
}
