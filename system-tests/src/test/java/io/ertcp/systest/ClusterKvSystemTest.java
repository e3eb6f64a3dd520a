package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;
import io.ertcp.test.StatusRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An ER-TCP cluster (af-packet, namespaces on a bridge) serving kv: redis-benchmark runs through a
 * kill -9 of the primary without an error, and a counter INCRed before and after the kill holds
 * every increment (the store's state survived the takeover).
 */
class ClusterKvSystemTest extends NamespaceClusterTest
{
    private static final String COUNTER = "ecs:counter";

    ClusterKvSystemTest()
    {
        super("kv", (shared, dir) -> shared.service("kv"), Tool.REDIS_BENCHMARK);
    }

    @Test
    @Timeout(150)
    void redisBenchmarkRunsThroughAKillAndTheStoreKeepsEveryIncrement() throws Exception
    {
        cluster.runHealed(this::redisBenchmarkRunsThroughAKillAndTheStoreKeepsEveryIncrementOnce);
    }

    private void redisBenchmarkRunsThroughAKillAndTheStoreKeepsEveryIncrementOnce(final ClusterNamespaces.Roles roles) throws Exception
    {
        // A key of this attempt's own: a run after a false suspicion starts from zero again.
        final String counter = COUNTER + ":" + System.nanoTime();
        assertEquals("OK", redis("set", "ecs:greeting", "hello"));
        for (int i = 1; i <= 3; i++)
        {
            assertEquals(Integer.toString(i), redis("incr", counter));
        }

        final Path log = workDir.resolve("bench.log");
        final long startNs = System.nanoTime();
        final Process bench = cluster.client().start(log, "redis-benchmark", "-h", ClusterNamespaces.VIP, "-p", "6379",
            "-t", "set,get,incr", "-n", "100000", "-c", "50", "-q");
        final ClusterNamespaces.Takeover takeover;
        try
        {
            Thread.sleep(2000);
            assertTrue(bench.isAlive(), "redis-benchmark ended before the kill:\n" + Files.readString(log));
            takeover = cluster.killPrimaryUnder(roles, bench, atNs -> { }, Duration.ofSeconds(100),
                () -> "redis-benchmark did not finish:\n" + Files.readString(log) + cluster.outputs()).takeover();
            final double seconds = (System.nanoTime() - startNs) / 1e9;
            // -q rewrites its progress line with carriage returns: keep what it printed last on each line.
            final String report = Files.readString(log).replace("\r", "\n");
            final String summary = String.join("\n", report.lines().filter(line -> line.contains("requests per second")).toList());
            System.out.printf("redis-benchmark -t set,get,incr -n 100000 -c 50, kill -9 of %s 2 s in; %.1f s in all; %s%n%s%n",
                roles.primary(), seconds, takeover.line(), summary);
            assertEquals(0, bench.exitValue(), "redis-benchmark's exit status:\n" + report + cluster.outputs());
            assertTrue(!report.contains("ERR") && !report.toLowerCase().contains("error"), report);
            for (final String test : new String[]{"SET", "GET", "INCR"})
            {
                assertTrue(Pattern.compile("(?m)^" + test + ":.*requests per second").matcher(report).find(),
                    test + " did not complete:\n" + report);
            }
        }
        finally
        {
            bench.destroyForcibly();
        }

        assertEquals("3", redis("get", counter), "the increments before the kill");
        assertEquals("4", redis("incr", counter));
        assertEquals("4", redis("get", counter));
        assertEquals("hello", redis("get", "ecs:greeting"));
        final String status = cluster.statusText();
        System.out.println(status);
        final StatusRow successor = StatusRow.parse(status).get(roles.backup());
        assertEquals("primary", successor.state(), status);
        assertEquals(takeover.epoch(), successor.epoch(), status);
    }
}
