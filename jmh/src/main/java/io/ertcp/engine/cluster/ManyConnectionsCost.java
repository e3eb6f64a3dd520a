package io.ertcp.engine.cluster;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.Ipv4Flyweight;
import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.net.NetCounters;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.tcp.TcpConfig;
import io.ertcp.engine.tcp.TcpStack;
import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The many-connections harness (issues 11/12): N echo connections through an ER-TCP cluster of real {@link ClusterNode}s
 * (primary, logger, one backup) on one in-memory LAN, all stepped on this thread in simulated time, reporting the
 * primary's thread CPU time per duty cycle with the N connections idle, and per request with every connection
 * sending a small request as soon as the last one came back (wrk's closed loop, a light one: 64 bytes each way).
 * If a duty cycle visited every connection, the idle figure would grow with N; see BENCHMARKS.md "Many connections".
 * <p>
 * {@code java -cp jmh/target/benchmarks.jar io.ertcp.engine.cluster.ManyConnectionsCost --connections 100,300,1000,3000}
 * ({@code --spare -1}: each node keeps as many spare connections built ahead as the run opens, tcp.spare-connections)
 */
public final class ManyConnectionsCost
{
    private static final int REQUEST = 64;

    private ManyConnectionsCost()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        String counts = "100,300,1000,3000";
        long idleMs = 200;
        long loadMs = 200;
        int spare = 0;
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if (arg.equals("--help"))
            {
                usage(null);
            }
            if (i + 1 >= args.length)
            {
                usage("the option " + arg + " needs a value");
            }
            switch (arg)
            {
                case "--connections" -> counts = args[++i];
                case "--idle-ms" -> idleMs = Long.parseLong(args[++i]);
                case "--load-ms" -> loadMs = Long.parseLong(args[++i]);
                case "--spare" -> spare = Integer.parseInt(args[++i]);
                default -> usage("unknown option " + arg);
            }
        }
        final double[] overhead = CpuMeter.calibrate();
        final PrintStream out = System.out;
        out.println("| connections | us CPU per connection opened: primary / backup | of it in idle cycles building ahead: primary / backup | longest duty cycle of the opens, us: primary / backup | ns per idle duty cycle: primary / logger / backup | primary ns per loaded duty cycle | us CPU per request: primary / logger / backup | requests per simulated s |");
        out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (final String count : counts.split(","))
        {
            final int connections = Integer.parseInt(count.trim());
            run(connections, spare < 0 ? connections : spare, idleMs * 1_000_000L, loadMs * 1_000_000L, overhead[0], out);
        }
    }

    private static void usage(final String problem)
    {
        final PrintStream out = null == problem ? System.out : System.err;
        if (null != problem)
        {
            out.println("many-connections: " + problem + ".");
        }
        out.println("usage: ManyConnectionsCost [--connections 100,300,1000,3000] [--idle-ms 200] [--load-ms 200] " +
            "[--spare N: tcp.spare-connections, -1 for as many as the connections opened; default 0]");
        System.exit(null == problem ? 0 : 2);
    }

    static void run(final int connections, final int spare, final long idleNs, final long loadNs, final double overheadNs,
        final PrintStream out)
    {
        try (InProcessCluster cluster = InProcessCluster.erTcpEdited(11, "echo", 1,
            t -> t.maxConnections(connections + 64).bufferKib(16).spareConnections(spare)))
        {
            final java.util.Map<String, CpuMeter> meters = new java.util.LinkedHashMap<>();
            cluster.nodes.keySet().forEach(name -> meters.put(name, new CpuMeter(name)));
            final CpuMeter meter = meters.get("primary");
            final java.util.Map<String, long[]> ahead = new java.util.HashMap<>();
            cluster.nodes.keySet().forEach(name -> ahead.put(name, new long[1]));
            cluster.stepper = (name, node) ->
            {
                try
                {
                    final CpuMeter m = meters.get(name);
                    final long built = builtAhead(node);
                    final long cpu0 = m.cpuNs;
                    m.measure(node);
                    if (builtAhead(node) > built)
                    {
                        // A cycle that did nothing but build ahead (spare connections): idle time, not the opens'.
                        ahead.get(name)[0] += m.cpuNs - cpu0;
                    }
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(name + "'s duty cycle failed", ex);
                }
            };
            if (!cluster.runUntil(() -> null != cluster.primary() && cluster.node("backup1").membership().view(1).heard(),
                2_000_000_000L))
            {
                throw new IllegalStateException("no primary within 2 s simulated");
            }
            final Clients clients = new Clients(cluster, connections);
            // Idle time before the opens (the nodes build their spare connections in it, a few each idle cycle).
            clients.run(100_000_000L + spare * 100_000L);
            final Requester[] requesters = new Requester[connections];
            meters.values().forEach(m -> { m.reset(); m.on = true; });
            ahead.values().forEach(a -> a[0] = 0);
            for (int i = 0; i < connections; i++)
            {
                requesters[i] = new Requester();
                clients.stack.connect(clients.ip, clients.vip, 7, requesters[i]);
                if (i % 32 == 31)
                {
                    clients.run(1_000_000L);
                }
            }
            clients.run(500_000_000L);
            meters.values().forEach(m -> m.on = false);
            final double openUs = (meter.cpuNs - meter.cycles * overheadNs) / connections / 1e3;
            final double openBackupUs = (meters.get("backup1").cpuNs - meters.get("backup1").cycles * overheadNs) / connections / 1e3;
            final double aheadUs = ahead.get("primary")[0] / 1e3 / connections;
            final double aheadBackupUs = ahead.get("backup1")[0] / 1e3 / connections;
            final double longestOpenUs = meter.maxCycleNs / 1e3;
            final double longestOpenBackupUs = meters.get("backup1").maxCycleNs / 1e3;
            int open = 0;
            for (final Requester r : requesters)
            {
                open += r.open ? 1 : 0;
            }
            if (open != connections)
            {
                throw new IllegalStateException(open + " of " + connections + " connections opened");
            }
            final ClusterNode primary = cluster.primary();
            if (primary.connectionCount() != connections)
            {
                throw new IllegalStateException("the primary holds " + primary.connectionCount() + " connections, not " + connections);
            }
            // Idle: nothing moves but heartbeats.
            clients.run(idleNs);
            meters.values().forEach(m -> { m.reset(); m.on = true; });
            clients.run(idleNs);
            meters.values().forEach(m -> m.on = false);
            final double idleCycle = (meter.cpuNs - meter.cycles * overheadNs) / meter.cycles;
            final double loggerIdle = perCycle(meters.get("logger"), overheadNs);
            final double backupIdle = perCycle(meters.get("backup1"), overheadNs);
            // Loaded: every connection in a closed loop.
            for (final Requester r : requesters)
            {
                r.start();
            }
            clients.run(loadNs);
            final long requests0 = Requester.requests;
            final long start = cluster.now[0];
            meters.values().forEach(m -> { m.reset(); m.on = true; });
            clients.run(loadNs);
            meters.values().forEach(m -> m.on = false);
            final long requests = Requester.requests - requests0;
            final double loadedCycle = (meter.cpuNs - meter.cycles * overheadNs) / meter.cycles;
            final double perRequestUs = (meter.cpuNs - meter.cycles * overheadNs) / Math.max(1, requests) / 1e3;
            final double perSecond = requests / ((cluster.now[0] - start) / 1e9);
            Requester.requests = 0;
            for (final Requester r : requesters)
            {
                r.looping = false;
            }
            final double loggerUs = meters.get("logger").cpuNs / Math.max(1.0, requests) / 1e3;
            final double backupUs = meters.get("backup1").cpuNs / Math.max(1.0, requests) / 1e3;
            out.println(String.format(Locale.ROOT, "| %,d | %,.1f / %,.1f | %,.1f / %,.1f | %,.0f / %,.0f | %,.0f / %,.0f / %,.0f | %,.0f | %,.1f / %,.1f / %,.1f | %,.0f |",
                connections, openUs, openBackupUs, aheadUs, aheadBackupUs, longestOpenUs, longestOpenBackupUs, idleCycle, loggerIdle, backupIdle, loadedCycle, perRequestUs, loggerUs, backupUs, perSecond));
        }
    }

    /** What a node built ahead so far (connections and replicas, not those an open had to build): spares. */
    private static long builtAhead(final ClusterNode node)
    {
        final io.ertcp.engine.replication.replica.ReplicatedService replicated = node.role().replicated();
        long built = null == replicated ? 0 :
            replicated.replicasPooled() + replicated.connectionCount() - replicated.replicasBuiltOnOpen();
        final TcpStack stack = node.stack();
        if (null != stack)
        {
            built += stack.connectionsBuilt() - stack.connectionsBuiltOnOpen();
        }
        return built;
    }

    private static double perCycle(final CpuMeter m, final double overheadNs)
    {
        return (m.cpuNs - m.cycles * overheadNs) / Math.max(1, m.cycles);
    }

    /** A client machine with room for every connection, stepped after the cluster in each step. */
    static final class Clients
    {
        final InProcessCluster cluster;
        final MemoryPort port;
        final Ipv4Layer layer;
        final TcpStack stack;
        final int ip = Ipv4Address.parse("10.80.0.3");
        final int vip = Ipv4Address.parse(InProcessCluster.VIP);

        Clients(final InProcessCluster cluster, final int connections)
        {
            this.cluster = cluster;
            final long mac = MacAddress.parse("02:00:00:00:00:03");
            this.port = cluster.lan.newPort("clients", mac);
            final Counters counters = new Counters(512);
            this.layer = new Ipv4Layer(mac, new Ipv4Address.Cidr(ip, 24), FrameOutput.of(port), new NetCounters(counters, "clients"));
            this.stack = new TcpStack(new TcpConfig().maxConnections(connections + 64).receiveBufferBytes(16 * 1024)
                .sendBufferBytes(16 * 1024).isnSecretSeed(cluster.now[0]), layer, counters);
            layer.register(Ipv4Flyweight.PROTOCOL_TCP, stack);
        }

        void run(final long ns)
        {
            final long end = cluster.now[0] + ns;
            while (cluster.now[0] < end)
            {
                cluster.step();
                layer.nowNs(cluster.now[0]);
                while (port.receive(layer, 256) > 0)
                {
                    stack.doWork(cluster.now[0]);
                }
                stack.doWork(cluster.now[0]);
                port.flush();
            }
        }
    }

    /** One connection: after {@link #start()}, 64 bytes out, 64 back, again. */
    static final class Requester implements TcpService
    {
        static long requests;
        private static final UnsafeBuffer PAYLOAD = new UnsafeBuffer(new byte[REQUEST]);
        boolean open;
        boolean looping;
        private int back;
        private Connection connection;

        public String name()
        {
            return "requester";
        }

        public void onOpen(final Connection connection)
        {
            this.connection = connection;
            open = true;
        }

        void start()
        {
            looping = true;
            send();
        }

        private void send()
        {
            back = 0;
            connection.write(PAYLOAD, 0, REQUEST);
        }

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            back += length;
            if (back >= REQUEST)
            {
                requests++;
                if (looping)
                {
                    send();
                }
            }
            return length;
        }

        public void onPeerClosed(final Connection connection)
        {
        }

        public void onWritable(final Connection connection)
        {
        }

        public void onClosed(final Connection connection, final CloseReason reason)
        {
            open = false;
        }
    }
}
