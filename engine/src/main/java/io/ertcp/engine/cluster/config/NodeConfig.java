package io.ertcp.engine.cluster.config;

import io.ertcp.engine.agent.ThreadingMode;
import io.ertcp.engine.net.Ipv4Address;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One member of the cluster as the file names it: what {@code ./ertcp node --name NAME} starts.
 *
 * @param name            unique in the cluster; letters, digits, '-', '_' and '.'.
 * @param role            the role it starts in.
 * @param rank            primary and backups: the takeover order, lowest first; empty for a
 *                        logger or witness.
 * @param driver          the datapath.
 * @param iface           the Linux interface (for dpdk, driven through net_af_packet); "" when the node names its DPDK
 *                        port by {@code pci} or {@code port-id}.
 * @param eal             dpdk only: EAL arguments used as given.
 * @param mac             the node's own MAC; empty means the interface's.
 * @param address         the node's own IPv4 address on the VIP's prefix, for management
 *                        ({@code ./ertcp status}) and its own ARP; empty if it needs none.
 * @param threading       shared or dedicated.
 * @param slowNsPerRecord backups only: extra work per record, to make a backup slow on purpose.
 * @param line            the line of the node in the file, for later messages; 0 when unknown.
 * @param pci             dpdk only: the NIC's PCI address in DPDK's form ({@code 0000:03:00.0}), bound to vfio-pci.
 * @param portId          dpdk only: the DPDK port id among the ports EAL finds with {@code eal}.
 * @param replication     the port the replication channel runs on, apart from the clients' port; empty means the
 *                        channel shares it (docs/architecture.md rule 8).
 */
public record NodeConfig(
    String name,
    Role role,
    OptionalInt rank,
    Driver driver,
    String iface,
    Optional<String> eal,
    OptionalLong mac,
    Optional<Ipv4Address.Cidr> address,
    ThreadingMode threading,
    long slowNsPerRecord,
    int line,
    Optional<String> pci,
    OptionalInt portId,
    Optional<Replication> replication)
{
    /** A node on a Linux interface. */
    public NodeConfig(
        final String name,
        final Role role,
        final OptionalInt rank,
        final Driver driver,
        final String iface,
        final Optional<String> eal,
        final OptionalLong mac,
        final Optional<Ipv4Address.Cidr> address,
        final ThreadingMode threading,
        final long slowNsPerRecord,
        final int line)
    {
        this(name, role, rank, driver, iface, eal, mac, address, threading, slowNsPerRecord, line, Optional.empty(),
            OptionalInt.empty(), Optional.empty());
    }

    /**
     * A node's replication port, named as its port is: a Linux interface, or for dpdk a PCI address or port id.
     *
     * @param iface  the Linux interface; "" when the port is named by {@code pci} or {@code portId}.
     * @param pci    dpdk only: the NIC's PCI address.
     * @param portId dpdk only: the DPDK port id among the ports EAL finds.
     * @param mac    the node's MAC on this port; empty means the port's own.
     */
    public record Replication(String iface, Optional<String> pci, OptionalInt portId, OptionalLong mac)
    {
        /** A replication interface: a Linux interface, and its MAC if given. */
        public Replication(final String iface, final OptionalLong mac)
        {
            this(iface, Optional.empty(), OptionalInt.empty(), mac);
        }

        /** The port as a person names it: the interface, {@code pci 0000:03:00.1} or {@code dpdk port 1}. */
        public String portName()
        {
            return NodeConfig.portName(iface, pci, portId);
        }
    }

    /** The port as a person names it: the interface, {@code pci 0000:03:00.0} or {@code dpdk port 0}. */
    public String portName()
    {
        return portName(iface, pci, portId);
    }

    private static String portName(final String iface, final Optional<String> pci, final OptionalInt portId)
    {
        return pci.map(p -> "pci " + p).orElseGet(() -> portId.isPresent() ? "dpdk port " + portId.getAsInt() : iface);
    }

    /** Holds the service's state and may become primary. */
    public boolean candidate()
    {
        return role == Role.PRIMARY || role == Role.BACKUP;
    }

    /**
     * @return the MAC the replication channel's frames of this node come from, when the file gives it: the
     * {@code replication-mac} with a replication port, else the node's {@code mac}.
     */
    public OptionalLong channelMac()
    {
        return replication.isPresent() ? replication.get().mac() : mac;
    }
}
