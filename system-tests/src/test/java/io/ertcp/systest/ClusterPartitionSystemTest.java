package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;
import io.ertcp.test.Ertcp;
import io.ertcp.test.FileProgress;
import io.ertcp.test.NetNs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A healed partition on real namespaces (docs/architecture.md rules 7 and 9): an ER-TCP cluster (ST-TCP in the
 * subclass) serving echo to
 * socat; a bridge-family nftables table drops every frame to and from the primary's veth port until the backup has
 * taken over, then the table is deleted. The old primary's process never exits: it hears a majority say epoch 2,
 * stops serving, rejoins as a backup by itself and catches up; then the new primary is killed with SIGKILL during a
 * second transfer and the old one takes over in epoch 3. Both transfers come back intact (sha256), without a reset.
 */
class ClusterPartitionSystemTest extends NamespaceClusterTest
{
    private static final long BYTES = 64L * 1024 * 1024;
    private static final String TABLE = "ertcp_partition";

    ClusterPartitionSystemTest()
    {
        super("part", BYTES, (shared, dir) -> shared.service("echo"), Tool.SOCAT, Tool.NFT);
    }

    @Override
    void beforeClose()
    {
        cluster.lan().run("nft", "delete", "table", "bridge", TABLE);
    }

    /** Drop every frame the bridge would forward to or from the primary's port (v-p), both ways. */
    private void cut()
    {
        final NetNs lan = cluster.lan();
        lan.exec("nft", "add", "table", "bridge", TABLE).requireOk();
        lan.exec("nft", "add", "chain", "bridge", TABLE, "forward",
            "{ type filter hook forward priority 0; policy accept; }").requireOk();
        lan.exec("nft", "add", "rule", "bridge", TABLE, "forward", "iifname", "v-p", "drop").requireOk();
        lan.exec("nft", "add", "rule", "bridge", TABLE, "forward", "oifname", "v-p", "drop").requireOk();
    }

    private void healCut()
    {
        cluster.lan().exec("nft", "delete", "table", "bridge", TABLE).requireOk();
    }

    private Process stream(final String label, final Path out) throws Exception
    {
        Files.deleteIfExists(out);
        return cluster.client().start(workDir.resolve("socat-" + label + ".log"), "sh", "-c",
            "socat -t 60 -T 60 - TCP:" + ClusterNamespaces.VIP + ":7 < " + input.file() + " > " + out);
    }

    private void assertIntact(final String label, final Process socat, final Path out) throws Exception
    {
        assertTrue(socat.waitFor(180, TimeUnit.SECONDS), label + ": socat did not finish\n" + cluster.outputs());
        assertEquals(0, socat.exitValue(), label + ": socat's exit status (a reset is 1):\n" +
            Files.readString(workDir.resolve("socat-" + label + ".log")) + cluster.outputs());
        assertEquals(BYTES, Files.size(out), label + ": bytes echoed\n" + cluster.outputs());
        assertEquals(input.sha256(), sha256(out), label + ": the echoed bytes");
    }

    @Test
    @Timeout(400)
    void thePrimaryCutOffRejoinsAsABackupByItselfAndTakesOverAgain() throws Exception
    {
        final ClusterNamespaces.Roles roles = cluster.roles();
        assertEquals("primary", roles.primary());
        final Ertcp old = cluster.node("primary");

        final Path out = workDir.resolve("out-partition");
        final Process socat = stream("partition", out);
        try (FileProgress progress = FileProgress.watch(out))
        {
            assertTrue(progress.awaitSize(8L << 20, socat, Duration.ofSeconds(90)),
                "socat got " + progress.size() + " bytes before the cut\n" + cluster.outputs());
            cut();
            final ClusterNamespaces.Takeover takeover = cluster.awaitTakeover(roles, Duration.ofSeconds(30));
            System.out.println("partition: " + takeover.line());
            Thread.sleep(500);
            assertTrue(old.process().isAlive(), "cut off, the old primary still runs\n" + cluster.outputs());
            healCut();

            old.awaitOutput("deposed: node " + roles.backup() + " is primary in epoch " + takeover.epoch(),
                Duration.ofSeconds(30));
            old.awaitOutput("rejoined as backup in epoch " + takeover.epoch(), Duration.ofSeconds(30));
            if (mode() == ClusterNamespaces.Mode.ST_TCP)
            {
                // No logger, no lag in the status: the new primary says when the rejoined backup is in sync again
                // (only a backup in sync may be elected).
                cluster.node(roles.backup()).awaitOutput("backup primary is in sync", Duration.ofSeconds(60));
                cluster.awaitStatus(rows -> rows.containsKey("primary") && rows.get("primary").state().equals("backup"),
                    Duration.ofSeconds(60), "the old primary a backup caught up");
            }
            else
            {
                cluster.awaitStatus(rows -> rows.containsKey("primary") && rows.get("primary").state().equals("backup") &&
                    rows.get("primary").lagValue() >= 0 && rows.get("primary").lagValue() <= 64, Duration.ofSeconds(60),
                    "the old primary a backup caught up within 64 records");
            }
            assertTrue(old.process().isAlive(), "the deposed node never exited\n" + cluster.outputs());
            assertIntact("partition", socat, out);
        }
        finally
        {
            socat.destroyForcibly();
        }

        // The failover back: the new primary is killed mid-stream, and the node that was cut off takes over.
        final ClusterNamespaces.Roles now = cluster.roles();
        assertEquals(roles.backup(), now.primary(), cluster.statusText());
        assertEquals("primary", now.backup(), cluster.statusText());
        final Path again = workDir.resolve("out-back");
        final Process second = stream("back", again);
        try (FileProgress progress = FileProgress.watch(again))
        {
            assertTrue(progress.awaitSize(8L << 20, second, Duration.ofSeconds(90)),
                "socat got " + progress.size() + " bytes before the kill\n" + cluster.outputs());
            cluster.kill(now.primary());
            final ClusterNamespaces.Takeover back = cluster.awaitTakeover(now, Duration.ofSeconds(30));
            System.out.println("failover back: " + back.line());
            assertIntact("back", second, again);
            assertTrue(old.process().isAlive());
        }
        finally
        {
            second.destroyForcibly();
        }
    }
}
