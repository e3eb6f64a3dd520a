package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;
import io.ertcp.test.Ertcp;
import io.ertcp.test.FileProgress;
import io.ertcp.test.NetNs;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Planned moves of the primary in an ER-TCP namespace cluster serving echo, while socat streams 200 MiB through it:
 * {@code ./ertcp switchover --to backup} hands the primary over and the old primary rejoins as a backup by itself;
 * then SIGTERM on the new primary hands it back before the process exits. Every byte comes back intact, no reset,
 * and the client's stall is printed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterSwitchoverSystemTest extends NamespaceClusterTest
{
    private static final long BYTES = 200L * 1024 * 1024;
    private static final long MOVE_AT = 60L * 1024 * 1024;

    ClusterSwitchoverSystemTest()
    {
        super("switch", BYTES, (shared, dir) -> shared.service("echo"), Tool.SOCAT);
    }

    /** Stream the file through echo; once {@link #MOVE_AT} came back, run {@code move}; check the bytes. */
    private double streamWith(final String label, final Move move) throws Exception
    {
        final Path out = workDir.resolve("out-" + label);
        Files.deleteIfExists(out);
        final Path socatLog = workDir.resolve("socat-" + label + ".log");
        final NetNs client = cluster.client();
        final Process socat = client.start(socatLog, "sh", "-c",
            "socat -t 60 -T 60 - TCP:" + ClusterNamespaces.VIP + ":7 < " + input.file() + " > " + out);
        try (FileProgress progress = FileProgress.watch(out))
        {
            assertTrue(progress.awaitSize(MOVE_AT, socat, Duration.ofSeconds(90)),
                "socat got " + progress.size() + " bytes before the move:\n" + Files.readString(socatLog) + cluster.outputs());
            progress.mark(System.nanoTime());
            move.run();
            assertTrue(socat.waitFor(180, TimeUnit.SECONDS), "socat did not finish: " + progress.size() + " bytes\n" +
                cluster.outputs());
            assertEquals(0, socat.exitValue(), "socat's exit status (a reset is 1):\n" + Files.readString(socatLog) +
                cluster.outputs());
            assertEquals(BYTES, Files.size(out), "bytes echoed\n" + cluster.outputs());
            assertEquals(input.sha256(), sha256(out), "the echoed bytes");
            System.out.printf("%s: 200 MiB echoed; the client received nothing for %.0f ms (from %.0f ms after the " +
                "move began)%n", label, progress.stallMs(), progress.stallStartMs());
            Files.deleteIfExists(out);
            return progress.stallMs();
        }
        finally
        {
            socat.destroyForcibly();
        }
    }

    @FunctionalInterface
    private interface Move
    {
        void run() throws Exception;
    }

    @Test
    @Order(1)
    @Timeout(240)
    void aSwitchoverMovesThePrimaryMidStreamAndTheOldPrimaryRejoinsAsABackup() throws Exception
    {
        cluster.heal();
        final ClusterNamespaces.Roles roles = cluster.roles();
        streamWith("switchover", () ->
        {
            final Ertcp command = Ertcp.start(cluster.client(), "switchover", "--config", cluster.config().toString(),
                "--to", roles.backup());
            assertTrue(command.process().waitFor(30, TimeUnit.SECONDS), command.output());
            System.out.print(command.output());
            assertEquals(0, command.process().exitValue(), command.output() + cluster.outputs());
            assertTrue(command.output().contains("switched over: " + roles.backup() + " is primary in epoch "),
                command.output());
        });
        final ClusterNamespaces.Takeover takeover = cluster.awaitTakeover(roles, Duration.ofSeconds(30));
        System.out.println(takeover.line());
        final String old = cluster.node(roles.primary()).output();
        assertTrue(old.contains("handing over to " + roles.backup()), old);
        assertTrue(old.contains("switched over: rejoining as a backup"), old);
        assertTrue(cluster.node(roles.primary()).process().isAlive(), "the old primary runs on, as a backup");
        assertTrue(cluster.node(roles.backup()).output().contains("node " + roles.primary() + " left on purpose"),
            cluster.outputs());
        final String status = cluster.awaitStatus(rows -> rows.containsKey(roles.primary()) &&
            rows.get(roles.primary()).state().equals("backup") && rows.get(roles.primary()).lagValue() <= 64,
            Duration.ofSeconds(60), roles.primary() + " a caught-up backup");
        System.out.println(status);
    }

    @Test
    @Order(2)
    @Timeout(240)
    void sigtermOnThePrimaryHandsOverBeforeTheProcessExits() throws Exception
    {
        cluster.heal();
        final ClusterNamespaces.Roles roles = cluster.roles();
        cluster.awaitStatus(rows -> rows.containsKey(roles.backup()) && rows.get(roles.backup()).lagValue() <= 64,
            Duration.ofSeconds(60), roles.backup() + " caught up");
        streamWith("sigterm", () ->
        {
            final Ertcp primary = cluster.node(roles.primary());
            final int status = primary.stop();
            assertTrue(status == 0 || status == 143, "a clean stop: " + status + "\n" + primary.output());
        });
        final String old = cluster.node(roles.primary()).output();
        assertTrue(old.contains("handing over to " + roles.backup()), old);
        assertTrue(old.contains("left the cluster; " + roles.backup() + " stands for election"), old);
        final ClusterNamespaces.Takeover takeover = cluster.awaitTakeover(roles, Duration.ofSeconds(30));
        System.out.println(takeover.line());
    }
}
