package io.ertcp.systest;

import io.ertcp.engine.cluster.config.ClusterTemplate;
import io.ertcp.test.Requirements;
import io.ertcp.test.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./ertcp lan up} makes a cluster file's one-machine topology that real traffic crosses, and {@code lan down}
 * kills what runs in it and removes exactly what up made: the launcher as a user runs it, as root in the root namespace.
 */
@Timeout(180)
class LanCommandSystemTest
{
    private static final String PREFIX = "lst";

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void tearDown()
    {
        processes.forEach(Process::destroyForcibly);
        ertcp("lan", "down", "--prefix", PREFIX);
    }

    @Test
    void upMakesTheTopologyAClientPingsANodeAcrossAndDownRemovesItAll() throws Exception
    {
        Requirements.assumeRootAndNetns();
        final Path dir = Files.createTempDirectory("ertcp-lan");
        final Path file = dir.resolve("st.yaml");
        Files.writeString(file, new ClusterTemplate().mode("st-tcp").durability("backup").vip("10.87.0.100/24")
            .vipMac("02:00:00:00:87:64").securityNone().logDir(dir.resolve("log")).text());

        final Shell.Result up = ertcp("lan", "up", "--config", file.toString(), "--prefix", PREFIX, "--hub");
        assertEquals(0, up.exitCode(), up.stdout() + up.stderr());
        final String namespaces = Shell.run("ip", "netns", "list").stdout();
        for (final String member : new String[]{"lan", "primary", "backup", "witness", "client"})
        {
            assertTrue(namespaces.contains(PREFIX + "-" + member), PREFIX + "-" + member + " missing:\n" + namespaces);
        }
        assertTrue(Shell.run("ip", "-n", PREFIX + "-backup", "link", "show", "eth0").stdout()
            .contains("link/ether 02:00:00:00:87:13"), "the backup's eth0 has the file's MAC");
        assertTrue(Shell.run("ip", "-n", PREFIX + "-client", "addr", "show", "eth0").stdout()
            .contains("inet 10.87.0.2/24"), "the client is host .2 on the VIP's network");
        assertTrue(Shell.run("ip", "-n", PREFIX + "-lan", "-d", "link", "show", "br0").stdout()
            .contains("ageing_time 0"), "--hub: a bridge that floods every frame");
        final Shell.Result again = ertcp("lan", "up", "--config", file.toString(), "--prefix", PREFIX);
        assertEquals(2, again.exitCode());
        assertTrue(again.stderr().contains("a LAN with prefix " + PREFIX + " was made already"), again.stderr());

        // Real frames across the bridge: a user-space port on the primary's eth0 answers the client's pings.
        final Path portLog = dir.resolve("port.log");
        final Process port = new ProcessBuilder("ip", "netns", "exec", PREFIX + "-primary", "env", "ERTCP_NO_BUILD=1",
            "ERTCP_HEAP=128m", Requirements.root().resolve("ertcp").toString(), "port", "--driver", "af-packet",
            "--iface", "eth0", "--ip", "10.87.0.11/24").redirectErrorStream(true).redirectOutput(portLog.toFile())
            .start();
        processes.add(port);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(portLog).contains("answering ARP") && System.nanoTime() < deadline)
        {
            Thread.sleep(100);
        }
        final Shell.Result ping = Shell.run(Duration.ofSeconds(20), "ip", "netns", "exec", PREFIX + "-client", "ping",
            "-c", "3", "-W", "2", "10.87.0.11");
        assertTrue(ping.ok() && ping.stdout().contains("3 received"), ping.stdout() + Files.readString(portLog));

        final Shell.Result down = ertcp("lan", "down", "--prefix", PREFIX);
        assertTrue(down.ok() && down.stdout().contains("removed the 5 namespaces"), down.stdout() + down.stderr());
        assertTrue(port.waitFor(10, TimeUnit.SECONDS), "down kills what runs in the LAN's namespaces");
        assertFalse(Shell.run("ip", "netns", "list").stdout().contains(PREFIX + "-"), "every namespace went");
        assertTrue(ertcp("lan", "down", "--prefix", PREFIX).stdout().contains("nothing to remove"));
    }

    private static Shell.Result ertcp(final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("env", "ERTCP_NO_BUILD=1", "ERTCP_HEAP=128m",
            Requirements.root().resolve("ertcp").toString()));
        command.addAll(List.of(args));
        return Shell.run(Duration.ofSeconds(60), command);
    }
}
