package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;
import io.ertcp.test.FileProgress;
import io.ertcp.test.NetNs;
import io.ertcp.test.StatusRow;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An ER-TCP cluster (primary, logger, backup; af-packet, one namespace each on a bridge) serving
 * echo to a Linux socat: the primary's JVM is killed with SIGKILL mid-stream and the client's
 * 200 MiB come back intact, without a reset; then the killed node rejoins as a backup, catches up,
 * and takes over in turn when the new primary is killed mid-stream of a second transfer.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterEchoSystemTest extends NamespaceClusterTest
{
    private static final long BYTES = 200L * 1024 * 1024;
    private static final long KILL_AT = 60L * 1024 * 1024;

    ClusterEchoSystemTest()
    {
        super("echo", BYTES, (shared, dir) -> shared.service("echo"), Tool.SOCAT);
    }

    /** What one transfer with a kill in it measured. */
    record Transfer(ClusterNamespaces.Roles roles, double seconds, double stallMs, double stallStartMs, long atKill, ClusterNamespaces.Takeover takeover)
    {
    }

    /**
     * Stream the file through echo and kill the current primary once {@link #KILL_AT} bytes came
     * back; assert the backup took over in the next epoch and the bytes came back intact, no reset.
     */
    private Transfer streamWithKill(final String label) throws Exception
    {
        final ClusterNamespaces.Roles roles = cluster.roles();
        final Path out = workDir.resolve("out-" + label);
        Files.deleteIfExists(out);
        final Path socatLog = workDir.resolve("socat-" + label + ".log");
        final NetNs client = cluster.client();
        final long startNs = System.nanoTime();
        final Process socat = client.start(socatLog, "sh", "-c",
            "socat -t 60 -T 60 - TCP:" + ClusterNamespaces.VIP + ":7 < " + input.file() + " > " + out);
        try (FileProgress progress = FileProgress.watch(out))
        {
            assertTrue(progress.awaitSize(KILL_AT, socat, Duration.ofSeconds(90)),
                "socat got " + progress.size() + " bytes before the kill (socat " + (socat.isAlive() ? "stalled" : "exited " + socat.exitValue()) + "):\n" + Files.readString(socatLog) + cluster.outputs());
            final long atKill = progress.size();
            final ClusterNamespaces.Takeover takeover = cluster.killPrimaryUnder(roles, socat, progress::mark,
                Duration.ofSeconds(180), () -> "socat did not finish: " + progress.size() + " bytes\n" + cluster.outputs()).takeover();
            final double seconds = (System.nanoTime() - startNs) / 1e9;
            cluster.printCounters(roles.backup());
            assertEquals(0, socat.exitValue(), "socat's exit status (a reset is 1):\n" + Files.readString(socatLog) + cluster.outputs());
            assertEquals(BYTES, Files.size(out), "bytes echoed\n" + cluster.outputs());
            assertEquals(input.sha256(), sha256(out), "the echoed bytes");
            final Transfer transfer = new Transfer(roles, seconds, progress.stallMs(), progress.stallStartMs(), atKill, takeover);
            System.out.printf("%s: 200 MiB echoed through a kill -9 of %s at %d MiB in %.1f s (%.0f Mbit/s each way); " +
                    "the client received nothing for %.0f ms (from %.0f ms after the kill); %s%n",
                label, roles.primary(), atKill >> 20, seconds, BYTES * 8 / seconds / 1e6, transfer.stallMs(),
                transfer.stallStartMs(), takeover.line());
            Files.deleteIfExists(out);
            return transfer;
        }
        finally
        {
            socat.destroyForcibly();
        }
    }

    @Test
    @Order(1)
    @Timeout(200)
    void socatStreams200MibThroughAKillOfThePrimary() throws Exception
    {
        cluster.heal();
        final boolean stTcp = mode() == ClusterNamespaces.Mode.ST_TCP;
        final Transfer first;
        if (stTcp)
        {
            // The client's kernel leaves TCP checksums to the "hardware": the primary and the backup's tap both see
            // TP_STATUS_CSUMNOTREADY on the same flooded frames, and neither may take them for corrupt.
            cluster.clientChecksumOffload(true);
            try
            {
                assertTheBackupSeesPartialChecksums();
                first = cluster.retryOnFalseSuspicion(() -> streamWithKill("first"));
            }
            finally
            {
                cluster.clientChecksumOffload(false);
            }
        }
        else
        {
            first = cluster.retryOnFalseSuspicion(() -> streamWithKill("first"));
        }
        final ClusterNamespaces.Roles roles = first.roles();
        if (stTcp)
        {
            // The successor rebuilt the stream from its tap, not from fetches alone, and the tap found no checksum bad.
            final Map<String, Long> counters = cluster.counters(roles.backup());
            System.out.println(roles.backup() + "'s tap: " + counters.entrySet().stream()
                .filter(e -> e.getKey().startsWith("tap ") || e.getKey().startsWith("backup ")).toList());
            assertTrue(counters.getOrDefault("backup records-tapped", 0L) > 100, "records rebuilt from the tap: " + counters);
            assertEquals(0L, counters.getOrDefault("tap bad-checksum", 0L), "the tap's bad checksums: " + counters);
        }
        // The next epoch, unless an election lost to a false suspicion on a loaded machine used one up.
        assertTrue(first.takeover().epoch() > roles.epoch(), first.takeover().line());
        if (first.takeover().epoch() != roles.epoch() + 1)
        {
            System.out.println("note: the takeover came in epoch " + first.takeover().epoch() + ", not " + (roles.epoch() + 1) +
                ": an election before it did not win");
        }

        final String status = cluster.statusText();
        System.out.println(status);
        final Map<String, StatusRow> rows = StatusRow.parse(status);
        assertEquals("primary", rows.get(roles.backup()).state(), status);
        assertEquals(first.takeover().epoch(), rows.get(roles.backup()).epoch(), status);
        if (mode() == ClusterNamespaces.Mode.ST_TCP)
        {
            assertEquals("witness", rows.get("witness").state(), status);
        }
        else
        {
            assertEquals("logger", rows.get("logger").state(), status);
        }
        assertTrue(cluster.node(roles.backup()).output().contains("took over as primary in epoch " + first.takeover().epoch()),
            cluster.outputs());
    }

    @Test
    @Order(2)
    @Timeout(300)
    void theKilledNodeRejoinsCatchesUpAndTakesOverAtTheNextKill() throws Exception
    {
        cluster.heal();
        final Transfer first = cluster.retryOnFalseSuspicion(() -> streamWithKill("before-rejoin"));
        final String victim = first.roles().primary();
        final String successor = first.roles().backup();

        final long rejoinNs = System.nanoTime();
        final String caughtUp = cluster.rejoin(victim, 64);
        System.out.printf("'%s' rejoined and caught up in %.1f s:%n%s%n", victim, (System.nanoTime() - rejoinNs) / 1e9, caughtUp);
        assertTrue(cluster.node(victim).output().contains("rejoined as backup"), cluster.outputs());
        final Map<String, StatusRow> rows = StatusRow.parse(caughtUp);
        // The log's end is the logger's in ER-TCP, the primary's own in ST-TCP (no logger).
        final String holder = mode() == ClusterNamespaces.Mode.ST_TCP ? successor : "logger";
        final long gap = rows.get(holder).log() - rows.get(victim).applied();
        assertTrue(gap >= 0 && gap <= 64, "applied position near the " + holder + "'s log end: " + caughtUp);

        final ClusterNamespaces.Roles now = cluster.roles();
        assertEquals(successor, now.primary());
        assertEquals(victim, now.backup(), "the rejoined node is the backup now");
        final Transfer second = cluster.retryOnFalseSuspicion(() -> streamWithKill("after-rejoin"));
        if (second.roles().equals(now))
        {
            assertEquals(victim, second.takeover().node(), "the rejoined node took over: " + second.takeover().line());
        }
        else
        {
            // A false suspicion between the status above and the stream (this 2-core machine stalling every JVM past
            // the suspicion timeout) moved the roles before the kill: the rejoined node, the backup then, must be the
            // one that took over then; the kill then went to it, and its backup took over with the stream intact.
            System.out.println("FALSE SUSPICION before the stream: " + now + " became " + second.roles());
            assertEquals(victim, second.roles().primary(), "the rejoined node took over at the false suspicion: " +
                second.roles() + "\n" + cluster.outputs());
            assertTrue(second.roles().epoch() > now.epoch(), second.roles().toString());
        }
        assertTrue(second.takeover().epoch() > now.epoch(), second.takeover().line());

        final String status = cluster.statusText();
        System.out.println(status);
        final Map<String, StatusRow> after = StatusRow.parse(status);
        final String serving = second.takeover().node();
        assertEquals("primary", after.get(serving).state(), status);
        assertEquals(second.takeover().epoch(), after.get(serving).epoch(), status);
    }

    /**
     * With the client's offload on, the frames the backup taps carry only the pseudo-header sum (tcpdump on the
     * backup's eth0 calls every one incorrect): what the tap then accepts, it accepts because AF_PACKET said
     * TP_STATUS_CSUMNOTREADY, not because the checksums were complete.
     */
    private void assertTheBackupSeesPartialChecksums() throws Exception
    {
        final Path dump = workDir.resolve("tcpdump-backup.txt");
        final Process tcpdump = cluster.namespace("backup").start(dump, "tcpdump", "-i", "eth0", "-nn", "-vv", "-c", "20",
            "tcp and src host " + ClusterNamespaces.CLIENT_IP + " and dst port 7");
        try
        {
            Thread.sleep(1000); // tcpdump listening
            cluster.client().run(Duration.ofSeconds(30), "sh", "-c",
                "head -c 100000 /dev/urandom | socat -t 5 - TCP:" + ClusterNamespaces.VIP + ":7 > /dev/null").requireOk();
            assertTrue(tcpdump.waitFor(10, TimeUnit.SECONDS), "tcpdump on the backup saw 20 client frames:\n" + Files.readString(dump));
        }
        finally
        {
            tcpdump.destroyForcibly();
        }
        final String text = Files.readString(dump);
        final long frames = text.lines().filter(line -> line.contains("cksum")).count();
        final long partial = text.lines().filter(line -> line.contains("cksum") && line.contains("incorrect")).count();
        System.out.println("the backup's eth0, client offload on: " + partial + " of " + frames + " client frames with a partial checksum");
        assertTrue(frames > 0 && partial == frames, "every client frame the backup sees has a partial checksum:\n" + text);
    }
}
