package io.ertcp.systest;

import io.ertcp.test.Ertcp;
import io.ertcp.test.NetNs;
import io.ertcp.test.Requirements;
import io.ertcp.test.Shell;
import io.ertcp.test.Veth;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./ertcp impair} spliced between two kernel namespaces (client - relay - server): what the
 * kernel's ping and TCP see matches the faults the relay was asked for.
 * <p>
 * The ends keep transmit checksum offload ON on purpose (segmentation offloads off, so frames fit
 * the MTU): the relay must fill in the checksums the senders left to the NIC, before it corrupts
 * anything, or the receiving kernels would drop every segment.
 */
@Timeout(180)
class ImpairSystemTest
{
    private static final String SERVER_IP = "10.98.0.2";

    private NetNs client;
    private NetNs relay;
    private NetNs server;

    @BeforeEach
    void setUp()
    {
        Requirements.assumeRootAndNetns();
        client = NetNs.create("client");
        relay = NetNs.create("relay");
        server = NetNs.create("server");
        Veth.create(client, "c0", relay, "ra");
        Veth.create(relay, "rb", server, "s0");
        client.address("c0", "10.98.0.1/24");
        server.address("s0", SERVER_IP + "/24");
        for (final var end : new Object[][]{{client, "c0"}, {server, "s0"}})
        {
            ((NetNs)end[0]).exec("ethtool", "-K", (String)end[1], "tso", "off", "gso", "off");
        }
        relay.exec("ethtool", "-K", "ra", "gro", "off");
        relay.exec("ethtool", "-K", "rb", "gro", "off");
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
    }

    @Test
    void delayShowsInPingsRoundTrip() throws Exception
    {
        final Ertcp impair = startRelay("--both", "delay=20ms");
        final Shell.Result ping = client.run(Duration.ofSeconds(30), "ping", "-c", "20", "-i", "0.05", SERVER_IP);
        impair.stop();

        final Matcher rtt = Pattern.compile("= ([\\d.]+)/([\\d.]+)/([\\d.]+)/").matcher(ping.stdout());
        assertTrue(rtt.find(), ping.stdout() + ping.stderr());
        final double min = Double.parseDouble(rtt.group(1));
        final double avg = Double.parseDouble(rtt.group(2));
        assertTrue(min >= 39.0, "20 ms each way gives a round trip of at least 40 ms, min was " + min);
        assertTrue(avg <= 50.0, "and not much more, avg was " + avg + "\n" + impair.output());
        assertTrue(ping.stdout().contains(" 0% packet loss"), ping.stdout());
    }

    @Test
    void lossDropsAboutTheRateAskedFor() throws Exception
    {
        final Ertcp impair = startRelay("--both", "loss=10%");
        // Resolve the neighbours first so that ARP's own losses do not count against the pings.
        client.run(Duration.ofSeconds(20), "ping", "-c", "5", "-i", "0.05", SERVER_IP);
        final Shell.Result ping = client.run(Duration.ofSeconds(60), "ping", "-c", "400", "-i", "0.005", "-W", "1", SERVER_IP);
        impair.stop();

        final Matcher loss = Pattern.compile("(\\d+) packets transmitted, (\\d+) received").matcher(ping.stdout());
        assertTrue(loss.find(), ping.stdout());
        final double lostRate = 1.0 - Double.parseDouble(loss.group(2)) / Double.parseDouble(loss.group(1));
        // A round trip survives two 10% coins: 19% of pings are lost on average.
        assertTrue(lostRate > 0.10 && lostRate < 0.30, "round-trip loss " + lostRate + "\n" + impair.output());
        assertTrue(counter(impair, "ra->rb", "lost") + counter(impair, "rb->ra", "lost") >= 400 - Long.parseLong(loss.group(2)),
            impair.output());
    }

    @Test
    void duplicationShowsAsDuplicatePings() throws Exception
    {
        final Ertcp impair = startRelay("--a-to-b", "duplicate=50%", "--b-to-a", "none");
        final Shell.Result ping = client.run(Duration.ofSeconds(30), "ping", "-c", "100", "-i", "0.01", SERVER_IP);
        impair.stop();

        final Matcher dups = Pattern.compile("\\+(\\d+) duplicates").matcher(ping.stdout());
        assertTrue(dups.find(), "ping saw no duplicates:\n" + ping.stdout());
        final long duplicates = Long.parseLong(dups.group(1));
        assertTrue(duplicates >= 30 && duplicates <= 70, "about half the requests were doubled: " + duplicates);
        assertEquals(0, counter(impair, "rb->ra", "duplicated"));
    }

    @Test
    void tcpDeliversEveryByteIntactThroughABadWire() throws Exception
    {
        Requirements.assumeCommand("socat", "socat");
        final Ertcp impair = startRelay("--both", "loss=2%,delay=5ms,jitter=1ms,reorder=5%,duplicate=2%,corrupt=1%");
        final Path source = Files.createTempFile("ertcp-impair", ".in");
        final Path sink = Files.createTempFile("ertcp-impair", ".out");
        try
        {
            Shell.run("sh", "-c", "head -c 8388608 /dev/urandom > " + source).requireOk();
            final Process receiver = server.start(Files.createTempFile("ertcp-socat", ".log"),
                "socat", "-u", "TCP-LISTEN:5001,reuseaddr", "CREATE:" + sink);
            Thread.sleep(300);
            client.run(Duration.ofSeconds(120), "socat", "-u", "OPEN:" + source, "TCP:" + SERVER_IP + ":5001").requireOk();
            assertTrue(receiver.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the receiver finished");
            impair.stop();

            assertEquals(sha256(source), sha256(sink), "bytes changed on the way\n" + impair.output());
            for (final String direction : new String[]{"ra->rb", "rb->ra"})
            {
                assertTrue(counter(impair, direction, "lost") > 0, impair.output());
            }
            assertTrue(counter(impair, "ra->rb", "reordered") > 0, impair.output());
            assertTrue(counter(impair, "ra->rb", "duplicated") > 0, impair.output());
            assertTrue(counter(impair, "ra->rb", "corrupted") > 0, "corrupted segments were caught by TCP's checksum");
        }
        finally
        {
            Files.deleteIfExists(source);
            Files.deleteIfExists(sink);
        }
    }

    private Ertcp startRelay(final String... faults) throws InterruptedException
    {
        final List<String> list = new ArrayList<>(List.of("impair", "--a", "ra", "--b", "rb"));
        list.addAll(List.of(faults));
        list.addAll(List.of("--seed", String.valueOf(System.nanoTime() & 0xFFFFFF)));
        final Ertcp impair = Ertcp.start(relay, list.toArray(String[]::new));
        impair.awaitOutput("seed", Duration.ofSeconds(60));
        System.out.println(impair.output());
        return impair;
    }

    private static long counter(final Ertcp impair, final String direction, final String name)
    {
        final String line = impair.lines("final ").stream()
            .filter(l -> l.contains(direction + ":"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no final counters for " + direction + ":\n" + impair.output()));
        final Matcher m = Pattern.compile(name + " (\\d+)").matcher(line);
        assertTrue(m.find(), line);
        return Long.parseLong(m.group(1));
    }

    private static String sha256(final Path file)
    {
        return Shell.run("sha256sum", file.toString()).requireOk().stdout().split("\\s+")[0];
    }
}
