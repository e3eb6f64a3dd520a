package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.ClusterTemplate;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.Ipv4Flyweight;
import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.net.NetCounters;
import io.ertcp.engine.node.StackAgent;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.lan.MemorySwitch;
import io.ertcp.engine.service.ServiceFactory;
import io.ertcp.engine.tcp.TcpStack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the per-byte cost harness steps: the echo service behind the VIP on one in-memory LAN with the test client,
 * either as the engine alone (one {@link StackAgent}, as {@code ertcp serve} runs it) or as a whole cluster of real
 * {@link ClusterNode}s ({@link InProcessCluster}). Every server-side duty cycle runs through a {@link CpuMeter} of its
 * node; the client's does not.
 */
abstract class CostRig implements AutoCloseable
{
    final Map<String, CpuMeter> meters = new LinkedHashMap<>();
    final HopCounter hops = new HopCounter();

    abstract InProcessCluster.Client client();

    abstract long nowNs();

    /** One step of simulated time: every node's duty cycle, then the client's. */
    abstract void step();

    /** The cluster has a primary that its members heard (the engine alone: at once). */
    abstract boolean ready();

    /** Every replica applied all the log holds (the engine alone: always). */
    abstract boolean caughtUp();

    /** Where the logs live, or null (the engine alone keeps none). */
    abstract Path logDirectory();

    /** Each node's state now, for the report. */
    abstract String state(String node);

    /** Each node's counters now (the engine alone: none). */
    void counters(final String node, final java.util.function.ObjLongConsumer<String> consumer)
    {
    }

    void meter(final boolean on)
    {
        meters.values().forEach(m -> m.on = on);
        hops.on = on;
    }

    static CostRig of(final String configuration, final long seed)
    {
        return of(configuration, seed, java.util.function.UnaryOperator.identity());
    }

    /**
     * @param edit applied to the test cluster's settings (the harness's {@code --security none}); the engine alone has none.
     */
    static CostRig of(final String configuration, final long seed, final java.util.function.UnaryOperator<ClusterTemplate> edit)
    {
        return switch (configuration)
        {
            case "engine" -> new Engine(seed);
            case "er-tcp-0" -> new Cluster(InProcessCluster.erTcpEdited(seed, "echo", 0, edit));
            case "er-tcp-1" -> new Cluster(InProcessCluster.erTcpEdited(seed, "echo", 1, edit));
            case "er-tcp-2" -> new Cluster(InProcessCluster.erTcpEdited(seed, "echo", 2, edit));
            case "st-tcp" -> new Cluster(InProcessCluster.stTcpEdited(seed, "echo", edit));
            default -> throw new IllegalArgumentException("unknown configuration '" + configuration +
                "': choose engine, er-tcp-0, er-tcp-1, er-tcp-2 or st-tcp");
        };
    }

    /** Real cluster nodes, each node's duty cycle timed on its own meter. */
    static final class Cluster extends CostRig
    {
        private final InProcessCluster cluster;

        Cluster(final InProcessCluster cluster)
        {
            this.cluster = cluster;
            cluster.nodes.keySet().forEach(name -> meters.put(name, new CpuMeter(name)));
            cluster.ports.forEach(hops::port);
            hops.port("client", cluster.client.port);
            cluster.lan.observer(hops);
            cluster.stepper = (name, node) ->
            {
                try
                {
                    meters.get(name).measure(node);
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(name + "'s duty cycle failed", ex);
                }
            };
        }

        InProcessCluster.Client client()
        {
            return cluster.client;
        }

        long nowNs()
        {
            return cluster.now[0];
        }

        void step()
        {
            cluster.step();
        }

        boolean ready()
        {
            final ClusterNode primary = cluster.primary();
            if (null == primary)
            {
                return false;
            }
            for (final ClusterNode node : cluster.nodes.values())
            {
                if (!node.membership().view(primary.nodeId()).heard())
                {
                    return false;
                }
            }
            return true;
        }

        boolean caughtUp()
        {
            long end = 0;
            for (final ClusterNode node : cluster.nodes.values())
            {
                if (node.state() != ClusterNode.State.WITNESS)
                {
                    end = Math.max(end, node.logPosition());
                }
            }
            for (final ClusterNode node : cluster.nodes.values())
            {
                if (node.state() == ClusterNode.State.BACKUP && node.appliedPosition() < end)
                {
                    return false;
                }
            }
            return true;
        }

        Path logDirectory()
        {
            return cluster.directory;
        }

        String state(final String node)
        {
            return cluster.node(node).state().name().toLowerCase(java.util.Locale.ROOT);
        }

        void counters(final String node, final java.util.function.ObjLongConsumer<String> consumer)
        {
            cluster.node(node).counters().forEach(consumer);
        }

        public void close()
        {
            cluster.close();
        }
    }

    /** The engine alone: port, IPv4, TCP and echo on one {@link StackAgent}, with the cluster's TCP settings. */
    static final class Engine extends CostRig
    {
        private final long[] now = {1_000_000_000L};
        private final InProcessCluster.Client client;
        private final StackAgent agent;
        private final CpuMeter meter = new CpuMeter("engine");

        Engine(final long seed)
        {
            final MemorySwitch lan = new MemorySwitch(() -> now[0], seed, new Counters(256));
            final ClusterConfig config = InProcessCluster.template("echo", 0, Path.of("unused")).config();
            final int vip = Ipv4Address.parse(InProcessCluster.VIP);
            final long mac = MacAddress.parse("02:00:00:00:00:64");
            final MemoryPort port = lan.newPort("engine", mac);
            final Counters counters = new Counters(4096);
            final Ipv4Layer layer = new Ipv4Layer(mac, new Ipv4Address.Cidr(vip, 24), FrameOutput.of(port),
                new NetCounters(counters, port.name()));
            final TcpStack tcp = new TcpStack(config.tcp().toTcpConfig(), layer, counters);
            layer.register(Ipv4Flyweight.PROTOCOL_TCP, tcp);
            final ServiceFactory.ServiceSpec echo = ServiceFactory.byName("echo", List.of());
            tcp.listen(vip, echo.port(), echo.service());
            this.agent = new StackAgent(port, layer, () -> now[0], 32, tcp::doWork);
            this.client = new InProcessCluster.Client(lan, now);
            meters.put("engine", meter);
            hops.port("engine", port);
            hops.port("client", client.port);
            lan.observer(hops);
            agent.onStart();
        }

        InProcessCluster.Client client()
        {
            return client;
        }

        long nowNs()
        {
            return now[0];
        }

        void step()
        {
            now[0] += InProcessCluster.STEP_NS;
            try
            {
                meter.measure(agent);
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException("the engine's duty cycle failed", ex);
            }
            client.step(now[0]);
        }

        boolean ready()
        {
            return true;
        }

        boolean caughtUp()
        {
            return true;
        }

        Path logDirectory()
        {
            return null;
        }

        String state(final String node)
        {
            return "serve";
        }

        public void close()
        {
            agent.onClose();
        }
    }

    static List<String> configurations()
    {
        return new ArrayList<>(List.of("engine", "er-tcp-0", "er-tcp-1", "er-tcp-2", "st-tcp"));
    }
}
