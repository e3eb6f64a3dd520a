package io.ertcp.engine.cluster.config;

import io.ertcp.engine.agent.ThreadingMode;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.MacAddress;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The cluster file's {@code nodes} list, for {@link ClusterFileReader}, which reads the other sections first and
 * hands over what they hold (the mode, the VIP and its MAC, the gateway, the fencing hook). Each node is read on its
 * own (name, role, rank, driver, its port by interface, PCI address or port id, its MACs unique in the file, address,
 * threading, its replication port); then come the rules between the nodes and the rest of the file: the roles a mode
 * allows and a majority for every takeover, each node's address against the VIP, the replication interfaces. Every
 * problem goes to the file's one {@link Problems}.
 */
final class NodeListReader extends ValueReader
{
    private final YamlSection top;
    private final ClusterMode mode;
    private final Ipv4Address.Cidr vip;
    private final long vipMac;
    private final OptionalInt gateway;
    private final Optional<String> fencingHook;
    private final List<NodeConfig> nodes;
    private final List<String> warnings;

    Node nodesNode;
    /** Set when a node could not be read: the rules between roles would then report phantoms. */
    boolean nodeUnreadable;

    NodeListReader(final Problems problems, final YamlSection top, final ClusterMode mode, final Ipv4Address.Cidr vip,
        final long vipMac, final OptionalInt gateway, final Optional<String> fencingHook, final List<NodeConfig> nodes,
        final List<String> warnings)
    {
        super(problems);
        this.top = top;
        this.mode = mode;
        this.vip = vip;
        this.vipMac = vipMac;
        this.gateway = gateway;
        this.fencingHook = fencingHook;
        this.nodes = nodes;
        this.warnings = warnings;
    }

    void readNodes()
    {
        nodesNode = top.value("nodes");
        if (nodesNode == null)
        {
            problems.add(top.node(), "the cluster file lacks 'nodes': list each node with name, role, driver and interface.");
            return;
        }
        if (!(nodesNode instanceof final SequenceNode list) || list.getValue().isEmpty())
        {
            problems.add(nodesNode, "'nodes' is not a list of nodes: write each as '- name: ...' with role, driver and interface.");
            return;
        }
        final Map<String, Node> names = new HashMap<>();
        final Map<Long, String> macs = new HashMap<>();
        final Map<Integer, String> ranks = new HashMap<>();
        int index = 0;
        for (final Node item : list.getValue())
        {
            index++;
            if (!(item instanceof final MappingNode mapping))
            {
                problems.add(item, "node " + index + " is not a mapping: write it as '- name: ...' with role, driver and interface.");
                continue;
            }
            final NodeConfig node = readNode(index, mapping, names, macs, ranks);
            if (node != null)
            {
                nodes.add(node);
            }
            else
            {
                nodeUnreadable = true;
            }
        }
    }

    NodeConfig readNode(
        final int index,
        final MappingNode mapping,
        final Map<String, Node> names,
        final Map<Long, String> macs,
        final Map<Integer, String> ranks)
    {
        final YamlSection probe = new YamlSection("node " + index, mapping, ClusterFileReader.NODE_KEYS, new Problems());
        final String rawName = probe.text("name", false, "");
        final String where = rawName != null ? "node '" + rawName + "'" : "node " + index;
        final YamlSection section = new YamlSection(where, mapping, ClusterFileReader.NODE_KEYS, problems);
        final String name = name(section, "name", where, "primary");
        if (name != null && names.putIfAbsent(name, mapping) != null)
        {
            problems.add(section.value("name"), "node name '" + name + "' is used twice (first on line " +
                line(names.get(name)) + "): give each node its own name.");
        }

        Role role = null;
        final String roleText = section.text("role", true, "backup");
        if (roleText != null)
        {
            role = Role.byText(roleText);
            if (role == null)
            {
                problems.add(section.value("role"), where + " has unknown role '" + roleText +
                    "': choose primary, logger, backup or witness.");
            }
        }

        OptionalInt rank = OptionalInt.empty();
        if (section.has("rank"))
        {
            final long value = number(section, "rank", -1, 0, 1000);
            if (role == Role.LOGGER || role == Role.WITNESS)
            {
                problems.add(section.at("rank"), where + " is a " + role.text() + " and has a rank: drop it " +
                    "(ranks order the primary and backups for takeover).");
            }
            else if (value >= 0)
            {
                rank = OptionalInt.of((int)value);
                final String other = ranks.putIfAbsent((int)value, name);
                if (other != null)
                {
                    problems.add(section.value("rank"), where + " has rank " + value + ", as node '" + other +
                        "' has: give each backup its own rank.");
                }
            }
        }
        else if (role == Role.BACKUP)
        {
            problems.add(mapping, where + " is a backup without a rank: add rank: N (the lowest takes over first).");
        }
        else if (role == Role.PRIMARY)
        {
            rank = OptionalInt.of(0);
            final String other = ranks.putIfAbsent(0, name);
            // a second primary is reported once, by checkRoles, not again for its rank
            if (other != null && nodes.stream().noneMatch(node -> node.role() == Role.PRIMARY))
            {
                problems.add(mapping, where + " is the primary and takes rank 0, which node '" + other +
                    "' has: give that backup a rank of 1 or more.");
            }
        }

        Driver driver = null;
        final String driverText = section.text("driver", true, "af-packet");
        if (driverText != null)
        {
            driver = Driver.byText(driverText);
            if (driver == null)
            {
                problems.add(section.value("driver"), where + " has unknown driver '" + driverText +
                    "': choose dpdk or af-packet.");
            }
        }
        final boolean dpdkPort = section.has("pci") || section.has("port-id");
        final String iface = dpdkPort ? dpdkPort(section, where, driver, "") : section.text("interface", true, "eth0");
        final Optional<String> pci = pci(section, "", dpdkPort && null != iface);
        final OptionalInt portId = portId(section, "", dpdkPort && null != iface);
        final String eal = section.text("eal", false, "\"-l 1 -a 0000:03:00.0\"");
        if (eal != null && driver == Driver.AF_PACKET)
        {
            problems.add(section.at("eal"), where + " gives eal arguments with the af-packet driver: drop eal, " +
                "or use driver: dpdk.");
        }

        final OptionalLong mac = uniqueMac(section, "mac", "02:00:00:00:00:01", "interface's",
            "' has: give each node its own MAC.", where, name, macs);

        Optional<Ipv4Address.Cidr> address = Optional.empty();
        final String addressText = section.text("address", false, "10.80.0.11/24");
        if (addressText != null)
        {
            final Ipv4Address.Cidr parsed = parse(section, "address", addressText,
                text -> Ipv4Address.parseCidr(text.indexOf('/') < 0 && vip != null ? text + "/" + vip.prefixLength() : text));
            if (parsed != null)
            {
                address = Optional.of(parsed);
            }
        }

        ThreadingMode threading = ThreadingMode.SHARED;
        final String threadingText = section.text("threading", false, "shared");
        if (threadingText != null)
        {
            if (threadingText.equals("dedicated"))
            {
                threading = ThreadingMode.DEDICATED;
            }
            else if (!threadingText.equals("shared"))
            {
                problems.add(section.value("threading"), where + " has threading '" + threadingText +
                    "': choose shared or dedicated.");
            }
        }

        long slowNs = 0;
        if (section.has("slow-ns-per-record"))
        {
            slowNs = number(section, "slow-ns-per-record", 0, 0, 1_000_000_000L);
            if (role != null && role != Role.BACKUP)
            {
                problems.add(section.at("slow-ns-per-record"), where + " is a " + role.text() +
                    " and has slow-ns-per-record: drop it (only a backup may be made slow on purpose).");
            }
        }

        final Optional<NodeConfig.Replication> replication =
            replication(section, where, name, driver, iface, pci, portId, macs);

        if (name == null || role == null || driver == null || iface == null)
        {
            return null;
        }
        return new NodeConfig(name, role, rank, driver, iface, Optional.ofNullable(eal), mac, address, threading,
            Math.max(0, slowNs), line(mapping), pci, portId, replication);
    }

    /**
     * A dpdk node that names its port by PCI address ({@code pci}) or DPDK port id ({@code port-id}) instead of a Linux
     * interface: only with driver dpdk, one of the two, no interface beside it. The same for its replication port with
     * {@code prefix} "replication-" ({@code replication-pci}, {@code replication-port-id}).
     *
     * @return "" (the node has no Linux interface of its own), or null with a problem.
     */
    String dpdkPort(final YamlSection section, final String where, final Driver driver, final String prefix)
    {
        final String pciKey = prefix + "pci";
        final String portIdKey = prefix + "port-id";
        final String interfaceKey = prefix + "interface";
        final String key = section.has(pciKey) ? pciKey : portIdKey;
        boolean ok = true;
        if (driver == Driver.AF_PACKET)
        {
            problems.add(section.at(key), where + " names a DPDK port with " + key + " but has driver af-packet: use " +
                "driver: dpdk, or give af-packet a Linux interface with " + interfaceKey + ": and drop " + key + ".");
            ok = false;
        }
        if (section.has(pciKey) && section.has(portIdKey))
        {
            problems.add(section.at(portIdKey), where + " gives both " + pciKey + " and " + portIdKey + ": keep one (" +
                pciKey + " names the NIC, " + portIdKey + " the N-th port EAL finds).");
            ok = false;
        }
        if (section.has(interfaceKey))
        {
            problems.add(section.at(interfaceKey), where + " gives " + interfaceKey + " beside " + key + ": drop " +
                interfaceKey + " (a NIC bound to vfio-pci has no Linux interface), or drop " + key + " to drive the " +
                "interface through net_af_packet.");
            ok = false;
        }
        if (section.has(pciKey))
        {
            final String text = section.text(pciKey, false, "0000:03:00.0");
            if (null == text)
            {
                return null;
            }
            if (!io.ertcp.engine.port.DpdkPort.isPciAddress(text))
            {
                problems.add(section.value(pciKey), where + " " + pciKey + " '" + text + "' is not a PCI address: " +
                    "write it as DDDD:BB:DD.F, such as 0000:03:00.0 (dpdk-devbind.py --status lists the NICs).");
                ok = false;
            }
        }
        else if (number(section, portIdKey, 0, 0, 1023) < 0)
        {
            ok = false;
        }
        return ok ? "" : null;
    }

    /** The PCI address of {@code prefix + "pci"} in DPDK's form, when {@code valid}. */
    static Optional<String> pci(final YamlSection section, final String prefix, final boolean valid)
    {
        return valid && section.has(prefix + "pci") ?
            Optional.of(io.ertcp.engine.port.DpdkPort.pciAddress(section.text(prefix + "pci", false, "0000:03:00.0"))) :
            Optional.empty();
    }

    /** The port id of {@code prefix + "port-id"}, when {@code valid}. */
    OptionalInt portId(final YamlSection section, final String prefix, final boolean valid)
    {
        return valid && section.has(prefix + "port-id") ?
            OptionalInt.of((int)number(section, prefix + "port-id", 0, 0, 1023)) : OptionalInt.empty();
    }

    /**
     * A node's replication port (docs/cluster-file.md, "A separate replication interface"): a
     * {@code replication-interface}, or with driver dpdk a {@code replication-pci} or {@code replication-port-id},
     * never the node's own port; and its {@code replication-mac}.
     *
     * @return empty when the node has none, or with a problem.
     */
    Optional<NodeConfig.Replication> replication(final YamlSection section, final String where,
        final String name, final Driver driver, final String iface, final Optional<String> pci,
        final OptionalInt portId, final Map<Long, String> macs)
    {
        final boolean dpdkPort = section.has("replication-pci") || section.has("replication-port-id");
        if (!dpdkPort && !section.has("replication-interface"))
        {
            if (section.has("replication-mac"))
            {
                problems.add(section.at("replication-mac"), where + " has replication-mac without " +
                    "replication-interface: add replication-interface, or drop replication-mac (the channel then " +
                    "uses mac).");
            }
            return Optional.empty();
        }
        final String replicationIface = dpdkPort ? dpdkPort(section, where, driver, "replication-") :
            section.text("replication-interface", false, "eth1");
        final Optional<String> replicationPci = pci(section, "replication-", dpdkPort && null != replicationIface);
        final OptionalInt replicationPortId = portId(section, "replication-", dpdkPort && null != replicationIface);
        final String key = dpdkPort ? (section.has("replication-pci") ? "replication-pci" : "replication-port-id") :
            "replication-interface";
        if (null != replicationIface && !replicationIface.isEmpty() && replicationIface.equals(iface) ||
            replicationPci.isPresent() && replicationPci.equals(pci) ||
            replicationPortId.isPresent() && replicationPortId.equals(portId))
        {
            final String same = replicationPci.orElseGet(() -> replicationPortId.isPresent() ?
                Integer.toString(replicationPortId.getAsInt()) : replicationIface);
            final String own = dpdkPort ? key.substring("replication-".length()) : "interface";
            problems.add(section.value(key), where + " has " + key + " " + same + ", its " + own + " too: name " +
                "another " + (dpdkPort ? "port" : "interface") + " (a VLAN or NIC of its own), or drop " + key +
                " to run the channel on the " + own + ".");
        }
        final OptionalLong replicationMac = section.has("replication-mac") ?
            replicationMac(section, where, name, macs) : OptionalLong.empty();
        if (null == replicationIface)
        {
            return Optional.empty();
        }
        return Optional.of(new NodeConfig.Replication(replicationIface, replicationPci, replicationPortId,
            replicationMac));
    }

    /** A node's MAC on its replication interface: unicast, not the virtual MAC, unique among every MAC of the file. */
    OptionalLong replicationMac(final YamlSection section, final String where, final String name,
        final Map<Long, String> macs)
    {
        return uniqueMac(section, "replication-mac", "02:00:00:00:01:01", "replication interface's",
            "' has a mac: give each interface of each node its own MAC.", where, name, macs);
    }

    /**
     * The MAC a node's {@code key} gives, if any: unicast, not the virtual MAC, unique among every MAC of the file
     * (noted in {@code macs}); each of those problems one sentence.
     *
     * @param ownInterface whose MAC is used without the key, for the advice.
     * @param duplicate    the sentence's end after the other node's name, when the MAC is taken.
     */
    OptionalLong uniqueMac(final YamlSection section, final String key, final String example,
        final String ownInterface, final String duplicate, final String where, final String name,
        final Map<Long, String> macs)
    {
        final String text = section.text(key, false, example);
        final Long parsed = text == null ? null : parse(section, key, text, MacAddress::parse);
        if (parsed == null)
        {
            return OptionalLong.empty();
        }
        if (MacAddress.isGroup(parsed))
        {
            problems.add(section.value(key), where + " " + key + " " + text + " is a multicast address: use a " +
                "unicast one, or drop " + key + " to use the " + ownInterface + ".");
        }
        else if (parsed == vipMac)
        {
            problems.add(section.value(key), where + " " + key + " " + text + " is the virtual MAC: give the node " +
                "its own, or drop " + key + " to use the " + ownInterface + ".");
        }
        else
        {
            final String other = macs.putIfAbsent(parsed, name);
            if (other != null)
            {
                problems.add(section.value(key), where + " has " + key + " " + text + ", as node '" + other + duplicate);
            }
        }
        return OptionalLong.of(parsed);
    }

    /** The roles a mode allows, and a majority for every takeover (docs/architecture.md rule 4). */
    void checkRoles()
    {
        if (nodesNode == null || mode == null || nodeUnreadable)
        {
            return;
        }
        final Node at = top.at("nodes");
        final List<NodeConfig> primaries = byRole(Role.PRIMARY);
        final List<NodeConfig> loggers = byRole(Role.LOGGER);
        final List<NodeConfig> backups = byRole(Role.BACKUP);
        final List<NodeConfig> witnesses = byRole(Role.WITNESS);
        if (primaries.isEmpty())
        {
            problems.add(at, "no node is the primary: give exactly one node role: primary.");
        }
        for (final NodeConfig extra : primaries.subList(Math.min(1, primaries.size()), primaries.size()))
        {
            problems.add(extra.line(), "node '" + extra.name() + "' is a second primary (after '" +
                primaries.getFirst().name() + "'): make it a backup with a rank.");
        }
        if (mode == ClusterMode.ER_TCP)
        {
            if (loggers.isEmpty())
            {
                problems.add(at, "mode er-tcp has no logger: give one node role: logger, or use mode: st-tcp.");
            }
            for (final NodeConfig extra : loggers.subList(Math.min(1, loggers.size()), loggers.size()))
            {
                problems.add(extra.line(), "node '" + extra.name() + "' is a second logger: make it a backup " +
                    "(a backup is promoted when the logger is lost).");
            }
            for (final NodeConfig witness : witnesses)
            {
                problems.add(witness.line(), "node '" + witness.name() + "' is a witness in mode er-tcp, where " +
                    "the logger already votes: drop it, or make it a backup.");
            }
        }
        else
        {
            for (final NodeConfig logger : loggers)
            {
                problems.add(logger.line(), "node '" + logger.name() + "' is a logger in mode st-tcp, which has " +
                    "none (the backup confirms): make it a backup or a witness, or use mode: er-tcp.");
            }
            if (backups.isEmpty())
            {
                problems.add(at, "mode st-tcp has no backup: give one node role: backup with a rank.");
            }
            for (final NodeConfig extra : backups.subList(Math.min(1, backups.size()), backups.size()))
            {
                problems.add(extra.line(), "node '" + extra.name() + "' is a second backup in mode st-tcp, which " +
                    "runs one (the backup that taps the client and confirms): make it a witness, or use mode: er-tcp " +
                    "for several backups.");
            }
            if (primaries.size() == 1 && backups.size() == 1 && witnesses.isEmpty() && loggers.isEmpty() &&
                fencingHook.isEmpty())
            {
                problems.add(at, "a primary and one backup alone have no majority, so a takeover could " +
                    "split the brain: add a node with role: witness, or set failure-detection fencing-hook.");
            }
        }
    }

    void checkNodeAddresses()
    {
        final Map<Integer, String> seen = new HashMap<>();
        for (final NodeConfig node : nodes)
        {
            if (node.address().isEmpty())
            {
                continue;
            }
            final Ipv4Address.Cidr address = node.address().get();
            final String text = Ipv4Address.format(address.address());
            if (vip != null && address.address() == vip.address())
            {
                problems.add(node.line(), "node '" + node.name() + "' address " + text + " is the VIP: give the " +
                    "node its own address.");
            }
            else if (vip != null && !vip.contains(address.address()))
            {
                problems.add(node.line(), "node '" + node.name() + "' address " + text + " is not on the VIP's " +
                    "prefix " + vip + ": give an address inside it.");
            }
            else if (gateway.isPresent() && gateway.getAsInt() == address.address())
            {
                problems.add(node.line(), "node '" + node.name() + "' address " + text + " is the gateway's: " +
                    "give the node its own address.");
            }
            final String other = seen.putIfAbsent(address.address(), node.name());
            if (other != null)
            {
                problems.add(node.line(), "node '" + node.name() + "' has address " + text + ", as node '" + other +
                    "' has: give each node its own address.");
            }
        }
    }

    /**
     * A node without a replication interface speaks on its interface: where others have one, that interface must
     * reach their replication LAN (a logger or witness may live on the replication LAN alone); a warning, since the
     * LANs may be joined.
     */
    void checkReplicationInterfaces()
    {
        final List<String> with = nodes.stream().filter(n -> n.replication().isPresent()).map(NodeConfig::name).toList();
        final List<String> without = nodes.stream().filter(n -> n.replication().isEmpty()).map(NodeConfig::name).toList();
        if (!with.isEmpty() && !without.isEmpty())
        {
            warnings.add("node(s) " + String.join(", ", with) + " run the replication channel on a replication-interface " +
                "and " + String.join(", ", without) + " on their interface: those interfaces must be on the replication " +
                "LAN (give each node replication-interface to keep the channel off the clients' LAN).");
        }
    }

    List<NodeConfig> byRole(final Role role)
    {
        return nodes.stream().filter(node -> node.role() == role).toList();
    }
}
