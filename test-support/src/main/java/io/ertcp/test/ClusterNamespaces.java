package io.ertcp.test;

import io.ertcp.engine.cli.NamespaceLan;
import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.ClusterFileWriter;
import io.ertcp.engine.cluster.config.ClusterTemplate;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.replication.channel.ClusterKey;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An ER-TCP cluster on one machine, as docs/cluster-file.md's namespace topology: a bridge in a
 * namespace of its own, one namespace per node (primary, logger, backup) and one for a Linux
 * client, each joined to the bridge by a veth whose inner end is {@code eth0}. Every node runs the
 * real {@code ./ertcp node --config FILE --name NAME} (af-packet) in its namespace with the same
 * file; the client has the kernel address 10.80.0.2/24 and talks to the VIP 10.80.0.100.
 *
 * <p>In {@link Mode#ST_TCP} the nodes are primary, backup and witness ({@link #ST_TCP_NODES}), the file says
 * {@code mode: st-tcp}, and the bridge is made with {@code ageing_time 0}: it learns no address for long enough to
 * use it and floods every unicast frame to every port, like a hub, so the backup's tap sees the client's frames to
 * the virtual MAC (and the primary's to the client).
 *
 * <p>With a replication LAN ({@link #withReplicationLan}) the bridge's namespace holds a second bridge, {@code br1},
 * and every node a second veth, {@code eth1} (MAC {@code 02:00:00:00:01:1x}), on it: the cluster file gives each
 * node {@code replication-interface: eth1}, so the replication channel crosses br1 and the clients' LAN, br0, carries
 * only the clients' traffic.
 *
 * <p>The file is {@link ClusterTemplate}'s (written by {@link ClusterFileWriter}) and the namespaces are
 * {@link NamespaceLan}'s, as the demo makes them. Closing it kills every node and deletes the namespaces (NetNs reaps
 * what a dead JVM left). *
 * <p>It stays one class (about 800 lines) because every step of a system test's scenario (start, kill, await the
 * takeover, rejoin, heal, keep the outputs) reads and changes the same running nodes, their namespaces and their
 * outputs; the status rows it reads are {@link StatusRow}'s.
 */
public final class ClusterNamespaces implements AutoCloseable
{
    /** The service address clients connect to. */
    public static final String VIP = "10.80.0.100";
    /** The client namespace's kernel address. */
    public static final String CLIENT_IP = "10.80.0.2";

    /** Which scheme the cluster runs. */
    public enum Mode
    {
        ER_TCP("er-tcp"), ST_TCP("st-tcp");

        private final String text;

        Mode(final String text)
        {
            this.text = text;
        }

        /** As the cluster file spells it. */
        public String text()
        {
            return text;
        }
    }

    /** One node of the file. */
    public record NodeSpec(String name, String role, int rank, String mac, String address)
    {
    }

    /** The three nodes every cluster here has; ranks make {@code backup} the first to take over. */
    public static final List<NodeSpec> NODES = specs(Mode.ER_TCP);

    /** The three nodes of an ST-TCP cluster: no logger (the backup confirms), a witness that only votes. */
    public static final List<NodeSpec> ST_TCP_NODES = specs(Mode.ST_TCP);

    private final Mode mode;
    private final List<NodeSpec> nodes;
    private final NetNs lan;
    private final NetNs client;
    private final Map<String, NetNs> nodeNs = new LinkedHashMap<>();
    private final Map<String, Ertcp> running = new LinkedHashMap<>();
    private final Map<String, Integer> starts = new LinkedHashMap<>();
    private final Path dir;
    private final Path config;
    /** Namespaces a test joined to the clients' bridge ({@link #attach}). */
    private final List<NetNs> attached = new ArrayList<>();

    private ClusterNamespaces(final Mode mode, final Path dir, final String clusterName,
        final UnaryOperator<ClusterTemplate> settings)
    {
        this.mode = mode;
        this.dir = dir;
        this.config = dir.resolve("cluster.yaml");
        final ClusterConfig cluster = settings.apply(template(mode).name(clusterName).logDir(dir.resolve("log"))
            .keyFile(writeKey())).config();
        this.nodes = specs(cluster);
        write(cluster);
        final Map<String, NetNs> made = new LinkedHashMap<>();
        final List<NamespaceLan.Member> members = new ArrayList<>();
        members.add(NamespaceLan.Member.client("ecs-c", "v-c", CLIENT_IP + "/24"));
        members.addAll(NamespaceLan.nodes(cluster, name -> "ecs-" + name.charAt(0), name -> "v-" + name.charAt(0), true));
        try
        {
            NamespaceLan.build(new NamespaceLan.Host()
            {
                public String namespace(final String hint)
                {
                    final NetNs ns = NetNs.create(hint);
                    made.put(hint, ns);
                    return ns.name();
                }

                public void run(final String... command)
                {
                    Shell.run(command).requireOk();
                }
            }, "ecs-lan", mode == Mode.ST_TCP, members);
        }
        catch (final RuntimeException | Error ex)
        {
            made.values().forEach(NetNs::close);
            throw ex;
        }
        lan = made.get("ecs-lan");
        client = made.get("ecs-c");
        for (final NodeSpec node : nodes)
        {
            nodeNs.put(node.name(), made.get("ecs-" + node.name().charAt(0)));
        }
    }

    /**
     * What every cluster here shares: the VIP 10.80.0.100/24, 10 ms heartbeats and a 400 ms suspicion (a 2-core
     * machine runs three JVMs and the clients: tighter timeouts bring false suspicions), the mode's nodes and
     * durability.
     */
    private static ClusterTemplate template(final Mode mode)
    {
        return new ClusterTemplate().mode(mode.text()).vip(VIP + "/24").heartbeat("10ms").suspectTimeout("400ms");
    }

    private static List<NodeSpec> specs(final Mode mode)
    {
        return specs(template(mode).securityNone().config());
    }

    private static List<NodeSpec> specs(final ClusterConfig cluster)
    {
        return cluster.nodes().stream().map(node -> new NodeSpec(node.name(), node.role().text(),
            node.rank().orElse(-1), node.mac().isPresent() ? MacAddress.format(node.mac().getAsLong()) : "",
            node.address().map(Object::toString).orElse(""))).toList();
    }

    /**
     * Make the namespaces and write the cluster file; no node runs yet ({@link #startAll}).
     *
     * @param dir      a directory of the test's own: the file, the nodes' logs and output go there.
     * @param settings the test's own settings over the shared ones: the service, say, and tcp keys.
     */
    public static ClusterNamespaces create(final Path dir, final String clusterName,
        final UnaryOperator<ClusterTemplate> settings)
    {
        return new ClusterNamespaces(Mode.ER_TCP, dir, clusterName, settings);
    }

    /**
     * The same, for either scheme: {@link Mode#ST_TCP} makes primary, backup and witness on a flooding bridge.
     */
    public static ClusterNamespaces create(final Mode mode, final Path dir, final String clusterName,
        final UnaryOperator<ClusterTemplate> settings)
    {
        return new ClusterNamespaces(mode, dir, clusterName, settings);
    }

    /**
     * A system test's cluster: the namespaces, the file, every node started. A start that fails closes what it made
     * (keeping the nodes' outputs under target/cluster-logs) before it throws.
     *
     * @param dir a directory of the test's own, deleted with the cluster.
     */
    public static ClusterNamespaces started(final Mode mode, final Path dir, final String clusterName,
        final UnaryOperator<ClusterTemplate> settings, final Class<?> test) throws Exception
    {
        final ClusterNamespaces cluster = create(mode, dir, clusterName, settings);
        try
        {
            cluster.startAll();
            return cluster;
        }
        catch (final Exception | Error ex)
        {
            cluster.closeKeepingOutputs(test);
            throw ex;
        }
    }

    /**
     * The end of a system test: the nodes' outputs kept under target/cluster-logs/TEST, every node killed, the
     * namespaces and the directory deleted.
     */
    public void closeKeepingOutputs(final Class<?> test)
    {
        keepOutputs(Path.of("target", "cluster-logs", test.getSimpleName()));
        close();
        Shell.run("rm", "-rf", dir.toString());
    }

    /** When a {@link #killPrimaryUnder} kill came, and the takeover that followed. */
    public record Kill(long atNs, Takeover takeover)
    {
    }

    /**
     * The middle of every stream-then-kill test: while {@code client} runs (mid-stream), kill -9 the primary of
     * {@code roles}, wait up to 30 s for its backup to take over, then for the client to finish.
     *
     * @param atKill        told the kill's moment (System.nanoTime()) at once, before the takeover: a
     *                      {@link FileProgress#mark}, say.
     * @param clientTimeout how long the client may take to finish after the takeover.
     * @param unfinished    the failure message when it does not.
     */
    public Kill killPrimaryUnder(final Roles roles, final Process client, final java.util.function.LongConsumer atKill,
        final Duration clientTimeout, final java.util.concurrent.Callable<String> unfinished) throws Exception
    {
        final long atNs = kill(roles.primary());
        atKill.accept(atNs);
        final Takeover takeover = awaitTakeover(roles, Duration.ofSeconds(30));
        if (!client.waitFor(clientTimeout.toMillis(), TimeUnit.MILLISECONDS))
        {
            throw new AssertionError(unfinished.call());
        }
        return new Kill(atNs, takeover);
    }

    /**
     * An ER-TCP cluster whose replication channel runs on a LAN of its own: br1, each node's {@code eth1}; the client
     * is on br0 alone.
     */
    public static ClusterNamespaces withReplicationLan(final Path dir, final String clusterName,
        final UnaryOperator<ClusterTemplate> settings)
    {
        return create(Mode.ER_TCP, dir, clusterName, template -> settings.apply(template).replicationInterface("eth1"));
    }

    /**
     * Another host on the clients' LAN: a namespace with its {@code eth0} on br0 (the bridge side named
     * {@code bridgeSide}, at most 15 characters), no address; closed with the cluster.
     */
    public synchronized NetNs attach(final String hint, final String bridgeSide)
    {
        final NetNs ns = NetNs.create(hint);
        attached.add(ns);
        Shell.run("ip", "link", "add", bridgeSide, "netns", lan.name(), "type", "veth",
            "peer", "name", "eth0", "netns", ns.name()).requireOk();
        lan.exec("ip", "link", "set", bridgeSide, "master", "br0");
        lan.exec("ip", "link", "set", bridgeSide, "up");
        ns.exec("ip", "link", "set", "eth0", "up");
        return ns;
    }

    public Mode mode()
    {
        return mode;
    }

    /** This cluster's nodes: {@link #NODES} or {@link #ST_TCP_NODES}. */
    public List<NodeSpec> nodes()
    {
        return nodes;
    }

    /** The bridge's namespace. */
    public NetNs lan()
    {
        return lan;
    }

    private void write(final ClusterConfig cluster)
    {
        try
        {
            Files.writeString(config, ClusterFileWriter.write(cluster));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** The cluster key every node reads, made once: 32 random bytes, owner-only, as {@code ./ertcp keygen} writes. */
    private Path writeKey()
    {
        final Path key = dir.resolve("cluster.key");
        if (!Files.exists(key))
        {
            ClusterKey.generate(key, false);
        }
        return key;
    }

    /** The cluster key file the nodes share (see {@link #config()}). */
    public Path keyFile()
    {
        return dir.resolve("cluster.key");
    }

    public Path config()
    {
        return config;
    }

    public Path dir()
    {
        return dir;
    }

    public NetNs client()
    {
        return client;
    }

    /** A node's namespace. */
    public NetNs namespace(final String node)
    {
        return nodeNs.get(node);
    }

    /**
     * Start the primary and wait until it serves, then the logger and the backup, and wait until
     * both said they started.
     */
    public void startAll() throws InterruptedException
    {
        if (mode == Mode.ST_TCP)
        {
            final Ertcp primary = start("primary");
            primary.awaitOutput("primary in epoch 1, serving", Duration.ofSeconds(60));
            final Ertcp backup = start("backup");
            final Ertcp witness = start("witness");
            backup.awaitOutput("started as backup", Duration.ofSeconds(60));
            witness.awaitOutput("started as witness", Duration.ofSeconds(60));
            // Only a backup the primary names in sync can be elected (a fresh one is, from the start).
            awaitStatus(rows -> rows.containsKey("primary") && rows.get("primary").detail().contains("backup backup in sync"),
                Duration.ofSeconds(60), "the primary naming the backup in sync");
            Thread.sleep(500);
            heal();
            return;
        }
        start("primary").awaitOutput("primary in epoch 1, serving", Duration.ofSeconds(60));
        final Ertcp logger = start("logger");
        final Ertcp backup = start("backup");
        logger.awaitOutput("started as logger", Duration.ofSeconds(60));
        backup.awaitOutput("started as backup", Duration.ofSeconds(60));
        // A false suspicion while the JVMs warm up can depose the primary at once: start over from three nodes.
        Thread.sleep(500);
        heal();
    }

    /**
     * Start (or restart) a node, with its output in a file of its own for this start.
     */
    public synchronized Ertcp start(final String name)
    {
        return start(name, config);
    }

    /**
     * Start a node with a cluster file of the test's own (a copy edited to differ, say) instead of the cluster's; the
     * node must not be running.
     */
    public synchronized Ertcp start(final String name, final Path clusterFile)
    {
        final int n = starts.merge(name, 1, Integer::sum);
        final Path log = dir.resolve(name + "-" + n + ".out");
        final Process process = nodeNs.get(name).start(log, "env", "ERTCP_NO_BUILD=1", "ERTCP_HEAP=256m",
            Requirements.root().resolve("ertcp").toString(), "node", "--config", clusterFile.toString(), "--name", name);
        final Ertcp node = new Ertcp(process, log);
        running.put(name, node);
        return node;
    }

    /** The node's latest start. */
    public synchronized Ertcp node(final String name)
    {
        return running.get(name);
    }

    /**
     * A crash: SIGKILL to the node's JVM (the launcher execs java, so the started process is the
     * JVM), and wait until it is gone.
     *
     * @return the moment of the kill, System.nanoTime().
     */
    public long kill(final String name) throws InterruptedException
    {
        final Ertcp node = node(name);
        if (!node.process().isAlive())
        {
            throw new FalseSuspicion("node " + name + " exited (status " + node.process().exitValue() + ") " +
                "before the kill\n" + diagnostics() + outputs());
        }
        if (deposedLast(node.output()))
        {
            throw new FalseSuspicion("node " + name + " was deposed before the kill (another node took over on a false " +
                "suspicion; it rejoined as a backup by itself)\n" + diagnostics() + outputs());
        }
        final String command = node.process().info().command().orElse("?");
        if (!command.endsWith("/java"))
        {
            throw new IllegalStateException("node " + name + "'s process " + node.process().pid() + " is " + command +
                ", not the JVM");
        }
        final long atNs = System.nanoTime();
        Shell.run("kill", "-9", Long.toString(node.process().pid())).requireOk();
        if (!node.process().waitFor(10, TimeUnit.SECONDS))
        {
            throw new AssertionError("node " + name + " outlived SIGKILL");
        }
        return atNs;
    }

    /** True when the last of a node's lines about being primary says it was deposed: it is a backup now. */
    private static boolean deposedLast(final String output)
    {
        final int deposed = output.lastIndexOf("] deposed: ");
        return deposed >= 0 && deposed > Math.max(output.lastIndexOf("took over as primary"),
            output.lastIndexOf(", serving "));
    }

    /** Ask a node to print its counters (SIGHUP). */
    public void printCounters(final String name)
    {
        final Ertcp node = node(name);
        if (node != null && node.process().isAlive())
        {
            Shell.run("kill", "-HUP", Long.toString(node.process().pid()));
        }
    }

    /**
     * A node's counters now: SIGHUP, then the block it prints ({@code counters:} and one indented
     * {@code label value} a line; counters at zero are left out).
     */
    public Map<String, Long> counters(final String name) throws InterruptedException
    {
        final Ertcp node = node(name);
        final int before = node.output().length();
        printCounters(name);
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!node.output().substring(before).contains("counters:"))
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("node " + name + " printed no counters after SIGHUP:\n" + outputs());
            }
            Thread.sleep(20);
        }
        Thread.sleep(300); // the rest of the block
        final String block = node.output().substring(before);
        final Map<String, Long> counters = new LinkedHashMap<>();
        boolean in = false;
        for (final String line : block.lines().toList())
        {
            if (line.startsWith("counters:"))
            {
                in = true;
                continue;
            }
            if (in && !line.startsWith(" "))
            {
                break;
            }
            final int space = line.lastIndexOf(' ');
            if (in && space > 0)
            {
                try
                {
                    counters.put(line.substring(0, space).trim(), Long.parseLong(line.substring(space + 1).trim()));
                }
                catch (final NumberFormatException ignore)
                {
                    // not a counter line
                }
            }
        }
        return counters;
    }

    /**
     * The client's transmit checksum offload on its veth (TSO, GSO and GRO stay off: MTU-sized frames). Off (the
     * default here) the client's kernel writes real checksums; on, its TCP frames leave with only the pseudo-header
     * sum and the nodes' AF_PACKET sockets see {@code TP_STATUS_CSUMNOTREADY}, on the primary and on an ST-TCP
     * backup's tap alike (a flooded frame is the same buffer).
     */
    public void clientChecksumOffload(final boolean on)
    {
        client.exec("ethtool", "-K", "eth0", "tx", on ? "on" : "off");
    }

    /**
     * {@code ./ertcp status --config FILE --local}, as printed: from the status files (this JVM is in the host's
     * namespace, which does not reach the nodes' management addresses; {@link #statusOverNetwork} asks them).
     */
    public String statusText()
    {
        return Shell.run(Duration.ofSeconds(30), "env", "ERTCP_NO_BUILD=1", "ERTCP_HEAP=64m",
            Requirements.root().resolve("ertcp").toString(), "status", "--config", config.toString(), "--local").stdout();
    }

    /**
     * {@code ./ertcp status --config FILE ARGS...} run in the client's namespace, which reaches every node's management
     * address over the bridge: what it printed and its exit status.
     */
    public Shell.Result statusOverNetwork(final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("env", "ERTCP_NO_BUILD=1", "ERTCP_HEAP=64m",
            Requirements.root().resolve("ertcp").toString(), "status", "--config", config.toString()));
        command.addAll(List.of(args));
        return client.run(Duration.ofSeconds(30), command.toArray(String[]::new));
    }

    /** The current status, by node. */
    public Map<String, StatusRow> status()
    {
        return StatusRow.parse(statusText());
    }

    /** The node the status shows as primary, if exactly one. */
    public Optional<StatusRow> primary()
    {
        final List<StatusRow> primaries = new ArrayList<>(status().values().stream()
            .filter(row -> row.state().equals("primary")).toList());
        return primaries.size() == 1 ? Optional.of(primaries.getFirst()) : Optional.empty();
    }

    /**
     * Wait until the status shows what a predicate wants, or fail with the last status.
     */
    public String awaitStatus(final java.util.function.Predicate<Map<String, StatusRow>> wanted, final Duration timeout,
        final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        String text = "";
        while (System.nanoTime() < deadline)
        {
            text = statusText();
            if (wanted.test(StatusRow.parse(text)))
            {
                return text;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the status did not show " + what + " within " + timeout + ":\n" + text + "\n" + outputs());
    }

    /**
     * The node to be killed had already been deposed (it rejoined as a backup by itself) or had exited: a backup took
     * over on a false suspicion (a node starved of CPU for longer than the suspect timeout on a loaded machine).
     */
    public static final class FalseSuspicion extends AssertionError
    {
        FalseSuspicion(final String message)
        {
            super(message);
        }
    }

    /**
     * Run a scenario; if a false suspicion deposed the primary before the scenario's kill, say so,
     * restart the deposed node (it rejoins as a backup) and run the scenario once more.
     */
    public <T> T retryOnFalseSuspicion(final java.util.concurrent.Callable<T> scenario) throws Exception
    {
        try
        {
            return scenario.call();
        }
        catch (final FalseSuspicion ex)
        {
            System.out.println("FALSE SUSPICION before the kill; healing and running the scenario once more:\n" +
                ex.getMessage().lines().limit(1).findFirst().orElse(""));
            heal();
            return scenario.call();
        }
    }

    /** A scenario with a kill in it, for {@link #runHealed}: told the roles as the attempt starts. */
    @FunctionalInterface
    public interface Scenario
    {
        void run(Roles roles) throws Exception;
    }

    /**
     * The start of every scenario with a kill in it: {@link #heal} (every node a test killed before runs again), then
     * the scenario with the {@link #roles} of the moment, {@link #retryOnFalseSuspicion once more} (with the roles
     * then) if a false suspicion spoiled it before its kill.
     */
    public void runHealed(final Scenario scenario) throws Exception
    {
        heal();
        retryOnFalseSuspicion(() ->
        {
            scenario.run(roles());
            return null;
        });
    }

    /** Who is primary (in which epoch) and which backup takes over when it goes. */
    public record Roles(String primary, long epoch, String backup)
    {
    }

    /**
     * The roles as the status shows them: exactly one primary and one backup, both up.
     */
    public Roles roles() throws InterruptedException
    {
        final Roles[] found = new Roles[1];
        awaitStatus(rows ->
        {
            final List<StatusRow> primaries = rows.values().stream().filter(r -> r.state().equals("primary")).toList();
            final List<StatusRow> backups = rows.values().stream().filter(r -> r.state().equals("backup")).toList();
            if (primaries.size() == 1 && backups.size() == 1)
            {
                found[0] = new Roles(primaries.getFirst().node(), primaries.getFirst().epoch(), backups.getFirst().node());
                return true;
            }
            return false;
        }, Duration.ofSeconds(30), "one primary and one backup");
        return found[0];
    }

    /** A takeover as the new primary reported it. */
    public record Takeover(String node, long epoch, String line)
    {
    }

    private static final Pattern TOOK_OVER = Pattern.compile("took over as primary in epoch (\\d+)");

    /**
     * Wait for the backup of {@code roles} to take over in a later epoch (usually the next; an
     * election that did not win, after a false suspicion on a loaded machine, uses one up): its line,
     * and the status showing it primary in that epoch.
     */
    public Takeover awaitTakeover(final Roles roles, final Duration timeout) throws InterruptedException
    {
        final Ertcp successor = node(roles.backup());
        final long deadline = System.nanoTime() + timeout.toNanos();
        Takeover takeover = null;
        while (takeover == null)
        {
            for (final String line : successor.output().lines().toList())
            {
                final Matcher m = TOOK_OVER.matcher(line);
                if (m.find() && Long.parseLong(m.group(1)) > roles.epoch())
                {
                    takeover = new Takeover(roles.backup(), Long.parseLong(m.group(1)), line);
                    break;
                }
            }
            if (takeover == null)
            {
                if (System.nanoTime() > deadline || !successor.process().isAlive())
                {
                    throw new AssertionError(roles.backup() + " did not take over after epoch " + roles.epoch() +
                        " within " + timeout + ":\n" + outputs());
                }
                Thread.sleep(20);
            }
        }
        final long epoch = takeover.epoch();
        awaitStatus(rows -> rows.containsKey(roles.backup()) && rows.get(roles.backup()).state().equals("primary") &&
            rows.get(roles.backup()).epoch() == epoch, Duration.ofSeconds(20), roles.backup() + " primary in epoch " + epoch);
        return takeover;
    }

    /**
     * Restart a killed node with the same file and log: it must say it rejoined as a backup and
     * catch up with the logger (its applied position within {@code maxLag} records of the log).
     *
     * @return the status once caught up.
     */
    public String rejoin(final String name, final long maxLag) throws InterruptedException
    {
        if (mode == Mode.ST_TCP)
        {
            return rejoinStTcp(name, maxLag);
        }
        final Ertcp node = start(name);
        node.awaitOutput("rejoined as backup", Duration.ofSeconds(60));
        return awaitStatus(rows -> rows.containsKey(name) && rows.get(name).state().equals("backup") &&
            rows.get(name).lagValue() >= 0 && rows.get(name).lagValue() <= maxLag, Duration.ofSeconds(60),
            name + " a backup caught up within " + maxLag + " records");
    }

    /**
     * ST-TCP has no logger, so the status shows no lag: the restarted backup must say it rejoined, the primary must
     * say it sent it the log, that it caught up and that it is in sync (only a backup named in sync can be elected),
     * and its applied position must be within {@code maxLag} records of the primary's log.
     */
    private String rejoinStTcp(final String name, final long maxLag) throws InterruptedException
    {
        final StatusRow primaryRow = primary().orElseThrow(() -> new AssertionError("no primary to rejoin:\n" +
            statusText() + outputs()));
        final Ertcp primary = node(primaryRow.node());
        final String inSync = "backup " + name + " is in sync";
        final long before = primary.output().lines().filter(line -> line.contains(inSync)).count();
        final Ertcp node = start(name);
        node.awaitOutput("rejoined as backup", Duration.ofSeconds(60));
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (primary.output().lines().filter(line -> line.contains(inSync)).count() <= before)
        {
            if (System.nanoTime() > deadline || !node.process().isAlive() || !primary.process().isAlive())
            {
                throw new AssertionError(primaryRow.node() + " did not say '" + inSync + "' within 60 s of the restart:\n" +
                    statusText() + outputs());
            }
            Thread.sleep(50);
        }
        return awaitStatus(rows -> rows.containsKey(name) && rows.get(name).state().equals("backup") &&
            rows.containsKey(primaryRow.node()) && rows.get(primaryRow.node()).log() - rows.get(name).applied() <= maxLag,
            Duration.ofSeconds(60), name + " a backup within " + maxLag + " records of the primary's log");
    }

    /** Restart every node that is not running (a test before killed it), so that all three run again. */
    public void heal() throws InterruptedException
    {
        for (final NodeSpec spec : nodes)
        {
            final Ertcp node = node(spec.name());
            if (node == null || !node.process().isAlive())
            {
                if (spec.role().equals("witness"))
                {
                    start(spec.name()).awaitOutput("started as witness", Duration.ofSeconds(60));
                    continue;
                }
                rejoin(spec.name(), 64);
            }
        }
    }

    /**
     * What the wire looks like now: the bridge's forwarding table (which port it sends the VIP's MAC
     * to), the client's neighbours and its TCP sockets.
     */
    public String diagnostics()
    {
        return "bridge fdb (the lan side: v-c client, v-p primary, v-l logger, v-b backup, v-w witness):\n" +
            lan.run("bridge", "fdb", "show", "br", "br0").stdout() +
            "client neighbours:\n" + client.run("ip", "neigh").stdout() +
            "client sockets:\n" + client.run("ss", "-tnio").stdout();
    }

    /** Every node's output of its latest start, for failure messages. */
    public synchronized String outputs()
    {
        final StringBuilder all = new StringBuilder();
        running.forEach((name, node) -> all.append("--- ").append(name).append(" (").append(node.log()).append(")\n")
            .append(tail(node.output(), 60)));
        return all.toString();
    }

    private static String tail(final String text, final int lines)
    {
        final List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
    }

    /**
     * Copy every node's output of every start and the last status into a directory (the build's
     * target, say), so that a failure can be read after the work directory is gone.
     */
    public void keepOutputs(final Path target)
    {
        try
        {
            Files.createDirectories(target);
            Files.writeString(target.resolve("status.txt"), statusText() + "\n" + diagnostics());
            try (var files = Files.list(dir))
            {
                for (final Path file : files.filter(f -> f.getFileName().toString().endsWith(".out")).toList())
                {
                    Files.copy(file, target.resolve(file.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.copy(config, target.resolve("cluster.yaml"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final IOException ex)
        {
            System.err.println("could not keep the nodes' output in " + target + ": " + ex);
        }
    }

    @Override
    public void close()
    {
        for (final Ertcp node : running.values())
        {
            node.process().destroyForcibly();
        }
        for (final Ertcp node : running.values())
        {
            try
            {
                node.process().waitFor(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        client.close();
        attached.forEach(NetNs::close);
        nodeNs.values().forEach(NetNs::close);
        lan.close();
    }
}
