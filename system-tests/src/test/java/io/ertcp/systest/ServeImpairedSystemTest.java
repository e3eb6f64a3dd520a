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

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The user-space stack behind a bad wire: a kernel client - {@code ./ertcp impair} - {@code ./ertcp
 * serve --service echo}, with 2% loss, reordering, duplication and 20 ms delay each way. Every byte
 * comes back intact. The transfer is 8 MiB, not 100: 2% loss at a 40 ms round trip holds any TCP
 * to a few Mbit/s.
 */
@Timeout(400)
class ServeImpairedSystemTest
{
    private static final String SERVER_IP = "10.96.0.1";
    private static final long BYTES = 8L * 1024 * 1024;

    private NetNs client;
    private NetNs relay;
    private NetNs server;
    private Path workDir;

    @BeforeEach
    void setUp() throws Exception
    {
        Requirements.assumeRootAndNetns();
        Requirements.assumeCommand("socat", "socat");
        client = NetNs.create("client");
        relay = NetNs.create("relay");
        server = NetNs.create("server");
        Veth.create(client, "c0", relay, "ra");
        Veth.create(relay, "rb", server, "s0");
        client.address("c0", "10.96.0.2/24");
        client.disableOffloads("c0");
        server.disableOffloads("s0");
        relay.exec("ethtool", "-K", "ra", "gro", "off");
        relay.exec("ethtool", "-K", "rb", "gro", "off");
        workDir = Files.createTempDirectory("ertcp-impaired");
    }

    @AfterEach
    void tearDown()
    {
        for (final NetNs ns : new NetNs[]{client, relay, server})
        {
            if (ns != null)
            {
                ns.close();
            }
        }
        if (workDir != null)
        {
            Shell.run("rm", "-rf", workDir.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"af-packet", "dpdk"})
    void echoSurvivesLossReorderDuplicationAndDelay(final String driver) throws Exception
    {
        if (driver.equals("dpdk"))
        {
            Requirements.assumeDpdkShim();
        }
        final Ertcp impair = Ertcp.start(relay, "impair", "--a", "ra", "--b", "rb",
            "--both", "loss=2%,delay=20ms,jitter=1ms,reorder=2%,duplicate=1%", "--seed", String.valueOf(System.nanoTime() & 0xFFFF));
        impair.awaitOutput("seed", Duration.ofSeconds(60));
        final Ertcp node = Ertcp.start(server, "serve", "--driver", driver, "--iface", "s0", "--ip", SERVER_IP + "/24",
            "--service", "echo");
        node.awaitOutput("listening", Duration.ofSeconds(60));

        final Path in = workDir.resolve("in");
        final Path out = workDir.resolve("out");
        Shell.run("sh", "-c", "head -c " + BYTES + " /dev/urandom > " + in).requireOk();
        final long startNs = System.nanoTime();
        final Shell.Result socat = client.run(Duration.ofSeconds(300), "sh", "-c",
            "socat -t 60 -T 60 - TCP:" + SERVER_IP + ":7 < " + in + " > " + out);
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        impair.stop();
        node.stop();

        assertEquals(0, socat.exitCode(), socat.stderr() + "\n" + node.output() + "\n" + impair.output());
        assertEquals(BYTES, Files.size(out), node.output() + "\n" + impair.output());
        assertEquals(sha256(in), sha256(out));
        System.out.printf("%s: 8 MiB echoed through a bad wire in %.1f s%n%s%n", driver, seconds,
            String.join("\n", impair.lines("final ")));
    }

    private static String sha256(final Path file)
    {
        return Shell.run("sha256sum", file.toString()).requireOk().stdout().split("\\s+")[0];
    }
}
