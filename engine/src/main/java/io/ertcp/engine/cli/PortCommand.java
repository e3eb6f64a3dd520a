package io.ertcp.engine.cli;

import io.ertcp.engine.agent.AgentHost;
import io.ertcp.engine.agent.ThreadingMode;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.net.NetCounters;
import io.ertcp.engine.node.StackAgent;
import io.ertcp.engine.port.AfPacketPort;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.port.PacketPort;
import org.agrona.concurrent.SystemNanoClock;

import java.io.PrintStream;
import java.util.Set;

/**
 * {@code ertcp port}: open a port, answer ARP and ping for an address with the port's MAC, and print
 * the port's counters every second. The smallest node there is: the link and network layers on
 * one {@link StackAgent} with no transport, showing the datapath works.
 */
final class PortCommand implements Command
{
    private final PrintStream out;

    PortCommand(final PrintStream out)
    {
        this.out = out;
    }

    public String name()
    {
        return "port";
    }

    public String summary()
    {
        return "open a port, answer ARP and ping for an address, print frame counters each second";
    }

    public String help()
    {
        return """
            Usage: ./ertcp port --driver dpdk|af-packet --iface IF --ip A.B.C.D/NN [options]
                   ./ertcp port --driver dpdk --pci ADDR|--port-id N [--eal "ARGS"] --ip A.B.C.D/NN [options]

            Opens a port on a network interface, answers ARP requests for the address with the
            port's MAC (and announces it with a gratuitous ARP at start), answers ICMP echo
            requests (ping) to it, and prints rx/tx frames and bytes each second until
            interrupted (Ctrl-C or SIGTERM), then the final counters.

            Options:
              --driver dpdk|af-packet  the datapath: DPDK poll-mode driver through the native shim,
                                       or a Linux AF_PACKET socket with PACKET_MMAP rings
              --iface IF               the Linux interface (for dpdk, through DPDK's net_af_packet;
                                       run inside the interface's network namespace)
              --pci ADDR               dpdk only: a NIC bound to vfio-pci by its PCI address, such as
                                       0000:03:00.0; its MAC is the NIC's; EAL takes hugepages and
                                       gets -a ADDR and a file prefix unless --eal gives them
                                       (docs/bare-metal.md); a PCI address given to --iface is taken so
              --port-id N              dpdk only: the N-th port EAL finds with --eal's arguments (such
                                       as --vdev=net_ring0, or -a ADDR); 0 for the first
              --ip A.B.C.D/NN          the address to answer ARP and ping for
              --eal "ARGS"             dpdk only: EAL arguments used as given; without it an --iface
                                       port uses --no-huge --no-pci --file-prefix=<unique>
                                       --vdev=net_af_packet0,iface=IF
              --threading MODE         shared (default: a thread that backs off when idle) or
                                       dedicated (a busy-spinning thread: bare metal)
              --interval-ms N          how often counters are printed (default 1000)
              --duration-s N           stop by itself after N seconds (default: run until stopped)
              --help                   this text

            On a veth, turn off the peer's transmit offloads (ethtool -K PEER tx off) so that
            frames arrive with real checksums.
            """;
    }

    public int run(final String[] argv) throws Exception
    {
        final Args args = Args.parse(name(), argv,
            ServeCommand.union(Ports.Target.OPTIONS, Set.of("driver", "ip", "eal", "threading", "interval-ms", "duration-s")),
            Set.of());
        final String driver = args.require("driver");
        final Ports.Target target = Ports.Target.of(args, name(), driver);
        final Ipv4Address.Cidr ip = parse(() -> Ipv4Address.parseCidr(args.require("ip")));
        final ThreadingMode mode = parse(() -> ThreadingMode.parse(args.get("threading", "shared")));
        if (mode == ThreadingMode.INVOKER)
        {
            throw new CliException("--threading invoker is for tests: choose shared or dedicated");
        }
        final long intervalMs = Math.max(10, args.getLong("interval-ms", 1000));
        final long durationMs = args.getLong("duration-s", 0) * 1000;

        final Counters counters = new Counters();
        final Shutdown shutdown = new Shutdown();
        final PacketPort port = Ports.open(driver, target, args.get("eal", null), counters, AfPacketPort.DEFAULT_RING_FRAMES);
        final NetCounters net = new NetCounters(counters, port.name());
        // The stack agent announces the address (gratuitous ARP) when it starts.
        final Ipv4Layer layer = new Ipv4Layer(port.macAddress(), ip, FrameOutput.of(port), net);

        out.printf("port %s mac %s answering ARP for %s (threading %s)%n",
            port.name(), MacAddress.format(port.macAddress()), ip, mode.name().toLowerCase());
        out.flush();

        final long startMs = System.currentTimeMillis();
        try (AgentHost host = AgentHost.start(mode, Throwable::printStackTrace,
            new StackAgent(port, layer, new SystemNanoClock(), 32)))
        {
            while (!shutdown.awaitFor(intervalMs))
            {
                out.println(line(port, net));
                out.flush();
                if (durationMs > 0 && System.currentTimeMillis() - startMs >= durationMs)
                {
                    break;
                }
            }
        }
        finally
        {
            out.println("final: " + line(port, net));
            out.flush();
            shutdown.done();
        }
        return 0;
    }

    private static String line(final PacketPort port, final NetCounters net)
    {
        return port.name() + " " + port.counters() + ", arp replies " + net.arpReplies.get() +
            ", icmp echo replies " + net.icmpEchoReplies.get();
    }

    static <T> T parse(final java.util.function.Supplier<T> parser)
    {
        try
        {
            return parser.get();
        }
        catch (final IllegalArgumentException | java.io.UncheckedIOException ex)
        {
            throw new CliException(ex.getMessage());
        }
    }
}
