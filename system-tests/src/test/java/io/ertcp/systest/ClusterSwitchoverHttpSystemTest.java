package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;
import io.ertcp.test.Ertcp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A planned switchover under many connections: 300 wrk connections to an ER-TCP cluster serving http, and
 * {@code ./ertcp switchover --to BACKUP} 3 s in. Every connection rides through (no socket error of any kind at wrk's
 * 2 s timeout, no non-2xx answer), the backup serves as primary after, and the old primary runs on as a backup.
 * <p>
 * 300, as {@link ClusterHttpSystemTest} runs in CI: at 1,000 this failed 2 runs of 2 on 2026-12-03 with the
 * machine loaded by other work (load average 8-11): the backup had fallen 10-20 thousand records behind, and the
 * switchover's takeover took 2.3-2.5 s, past wrk's 2 s timeout (BENCHMARKS.md "Many connections"). With the logger's
 * feed keeping more records in flight the backup no longer lags and the takeover follows the LEAVE in 0.2-0.5 s, but
 * at a load average of 10-13 it passed 3 runs of 6 (wrk's latency near 2 s before the switchover, "A backup behind on
 * small records" there).
 */
class ClusterSwitchoverHttpSystemTest extends NamespaceClusterTest
{
    /**
     * Small buffers, as ClusterHttpSystemTest has them. A suspect timeout of
     * 1.5 s instead of 400 ms: a switchover waits for no suspicion, and on two cores that wrk's connections, three
     * node JVMs and the starting switchover command's JVM share, the primary once went unheard for 400 ms just as the
     * command started, so the backup took over before the switchover asked it to (a false suspicion, not the test).
     */
    ClusterSwitchoverHttpSystemTest()
    {
        super("swhttp", (shared, dir) -> shared.service("http").bufferKib(64).maxConnections(4096)
            .suspectTimeout("1500ms"), Tool.WRK);
    }

    @Test
    @Timeout(180)
    void manyWrkConnectionsRideThroughASwitchoverWithoutSocketErrors() throws Exception
    {
        cluster.heal();
        final ClusterNamespaces.Roles roles = cluster.roles();
        cluster.awaitStatus(rows -> rows.containsKey(roles.backup()) && rows.get(roles.backup()).lagValue() <= 64,
            Duration.ofSeconds(60), roles.backup() + " caught up");
        final Path wrkLog = workDir.resolve("wrk.log");
        final Process wrk = cluster.client().start(wrkLog, "sh", "-c",
            "ulimit -n 16384 && exec wrk -t1 -c300 -d8s --timeout 2s --latency http://" + ClusterNamespaces.VIP + "/");
        try
        {
            Thread.sleep(3000);
            assertTrue(wrk.isAlive(), "wrk ended before the switchover:\n" + Files.readString(wrkLog));
            final Ertcp command = Ertcp.start(cluster.client(), "switchover", "--config", cluster.config().toString(),
                "--to", roles.backup());
            assertTrue(command.process().waitFor(30, TimeUnit.SECONDS), command.output());
            assertEquals(0, command.process().exitValue(), command.output() + cluster.outputs());
            assertTrue(command.output().contains("switched over: " + roles.backup() + " is primary in epoch "),
                command.output());
            assertTrue(wrk.waitFor(60, TimeUnit.SECONDS), "wrk did not finish\n" + cluster.outputs());
            final String report = Files.readString(wrkLog);
            System.out.println("wrk -t1 -c300 -d8s --timeout 2s, switchover to " + roles.backup() + " 3 s in:\n" +
                command.output() + report);
            assertEquals(0, wrk.exitValue(), report);
            ClusterHttpSystemTest.assertEveryRequestAnswered(report, cluster.outputs());
            final String status = cluster.awaitStatus(rows -> rows.containsKey(roles.backup()) &&
                rows.get(roles.backup()).state().equals("primary") && rows.containsKey(roles.primary()) &&
                rows.get(roles.primary()).state().equals("backup"), Duration.ofSeconds(60),
                roles.backup() + " primary and " + roles.primary() + " a backup");
            System.out.println(status);
            assertTrue(cluster.node(roles.primary()).process().isAlive(), "the old primary runs on, as a backup");
        }
        finally
        {
            wrk.destroyForcibly();
        }
    }
}
