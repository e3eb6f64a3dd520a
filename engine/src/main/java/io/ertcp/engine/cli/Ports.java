package io.ertcp.engine.cli;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.port.AfPacketPort;
import io.ertcp.engine.port.DpdkPort;
import io.ertcp.engine.port.PacketPort;

/**
 * Opens a port by driver name, as the CLI's {@code --driver} option gives it.
 */
final class Ports
{
    static final String DRIVERS = "dpdk or af-packet";

    private Ports()
    {
    }

    /**
     * RX slots of a cluster node's af-packet ring: 8192 frames of 2 KiB, 16 MiB. A node hears more than its own
     * traffic (in ST-TCP the LAN floods every client frame to every node) and shares its cores with the other
     * members on a small machine; at 200,000 frames a second this rides out a 40 ms pause without a drop, where the
     * default ring's 1024 last 5 ms.
     */
    static final int CLUSTER_RX_RING_FRAMES = 8192;

    /**
     * @param ealArgs for dpdk: EAL's arguments, or null for the defaults of a Linux interface.
     */
    static PacketPort open(final String driver, final String iface, final String ealArgs, final Counters counters)
    {
        return open(driver, iface, ealArgs, counters, AfPacketPort.DEFAULT_RING_FRAMES);
    }

    /**
     * A cluster node's ports: its interface, and its replication interface when the cluster file gives one (for
     * dpdk both through one EAL, which starts once per process).
     *
     * @param replicationIface the replication interface, or null.
     * @return the interface's port and the replication interface's, or null in its place.
     */
    static PacketPort[] openNode(final String driver, final String iface, final String replicationIface,
        final String ealArgs, final Counters counters)
    {
        if (null == replicationIface)
        {
            return new PacketPort[] {open(driver, iface, ealArgs, counters, CLUSTER_RX_RING_FRAMES), null};
        }
        if (driver.equals("dpdk"))
        {
            final DpdkPort[] pair = DpdkPort.openPair(iface, replicationIface, ealArgs, counters);
            return new PacketPort[] {pair[0], pair[1]};
        }
        final PacketPort port = open(driver, iface, ealArgs, counters, CLUSTER_RX_RING_FRAMES);
        try
        {
            return new PacketPort[] {port, open(driver, replicationIface, ealArgs, counters, CLUSTER_RX_RING_FRAMES)};
        }
        catch (final RuntimeException ex)
        {
            port.close();
            throw ex;
        }
    }

    /**
     * @param ealArgs  for dpdk: EAL's arguments, or null for the defaults of a Linux interface.
     * @param rxFrames for af-packet: the RX ring's slots, a power of two.
     */
    static PacketPort open(
        final String driver, final String iface, final String ealArgs, final Counters counters, final int rxFrames)
    {
        return switch (driver)
        {
            case "af-packet" ->
            {
                if (ealArgs != null)
                {
                    throw new CliException("--eal is for --driver dpdk only: drop it, or use --driver dpdk");
                }
                yield AfPacketPort.open(iface, counters, rxFrames, AfPacketPort.DEFAULT_RING_FRAMES);
            }
            case "dpdk" -> DpdkPort.open(iface, ealArgs, counters);
            default -> throw new CliException("unknown driver '" + driver + "': choose " + DRIVERS);
        };
    }
}
