package io.ertcp.engine.cli;

import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.Driver;
import io.ertcp.engine.cluster.config.NodeConfig;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.MacAddress;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code ertcp lan up|down}: the one-machine namespace topology of docs/cluster-file.md ({@link NamespaceLan}, the
 * same builder the demo and the system tests use) for the nodes of one or more cluster files, left standing for the
 * caller to start nodes in: what the bench scripts run on. Each node gets the namespace {@code PREFIX-NAME}, the
 * bridge {@code PREFIX-lan} and the kernel client {@code PREFIX-client}.
 */
final class LanCommand implements Command
{
    /** Short enough that every name stays readable; letters and digits so it is safe in {@code ip netns}. */
    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9]{0,7}");

    private final PrintStream out;

    LanCommand(final PrintStream out)
    {
        this.out = out;
    }

    public String name()
    {
        return "lan";
    }

    public String summary()
    {
        return "make (or remove) the namespaces, veths and bridge of a cluster file's nodes on this machine";
    }

    public String help()
    {
        return """
            Usage: ./ertcp lan up --config FILE[,FILE...] [--prefix NAME] [--client CIDR] [--hub]
                   ./ertcp lan down [--prefix NAME]

            up makes, as root, the topology the demo and the system tests run on (docs/cluster-file.md,
            "One machine"): a namespace NAME-lan holding the bridge br0, and for every node of the
            cluster files a namespace NAME-NODE whose eth0 is a veth on that bridge with the node's MAC
            from the file and no kernel address (the node's user-space stack answers for it and for the
            VIP), plus a kernel client in NAME-client at CIDR with its transmit offloads off (so that
            the nodes read real checksums). A node with a replication-interface gets a second veth on a
            second bridge, br1. Then start each node in its namespace:
              ip netns exec NAME-primary ./ertcp node --config FILE --name primary
            Several files (comma-separated) share one LAN: a node named in more than one must have the
            same MAC in each (as ./ertcp cluster-file gives for every mode). up notes what it makes in
            /run/ertcp/lan-NAME and refuses when that LAN, or a namespace it would make, exists already;
            down kills every process in those namespaces and deletes them, and nothing else.

            Options:
              --config FILE[,FILE...]  the cluster files whose nodes to make (up)
              --prefix NAME            the namespaces' prefix: a letter, then up to 7 letters or digits
                                       (default ertcp)
              --client CIDR            the client's kernel address (default: the VIP's network, host .2)
              --hub                    a bridge that floods every frame (ageing_time 0), as an ST-TCP
                                       backup needs to tap the client's frames; a witness is spared it
              --help                   this text
            """;
    }

    public int run(final String[] argv) throws Exception
    {
        if (argv.length == 0 || !(argv[0].equals("up") || argv[0].equals("down")))
        {
            throw new CliException("say up or down: ./ertcp lan up --config FILE, or ./ertcp lan down");
        }
        final String[] rest = java.util.Arrays.copyOfRange(argv, 1, argv.length);
        final Args args = Args.parse(name(), rest, Set.of("config", "prefix", "client"), Set.of("hub"));
        final String prefix = prefix(args.get("prefix", "ertcp"));
        if (!Shell.isRoot())
        {
            throw new CliException("lan makes network namespaces, which needs root: run it as root");
        }
        if (argv[0].equals("down"))
        {
            final int removed = down(prefix);
            out.println(removed < 0 ? "lan: nothing to remove: no LAN with prefix " + prefix + " was made here (" +
                record(prefix) + " records what ./ertcp lan up made)" :
                "lan: removed the " + removed + " namespaces of the LAN " + prefix + ", and what ran in them");
            return 0;
        }
        if (!args.has("config"))
        {
            throw new CliException("name the cluster files whose nodes to make: ./ertcp lan up --config FILE");
        }
        final List<ClusterConfig> configs = new ArrayList<>();
        for (final String file : args.get("config", "").split(","))
        {
            configs.add(NodeCommand.load(file.trim()));
        }
        final String client = args.has("client") ? args.get("client", "") : defaultClient(configs.getFirst());
        final List<NamespaceLan.Member> members = members(configs, client, args.has("hub"));
        final Path record = record(prefix);
        if (Files.exists(record))
        {
            throw new CliException("a LAN with prefix " + prefix + " was made already (" + record + "): ./ertcp lan " +
                "down --prefix " + prefix + " first (it kills what runs there)");
        }
        final List<String> existing = sh(false, "ip", "netns", "list").stream().map(line -> line.split("\\s+")[0])
            .toList();
        for (final String hint : wanted(members))
        {
            if (existing.contains(prefix + "-" + hint))
            {
                throw new CliException("the namespace " + prefix + "-" + hint + " exists already: remove it " +
                    "(ip netns del " + prefix + "-" + hint + ") or choose another --prefix");
            }
        }
        final Map<String, String> made;
        try
        {
            made = NamespaceLan.build(new Host(prefix, record), "lan", args.has("hub"), members);
        }
        catch (final CliException ex)
        {
            down(prefix);
            throw ex;
        }
        made.forEach((hint, ns) -> out.println(hint + " " + ns));
        return 0;
    }

    /** The namespaces' short names, the bridge's first. */
    private static List<String> wanted(final List<NamespaceLan.Member> members)
    {
        final List<String> hints = new ArrayList<>(List.of("lan"));
        members.forEach(member -> hints.add(member.hint()));
        return hints;
    }

    /** Where up notes each namespace it makes, for down to remove exactly those. */
    static Path record(final String prefix)
    {
        return Path.of(System.getProperty("ertcp.lan.dir", "/run/ertcp"), "lan-" + prefix);
    }

    /**
     * The LAN's members: every node of the files once, in the order the files name them, then the client.
     *
     * @throws CliException when a node cannot live in a namespace of this LAN (a NIC by PCI address, an interface
     *                      other than eth0) or two files give one node different MACs.
     */
    static List<NamespaceLan.Member> members(final List<ClusterConfig> configs, final String clientCidr,
        final boolean hub)
    {
        final Map<String, NodeConfig> nodes = new LinkedHashMap<>();
        for (final ClusterConfig config : configs)
        {
            for (final NodeConfig node : config.nodes())
            {
                if (node.pci().isPresent() || (node.driver() == Driver.DPDK && node.portId().isPresent()))
                {
                    throw new CliException("node " + node.name() + " names a DPDK NIC (pci or port-id), which a " +
                        "namespace cannot hold: lan is for af-packet nodes (or dpdk with a net_af_packet vdev) on eth0");
                }
                if (!node.iface().equals("eth0"))
                {
                    throw new CliException("node " + node.name() + " has iface " + node.iface() + ", but lan gives " +
                        "each node eth0 in its namespace: write iface: eth0 (./ertcp cluster-file does)");
                }
                final NodeConfig seen = nodes.putIfAbsent(node.name(), node);
                if (seen != null && !seen.mac().equals(node.mac()))
                {
                    throw new CliException("node " + node.name() + " has two MACs in the files (" + mac(seen) + " and " +
                        mac(node) + "): one LAN needs one MAC per node");
                }
            }
        }
        final List<NodeConfig> union = new ArrayList<>(nodes.values());
        final List<String> ports = union.stream().map(NodeConfig::name).toList();
        // The bridge's end of a node's veth: v-NAME, or v and its place when that is over Linux's 15 characters.
        final List<NamespaceLan.Member> members = new ArrayList<>(NamespaceLan.nodes(union, name -> name,
            name -> name.length() <= 13 ? "v-" + name : "v" + (ports.indexOf(name) + 1), hub));
        final Ipv4Address.Cidr cidr;
        try
        {
            if (clientCidr.indexOf('/') < 0)
            {
                throw new IllegalArgumentException("no prefix length: the client would have no route to the VIP");
            }
            cidr = Ipv4Address.parseCidr(clientCidr);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CliException("--client " + clientCidr + " is not an address with a prefix length, such as " +
                "10.81.0.2/24");
        }
        for (final NodeConfig node : union)
        {
            if (node.address().isPresent() && node.address().get().address() == cidr.address())
            {
                throw new CliException("--client " + clientCidr + " is node " + node.name() + "'s address: give the " +
                    "client another one");
            }
        }
        members.add(NamespaceLan.Member.client("client", "v-client", clientCidr));
        return members;
    }

    /** The VIP's network with host .2: the client address ./ertcp cluster-file's numbering leaves free. */
    static String defaultClient(final ClusterConfig config)
    {
        final Ipv4Address.Cidr vip = config.vip().address();
        return Ipv4Address.format((vip.address() & vip.netmask()) | 2) + "/" + vip.prefixLength();
    }

    static String prefix(final String prefix)
    {
        if (!PREFIX.matcher(prefix).matches())
        {
            throw new CliException("--prefix " + prefix + " is not a letter followed by up to 7 letters or digits");
        }
        return prefix;
    }

    private static String mac(final NodeConfig node)
    {
        return node.mac().isPresent() ? MacAddress.format(node.mac().getAsLong()) : "none";
    }

    /** Kill what runs in the prefix's namespaces, then delete them. */
    private static int down(final String prefix) throws IOException, InterruptedException
    {
        final Path record = record(prefix);
        if (!Files.exists(record))
        {
            return -1;
        }
        final List<String> names = Files.readAllLines(record).stream().filter(line -> !line.isBlank()).toList();
        for (final String ns : names)
        {
            for (final String pid : sh(false, "ip", "netns", "pids", ns))
            {
                if (pid.matches("\\d+"))
                {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
        for (final String ns : names)
        {
            sh(false, "ip", "netns", "del", ns);
        }
        Files.delete(record);
        return names.size();
    }

    private static final class Host implements NamespaceLan.Host
    {
        private final String prefix;
        private final Path record;

        Host(final String prefix, final Path record)
        {
            this.prefix = prefix;
            this.record = record;
        }

        public String namespace(final String hint)
        {
            final String ns = prefix + "-" + hint;
            try
            {
                Files.createDirectories(record.getParent());
                Files.writeString(record, ns + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            catch (final IOException ex)
            {
                throw new CliException("lan: cannot note the namespaces it makes in " + record + ": " + ex.getMessage());
            }
            run("ip", "netns", "add", ns);
            run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
            run("ip", "-n", ns, "link", "set", "lo", "up");
            return ns;
        }

        public void run(final String... command)
        {
            try
            {
                sh(true, command);
            }
            catch (final IOException ex)
            {
                throw new CliException("lan: '" + String.join(" ", command) + "' failed: " + ex.getMessage());
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new CliException("lan: interrupted");
            }
        }
    }

    private static List<String> sh(final boolean check, final String... command) throws IOException, InterruptedException
    {
        return Shell.run("lan", check, command);
    }
}
