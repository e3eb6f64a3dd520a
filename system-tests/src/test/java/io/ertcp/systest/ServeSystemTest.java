package io.ertcp.systest;

import io.ertcp.test.Ertcp;
import io.ertcp.test.NetNs;
import io.ertcp.test.Requirements;
import io.ertcp.test.Shell;
import io.ertcp.test.Veth;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./ertcp serve} in a server namespace, used by real Linux clients in a client namespace:
 * socat through echo (sha256 of 100 MiB), curl and wrk against http, a full NPtcp run against
 * netpipe, redis-benchmark against kv; for each driver where it matters.
 */
@Timeout(600)
class ServeSystemTest
{
    private static final String SERVER_IP = "10.97.0.1";
    private static final long ECHO_BYTES = 100L * 1024 * 1024;

    private NetNs server;
    private NetNs client;
    private Path workDir;

    @BeforeEach
    void setUp() throws Exception
    {
        Requirements.assumeRootAndNetns();
        server = NetNs.create("server");
        client = NetNs.create("client");
        Veth.create(server, "s0", client, "c0");
        client.address("c0", "10.97.0.2/24");
        // The server reads raw frames: the client's kernel sends real checksums and MTU-sized frames.
        client.disableOffloads("c0");
        server.disableOffloads("s0");
        workDir = Files.createTempDirectory("ertcp-serve");
    }

    @AfterEach
    void tearDown() throws Exception
    {
        if (client != null)
        {
            client.close();
        }
        if (server != null)
        {
            server.close();
        }
        if (workDir != null)
        {
            Shell.run("rm", "-rf", workDir.toString());
        }
    }

    private Ertcp serve(final String driver, final String service, final String... extra) throws InterruptedException
    {
        final java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(
            "serve", "--driver", driver, "--iface", "s0", "--ip", SERVER_IP + "/24", "--service", service));
        args.addAll(java.util.List.of(extra));
        final Ertcp node = Ertcp.start(server, args.toArray(String[]::new));
        node.awaitOutput("listening", Duration.ofSeconds(60));
        return node;
    }

    @ParameterizedTest
    @ValueSource(strings = {"af-packet", "dpdk"})
    void socatEchoes100MibIntact(final String driver) throws Exception
    {
        assumeDriver(driver);
        Requirements.assumeCommand("socat", "socat");
        final Ertcp node = serve(driver, "echo");
        final Path in = workDir.resolve("in");
        final Path out = workDir.resolve("out");
        Shell.run(Duration.ofSeconds(60), "sh", "-c", "head -c " + ECHO_BYTES + " /dev/urandom > " + in).requireOk();

        final long startNs = System.nanoTime();
        final Shell.Result socat = client.run(Duration.ofSeconds(300), "sh", "-c",
            "socat -t 60 -T 60 - TCP:" + SERVER_IP + ":7 < " + in + " > " + out);
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        assertEquals(0, socat.exitCode(), socat.stderr() + "\n" + node.output());
        assertEquals(ECHO_BYTES, Files.size(out), "bytes echoed\n" + node.output());
        assertEquals(sha256(in), sha256(out));
        System.out.printf("%s: 100 MiB echoed in %.1f s (%.0f Mbit/s each way)%n", driver, seconds, ECHO_BYTES * 8 / seconds / 1e6);
        node.stop();
    }

    private static void assumeDriver(final String driver)
    {
        if (driver.equals("dpdk"))
        {
            Requirements.assumeDpdkShim();
        }
    }

    private static String sha256(final Path file)
    {
        return Shell.run(Duration.ofSeconds(120), "sha256sum", file.toString()).requireOk().stdout().split("\\s+")[0];
    }

    static long number(final String text, final String regex)
    {
        final Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no '" + regex + "' in:\n" + text);
        return Long.parseLong(m.group(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"af-packet", "dpdk"})
    void curlAndWrkGetFilesFromHttp(final String driver) throws Exception
    {
        assumeDriver(driver);
        Requirements.assumeCommand("curl", "curl");
        Requirements.assumeCommand("wrk", "wrk");
        final Path root = Files.createDirectories(workDir.resolve("www"));
        Files.writeString(root.resolve("index.html"), "<h1>ertcp</h1>\n");
        Shell.run("sh", "-c", "head -c 1048576 /dev/urandom > " + root.resolve("blob.bin")).requireOk();
        final Ertcp node = serve(driver, "http", "--root", root.toString());
        final String base = "http://" + SERVER_IP + "/";

        assertEquals("<h1>ertcp</h1>\n", client.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20", base).requireOk().stdout());
        final Path got = workDir.resolve("blob.got");
        client.run(Duration.ofSeconds(60), "curl", "-sS", "--max-time", "50", "-o", got.toString(), base + "blob.bin").requireOk();
        assertEquals(sha256(root.resolve("blob.bin")), sha256(got));
        final String head = client.run(Duration.ofSeconds(30), "curl", "-sS", "-I", "--max-time", "20", base + "blob.bin")
            .requireOk().stdout();
        assertTrue(head.contains("Content-Length: 1048576"), head);
        final String missing = client.run(Duration.ofSeconds(30), "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
            "--max-time", "20", base + "nope.html").stdout();
        assertEquals("404", missing);

        final Shell.Result wrk = client.run(Duration.ofSeconds(60), "wrk", "-t1", "-c10", "-d3s", base);
        assertEquals(0, wrk.exitCode(), wrk.stdout() + wrk.stderr());
        assertTrue(!wrk.stdout().contains("Socket errors") && !wrk.stdout().contains("Non-2xx"), wrk.stdout());
        final long requests = number(wrk.stdout(), "(\\d+) requests in");
        assertTrue(requests > 100, wrk.stdout());
        System.out.println(driver + " wrk: " + wrk.stdout());
        node.stop();
    }

    @ParameterizedTest
    @ValueSource(strings = {"af-packet", "dpdk"})
    void nptcpCompletesAFullRunAgainstNetpipe(final String driver) throws Exception
    {
        assumeDriver(driver);
        Requirements.assumeCommand("NPtcp", "netpipe-tcp");
        final Ertcp node = serve(driver, "netpipe");
        final Path result = workDir.resolve("np.out");
        final Shell.Result np = client.run(Duration.ofSeconds(400), "NPtcp", "-h", SERVER_IP, "-o", result.toString());
        assertEquals(0, np.exitCode(), np.stdout() + np.stderr() + "\n" + node.output());
        final java.util.List<String> lines = Files.readAllLines(result);
        assertTrue(lines.size() > 100, "a full run measures well over 100 sizes: " + lines.size());
        final String[] last = lines.get(lines.size() - 1).trim().split("\\s+");
        assertTrue(Long.parseLong(last[0]) >= 4 * 1024 * 1024, "the run reached the large sizes: " + lines.get(lines.size() - 1));
        assertTrue(Double.parseDouble(last[1]) > 0, "and measured a throughput: " + lines.get(lines.size() - 1));
        node.stop();
    }

    @ParameterizedTest
    @ValueSource(strings = {"af-packet", "dpdk"})
    void redisClientsDriveTheKvService(final String driver) throws Exception
    {
        assumeDriver(driver);
        Requirements.assumeCommand("redis-benchmark", "redis-tools");
        final Ertcp node = serve(driver, "kv");
        final String[] cli = {"redis-cli", "-h", SERVER_IP, "-p", "6379"};
        assertEquals("OK", redis(cli, "set", "greeting", "hello").trim());
        assertEquals("hello", redis(cli, "get", "greeting").trim());
        assertEquals("1", redis(cli, "incr", "counter").trim());
        assertEquals("2", redis(cli, "incr", "counter").trim());

        final Shell.Result bench = client.run(Duration.ofSeconds(120), "redis-benchmark", "-h", SERVER_IP, "-p", "6379",
            "-t", "ping,set,get,incr,mset", "-n", "20000", "-q");
        assertEquals(0, bench.exitCode(), bench.stdout() + bench.stderr() + "\n" + node.output());
        final String report = bench.stdout();
        for (final String test : new String[]{"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET"})
        {
            assertTrue(Pattern.compile(test + ".*requests per second").matcher(report).find(), test + " missing:\n" + report);
        }
        final String everything = report + bench.stderr();
        assertTrue(!everything.contains("ERR") && !everything.toLowerCase().contains("error"), everything);
        System.out.println(driver + " redis-benchmark:\n" + report);
        node.stop();
    }

    private String redis(final String[] cli, final String... command)
    {
        final java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(cli));
        all.addAll(java.util.List.of(command));
        return client.run(Duration.ofSeconds(20), all.toArray(String[]::new)).requireOk().stdout();
    }
}
