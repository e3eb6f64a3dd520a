package io.ertcp.systest;

import io.ertcp.engine.cluster.config.ClusterTemplate;
import io.ertcp.test.ClusterNamespaces;
import io.ertcp.test.Requirements;
import io.ertcp.test.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * What every namespace-cluster system test shares, written once: one cluster per test class on the one-machine
 * namespace topology ({@link ClusterNamespaces}), made and started before the first test in a directory of the test's
 * own, and at the end the nodes' outputs kept under target/cluster-logs/TEST, every node killed, the namespaces and
 * the directory deleted. A test gives its cluster's name, its settings and the tools it runs to the constructor, writes
 * its inputs in {@link #prepare}; a scenario with a kill in it runs through {@link ClusterNamespaces#runHealed}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class NamespaceClusterTest
{
    /** A command a test runs in the client's namespace, and the Debian package that has it. */
    record Tool(String command, String debianPackage)
    {
        static final Tool CURL = new Tool("curl", "curl");
        static final Tool NFT = new Tool("nft", "nftables");
        static final Tool NPTCP = new Tool("NPtcp", "netpipe-tcp");
        static final Tool PYTHON3 = new Tool("python3", "python3");
        static final Tool REDIS_BENCHMARK = new Tool("redis-benchmark", "redis-tools");
        static final Tool REDIS_CLI = new Tool("redis-cli", "redis-tools");
        static final Tool SOCAT = new Tool("socat", "socat");
        static final Tool TCPDUMP = new Tool("tcpdump", "tcpdump");
        static final Tool WRK = new Tool("wrk", "wrk");
    }

    /** A stream a test sends through the cluster: a file of pseudo-random bytes and its sha256. */
    record Input(Path file, String sha256)
    {
    }

    private final String name;
    private final long inputBytes;
    private final BiFunction<ClusterTemplate, Path, ClusterTemplate> settings;
    private final List<Tool> tools;

    /** The test's own directory: the cluster file, the nodes' logs and outputs, the test's inputs and outputs. */
    Path workDir;
    ClusterNamespaces cluster;
    /** The stream the test sends, made before the cluster starts; null when the constructor asked for none. */
    Input input;

    /**
     * @param name     the cluster's short name: the cluster is {@code ecs-NAME}, {@code ecs-st-NAME} in ST-TCP.
     * @param settings the test's own settings over ClusterNamespaces' shared ones (the service, say, and tcp keys),
     *                 given the test's directory, where its inputs lie.
     * @param tools    what the test runs beyond root and namespaces, assumed first.
     */
    NamespaceClusterTest(final String name, final BiFunction<ClusterTemplate, Path, ClusterTemplate> settings,
        final Tool... tools)
    {
        this(name, 0, settings, tools);
    }

    /**
     * The same, for a test that streams {@code inputBytes} pseudo-random bytes through the cluster: {@link #input},
     * made in {@link #workDir} before the cluster starts.
     */
    NamespaceClusterTest(final String name, final long inputBytes,
        final BiFunction<ClusterTemplate, Path, ClusterTemplate> settings, final Tool... tools)
    {
        this.name = name;
        this.inputBytes = inputBytes;
        this.settings = settings;
        this.tools = List.of(tools);
    }

    /** The scheme this class's cluster runs; the ClusterStTcp* subclasses run the same scenarios in ST-TCP. */
    ClusterNamespaces.Mode mode()
    {
        return ClusterNamespaces.Mode.ER_TCP;
    }

    /** What else the test needs, checked after its {@link Tool}s: a Python module, say. */
    void assumeMore()
    {
    }

    /** Before the cluster starts, with {@link #workDir} made: the test's inputs, the files its service reads. */
    void prepare() throws Exception
    {
    }

    /** Before the nodes are killed at the end, with the cluster still up: undo what the test did to the LAN. */
    void beforeClose()
    {
    }

    @BeforeAll
    void startCluster() throws Exception
    {
        Requirements.assumeRootAndNetns();
        tools.forEach(tool -> Requirements.assumeCommand(tool.command(), tool.debianPackage()));
        assumeMore();
        workDir = Files.createTempDirectory("ertcp-" + getClass().getSimpleName());
        if (inputBytes > 0)
        {
            input = randomInput(inputBytes);
        }
        prepare();
        cluster = ClusterNamespaces.started(mode(), workDir,
            (mode() == ClusterNamespaces.Mode.ST_TCP ? "ecs-st-" : "ecs-") + name,
            shared -> settings.apply(shared, workDir), getClass());
    }

    @AfterAll
    void closeCluster()
    {
        if (cluster != null)
        {
            beforeClose();
            cluster.closeKeepingOutputs(getClass());
        }
        else if (workDir != null)
        {
            Shell.run("rm", "-rf", workDir.toString());
        }
    }

    /** {@code bytes} pseudo-random bytes in {@code workDir/in}, the stream a test sends through the cluster. */
    private Input randomInput(final long bytes)
    {
        final Path in = workDir.resolve("in");
        Shell.run(Duration.ofSeconds(60), "sh", "-c", "head -c " + bytes + " /dev/urandom > " + in).requireOk();
        return new Input(in, sha256(in));
    }

    /** {@code redis-cli COMMAND...} against the VIP from the client's namespace: its reply, trimmed. */
    String redis(final String... command)
    {
        final List<String> all = new ArrayList<>(List.of("redis-cli", "-h", ClusterNamespaces.VIP, "-p", "6379"));
        all.addAll(List.of(command));
        return cluster.client().run(Duration.ofSeconds(20), all.toArray(String[]::new)).requireOk().stdout().trim();
    }

    static String sha256(final Path file)
    {
        return Shell.run(Duration.ofSeconds(120), "sha256sum", file.toString()).requireOk().stdout().split("\\s+")[0];
    }
}
