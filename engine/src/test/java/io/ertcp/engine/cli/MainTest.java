package io.ertcp.engine.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stdout()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsEveryCommand()
    {
        assertEquals(0, run("--help"));
        for (final String command : new String[]{"demo", "serve", "port", "impair", "lan", "build", "test"})
        {
            assertTrue(stdout().contains("  " + command), command + " missing from:\n" + stdout());
        }
    }

    @Test
    void everyCommandHasHelp()
    {
        for (final String command : new String[]{"demo", "serve", "port", "impair", "lan"})
        {
            out.reset();
            assertEquals(0, run(command, "--help"));
            assertTrue(stdout().startsWith("Usage: ./ertcp " + command), stdout());
        }
    }

    @Test
    void versionNamesTheMavenVersionAndACommit()
    {
        assertEquals(0, run("--version"));
        // The build filtered version.properties: the version is the pom's, never an unfiltered ${...}.
        assertTrue(stdout().matches("ertcp \\d+\\.\\d+\\.\\d+[^ ]* \\(commit [0-9a-f]{12}(-dirty)?\\)\n|" +
            "ertcp \\d+\\.\\d+\\.\\d+[^ ]* \\(commit unknown\\)\n"), stdout());
    }

    @Test
    void anUnknownCommandIsOneSentence()
    {
        assertEquals(2, run("frobnicate"));
        assertEquals("ertcp: unknown command 'frobnicate': run ./ertcp --help for the list\n", stderr());
    }

    @Test
    void aMisspeltOptionIsRefusedNotIgnored()
    {
        assertEquals(2, run("port", "--drvier", "af-packet"));
        assertTrue(stderr().contains("unknown option --drvier for port"), stderr());
    }

    @Test
    void aMissingOptionNamesIt()
    {
        assertEquals(2, run("port", "--driver", "af-packet", "--ip", "10.0.0.1/24"));
        assertTrue(stderr().contains("port needs --iface"), stderr());
    }

    @Test
    void aBadAddressIsOneSentenceWithTheFix()
    {
        assertEquals(2, run("port", "--driver", "af-packet", "--iface", "lo", "--ip", "10.0.0.300/24"));
        assertTrue(stderr().contains("is not an IPv4 address"), stderr());
        assertEquals(1, stderr().lines().count());
    }

    @Test
    void anUnknownDriverNamesTheChoices()
    {
        assertEquals(2, run("port", "--driver", "netmap", "--iface", "lo", "--ip", "10.0.0.1/24"));
        assertTrue(stderr().contains("unknown driver 'netmap': choose dpdk or af-packet"), stderr());
    }

    @Test
    void aBadImpairmentSpecIsRefused()
    {
        assertEquals(2, run("impair", "--a", "x", "--b", "y", "--both", "loss=2"));
        assertTrue(stderr().contains("impair"), stderr());
        out.reset();
        err.reset();
        assertEquals(2, run("impair", "--a", "x", "--b", "y", "--both", "delay=5"));
        assertTrue(stderr().contains("is not a duration"), stderr());
    }

    @Test
    void serveRefusesAnUnknownServiceWithTheChoices()
    {
        assertEquals(2, run("serve", "--driver", "af-packet", "--iface", "lo", "--ip", "10.0.0.1/24", "--service", "ftp"));
        assertTrue(stderr().contains("Unknown service 'ftp': choose one of echo, discard, netpipe, http, kv."), stderr());
    }

    @Test
    void serveRefusesAnUnknownCongestionControl()
    {
        assertEquals(2, run("serve", "--driver", "af-packet", "--iface", "lo", "--ip", "10.0.0.1/24", "--service", "echo",
            "--congestion", "bbr"));
        assertTrue(stderr().contains("unknown congestion control 'bbr': choose cubic or newreno"), stderr());
    }
}
