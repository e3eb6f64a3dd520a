package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.ClusterMode;
import io.ertcp.engine.cluster.config.ClusterTemplate;
import io.ertcp.engine.cluster.config.Role;
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
import io.ertcp.engine.tcp.TcpConfig;
import io.ertcp.engine.tcp.TcpStack;
import io.ertcp.engine.testing.EchoSource;
import io.ertcp.service.CloseReason;

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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    /** The replication LAN: the ports of nodes whose file gives them a replication-interface. */
    final MemorySwitch replicationLan;
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
        this(seed, service, impairment, Map.of(), false,
            directory -> template(service, backups, directory).durability(durability).macs(macsInFile), null);
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
        return new InProcessCluster(seed, service, null, ingress, true, directory -> stTcpTemplate(service, directory, hook), null);
    }

    /**
     * An ER-TCP cluster (primary, logger, one backup) whose settings are the usual ones edited by {@code edit}.
     */
    static InProcessCluster erTcpEdited(
        final long seed, final String service, final java.util.function.UnaryOperator<ClusterTemplate> edit)
    {
        return new InProcessCluster(seed, service, null, Map.of(), false, directory -> edit.apply(template(service, 1, directory)),
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
            directory -> stTcp ? stTcpTemplate(service, directory, null) : template(service, 1, directory), services);
    }

    /**
     * An ER-TCP cluster (primary, logger, one backup) whose settings are the usual ones edited by {@code edit} and
     * whose nodes each run the service {@code services} makes for their name.
     */
    static InProcessCluster withServicesEdited(
        final long seed,
        final String service,
        final java.util.function.UnaryOperator<ClusterTemplate> edit,
        final java.util.function.Function<String, java.util.function.Supplier<io.ertcp.service.TcpService>> services)
    {
        return new InProcessCluster(seed, service, null, Map.of(), false, directory -> edit.apply(template(service, 1, directory)),
            services);
    }

    /**
     * An ER-TCP cluster with {@code backups} backups whose settings are the usual ones edited by {@code edit} (the
     * per-byte cost harness's {@code security: none}, a replication MTU).
     */
    static InProcessCluster erTcpEdited(
        final long seed, final String service, final int backups, final java.util.function.UnaryOperator<ClusterTemplate> edit)
    {
        return new InProcessCluster(seed, service, null, Map.of(), false,
            directory -> edit.apply(template(service, backups, directory)), null);
    }

    /**
     * An ST-TCP cluster (primary, backup1, a witness, a hub LAN) whose settings are the usual ones edited by {@code edit}.
     */
    static InProcessCluster stTcpEdited(
        final long seed, final String service, final java.util.function.UnaryOperator<ClusterTemplate> edit)
    {
        return new InProcessCluster(seed, service, null, Map.of(), true,
            directory -> edit.apply(stTcpTemplate(service, directory, null)), null);
    }

    private InProcessCluster(
        final long seed,
        final String service,
        final ImpairmentSpec impairment,
        final Map<String, ImpairmentSpec> ingress,
        final boolean hub,
        final java.util.function.Function<Path, ClusterTemplate> template,
        final java.util.function.Function<String, java.util.function.Supplier<io.ertcp.service.TcpService>> services)
    {
        this.seed = seed;
        this.services = services;
        this.service = service;
        this.impairment = impairment;
        this.ingress.putAll(ingress);
        this.lan = new MemorySwitch(() -> now[0], seed, new Counters(256)).hub(hub);
        this.replicationLan = new MemorySwitch(() -> now[0], seed + 1, new Counters(256));
        try
        {
            this.directory = Files.createTempDirectory("ertcp-cluster");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        ClusterKey.generate(directory.resolve(KEY_FILE), false);
        this.config = template.apply(directory).config();
        // A replication MTU over 1500 needs a LAN whose ports carry jumbo frames.
        lan.maxFrameLength(Math.max(io.ertcp.engine.port.PacketPort.MAX_FRAME_LENGTH, config.replicationMtu() + 14));
        this.client = new Client(lan, now);
        for (final var node : config.nodes())
        {
            start(node.name());
        }
    }

    /** The ST-TCP cluster's settings: primary, backup1 and a witness, or no witness and the fencing hook. */
    static ClusterTemplate stTcpTemplate(final String service, final Path directory, final String hook)
    {
        final List<ClusterTemplate.Member> members = new ArrayList<>(List.of(
            new ClusterTemplate.Member("primary", Role.PRIMARY, 0, 11, "p"),
            new ClusterTemplate.Member("backup1", Role.BACKUP, 1, 21, "b1")));
        final ClusterTemplate template = template(service, 1, directory).mode(ClusterMode.ST_TCP);
        if (null != hook)
        {
            return template.fencingHook(hook).members(members);
        }
        members.add(new ClusterTemplate.Member("witness", Role.WITNESS, -1, 30, "w"));
        return template.members(members);
    }

    /**
     * The ER-TCP cluster's settings: primary (interface p, .11), logger (l, .12) and backups 1..N (bN, .2N, ranked
     * N); 1 ms heartbeats and a 6 ms suspicion on simulated time; small TCP tables.
     */
    static ClusterTemplate template(final String service, final int backups, final Path directory)
    {
        final List<ClusterTemplate.Member> members = new ArrayList<>(List.of(
            new ClusterTemplate.Member("primary", Role.PRIMARY, 0, 11, "p"),
            new ClusterTemplate.Member("logger", Role.LOGGER, -1, 12, "l")));
        for (int i = 1; i <= backups; i++)
        {
            members.add(new ClusterTemplate.Member("backup" + i, Role.BACKUP, i, 20 + i, "b" + i));
        }
        final ClusterTemplate template = new ClusterTemplate().name("inprocess").service(service.lines().findFirst().orElseThrow());
        // A service's own options may follow its name, one "key: value" a line ("http\n  idle-timeout-ms: 300").
        service.lines().skip(1).map(line -> line.trim().split(":\\s*", 2))
            .forEach(option -> template.serviceOption(option[0], option[1]));
        return template.vip(VIP + "/24").heartbeat("1ms")
            .suspectTimeout("6ms").logDir(directory).keyFile(directory.resolve(KEY_FILE)).bufferKib(64).maxConnections(64)
            .members(members);
    }

    /** The ER-TCP cluster's file, as {@link #template} writes it. */
    static String yaml(final String service, final int backups, final Path directory)
    {
        return template(service, backups, directory).text();
    }

    /** Start (or restart) a node by name, on a fresh port: a new process on the same host and disk. */
    ClusterNode start(final String name)
    {
        final var nodeConfig = config.node(name);
        final long mac = nodeConfig.mac().orElse(0x0200_0000_0100L + ClusterNode.nodeIdOf(config, name));
        final ImpairmentSpec wire = ingress.getOrDefault(name, impairment);
        final MemoryPort port = null == wire ? lan.newPort(name, mac) : lan.newPort(name, mac, wire);
        final MemoryPort replicationPort = nodeConfig.replication().isEmpty() ? null :
            replicationLan.newPort(name, nodeConfig.replication().get().mac()
                .orElse(0x0200_0000_0200L + ClusterNode.nodeIdOf(config, name)));
        final ClusterNode node = new ClusterNode(new ClusterNode.Context().config(config).nodeName(name).port(port)
            .replicationPort(replicationPort)
            .serviceFactory(null == services ? config.service().factory() : services.apply(name))
            .clock(() -> now[0]).wallClock(() -> now[0] + WALL_BASE_NS).counters(new Counters(4096))
            .log(NodeLog.printing(eventLog, name)));
        nodes.put(name, node);
        ports.put(name, port);
        dead.remove(name);
        return node;
    }

    // The stream-then-kill scaffold the failover tests share: wait for a serving cluster, stream echo through it, kill
    // a node mid-stream, check that every byte came back intact.

    /** Step until a primary serves and {@code lastNode} (the last to start) has heard node 1: every node is up. */
    void awaitReady(final String lastNode)
    {
        assertTrue(runUntil(() -> null != primary() && node(lastNode).membership().view(1).heard(), 1_000_000_000L), events());
    }

    /** Connect an echo client to the VIP that streams {@code data} and checks what comes back. */
    EchoSource echo(final byte[] data)
    {
        final EchoSource source = new EchoSource(data);
        client.stack.connect(client.ip, client.vip, 7, source);
        return source;
    }

    /** {@link #echo}, then step until {@code bytes} came back checked (the moment of a kill, say). */
    EchoSource streamThrough(final byte[] data, final long bytes, final long limitNs)
    {
        final EchoSource source = echo(data);
        assertTrue(runUntil(() -> source.verified >= bytes, limitNs),
            "progress before the kill: " + source.verified + " bytes back; seed " + seed + "\n" + events());
        return source;
    }

    /** Step until the stream closed; every byte came back, the connection closed normally, never a reset. */
    void assertIntact(final EchoSource source, final int length)
    {
        assertTrue(runUntil(() -> source.closed, 60_000_000_000L),
            "the stream finished: verified " + source.verified + "; seed " + seed + "\n" + events());
        assertEquals(length, source.verified, "every byte came back; seed " + seed);
        assertEquals(CloseReason.CLOSED, source.reason, "closed normally; seed " + seed);
        assertEquals(0, client.stack.counters().connectionsReset.get(), "no reset; seed " + seed);
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
