package io.ertcp.engine.service;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The services against the real clients they are meant for, over the kernel's loopback through
 * {@link KernelSocketHarness}. Each test skips, saying why, when its client is not installed.
 */
class RealClientsTest
{
    static boolean installed(final String binary)
    {
        for (final String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator))
        {
            if (Files.isExecutable(Path.of(dir, binary)))
            {
                return true;
            }
        }
        return false;
    }

    static void assumeInstalled(final String binary, final String debianPackage)
    {
        assumeTrue(installed(binary), binary + " is not installed (apt-get install " + debianPackage + ")");
    }

    record Result(int exitCode, String output)
    {
    }

    static Result run(final long timeoutSeconds, final String... command) throws Exception
    {
        final Path log = Files.createTempFile("client", ".log");
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        final boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished)
        {
            process.destroyForcibly();
        }
        final String output = Files.readString(log, StandardCharsets.ISO_8859_1);
        Files.deleteIfExists(log);
        assertTrue(finished, () -> String.join(" ", command) + " did not finish in " + timeoutSeconds + " s:\n" + output);
        return new Result(process.exitValue(), output);
    }

    @Test
    void nptcpCompletesAShortRun() throws Exception
    {
        // -n fixes the repeat count so the run takes seconds instead of NetPIPE's 0.25 s per trial
        nptcpRun(20, "-n", "20");
    }

    private static void nptcpRun(final long timeoutSeconds, final String... extra) throws Exception
    {
        assumeInstalled("NPtcp", "netpipe-tcp");
        final Path out = Files.createTempFile("np", ".out");
        try (KernelSocketHarness harness = new KernelSocketHarness(new NetPipeService()))
        {
            final List<String> command = new ArrayList<>(List.of("NPtcp", "-h", "127.0.0.1", "-P",
                Integer.toString(harness.port()), "-u", "65536", "-o", out.toString()));
            command.addAll(List.of(extra));
            final Result result = run(timeoutSeconds, command.toArray(String[]::new));
            assertEquals(0, result.exitCode(), result.output());
            final List<String> lines = Files.readAllLines(out);
            assertTrue(lines.size() > 40, () -> "np.out:\n" + lines + "\n" + result.output());
            final List<Integer> sizes = new ArrayList<>();
            for (final String line : lines)
            {
                final String[] fields = line.trim().split("\\s+");
                sizes.add(Integer.parseInt(fields[0]));
                assertTrue(Double.parseDouble(fields[1]) > 0, line);
            }
            assertEquals(1, sizes.get(0));
            assertTrue(sizes.contains(65536), sizes::toString);
        }
        finally
        {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void curlGetsTheBuiltInPageAndAFileFromARoot(@org.junit.jupiter.api.io.TempDir final Path root) throws Exception
    {
        assumeInstalled("curl", "curl");
        try (KernelSocketHarness harness = new KernelSocketHarness(new HttpService()))
        {
            final Result page = run(10, "curl", "-s", "http://127.0.0.1:" + harness.port() + "/");
            assertEquals(0, page.exitCode(), page.output());
            assertEquals(HttpService.BUILT_IN_PAGE, page.output());
        }
        Files.writeString(root.resolve("hello.txt"), "hello, world\n");
        try (KernelSocketHarness harness = new KernelSocketHarness(new HttpService(root)))
        {
            final String base = "http://127.0.0.1:" + harness.port();
            final Result twice = run(10, "curl", "-s", "-i", base + "/hello.txt", base + "/hello.txt", base + "/nope");
            assertEquals(0, twice.exitCode(), twice.output());
            assertTrue(twice.output().contains("Content-Type: text/plain; charset=utf-8"), twice.output());
            assertEquals(2, twice.output().split("hello, world", -1).length - 1, twice.output());
            assertTrue(twice.output().contains("HTTP/1.1 404 Not Found"), twice.output());
        }
    }

    @Test
    void wrkRunsCleanWithKeepAlive() throws Exception
    {
        assumeInstalled("wrk", "wrk");
        try (KernelSocketHarness harness = new KernelSocketHarness(new HttpService()))
        {
            final Result result = run(15, "wrk", "-t1", "-c10", "-d2s", "http://127.0.0.1:" + harness.port() + "/");
            assertEquals(0, result.exitCode(), result.output());
            assertTrue(result.output().contains("Requests/sec"), result.output());
            assertTrue(!result.output().contains("Socket errors") && !result.output().contains("Non-2xx"), result.output());
        }
    }

    @Test
    void redisCliSetGetIncr() throws Exception
    {
        assumeInstalled("redis-cli", "redis-tools");
        try (KernelSocketHarness harness = new KernelSocketHarness(new KvService()))
        {
            final String port = Integer.toString(harness.port());
            assertEquals("OK", run(10, "redis-cli", "-p", port, "set", "a", "1").output().trim());
            assertEquals("1", run(10, "redis-cli", "-p", port, "get", "a").output().trim());
            assertEquals("2", run(10, "redis-cli", "-p", port, "incr", "a").output().trim());
            assertEquals("PONG", run(10, "redis-cli", "-p", port, "ping").output().trim());
            final Result unknown = run(10, "redis-cli", "-p", port, "frobnicate", "x");
            assertEquals("ERR unknown command 'frobnicate'", unknown.output().trim());
        }
    }

    @Test
    void redisBenchmarkRunsClean() throws Exception
    {
        assumeInstalled("redis-benchmark", "redis-tools");
        try (KernelSocketHarness harness = new KernelSocketHarness(new KvService()))
        {
            final Result result = run(20, "redis-benchmark", "-h", "127.0.0.1", "-p", Integer.toString(harness.port()),
                "-t", "ping,set,get,incr,mset", "-n", "20000", "-q");
            assertEquals(0, result.exitCode(), result.output());
            for (final String test : List.of("PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"))
            {
                assertTrue(result.output().contains(test + ": ") && result.output().contains("requests per second"),
                    () -> test + " missing:\n" + result.output());
            }
            assertTrue(!result.output().toLowerCase().contains("error"), result.output());
        }
    }
}
