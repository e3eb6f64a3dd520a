package io.ertcp.engine.cli;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.ArpFlyweight;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.net.NetCounters;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.port.MemoryPort;
import io.ertcp.engine.port.MemorySwitch;
import io.ertcp.engine.port.impair.ImpairmentSpec;
import org.agrona.concurrent.SystemNanoClock;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code ertcp demo}: the main job on an embedded default. As root it builds two network
 * namespaces joined by a veth pair, runs {@code ertcp serve --service echo} in one and, from the
 * other, resolves it with the kernel's {@code arping}, pings it and streams bytes through its echo
 * service with the kernel's TCP, once per available driver. Without root it runs the
 * same exchange in process over a {@link MemorySwitch} with a lossy wire.
 */
final class DemoCommand implements Command
{
    private static final String NODE_IP = "10.77.0.1";
    private static final String CLIENT_IP = "10.77.0.2";
    private static final long ECHO_BYTES = 64L * 1024 * 1024;

    private final PrintStream out;

    DemoCommand(final PrintStream out)
    {
        this.out = out;
    }

    public String name()
    {
        return "demo";
    }

    public String summary()
    {
        return "run the datapath demo on this machine (namespaces as root, in-process otherwise)";
    }

    public String help()
    {
        return """
            Usage: ./ertcp demo [--in-process]

            As root: creates the namespaces ertcp-demo-node and ertcp-demo-client joined by a veth
            pair and, with each available driver (af-packet, and dpdk when the shim is built),
            starts ./ertcp serve --service echo in the node namespace; from the client namespace
            the kernel resolves 10.77.0.1 with arping, pings it, and streams 64 MiB through its
            echo service with socat, checking every byte; then everything it made is removed.
            Otherwise (or with --in-process): two ports on an in-memory switch with a lossy wire,
            one answering ARP, one asking, with the counters of both.

            Options:
              --in-process   skip the namespaces even as root
              --help         this text
            """;
    }

    public int run(final String[] argv) throws Exception
    {
        final Args args = Args.parse(name(), argv, Set.of(), Set.of("in-process"));
        if (!args.has("in-process") && isRoot() && Files.isExecutable(Path.of("/usr/sbin/ip").toRealPath()))
        {
            return inNamespaces();
        }
        return inProcess();
    }

    private int inProcess()
    {
        out.println("demo: in process: two ports on an in-memory switch, 20% loss towards the node");
        final Counters counters = new Counters();
        final MemorySwitch lan = new MemorySwitch(new SystemNanoClock(), 42, counters);
        final long nodeMac = MacAddress.parse("02:00:00:00:00:01");
        final long clientMac = MacAddress.parse("02:00:00:00:00:02");
        final MemoryPort node = lan.newPort("node", nodeMac, ImpairmentSpec.parse("loss=20%"));
        final MemoryPort client = lan.newPort("client", clientMac);
        final Ipv4Layer responder = new Ipv4Layer(
            nodeMac, Ipv4Address.parseCidr(NODE_IP + "/24"), FrameOutput.of(node), new NetCounters(counters, node.name()));
        final int[] answers = new int[1];
        final ArpFlyweight arp = new ArpFlyweight();
        final EthernetFlyweight ethernet = new EthernetFlyweight();
        final FrameHandler onReply = (buffer, offset, length, flags) ->
        {
            if (ethernet.wrap(buffer, offset).etherType() == EthernetFlyweight.ETHER_TYPE_ARP &&
                arp.wrap(buffer, offset + EthernetFlyweight.HEADER_LENGTH).operation() == ArpFlyweight.OPERATION_REPLY)
            {
                answers[0]++;
                out.printf("  client: %s is at %s%n", Ipv4Address.format(arp.senderIp()), MacAddress.format(arp.senderMac()));
            }
        };

        final int requests = 10;
        for (int i = 0; i < requests; i++)
        {
            askFor(client, clientMac, Ipv4Address.parse(CLIENT_IP), Ipv4Address.parse(NODE_IP));
            client.flush();
            node.receive(responder, 16);
            node.flush();
            client.receive(onReply, 16);
        }
        out.printf("demo: %d requests, %d answered, %d lost on the wire (seed %d)%n",
            requests, answers[0], node.ingressLink().counters().lost(), lan.seed());
        out.println("  node   " + node.counters());
        out.println("  client " + client.counters());
        return answers[0] > 0 ? 0 : 1;
    }

    private static void askFor(final MemoryPort port, final long mac, final int ip, final int target)
    {
        final int offset = port.txClaim(Ipv4Layer.MIN_FRAME_LENGTH);
        port.txBuffer().setMemory(offset, Ipv4Layer.MIN_FRAME_LENGTH, (byte)0);
        new EthernetFlyweight().wrap(port.txBuffer(), offset)
            .destination(MacAddress.BROADCAST).source(mac).etherType(EthernetFlyweight.ETHER_TYPE_ARP);
        new ArpFlyweight().wrap(port.txBuffer(), offset + EthernetFlyweight.HEADER_LENGTH)
            .write(ArpFlyweight.OPERATION_REQUEST, mac, ip, 0, target);
        port.txCommit(Ipv4Layer.MIN_FRAME_LENGTH);
    }

    private int inNamespaces() throws Exception
    {
        final String node = "ertcp-demo-node";
        final String client = "ertcp-demo-client";
        final Path root = Path.of(System.getProperty("ertcp.root", "."));
        final List<String> drivers = new ArrayList<>(List.of("af-packet"));
        if (Files.exists(Path.of(System.getProperty("ertcp.native.dir", root.resolve("native-dpdk/target/native").toString()),
            "libertcp_dpdk.so")))
        {
            drivers.add("dpdk");
        }
        else
        {
            out.println("demo: the DPDK shim is not built (apt-get install -y libdpdk-dev dpdk, then ./ertcp build): af-packet only");
        }

        cleanup(node, client);
        try
        {
            out.println("demo: namespaces " + node + " (10.77.0.1 answered by ertcp) and " + client + " (kernel, " +
                CLIENT_IP + ")");
            sh("ip", "netns", "add", node);
            sh("ip", "netns", "add", client);
            sh("ip", "link", "add", "node0", "netns", node, "type", "veth", "peer", "name", "client0", "netns", client);
            for (final String ns : List.of(node, client))
            {
                sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
                sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
            }
            sh("ip", "-n", node, "link", "set", "node0", "up");
            sh("ip", "-n", client, "addr", "add", CLIENT_IP + "/24", "dev", "client0");
            sh("ip", "-n", client, "link", "set", "client0", "up");
            // Real checksums on frames the client's kernel sends over the veth: the node reads raw frames.
            sh("ip", "netns", "exec", client, "ethtool", "-K", "client0", "tx", "off", "tso", "off", "gso", "off");

            int failures = 0;
            for (final String driver : drivers)
            {
                failures += demoDriver(root, node, client, driver) ? 0 : 1;
            }
            return failures == 0 ? 0 : 1;
        }
        finally
        {
            cleanup(node, client);
            out.println("demo: namespaces removed");
        }
    }

    private boolean demoDriver(final Path root, final String node, final String client, final String driver) throws Exception
    {
        out.println();
        out.println("demo: ./ertcp serve --driver " + driver + " --iface node0 --ip " + NODE_IP +
            "/24 --service echo (in " + node + ")");
        final Path log = Files.createTempFile("ertcp-demo-serve", ".log");
        final ProcessBuilder builder = new ProcessBuilder("ip", "netns", "exec", node, root.resolve("ertcp").toString(),
            "serve", "--driver", driver, "--iface", "node0", "--ip", NODE_IP + "/24", "--service", "echo")
            .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("ERTCP_NO_BUILD", "1");
        final Process serve = builder.start();
        try
        {
            if (!waitForLine(log, "congestion", serve, 30_000))
            {
                out.println("demo: the node did not start:");
                Files.readAllLines(log).forEach(line -> out.println("  | " + line));
                return false;
            }
            Files.readAllLines(log).forEach(line -> out.println("  node: " + line));

            final List<String> arping = sh(false, "ip", "netns", "exec", client, "arping", "-c", "2", "-w", "5", "-I", "client0", NODE_IP);
            arping.stream().filter(line -> line.contains("reply from")).forEach(line -> out.println("  client$ arping: " + line));
            final List<String> ping = sh(false, "ip", "netns", "exec", client, "ping", "-c", "3", "-i", "0.2", NODE_IP);
            ping.stream().filter(line -> line.contains("packets transmitted") || line.startsWith("rtt"))
                .forEach(line -> out.println("  client$ ping: " + line));
            final boolean echoed = echo(client);

            serve.destroy();
            serve.waitFor(10, TimeUnit.SECONDS);
            Files.readAllLines(log).stream()
                .filter(line -> line.contains("tcp rx-bytes") || line.contains("tcp tx-bytes") || line.contains("rx-frames") ||
                    line.contains("tx-frames") || line.contains("icmp-echo-replies") || line.contains("arp-replies"))
                .forEach(line -> out.println("  node counter: " + line.trim()));
            return arping.stream().anyMatch(line -> line.contains("reply from")) && echoed;
        }
        finally
        {
            serve.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    /**
     * Stream random bytes through the node's echo service with the kernel's TCP and socat, and
     * check that every byte came back.
     */
    private boolean echo(final String client) throws Exception
    {
        if (!Files.isExecutable(Path.of("/usr/bin/socat")))
        {
            out.println("  (socat is not installed, so no TCP stream: apt-get install -y socat)");
            return true;
        }
        final Path in = Files.createTempFile("ertcp-demo", ".in");
        final Path back = Files.createTempFile("ertcp-demo", ".out");
        try
        {
            sh(true, "sh", "-c", "head -c " + ECHO_BYTES + " /dev/urandom > " + in);
            final long startNs = System.nanoTime();
            sh(true, "ip", "netns", "exec", client, "sh", "-c",
                "socat -t 30 -T 30 - TCP:" + NODE_IP + ":7 < " + in + " > " + back);
            final double seconds = (System.nanoTime() - startNs) / 1e9;
            final boolean intact = Files.mismatch(in, back) == -1;
            out.printf("  client$ socat: %d MiB sent to echo and %d MiB back in %.2f s (%.0f Mbit/s each way): %s%n",
                ECHO_BYTES >> 20, Files.size(back) >> 20, seconds, ECHO_BYTES * 8 / seconds / 1e6,
                intact ? "every byte intact" : "BYTES DIFFER");
            return intact;
        }
        finally
        {
            Files.deleteIfExists(in);
            Files.deleteIfExists(back);
        }
    }

    private static boolean waitForLine(final Path log, final String text, final Process process, final long timeoutMs)
        throws IOException, InterruptedException
    {
        final long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline)
        {
            if (Files.readString(log).contains(text))
            {
                return true;
            }
            if (!process.isAlive())
            {
                return false;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static void cleanup(final String... namespaces)
    {
        for (final String ns : namespaces)
        {
            try
            {
                sh(false, "ip", "netns", "del", ns);
            }
            catch (final IOException | InterruptedException ignore)
            {
                // Not there: nothing to remove.
            }
        }
    }

    private static List<String> sh(final String... command) throws IOException, InterruptedException
    {
        return sh(true, command);
    }

    /**
     * Run a command and return what it printed.
     *
     * @param check refuse with a sentence when the command fails.
     */
    private static List<String> sh(final boolean check, final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final List<String> lines = new String(process.getInputStream().readAllBytes()).lines().toList();
        final boolean ok = process.waitFor(120, TimeUnit.SECONDS) && process.exitValue() == 0;
        if (!ok && check)
        {
            throw new CliException("demo: '" + String.join(" ", command) + "' failed: " + String.join(" ", lines));
        }
        return lines;
    }

    private static boolean isRoot()
    {
        try
        {
            return Files.readString(Path.of("/proc/self/status")).lines()
                .filter(line -> line.startsWith("Uid:")).anyMatch(line -> line.split("\\s+")[1].equals("0"));
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
