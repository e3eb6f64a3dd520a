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
 * @param iface           the interface (for dpdk, the Linux name or PCI address as {@code ./ertcp serve} takes it).
 * @param eal             dpdk only: EAL arguments used as given.
 * @param mac             the node's own MAC; empty means the interface's.
 * @param address         the node's own IPv4 address on the VIP's prefix, for management
 *                        ({@code ./ertcp status}) and its own ARP; empty if it needs none.
 * @param threading       shared or dedicated.
 * @param slowNsPerRecord backups only: extra work per record, to make a backup slow on purpose.
 * @param replicationIface the interface the replication channel runs on, apart from the clients' {@code iface};
 *                        empty means the channel shares {@code iface}.
 * @param replicationMac  the node's MAC on {@code replicationIface}; empty means that interface's.
 * @param line            the line of the node in the file, for later messages; 0 when unknown.
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
    Optional<String> replicationIface,
    OptionalLong replicationMac,
    int line)
{
    /** Holds the service's state and may become primary. */
    public boolean candidate()
    {
        return role == Role.PRIMARY || role == Role.BACKUP;
    }

    /**
     * @return the MAC the replication channel's frames of this node come from, when the file gives it: the
     * {@code replication-mac} with a replication interface, else the node's {@code mac}.
     */
    public OptionalLong channelMac()
    {
        return replicationIface.isPresent() ? replicationMac : mac;
    }
}
