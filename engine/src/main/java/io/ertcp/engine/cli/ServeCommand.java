package io.ertcp.engine.cli;

import io.ertcp.engine.agent.AgentHost;
import io.ertcp.engine.agent.ThreadingMode;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.Ipv4Flyweight;
import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.net.NetCounters;
import io.ertcp.engine.node.StackAgent;
import io.ertcp.engine.port.AfPacketPort;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.port.PacketPort;
import io.ertcp.engine.service.ServiceCatalogue;
import io.ertcp.engine.tcp.CongestionControlAlgorithm;
import io.ertcp.engine.tcp.ServiceClock;
import io.ertcp.engine.tcp.TcpConfig;
import io.ertcp.engine.tcp.TcpStack;
import io.ertcp.service.TcpService;
import org.agrona.concurrent.SystemNanoClock;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code ertcp serve}: one standalone node. A port, the IPv4 layer, the TCP stack and one service,
 * all on one {@link StackAgent}; no replication.
 */
final class ServeCommand implements Command
{
    private final PrintStream out;

    ServeCommand(final PrintStream out)
    {
        this.out = out;
    }

    public String name()
    {
        return "serve";
    }

    public String summary()
    {
        return "run one standalone node: the user-space TCP/IP stack serving echo, discard, netpipe, http, kv or your own service";
    }

    public String help()
    {
        return """
            Usage: ./ertcp serve --driver dpdk|af-packet --iface IF --ip A.B.C.D/NN --service NAME [options]
                   ./ertcp serve --driver dpdk --pci ADDR|--port-id N --ip A.B.C.D/NN --service NAME [options]
                   ./ertcp serve --driver ... --iface IF --ip A.B.C.D/NN --service-class CLASS --service-jar JAR
                                 --port N [--service-options K=V,...] [options]

            Runs one node without replication: the port, ARP, IPv4, ICMP echo and the user-space
            TCP stack, serving one service. Prints where it listens; prints its counters on
            SIGHUP (kill -HUP PID), every --stats-interval-ms if given, and on exit (Ctrl-C, SIGTERM).

            Services (default port):
            %s
            Options:
              --driver dpdk|af-packet   the datapath (see ./ertcp port --help)
              --iface IF                the Linux interface; run inside its network namespace
              --pci ADDR                dpdk only: a NIC bound to vfio-pci by its PCI address (see
                                        ./ertcp port --help and docs/bare-metal.md)
              --port-id N               dpdk only: the N-th port EAL finds with --eal's arguments
              --ip A.B.C.D/NN           the node's address and on-link prefix
              --gateway A.B.C.D         the next hop for peers off the prefix
              --service NAME            %s
              --service-class CLASS     your own service (an io.ertcp.service.TcpService), by its full
                                        class name, loaded from --service-jar; needs --port
              --service-jar JAR         the jar that holds --service-class (docs/writing-a-service.md)
              --service-options K=V,... options for your service's constructor taking a Map
              --port N                  listen on N instead of the service's default
              --root DIR                http only: the directory served
              --eal "ARGS"              dpdk only: EAL arguments used as given
              --threading MODE          shared (default; backs off when idle) or dedicated
                                        (busy-spins a core: lowest latency, for benchmarks)
              --congestion ALG          cubic (default) or newreno
              --max-connections N       connection table size (default 100000)
              --buffer-kib N            send and receive buffer per connection (default 256);
                                        buffers are off-heap, taken as connections open and
                                        pooled: N x 2 KiB x connections must fit the launcher's
                                        ERTCP_DIRECT_MEMORY (8g), e.g. --buffer-kib 32 for 100,000;
                                        past that, new connections are refused and counted
              --no-nagle                send small segments at once (Nagle is on by default,
                                        except for netpipe, which runs without it as NPtcp does)
              --stats-interval-ms N     also print counters every N ms
              --duration-s N            stop by itself after N seconds
              --help                    this text

            On a veth, turn the peer's offloads off (ethtool -K PEER tx off tso off gso off) so
            that frames arrive with real checksums and at most MTU-sized.
            """.formatted(servicesHelp(), String.join(", ", ServiceCatalogue.NAMES.subList(0, ServiceCatalogue.NAMES.size() - 1)) +
                " or " + ServiceCatalogue.NAMES.getLast());
    }

    /** The built-in services as the catalogue names them, one a line: {@code   echo (7)       RFC 862: ...}. */
    static String servicesHelp()
    {
        final StringBuilder text = new StringBuilder();
        for (final ServiceCatalogue.Entry entry : ServiceCatalogue.BUILT_INS)
        {
            text.append(String.format("  %-14s %s%n", entry.name() + " (" + entry.defaultPort() + ")", entry.summary()));
        }
        return text.toString();
    }

    public int run(final String[] argv) throws Exception
    {
        final Args args = Args.parse(name(), argv,
            union(union(ServiceChoice.OPTIONS, Ports.Target.OPTIONS), Set.of("driver", "ip", "gateway", "port", "root", "eal", "threading",
                "congestion", "max-connections", "buffer-kib", "stats-interval-ms", "duration-s")),
            Set.of("no-nagle"));
        final String driver = args.require("driver");
        final Ports.Target target = Ports.Target.of(args, name(), driver);
        final Ipv4Address.Cidr ip = PortCommand.parse(() -> Ipv4Address.parseCidr(args.require("ip")));
        final ThreadingMode mode = PortCommand.parse(() -> ThreadingMode.parse(args.get("threading", "shared")));
        if (mode == ThreadingMode.INVOKER)
        {
            throw new CliException("--threading invoker is for tests: choose shared or dedicated");
        }
        final CongestionControlAlgorithm congestion = congestion(args.get("congestion", "cubic"));
        final List<String> serviceOptions = new ArrayList<>();
        if (args.has("root"))
        {
            serviceOptions.add("--root");
            serviceOptions.add(args.get("root", null));
        }
        final ServiceChoice choice = ServiceChoice.of(args, serviceOptions);
        if (choice.port() < 0 && !args.has("port"))
        {
            throw new CliException("a service of your own has no default port: give --port N");
        }
        final TcpService service = PortCommand.parse(() -> choice.factory().get());
        final int listenPort = (int)args.getLong("port", choice.port());
        if (listenPort < 1 || listenPort > 65535)
        {
            throw new CliException("--port must be between 1 and 65535, not " + listenPort);
        }
        final TcpConfig config = new TcpConfig()
            .congestionControl(congestion)
            .maxConnections((int)positive(args, "max-connections", 100_000))
            .receiveBufferBytes((int)positive(args, "buffer-kib", 256) * 1024)
            .sendBufferBytes((int)positive(args, "buffer-kib", 256) * 1024)
            // NetPIPE's own receiver sets TCP_NODELAY; so does ours, or every message past one MSS
            // would wait a delayed ACK for its tail.
            .nagle(!args.has("no-nagle") && !choice.name().equals("netpipe"));
        final long statsIntervalMs = args.getLong("stats-interval-ms", 0);
        final long durationMs = args.getLong("duration-s", 0) * 1000;

        final Counters counters = new Counters(4096);
        final Shutdown shutdown = new Shutdown();
        final PacketPort port = Ports.open(driver, target, args.get("eal", null), counters, AfPacketPort.DEFAULT_RING_FRAMES);
        final Ipv4Layer layer = new Ipv4Layer(port.macAddress(), ip, FrameOutput.of(port), new NetCounters(counters, port.name()));
        if (args.has("gateway"))
        {
            final int gateway = PortCommand.parse(() -> Ipv4Address.parse(args.get("gateway", null)));
            if (!ip.contains(gateway))
            {
                port.close();
                throw new CliException("the gateway " + Ipv4Address.format(gateway) + " is not on " + ip +
                    ": give a gateway inside the node's prefix");
            }
            layer.gateway(gateway);
        }
        final TcpStack tcp = new TcpStack(config, layer, counters);
        layer.register(Ipv4Flyweight.PROTOCOL_TCP, tcp);
        tcp.listen(ip.address(), listenPort, service);
        // Standalone there is no log: the service's clock is this host's (wall clock read once, then the agent's).
        final ServiceClock serviceClock = new ServiceClock(service);
        service.clusterClock(serviceClock);
        final SystemNanoClock nanoClock = new SystemNanoClock();
        final long wallOffsetNs = System.currentTimeMillis() * 1_000_000L - nanoClock.nanoTime();

        final AtomicBoolean printRequested = new AtomicBoolean();
        installHangupHandler(printRequested);
        out.printf("serve %s listening on %s:%d via %s (mac %s, threading %s, congestion %s)%n",
            service.name(), Ipv4Address.format(ip.address()), listenPort, port.name(),
            MacAddress.format(port.macAddress()), mode.name().toLowerCase(Locale.ROOT),
            congestion.name().toLowerCase(Locale.ROOT));
        out.flush();

        final long startMs = System.currentTimeMillis();
        long lastStatsMs = startMs;
        try (AgentHost ignored = AgentHost.start(mode, Throwable::printStackTrace,
            new StackAgent(port, layer, nanoClock, 32, nowNs -> serviceClock.advance(nowNs + wallOffsetNs), tcp::doWork)))
        {
            while (!shutdown.awaitFor(100))
            {
                final long nowMs = System.currentTimeMillis();
                if (printRequested.getAndSet(false) || (statsIntervalMs > 0 && nowMs - lastStatsMs >= statsIntervalMs))
                {
                    lastStatsMs = nowMs;
                    printCounters("counters", counters);
                }
                if (durationMs > 0 && nowMs - startMs >= durationMs)
                {
                    break;
                }
            }
        }
        finally
        {
            printCounters("final counters", counters);
            shutdown.done();
        }
        return 0;
    }

    static Set<String> union(final Set<String> a, final Set<String> b)
    {
        final java.util.HashSet<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return all;
    }

    private void printCounters(final String title, final Counters counters)
    {
        final StringBuilder sb = new StringBuilder(title).append(':').append(System.lineSeparator());
        counters.forEach((label, value) ->
        {
            if (value != 0)
            {
                sb.append("  ").append(label).append(' ').append(value).append(System.lineSeparator());
            }
        });
        out.print(sb);
        out.flush();
    }

    @SuppressWarnings("removal")
    static void installHangupHandler(final AtomicBoolean printRequested)
    {
        try
        {
            final sun.misc.SignalHandler before =
                sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> printRequested.set(true));
            if (sun.misc.SignalHandler.SIG_IGN == before)
            {
                // The JVM leaves a signal that was ignored when it started ignored (nohup does that), handler or not.
                org.slf4j.LoggerFactory.getLogger(ServeCommand.class).warn("SIGHUP was ignored when this process started " +
                    "(under nohup?), so kill -HUP prints no counters: read them with ./ertcp stat, or start it " +
                    "without nohup (setsid or systemd instead)");
            }
        }
        catch (final IllegalArgumentException ignore)
        {
            // SIGHUP is taken (for instance by -Xrs): counters still print on exit.
        }
    }

    private static CongestionControlAlgorithm congestion(final String name)
    {
        for (final CongestionControlAlgorithm algorithm : CongestionControlAlgorithm.values())
        {
            if (algorithm.name().equalsIgnoreCase(name))
            {
                return algorithm;
            }
        }
        throw new CliException("unknown congestion control '" + name + "': choose cubic or newreno");
    }

    private static long positive(final Args args, final String name, final long defaultValue)
    {
        final long value = args.getLong(name, defaultValue);
        if (value <= 0)
        {
            throw new CliException("--" + name + " must be positive, not " + value);
        }
        return value;
    }
}
