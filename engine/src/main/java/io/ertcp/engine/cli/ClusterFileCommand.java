package io.ertcp.engine.cli;

import io.ertcp.engine.agent.ThreadingMode;
import io.ertcp.engine.cluster.config.ClusterConfigException;
import io.ertcp.engine.cluster.config.ClusterTemplate;
import io.ertcp.engine.service.ServiceCatalogue;
import io.ertcp.engine.tcp.CongestionControlAlgorithm;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * {@code ertcp cluster-file}: prints a commented cluster file for a topology told in a few options, built by
 * {@link ClusterTemplate} and checked by reading it back, as the demo, the test harnesses and the benches make theirs.
 */
final class ClusterFileCommand implements Command
{
    private static final Set<String> WITH_VALUE = Set.of("name", "mode", "backups", "service", "service-class",
        "service-jar", "service-options", "port", "vip", "vip-mac", "gateway", "durability", "heartbeat-interval",
        "suspect-timeout", "fencing-hook", "log-dir", "retention", "roll-cycle", "log-file", "key-file", "security",
        "replication-mtu", "management-port", "congestion", "buffer-kib", "max-connections", "spare-connections", "nagle",
        "driver",
        "interface", "pci", "port-id", "eal", "threading");
    private static final Set<String> FLAGS = Set.of("numbered-backups", "no-witness", "no-macs", "no-addresses");

    private final PrintStream out;

    ClusterFileCommand(final PrintStream out)
    {
        this.out = out;
    }

    public String name()
    {
        return "cluster-file";
    }

    public String summary()
    {
        return "print a commented cluster file for a topology (mode, backups, service, VIP, key)";
    }

    public String help()
    {
        final StringBuilder serviceOptions = new StringBuilder();
        for (final ServiceCatalogue.Option option : ServiceCatalogue.ALL_OPTIONS)
        {
            final String owner = ServiceCatalogue.BUILT_INS.stream()
                .filter(entry -> entry.option(option.key()).isPresent()).findFirst().orElseThrow().name();
            serviceOptions.append(String.format("  %-26s%s only: %s%n", option.flag() +
                (option.kind() == ServiceCatalogue.Kind.FLAG ? "" : option.kind() == ServiceCatalogue.Kind.PATH ?
                    " DIR" : " N"), owner, option.help()));
        }
        return """
            Usage: ./ertcp cluster-file (--key-file FILE | --security none) [options] > cluster.yaml

            Prints a cluster file (docs/cluster-file.md), every value written and commented, for the
            topology the options describe; it is checked by reading it back, so a topology that
            would make a bad file is refused with the file's own sentences. The nodes: the primary,
            in er-tcp the logger, the backups ranked 1..N and in st-tcp a witness. Each node is a
            host number on the VIP's prefix (primary .11, logger .12, backups .13 on, witness .15)
            with a MAC that is the virtual MAC with those digits last (02:00:00:00:00:11).

            Options:
              --name NAME               the cluster's name (default demo)
              --mode M                  er-tcp (default) or st-tcp
              --backups N               er-tcp: how many backups (default 1); st-tcp runs one
              --numbered-backups        name a single backup backup1, as several are named
              --no-witness              st-tcp: no witness (then give --fencing-hook)
              --service NAME            %s (default echo)
              --service-class CLASS     your own service, from --service-jar (needs --port)
              --service-jar JAR         the jar, at the same path on every node
              --service-options K=V,... your service's options
              --port N                  the service's port (default: the service's)
            %s  --vip A.B.C.D/NN          the service address and its prefix (default 10.80.0.100/24)
              --vip-mac MAC             the virtual MAC (default 02:00:00:00:00:64)
              --gateway A.B.C.D         the next hop for clients off the prefix
              --durability RULE         logger, logger+K or backup (default: the mode's)
              --heartbeat-interval D    default 10ms
              --suspect-timeout D       default five heartbeats
              --fencing-hook CMD        run before a takeover; must cut the old primary off
              --log-dir DIR             each node logs under DIR/NODE (default ertcp-log)
              --retention D             default 1h
              --roll-cycle C            hourly (default) or seconds (tests)
              --log-file FILE           each node's log lines to FILE, not stdout (relative: in DIR/NODE)
              --key-file FILE           the cluster key (make it with ./ertcp keygen FILE)
              --security none           no authentication of the replication channel (benchmarks)
              --replication-mtu N       the replication frames' size, 1280 to 9216 (default 1500;
                                        9000 where every port and the switch carry jumbo frames)
              --management-port N       every node's GET /status and /metrics port (default 9464)
              --congestion ALG          cubic (default) or newreno
              --buffer-kib N            per connection (default 256)
              --max-connections N       default 100000
              --spare-connections N     connections built ahead in idle time (default 0)
              --nagle true|false        default true, except netpipe
              --driver D                af-packet (default) or dpdk, every node
              --interface IF            every node's interface (default eth0, a namespace's veth end)
              --pci ADDR                dpdk: every node's NIC by PCI address (bound to vfio-pci),
                                        instead of --interface
              --port-id N               dpdk: every node's N-th port EAL finds, instead of --interface
              --eal "ARGS"              dpdk: EAL arguments for every node
              --threading MODE          shared (default) or dedicated, every node
              --no-macs                 leave the nodes' MACs out (they use their interfaces')
              --no-addresses            leave the nodes' addresses out (no management endpoints;
                                        ./ertcp status reads the nodes' status files)
              --help                    this text

            Example: ./ertcp cluster-file --mode st-tcp --service http --root /srv/www \\
                       --key-file /etc/ertcp/cluster.key > cluster.yaml
            """.formatted(String.join(", ", ServiceCatalogue.NAMES), serviceOptions);
    }

    public int run(final String[] argv)
    {
        final Set<String> withValue = new HashSet<>(WITH_VALUE);
        final Set<String> flags = new HashSet<>(FLAGS);
        for (final ServiceCatalogue.Option option : ServiceCatalogue.ALL_OPTIONS)
        {
            (option.kind() == ServiceCatalogue.Kind.FLAG ? flags : withValue).add(option.key());
        }
        final Args args = Args.parse(name(), argv, withValue, flags);
        try
        {
            out.print(template(args).text());
        }
        catch (final ClusterConfigException ex)
        {
            throw new CliException("the topology makes no good cluster file:" + System.lineSeparator() +
                String.join(System.lineSeparator(), ex.problems()));
        }
        catch (final IllegalArgumentException | IllegalStateException ex)
        {
            throw new CliException(ex.getMessage());
        }
        return 0;
    }

    static ClusterTemplate template(final Args args)
    {
        final ClusterTemplate template = new ClusterTemplate();
        template.name(args.get("name", "demo")).mode(args.get("mode", "er-tcp"))
            .backups(args.has("backups") ? whole(args, "backups") : 1)
            .numberedBackups(args.has("numbered-backups"))
            .witness(!args.has("no-witness"))
            .macs(!args.has("no-macs"))
            .addresses(!args.has("no-addresses"));
        if (args.has("service-class") || args.has("service-jar"))
        {
            if (args.has("service"))
            {
                throw new CliException("give --service NAME for a built-in service or --service-class and " +
                    "--service-jar for your own, not both");
            }
            template.serviceClass(args.require("service-class"), Path.of(args.require("service-jar")));
            ServiceChoice.options(args.get("service-options", "")).forEach(template::serviceOption);
            template.servicePort(whole(args, "port"));
        }
        else
        {
            final String service = args.get("service", "echo");
            final ServiceCatalogue.Entry entry = ServiceCatalogue.byName(service).orElseThrow(() -> new CliException(
                "unknown service '" + service + "': choose one of " + String.join(", ", ServiceCatalogue.NAMES)));
            template.service(service);
            if (args.has("port"))
            {
                template.servicePort(whole(args, "port"));
            }
            for (final ServiceCatalogue.Option option : ServiceCatalogue.ALL_OPTIONS)
            {
                if (!args.has(option.key()))
                {
                    continue;
                }
                if (entry.option(option.key()).isEmpty())
                {
                    throw new CliException(option.flag() + " does not apply to the " + service + " service: it takes " +
                        entry.optionsPhrase());
                }
                template.serviceOption(option.key(), args.get(option.key(), null));
            }
        }
        if (args.has("vip"))
        {
            template.vip(args.get("vip", null));
        }
        if (args.has("vip-mac"))
        {
            template.vipMac(args.get("vip-mac", null));
        }
        if (args.has("gateway"))
        {
            template.gateway(args.get("gateway", null));
        }
        if (args.has("durability"))
        {
            template.durability(args.get("durability", null));
        }
        if (args.has("heartbeat-interval"))
        {
            template.heartbeat(args.get("heartbeat-interval", null));
        }
        if (args.has("suspect-timeout"))
        {
            template.suspectTimeout(args.get("suspect-timeout", null));
        }
        if (args.has("fencing-hook"))
        {
            template.fencingHook(args.get("fencing-hook", null));
        }
        if (args.has("log-dir"))
        {
            template.logDir(Path.of(args.get("log-dir", null)));
        }
        if (args.has("retention"))
        {
            template.retention(args.get("retention", null));
        }
        if (args.has("roll-cycle"))
        {
            template.rollCycle(args.get("roll-cycle", null));
        }
        if (args.has("log-file"))
        {
            template.logFile(Path.of(args.get("log-file", null)));
        }
        security(args, template);
        if (args.has("replication-mtu"))
        {
            template.replicationMtu(whole(args, "replication-mtu"));
        }
        if (args.has("management-port"))
        {
            template.managementPort(whole(args, "management-port"));
        }
        if (args.has("congestion"))
        {
            final String name = args.get("congestion", null);
            template.congestion(switch (name)
            {
                case "cubic" -> CongestionControlAlgorithm.CUBIC;
                case "newreno" -> CongestionControlAlgorithm.NEWRENO;
                default -> throw new CliException("unknown congestion control '" + name + "': choose cubic or newreno");
            });
        }
        if (args.has("buffer-kib"))
        {
            template.bufferKib(whole(args, "buffer-kib"));
        }
        if (args.has("max-connections"))
        {
            template.maxConnections(whole(args, "max-connections"));
        }
        if (args.has("spare-connections"))
        {
            template.spareConnections(whole(args, "spare-connections"));
        }
        if (args.has("nagle"))
        {
            final String nagle = args.get("nagle", null);
            if (!nagle.equals("true") && !nagle.equals("false"))
            {
                throw new CliException("--nagle takes true or false, not '" + nagle + "'");
            }
            template.nagle(Boolean.parseBoolean(nagle));
        }
        template.driver(args.get("driver", "af-packet")).iface(args.get("interface", "eth0"));
        port(args, template);
        if (args.has("eal"))
        {
            template.eal(args.get("eal", null));
        }
        if (args.has("threading"))
        {
            final ThreadingMode mode = ThreadingMode.parse(args.get("threading", null));
            if (mode == ThreadingMode.INVOKER)
            {
                throw new CliException("--threading invoker is for tests: choose shared or dedicated");
            }
            template.threading(mode);
        }
        return template;
    }

    /** A whole-number option; one too large for an int is kept too large, so that the reader refuses it. */
    private static int whole(final Args args, final String name)
    {
        final long value = args.getLong(name, 0);
        return (int)Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, value));
    }

    /** {@code --pci} or {@code --port-id}: a dpdk node's port without a Linux interface, one of the three. */
    private static void port(final Args args, final ClusterTemplate template)
    {
        final int given = (args.has("interface") ? 1 : 0) + (args.has("pci") ? 1 : 0) + (args.has("port-id") ? 1 : 0);
        if (given > 1)
        {
            throw new CliException("give one of --interface IF, --pci ADDR and --port-id N: each names the nodes' port");
        }
        if (args.has("pci"))
        {
            template.pci(args.get("pci", null));
        }
        else if (args.has("port-id"))
        {
            template.portId(whole(args, "port-id"));
        }
    }

    private static void security(final Args args, final ClusterTemplate template)
    {
        if (args.has("key-file") == args.has("security"))
        {
            throw new CliException(args.has("key-file") ? "give --key-file FILE or --security none, not both" :
                "choose the replication channel's security: --key-file FILE (make one with ./ertcp keygen FILE) or " +
                    "--security none (unauthenticated, benchmarks only)");
        }
        if (args.has("key-file"))
        {
            template.keyFile(Path.of(args.get("key-file", null)));
            return;
        }
        final String security = args.get("security", null);
        if (!security.toLowerCase(Locale.ROOT).equals("none"))
        {
            throw new CliException("--security takes only none; for a key give --key-file FILE");
        }
        template.securityNone();
    }
}
