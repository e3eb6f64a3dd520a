package io.ertcp.systest;

import io.ertcp.engine.net.Checksums;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.port.DpdkPort;
import io.ertcp.test.Ertcp;
import io.ertcp.test.NetNs;
import io.ertcp.test.RawFrames;
import io.ertcp.test.Requirements;
import io.ertcp.test.Shell;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DPDK port's checksum offloads through a real DPDK driver that offers them: net_tap, whose TAP device's kernel
 * side is the client's link. The driver does the offloaded checksums in software, as a NIC does in hardware, so the
 * whole path runs: {@code ./ertcp serve} asks for the offloads, sends every TCP segment with only the pseudo-header sum
 * for the driver to fill in, and takes the driver's verdict on every received one.
 * <ul>
 *   <li>A Linux client's 4 MiB come back intact through echo: the kernel accepted every segment the driver completed,
 *   and every segment in either direction went through the offload (the counters say how many).</li>
 *   <li>Segments with a corrupt checksum, raw frames from the kernel's side, are dropped on the driver's verdict.</li>
 *   <li>With {@code -Dertcp.dpdk.checksum-offload=false} the same run works with every checksum in software.</li>
 * </ul>
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DpdkChecksumOffloadSystemTest
{
    private static final String TAP = "etap0";
    private static final String SERVER_IP = "10.78.0.2";
    private static final String CLIENT_IP = "10.78.0.1";
    /** The kernel side's MAC: net_tap gives its port the TAP's own, and a frame from one's own MAC is not taken. */
    private static final String CLIENT_MAC = "02:00:00:78:00:01";
    private static final long ECHO_BYTES = 4L * 1024 * 1024;
    private static final int CORRUPT_SEGMENTS = 3;

    private NetNs ns;
    private Path workDir;

    @BeforeEach
    void setUp() throws Exception
    {
        Requirements.assumeRootAndNetns();
        Requirements.assumeDpdkShim();
        Requirements.assumeCommand("socat", "socat");
        Requirements.assumeCommand("python3", "python3");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/net/tun")), "net_tap needs /dev/net/tun (modprobe tun)");
        ns = NetNs.create("offload");
        workDir = Files.createTempDirectory("ertcp-offload");
    }

    @AfterEach
    void tearDown()
    {
        if (ns != null)
        {
            ns.close();
        }
        if (workDir != null)
        {
            Shell.run("rm", "-rf", workDir.toString());
        }
    }

    @Test
    void theDriverFillsAndChecksEveryTcpChecksumAndDropsCorruptSegments() throws Exception
    {
        final Map<String, Long> counters = echoAndCorrupt(List.of());

        final long rx = counters.getOrDefault("tcp rx-segments", 0L);
        final long tx = counters.getOrDefault("tcp tx-segments", 0L);
        assertTrue(rx > 100 && tx > 100, "the echo crossed in many segments: " + counters);
        System.out.printf("net_tap: %d segments received, %d sent%n", rx, tx);
        assertEquals(rx, counters.getOrDefault("dpdk:port0 tcp-checksum-checked-by-nic", 0L),
            "every segment taken was checked by the driver, none in software: " + counters);
        assertEquals(tx, counters.getOrDefault("dpdk:port0 tcp-checksum-filled-by-nic", 0L),
            "every segment sent had its checksum filled in by the driver: " + counters);
        assertEquals(CORRUPT_SEGMENTS, counters.getOrDefault("dpdk:port0 tcp-bad-checksum", 0L),
            "the corrupt segments were dropped on the driver's verdict: " + counters);
    }

    @Test
    void withTheOffloadsTurnedOffEveryChecksumIsTheStacksOwn() throws Exception
    {
        final Map<String, Long> counters = echoAndCorrupt(List.of("ERTCP_JAVA_OPTS=-D" + DpdkPort.CHECKSUM_OFFLOAD_PROPERTY + "=false"));

        assertTrue(counters.getOrDefault("tcp rx-segments", 0L) > 100, counters::toString);
        assertFalse(counters.containsKey("dpdk:port0 tcp-checksum-checked-by-nic"), counters::toString);
        assertFalse(counters.containsKey("dpdk:port0 tcp-checksum-filled-by-nic"), counters::toString);
        assertEquals(CORRUPT_SEGMENTS, counters.getOrDefault("dpdk:port0 tcp-bad-checksum", 0L),
            "the stack's own check drops the corrupt segments: " + counters);
    }

    /**
     * Serve echo on net_tap, echo 4 MiB from the kernel's side, send corrupt SYNs, stop.
     *
     * @return the final counters the node printed.
     */
    private Map<String, Long> echoAndCorrupt(final List<String> environment) throws Exception
    {
        final Ertcp node = Ertcp.start(ns, environment, "serve", "--driver", "dpdk", "--port-id", "0",
            "--eal", "--no-huge --no-pci -m 256 --file-prefix=ertcp-offload-" + ProcessHandle.current().pid() +
            " --vdev=net_tap0,iface=" + TAP,
            "--ip", SERVER_IP + "/24", "--service", "echo");
        // The listening line ends with the congestion control: the MAC before it is then whole.
        node.awaitOutput("congestion", Duration.ofSeconds(60));
        final Matcher mac = Pattern.compile("\\(mac ([0-9a-f:]{17})").matcher(node.output());
        assertTrue(mac.find(), node.output());

        ns.exec("ip", "link", "set", TAP, "address", CLIENT_MAC);
        ns.address(TAP, CLIENT_IP + "/24");

        final Path in = workDir.resolve("in");
        final Path out = workDir.resolve("out");
        Shell.run(Duration.ofSeconds(30), "sh", "-c", "head -c " + ECHO_BYTES + " /dev/urandom > " + in).requireOk();
        final Shell.Result socat = ns.run(Duration.ofSeconds(120), "sh", "-c",
            "socat -t 30 -T 30 - TCP:" + SERVER_IP + ":7 < " + in + " > " + out);
        assertEquals(0, socat.exitCode(), socat.stderr() + "\n" + node.output());
        assertEquals(ECHO_BYTES, Files.size(out), "bytes echoed\n" + node.output());
        assertEquals(sha256(in), sha256(out), "the echo is bit for bit what was sent");

        final List<byte[]> corrupt = new ArrayList<>();
        for (int i = 0; i < CORRUPT_SEGMENTS; i++)
        {
            final byte[] syn = syn(HexFormat.ofDelimiter(":").parseHex(mac.group(1)), 40000 + i);
            syn[14 + 20 + 16] ^= 0x5A;
            corrupt.add(syn);
        }
        RawFrames.send(ns, TAP, corrupt);
        Thread.sleep(500);

        node.stop();
        return finalCounters(node.output());
    }

    /** A TCP SYN from the kernel's side to the echo port, with right IPv4 and TCP checksums. */
    private static byte[] syn(final byte[] serverMac, final int sourcePort)
    {
        final ByteBuffer b = ByteBuffer.allocate(14 + 20 + 20);
        b.put(serverMac).put(HexFormat.ofDelimiter(":").parseHex(CLIENT_MAC)).putShort((short)0x0800);
        final int source = Ipv4Address.parse(CLIENT_IP);
        final int destination = Ipv4Address.parse(SERVER_IP);
        b.put((byte)0x45).put((byte)0).putShort((short)40).putShort((short)1).putShort((short)0x4000)
            .put((byte)64).put((byte)6).putShort((short)0).putInt(source).putInt(destination);
        b.putShort((short)sourcePort).putShort((short)7).putInt(12345).putInt(0)
            .put((byte)0x50).put((byte)0x02).putShort((short)64240).putShort((short)0).putShort((short)0);
        final byte[] frame = b.array();
        final UnsafeBuffer view = new UnsafeBuffer(frame);
        view.putShort(24, (short)Checksums.finish(Checksums.sum(view, 14, 20, 0)), java.nio.ByteOrder.BIG_ENDIAN);
        view.putShort(50, (short)Ipv4Layer.transportChecksum(view, 34, 20, 6, source, destination), java.nio.ByteOrder.BIG_ENDIAN);
        return frame;
    }

    private static Map<String, Long> finalCounters(final String output)
    {
        final int at = output.lastIndexOf("final counters:");
        assertTrue(at >= 0, "no final counters in:\n" + output);
        final Map<String, Long> counters = new HashMap<>();
        final Matcher line = Pattern.compile("(?m)^  (.+) (\\d+)$").matcher(output.substring(at));
        while (line.find())
        {
            counters.put(line.group(1), Long.parseLong(line.group(2)));
        }
        return counters;
    }

    private static String sha256(final Path file)
    {
        return Shell.run(Duration.ofSeconds(60), "sha256sum", file.toString()).requireOk().stdout().split("\\s+")[0];
    }
}
