package io.ertcp.systest;

import io.ertcp.test.Requirements;
import io.ertcp.test.Shell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's first command, {@code ./ertcp demo}, as root: both drivers answer ARP and ping and
 * echo 64 MiB intact, and the demo removes its namespaces.
 */
@Timeout(180)
class DemoSystemTest
{
    @Test
    void theDemoRunsEveryDriverAndCleansUp()
    {
        Requirements.assumeRootAndNetns();
        Requirements.assumeCommand("arping", "iputils-arping");
        Requirements.assumeCommand("socat", "socat");
        Requirements.assumeDpdkShim();

        final Shell.Result demo = Shell.run(Duration.ofSeconds(170), "env", "ERTCP_NO_BUILD=1",
            Requirements.root().resolve("ertcp").toString(), "demo");
        final String output = demo.stdout() + demo.stderr();
        assertEquals(0, demo.exitCode(), output);
        for (final String driver : new String[]{"af-packet", "dpdk"})
        {
            assertTrue(output.contains("serve --driver " + driver), output);
        }
        assertEquals(2, output.lines().filter(line -> line.contains("every byte intact")).count(), output);
        assertEquals(2, output.lines().filter(line -> line.contains("3 received, 0% packet loss")).count(), output);
        assertTrue(output.contains("namespaces removed"), output);
        assertFalse(Shell.run("ip", "netns", "list").stdout().contains("ertcp-demo"), "the demo's namespaces are gone");
    }
}
