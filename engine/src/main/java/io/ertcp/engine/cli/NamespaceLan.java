package io.ertcp.engine.cli;

import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.NodeConfig;
import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.net.MacAddress;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The one-machine namespace topology of docs/cluster-file.md, built once for the demo and the system tests: a bridge
 * {@code br0} in a namespace of its own and one namespace per member (each node, a client), joined to the bridge by a
 * veth whose end in the member's namespace is {@code eth0} and whose end on the bridge is the member's port. A node's
 * {@code eth0} takes the node's MAC from the cluster file and no kernel address (the user-space stack answers for the
 * node and the VIP); a client gets its kernel address and its transmit offloads off, so that the nodes' raw-frame
 * readers see real checksums and frames no larger than the MTU.
 *
 * <p>With {@code flood} the bridge learns no address for long enough to use it ({@code ageing_time 0}) and so floods
 * every unicast frame to every port, like a hub: what an ST-TCP backup needs to tap the client's frames. A quiet member
 * (an ST-TCP witness) is spared that flood; frames to its own MAC still reach it through a static entry.
 *
 * <p>A node whose cluster file entry names a {@code replication-interface} gets a second veth, that interface in its
 * namespace (with its {@code replication-mac}), on a second bridge, {@code br1}, in the bridge's namespace: the
 * replication channel then crosses br1, and br0 carries only the clients' traffic (docs/cluster-file.md).
 *
 * <p>The caller owns the namespaces: {@link Host#namespace} makes each one (and is where a caller names and records
 * them, to delete them later).
 */
public final class NamespaceLan
{
    /** Where the topology is built. */
    public interface Host
    {
        /**
         * Make a network namespace with loopback up and IPv6 off.
         *
         * @param hint the member's short name.
         * @return the namespace's name.
         */
        String namespace(String hint);

        /** Run a command in the root namespace; a failure stops the build with an exception. */
        void run(String... command);
    }

    /**
     * One member of the LAN.
     *
     * @param hint    its short name, given to {@link Host#namespace}.
     * @param port    the bridge's end of its veth.
     * @param mac     its {@code eth0}'s MAC, or empty for the kernel's.
     * @param address its kernel address as {@code A.B.C.D/NN} (a client), or empty (a node).
     * @param client  a kernel client: its transmit offloads go off.
     * @param quiet   spared the bridge's flood (an ST-TCP witness); needs a MAC.
     * @param replication its port on the replication bridge br1, or empty for none.
     */
    public record Member(String hint, String port, OptionalLong mac, Optional<String> address, boolean client,
        boolean quiet, Optional<ReplicationLink> replication)
    {
        /** A kernel client with an address. */
        public static Member client(final String hint, final String port, final String cidr)
        {
            return new Member(hint, port, OptionalLong.empty(), Optional.of(cidr), true, false, Optional.empty());
        }
    }

    /**
     * A node's link to the replication bridge br1.
     *
     * @param port  the bridge's end of the veth.
     * @param iface the end in the node's namespace, its {@code replication-interface}.
     * @param mac   that interface's MAC, or empty for the kernel's.
     */
    public record ReplicationLink(String port, String iface, OptionalLong mac)
    {
    }

    private NamespaceLan()
    {
    }

    /**
     * The nodes of a cluster file as members, in file order: each with its MAC from the file.
     *
     * @param hint         a node's short name from its name.
     * @param port         its bridge port from its name.
     * @param quietWitness spare a witness the flood.
     */
    public static List<Member> nodes(final ClusterConfig config, final Function<String, String> hint,
        final Function<String, String> port, final boolean quietWitness)
    {
        return nodes(config.nodes(), hint, port, quietWitness);
    }

    /**
     * Nodes as members, in the order given: each with its MAC.
     *
     * @param hint         a node's short name from its name.
     * @param port         its bridge port from its name.
     * @param quietWitness spare a witness the flood.
     */
    public static List<Member> nodes(final List<NodeConfig> nodes, final Function<String, String> hint,
        final Function<String, String> port, final boolean quietWitness)
    {
        final List<Member> members = new ArrayList<>();
        for (final NodeConfig node : nodes)
        {
            final Optional<ReplicationLink> replication = node.replication()
                .filter(link -> link.pci().isEmpty() && link.portId().isEmpty())
                .map(link -> new ReplicationLink("r" + port.apply(node.name()).substring(1), link.iface(), link.mac()));
            members.add(new Member(hint.apply(node.name()), port.apply(node.name()), node.mac(), Optional.empty(), false,
                quietWitness && node.role() == Role.WITNESS && node.mac().isPresent(), replication));
        }
        return members;
    }

    /**
     * Build the LAN.
     *
     * @param lanHint the bridge namespace's short name.
     * @param flood   a bridge that floods every frame ({@code ageing_time 0}).
     * @return each namespace's name by its hint, the bridge's first.
     */
    public static Map<String, String> build(final Host host, final String lanHint, final boolean flood,
        final List<Member> members)
    {
        final Map<String, String> names = new LinkedHashMap<>();
        final String lan = host.namespace(lanHint);
        names.put(lanHint, lan);
        final List<String> bridge = new ArrayList<>(List.of("ip", "-n", lan, "link", "add", "br0", "type", "bridge",
            "stp_state", "0", "forward_delay", "0"));
        if (flood)
        {
            // A hub: the bridge keeps no address it learns and floods every unicast frame, so the backup taps them.
            bridge.addAll(List.of("ageing_time", "0"));
        }
        host.run(bridge.toArray(String[]::new));
        host.run("ip", "-n", lan, "link", "set", "br0", "up");
        if (members.stream().anyMatch(member -> member.replication().isPresent()))
        {
            host.run("ip", "-n", lan, "link", "add", "br1", "type", "bridge", "stp_state", "0", "forward_delay", "0");
            host.run("ip", "-n", lan, "link", "set", "br1", "up");
        }
        for (final Member member : members)
        {
            final String ns = host.namespace(member.hint());
            names.put(member.hint(), ns);
            host.run("ip", "link", "add", member.port(), "netns", lan, "type", "veth", "peer", "name", "eth0", "netns", ns);
            host.run("ip", "-n", lan, "link", "set", member.port(), "master", "br0", "up");
            if (member.mac().isPresent())
            {
                host.run("ip", "-n", ns, "link", "set", "eth0", "address", MacAddress.format(member.mac().getAsLong()));
            }
            host.run("ip", "-n", ns, "link", "set", "eth0", "up");
            if (member.replication().isPresent())
            {
                final ReplicationLink link = member.replication().get();
                host.run("ip", "link", "add", link.port(), "netns", lan, "type", "veth", "peer", "name", link.iface(),
                    "netns", ns);
                host.run("ip", "-n", lan, "link", "set", link.port(), "master", "br1", "up");
                if (link.mac().isPresent())
                {
                    host.run("ip", "-n", ns, "link", "set", link.iface(), "address",
                        MacAddress.format(link.mac().getAsLong()));
                }
                host.run("ip", "-n", ns, "link", "set", link.iface(), "up");
            }
            if (member.address().isPresent())
            {
                host.run("ip", "-n", ns, "addr", "add", member.address().get(), "dev", "eth0");
            }
            if (member.client())
            {
                // Real checksums and MTU-sized frames from the client's kernel: the nodes read raw frames.
                host.run("ip", "netns", "exec", ns, "ethtool", "-K", "eth0", "tx", "off", "tso", "off", "gso", "off",
                    "gro", "off");
            }
            if (member.quiet())
            {
                // It only votes: spare it the flood of the clients' traffic (on a 2-core machine it would read every
                // frame). Frames to its own MAC still reach it (a static entry, which ageing_time 0 does not age), and
                // so do the heartbeats (multicast floods on).
                host.run("ip", "netns", "exec", lan, "bridge", "link", "set", "dev", member.port(), "flood", "off");
                host.run("ip", "netns", "exec", lan, "bridge", "fdb", "add", MacAddress.format(member.mac().getAsLong()),
                    "dev", member.port(), "master", "static");
            }
        }
        return names;
    }
}
