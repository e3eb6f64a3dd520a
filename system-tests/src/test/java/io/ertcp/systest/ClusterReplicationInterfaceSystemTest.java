package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;
import io.ertcp.test.FileProgress;
import io.ertcp.test.NetNs;
import io.ertcp.test.Requirements;
import io.ertcp.test.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An ER-TCP cluster whose replication channel runs on a LAN of its own (docs/cluster-file.md, "A separate
 * replication interface"): two bridges, br0 for the clients and br1 for the channel, every node on both
 * ({@code interface: eth0}, {@code replication-interface: eth1}). A Linux socat streams 100 MiB through echo while
 * the primary's JVM is killed with SIGKILL; the bytes come back intact, the backup takes over, and a capture on every
 * port of the clients' bridge sees not one frame of EtherType 0x88B5 while the same capture on the replication
 * bridge's ports sees thousands.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterReplicationInterfaceSystemTest
{
    private static final long BYTES = 100L * 1024 * 1024;
    private static final long KILL_AT = 30L * 1024 * 1024;
    private static final List<String> CLIENT_LAN_PORTS = List.of("v-c", "v-p", "v-l", "v-b");
    private static final List<String> REPLICATION_LAN_PORTS = List.of("r-p", "r-l", "r-b");

    private Path workDir;
    private ClusterNamespaces cluster;
    private Path in;

    @BeforeAll
    void setUp() throws Exception
    {
        Requirements.assumeRootAndNetns();
        Requirements.assumeCommand("socat", "socat");
        Requirements.assumeCommand("tcpdump", "tcpdump");
        workDir = Files.createTempDirectory("ertcp-replif");
        in = workDir.resolve("in");
        Shell.run(Duration.ofSeconds(60), "sh", "-c", "head -c " + BYTES + " /dev/urandom > " + in).requireOk();
        cluster = ClusterNamespaces.withReplicationLan(workDir, "ecs-replif", template -> template.service("echo"));
        cluster.startAll();
    }

    @AfterAll
    void tearDown()
    {
        if (cluster != null)
        {
            cluster.keepOutputs(Path.of("target", "cluster-logs", getClass().getSimpleName()));
            cluster.close();
        }
        if (workDir != null)
        {
            Shell.run("rm", "-rf", workDir.toString());
        }
    }

    @Test
    @Timeout(240)
    void echoStreamsThroughAKillOfThePrimaryAndTheClientsLanSeesNoChannelFrame() throws Exception
    {
        assertTrue(cluster.node("backup").output().contains("replication channel on af-packet:eth1 from mac 02:00:00:00:01:13"),
            "the backup says where its channel runs:\n" + cluster.outputs());
        // The management endpoints stay on the nodes' addresses on the clients' LAN: the client, on br0 alone, asks
        // every node there.
        final Shell.Result status = cluster.statusOverNetwork();
        assertEquals(0, status.exitCode(), status.stdout() + status.stderr());
        assertTrue(status.stdout().contains("via 10.80.0.11:9464") && status.stdout().trim().endsWith("healthy"),
            status.stdout());
        final Map<String, Process> captures = new LinkedHashMap<>();
        final Map<String, Path> pcaps = new LinkedHashMap<>();
        try
        {
            for (final String port : concat(CLIENT_LAN_PORTS, REPLICATION_LAN_PORTS))
            {
                final Path pcap = workDir.resolve(port + ".pcap");
                final Path log = workDir.resolve(port + ".tcpdump.log");
                pcaps.put(port, pcap);
                captures.put(port, cluster.lan().start(log, "tcpdump", "-i", port, "-nn", "-U", "-w", pcap.toString(),
                    "ether proto 0x88b5"));
                awaitListening(log, captures.get(port));
            }

            final ClusterNamespaces.Roles roles = cluster.retryOnFalseSuspicion(this::streamWithKill);

            final Map<String, Long> refused = cluster.counters(roles.backup());
            assertEquals(0L, refused.getOrDefault("channel refused-on-client-port", 0L),
                "no channel frame reached the new primary's clients' port: " + refused);
        }
        finally
        {
            captures.values().forEach(Process::destroy);
            for (final Process capture : captures.values())
            {
                capture.waitFor(10, TimeUnit.SECONDS);
            }
        }
        final Map<String, Long> frames = new LinkedHashMap<>();
        for (final Map.Entry<String, Path> pcap : pcaps.entrySet())
        {
            frames.put(pcap.getKey(), count(pcap.getValue()));
        }
        System.out.println("0x88B5 frames captured per bridge port: " + frames);
        for (final String port : CLIENT_LAN_PORTS)
        {
            assertEquals(0L, frames.get(port), "0x88B5 frames on the clients' LAN, port " + port + ": " + frames);
        }
        for (final String port : REPLICATION_LAN_PORTS)
        {
            // Heartbeats every 10 ms alone make a hundred a second; the killed primary's port stops at the kill.
            assertTrue(frames.get(port) > 500, "0x88B5 frames on the replication LAN, port " + port + ": " + frames);
        }
    }

    private ClusterNamespaces.Roles streamWithKill() throws Exception
    {
        final ClusterNamespaces.Roles roles = cluster.roles();
        final Path out = workDir.resolve("out");
        Files.deleteIfExists(out);
        final Path socatLog = workDir.resolve("socat.log");
        final NetNs client = cluster.client();
        final Process socat = client.start(socatLog, "sh", "-c",
            "socat -t 60 -T 60 - TCP:" + ClusterNamespaces.VIP + ":7 < " + in + " > " + out);
        try (FileProgress progress = FileProgress.watch(out))
        {
            assertTrue(progress.awaitSize(KILL_AT, socat, Duration.ofSeconds(90)),
                "socat got " + progress.size() + " bytes before the kill:\n" + Files.readString(socatLog) + cluster.outputs());
            progress.mark(cluster.kill(roles.primary()));
            final ClusterNamespaces.Takeover takeover = cluster.awaitTakeover(roles, Duration.ofSeconds(30));
            assertTrue(socat.waitFor(180, TimeUnit.SECONDS), "socat did not finish: " + progress.size() + " bytes\n" +
                cluster.outputs());
            assertEquals(0, socat.exitValue(), "socat's exit status (a reset is 1):\n" + Files.readString(socatLog) +
                cluster.outputs());
            assertEquals(BYTES, Files.size(out), "bytes echoed\n" + cluster.outputs());
            assertEquals(ClusterEchoSystemTest.sha256(in), ClusterEchoSystemTest.sha256(out), "the echoed bytes");
            System.out.printf("100 MiB echoed through a kill -9 of %s with the channel on the replication LAN; the client " +
                "received nothing for %.0f ms; %s%n", roles.primary(), progress.stallMs(), takeover.line());
            assertTrue(takeover.epoch() > roles.epoch(), takeover.line());
            return roles;
        }
        finally
        {
            socat.destroyForcibly();
            Files.deleteIfExists(out);
        }
    }

    private static void awaitListening(final Path log, final Process tcpdump) throws Exception
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!(Files.exists(log) && Files.readString(log).contains("listening on")))
        {
            if (System.nanoTime() > deadline || !tcpdump.isAlive())
            {
                throw new AssertionError("tcpdump did not start:\n" + (Files.exists(log) ? Files.readString(log) : ""));
            }
            Thread.sleep(50);
        }
    }

    /** Frames in a capture file, as tcpdump reads them back. */
    static long count(final Path pcap)
    {
        if (!Files.exists(pcap))
        {
            return -1;
        }
        final Shell.Result read = Shell.run(Duration.ofSeconds(60), "tcpdump", "-r", pcap.toString(), "-nn", "-q");
        return read.stdout().lines().filter(line -> !line.isBlank()).count();
    }

    private static List<String> concat(final List<String> a, final List<String> b)
    {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
