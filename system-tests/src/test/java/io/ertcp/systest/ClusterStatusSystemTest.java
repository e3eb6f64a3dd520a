package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;
import io.ertcp.test.NetNs;
import io.ertcp.test.Shell;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Status and metrics over the network (docs/cluster-file.md, "management"): an ER-TCP cluster in namespaces, and from
 * the client's namespace {@code ./ertcp status --json} reaches every node's management endpoint (its own address,
 * port 9464, its own user-space stack); {@code curl http://NODE:9464/metrics} parses with Python's
 * prometheus_client parser and its counters move with traffic through the VIP; and once the logger is killed,
 * {@code ./ertcp status} says the cluster is not healthy and exits 1.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterStatusSystemTest extends NamespaceClusterTest
{
    private static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    /** Every sample as {@code name{k=v,...} value}, labels sorted; fails on anything the parser refuses. */
    private static final String PARSE_METRICS = """
        import sys
        from prometheus_client.parser import text_string_to_metric_families
        for family in text_string_to_metric_families(sys.stdin.read()):
            for s in family.samples:
                labels = ",".join(k + "=" + v for k, v in sorted(s.labels.items()))
                print(s.name + "{" + labels + "} " + str(int(s.value)))
        """;
    /** One line per node of ./ertcp status --json: name source up role epoch lag members; then healthy. */
    private static final String SUMMARY = """
        import json, sys
        status = json.load(sys.stdin)
        for node in status["nodes"]:
            s = node["status"] or {}
            print(node["name"], node["source"], node["up"], s.get("role"), s.get("epoch"), s.get("lag"),
                  len(s.get("members", [])), ",".join(m["name"] + ":" + str(m["alive"]) for m in s.get("members", [])))
        print("healthy", status["healthy"], "|".join(status["problems"]))
        """;

    private boolean stTcp()
    {
        return mode() == ClusterNamespaces.Mode.ST_TCP;
    }

    /** The node whose log the others are measured against and whose loss the last test shows: er-tcp's logger. */
    private String lost()
    {
        return stTcp() ? "backup" : "logger";
    }

    private String address(final String node)
    {
        return cluster.nodes().stream().filter(spec -> spec.name().equals(node)).findFirst().orElseThrow()
            .address().replaceAll("/.*", "");
    }

    ClusterStatusSystemTest()
    {
        super("status", (shared, dir) -> shared.service("echo"), Tool.CURL, Tool.SOCAT);
    }

    @Override
    void assumeMore()
    {
        Assumptions.assumeTrue(Shell.run(PYTHON, "-c", "import prometheus_client").ok(),
            "needs Python's prometheus_client (apt-get install python3-prometheus-client)");
    }

    @Override
    void prepare() throws Exception
    {
        Files.writeString(workDir.resolve("metrics.py"), PARSE_METRICS);
        Files.writeString(workDir.resolve("summary.py"), SUMMARY);
    }

    /** {@code ./ertcp status --json} from the client's namespace, summarised by Python's json. */
    private Map<String, List<String>> statusJson() throws Exception
    {
        final Shell.Result status = cluster.statusOverNetwork("--json");
        final Path json = workDir.resolve("status.json");
        Files.writeString(json, status.stdout());
        // Shell.run gives no standard input: the script reads the file.
        return summarise(Shell.run("sh", "-c", PYTHON + " " + workDir.resolve("summary.py") + " < " + json).requireOk()
            .stdout(), status);
    }

    private static Map<String, List<String>> summarise(final String text, final Shell.Result status)
    {
        final Map<String, List<String>> rows = new LinkedHashMap<>();
        for (final String line : text.lines().toList())
        {
            final List<String> fields = List.of(line.split(" ", -1));
            rows.put(fields.get(0), fields);
        }
        rows.put("exit", List.of("exit", Integer.toString(status.exitCode()), status.stdout(), status.stderr()));
        return rows;
    }

    /** A node's metrics over HTTP from the client's namespace, as Python's prometheus_client parser reads them. */
    private Map<String, Long> metrics(final String address)
    {
        final NetNs client = cluster.client();
        final Shell.Result parsed = client.run(Duration.ofSeconds(30), "sh", "-c",
            "curl -sSf --max-time 5 http://" + address + ":9464/metrics > " +
                workDir.resolve("metrics-" + address) + " && " + PYTHON + " " + workDir.resolve("metrics.py") + " < " +
                workDir.resolve("metrics-" + address));
        assertEquals(0, parsed.exitCode(), "curl and the prometheus_client parser on " + address + ":\n" +
            parsed.stdout() + parsed.stderr());
        final Map<String, Long> samples = new LinkedHashMap<>();
        for (final String line : parsed.stdout().lines().toList())
        {
            final int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Long.parseLong(line.substring(space + 1)));
        }
        return samples;
    }

    @Test
    @Order(1)
    @Timeout(120)
    void statusJsonFromTheClientsNamespaceReachesEveryNodeAndShowsRolesEpochsAndLags() throws Exception
    {
        Map<String, List<String>> rows = statusJson();
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!rows.get("exit").get(1).equals("0") && System.nanoTime() < deadline)
        {
            Thread.sleep(500); // the backup catching up, a member not yet heard
            rows = statusJson();
        }
        System.out.println(rows);
        assertEquals("0", rows.get("exit").get(1), "a healthy cluster: " + rows + "\n" + cluster.outputs());
        assertEquals("True", rows.get("healthy").get(1), rows.toString());
        long epoch = -1;
        for (final ClusterNamespaces.NodeSpec node : cluster.nodes())
        {
            final List<String> row = rows.get(node.name());
            assertEquals("network", row.get(1), node.name() + " answered over the network: " + rows);
            assertEquals("True", row.get(2), rows.toString());
            assertEquals(node.role(), row.get(3), node.name() + "'s role: " + rows);
            epoch = epoch < 0 ? Long.parseLong(row.get(4)) : epoch;
            assertEquals(epoch, Long.parseLong(row.get(4)), "one epoch: " + rows);
            assertEquals("3", row.get(6), node.name() + " reports all three members: " + rows);
            assertTrue(row.get(7).matches("(\\w+:True,?){3}"), node.name() + " hears every member: " + rows);
        }
        assertTrue(Long.parseLong(rows.get("backup").get(5)) >= 0, "the backup reports its lag: " + rows);
        assertTrue(Long.parseLong(rows.get("primary").get(5)) >= 0, "the primary reports its unconfirmed records: " + rows);
        final String unmeasured = stTcp() ? "witness" : "logger";
        assertEquals("-1", rows.get(unmeasured).get(5), "the " + unmeasured + " reports no lag: " + rows);

        // The table form says where each answer came from, and what each node sees of the others.
        final Shell.Result table = cluster.statusOverNetwork();
        System.out.println(table.stdout());
        assertEquals(0, table.exitCode(), table.stdout() + table.stderr());
        assertTrue(table.stdout().contains("via 10.80.0.11:9464"), table.stdout());
        assertTrue(table.stdout().contains("  primary sees: " + cluster.nodes().get(1).name() + " " +
            cluster.nodes().get(1).role() + " e" + epoch), table.stdout());
        assertTrue(table.stdout().trim().endsWith("healthy"), table.stdout());
    }

    @Test
    @Order(2)
    @Timeout(120)
    void metricsParseAsPrometheusTextAndTheirCountersMoveWithTraffic() throws Exception
    {
        for (final String address : List.of(address(cluster.nodes().get(1).name()), address(cluster.nodes().get(2).name())))
        {
            assertTrue(metrics(address).size() > 50, "many samples from " + address);
        }
        final String rxBytes = "ertcp_tcp_rx_bytes_total{node=primary}";
        final Map<String, Long> before = metrics("10.80.0.11");
        assertEquals(1L, before.get("ertcp_role{node=primary,role=primary}"), before.toString());
        assertTrue(before.containsKey(rxBytes), before.keySet().toString());
        final String follower = stTcp() ? "backup" : "logger";
        final String followerLog = "ertcp_log_position{node=" + follower + "}";
        final long followerRecords = metrics(address(follower)).get(followerLog);

        final long bytes = 4L << 20;
        final Shell.Result echo = cluster.client().run(Duration.ofSeconds(60), "sh", "-c",
            "head -c " + bytes + " /dev/zero | socat -t 30 - TCP:" + ClusterNamespaces.VIP + ":7 | wc -c");
        assertEquals(Long.toString(bytes), echo.stdout().trim(), "echoed: " + echo.stderr() + cluster.outputs());

        final Map<String, Long> after = metrics("10.80.0.11");
        System.out.printf("primary tcp rx-bytes %d -> %d%n", before.get(rxBytes), after.get(rxBytes));
        assertTrue(after.get(rxBytes) - before.get(rxBytes) >= bytes, "the primary's received bytes moved by the " +
            "stream: " + before.get(rxBytes) + " -> " + after.get(rxBytes));
        assertTrue(metrics(address(follower)).get(followerLog) > followerRecords + 100,
            "the " + follower + "'s log grew with the stream");
        final String portRx = after.keySet().stream().filter(k -> k.startsWith("ertcp_port_rx_frames_total{node=primary,"))
            .findFirst().orElseThrow(() -> new AssertionError("no port counter: " + after.keySet()));
        assertTrue(after.get(portRx) > before.get(portRx), portRx);
    }

    @Test
    @Order(3)
    @Timeout(120)
    void statusExitsNonZeroOnceTheLoggerIsKilled() throws Exception
    {
        cluster.kill(lost());
        Thread.sleep(1_500); // its status file goes stale; the others suspect it
        final Shell.Result status = cluster.statusOverNetwork();
        System.out.println(status.stdout());
        assertEquals(1, status.exitCode(), "unhealthy: " + status.stdout() + status.stderr());
        final List<String> lines = status.stdout().lines().toList();
        final String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("not healthy: "), last);
        assertTrue(last.contains(lost() + " " + lost() + " is down"), last);
        assertEquals(1, lines.stream().filter(line -> line.startsWith("not healthy")).count(), "one line says why");
        final Map<String, List<String>> rows = statusJson();
        assertEquals("1", rows.get("exit").get(1), rows.toString());
        assertEquals("False", rows.get("healthy").get(1), rows.toString());
        final List<String> healthy = rows.get("healthy");
        assertTrue(String.join(" ", healthy.subList(2, healthy.size())).contains(lost() + " " + lost() + " is down"),
            rows.toString());
    }
}
