package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An ER-TCP cluster (af-packet, namespaces on a bridge) serving netpipe: an NPtcp run from 1 KiB to 4 MiB
 * messages (no perturbations, to keep it short) completes without error through a kill -9 of the primary in its middle.
 */
class ClusterNetpipeSystemTest extends NamespaceClusterTest
{
    private static final long UPPER = 4L * 1024 * 1024;
    /** NPtcp's progress lines: "  57:   32768 bytes     45 times -->    812.37 Mbps in     307.73 usec". */
    private static final Pattern POINT = Pattern.compile("(?m)^\\s*(\\d+):\\s+(\\d+) bytes\\s+(\\d+) times -->\\s+([\\d.]+) Mbps");

    /** A NetPIPE receiver runs the transmitter's schedule: the service is told NPtcp's -l and -p. */
    ClusterNetpipeSystemTest()
    {
        super("netpipe", (shared, dir) -> shared.service("netpipe").serviceOption("lower", "1024")
            .serviceOption("perturbation", "0"), Tool.NPTCP);
    }

    @Test
    @Timeout(150)
    void nptcpCompletesThroughAKillOfThePrimary() throws Exception
    {
        cluster.runHealed(this::nptcpCompletesThroughAKillOfThePrimaryOnce);
    }

    private void nptcpCompletesThroughAKillOfThePrimaryOnce(final ClusterNamespaces.Roles roles) throws Exception
    {
        final Path result = workDir.resolve("np.out");
        final Path log = workDir.resolve("np.log");
        final long startNs = System.nanoTime();
        final Process np = cluster.client().start(log, "NPtcp", "-h", ClusterNamespaces.VIP, "-l", "1024", "-u", Long.toString(UPPER), "-p", "0",
            "-o", result.toString());
        try
        {
            // The middle: once the run reached 64 KiB messages (about half of its points).
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int pointAtKill = -1;
            while (System.nanoTime() < deadline && np.isAlive())
            {
                final Matcher m = POINT.matcher(Files.readString(log));
                long bytes = 0;
                int point = -1;
                while (m.find())
                {
                    point = Integer.parseInt(m.group(1));
                    bytes = Long.parseLong(m.group(2));
                }
                if (bytes >= 65536)
                {
                    pointAtKill = point;
                    break;
                }
                Thread.sleep(5);
            }
            assertTrue(pointAtKill >= 0, "NPtcp did not reach 64 KiB messages:\n" + Files.readString(log) + cluster.outputs());
            final double killAtS = (System.nanoTime() - startNs) / 1e9;
            final ClusterNamespaces.Takeover takeover = cluster.killPrimaryUnder(roles, np, atNs -> { },
                Duration.ofSeconds(120), () -> "NPtcp did not finish:\n" + Files.readString(log) + cluster.outputs()).takeover();
            final double seconds = (System.nanoTime() - startNs) / 1e9;
            final String output = Files.readString(log);
            assertEquals(0, np.exitValue(), "NPtcp's exit status:\n" + output + cluster.outputs());
            assertTrue(!output.toLowerCase().contains("error"), output);

            final List<String> lines = Files.readAllLines(result).stream().filter(line -> !line.isBlank()).toList();
            assertTrue(lines.size() >= 10, "NPtcp measured " + lines.size() + " sizes:\n" + output);
            final String[] last = lines.getLast().trim().split("\\s+");
            assertTrue(Long.parseLong(last[0]) >= UPPER - 3, "the run reached 4 MiB: " + lines.getLast());
            double best = 0;
            double worst = Double.MAX_VALUE;
            String worstLine = "";
            for (final String line : lines)
            {
                final String[] f = line.trim().split("\\s+");
                final double mbps = Double.parseDouble(f[1]);
                best = Math.max(best, mbps);
                if (Long.parseLong(f[0]) >= 65536 && mbps < worst)
                {
                    worst = mbps;
                    worstLine = line.trim();
                }
            }
            assertTrue(best > 0, "a throughput was measured");
            System.out.printf("NPtcp -l 1 KiB -u 4 MiB -p 0: %d points in %.1f s, kill -9 of %s %.1f s in (at point %d); peak %.0f Mbit/s; " +
                    "slowest point from 64 KiB on (the one the failover hit, bytes Mbit/s usec): %s; %s%n",
                lines.size(), seconds, roles.primary(), killAtS, pointAtKill, best, worstLine, takeover.line());
            System.out.println(cluster.statusText());
        }
        finally
        {
            np.destroyForcibly();
        }
    }
}
