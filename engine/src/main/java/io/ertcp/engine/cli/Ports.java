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
     * A cluster node's ports: its own, and its replication port when the cluster file gives one (docs/cluster-file.md,
     * "A separate replication interface"); for dpdk both through one EAL, which starts once per process.
     *
     * @param target      the node's port: its interface, or for dpdk its PCI address or port id.
     * @param replication the replication port, named the same ways, or null.
     * @return the node's port and the replication port, or null in its place.
     */
    static PacketPort[] openNode(final String driver, final Target target, final Target replication,
        final String ealArgs, final Counters counters)
    {
        if (null == replication)
        {
            return new PacketPort[] {open(driver, target, ealArgs, counters, CLUSTER_RX_RING_FRAMES), null};
        }
        if (driver.equals("dpdk"))
        {
            final DpdkPort[] pair = DpdkPort.openPair(target.device(), replication.device(), ealArgs, null, counters);
            return new PacketPort[] {pair[0], pair[1]};
        }
        final PacketPort port = open(driver, target, ealArgs, counters, CLUSTER_RX_RING_FRAMES);
        try
        {
            return new PacketPort[] {port, open(driver, replication, ealArgs, counters, CLUSTER_RX_RING_FRAMES)};
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
        return open(driver, new Target(iface, null, -1), ealArgs, counters, rxFrames);
    }

    /**
     * @param target   the interface, or for dpdk the PCI address or port id.
     * @param ealArgs  for dpdk: EAL's arguments, or null for the defaults of the target.
     * @param rxFrames for af-packet: the RX ring's slots, a power of two.
     */
    static PacketPort open(
        final String driver, final Target target, final String ealArgs, final Counters counters, final int rxFrames)
    {
        if (driver.equals("dpdk") && null != target.pci())
        {
            return DpdkPort.openPci(target.pci(), ealArgs, counters);
        }
        if (driver.equals("dpdk") && target.portId() >= 0)
        {
            return DpdkPort.open(ealArgs, target.portId(), counters);
        }
        final String iface = target.iface();
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

    /**
     * What a command opens: a Linux interface ({@code --iface}), or, for dpdk, a NIC by its PCI address
     * ({@code --pci}) or a port by its DPDK port id ({@code --port-id}); exactly one of them.
     *
     * @param iface  the Linux interface, or null.
     * @param pci    the PCI address, or null.
     * @param portId the DPDK port id, or -1.
     */
    record Target(String iface, String pci, int portId)
    {
        /** The same target as DPDK names a device. */
        DpdkPort.Device device()
        {
            return new DpdkPort.Device(iface, pci, portId);
        }

        /** The options that name a target, for {@link Args#parse}. */
        static final java.util.Set<String> OPTIONS = java.util.Set.of("iface", "pci", "port-id");

        /**
         * @throws CliException when none or several are given, or one that the driver cannot open.
         */
        static Target of(final Args args, final String command, final String driver)
        {
            final int given = (args.has("iface") ? 1 : 0) + (args.has("pci") ? 1 : 0) + (args.has("port-id") ? 1 : 0);
            if (given == 0)
            {
                throw new CliException(command + " needs --iface IF (or, with --driver dpdk, --pci ADDR or --port-id N): " +
                    "see ./ertcp " + command + " --help");
            }
            if (given > 1)
            {
                throw new CliException("give one of --iface, --pci and --port-id, not several: see ./ertcp " + command +
                    " --help");
            }
            final boolean dpdk = driver.equals("dpdk");
            if (args.has("pci") || args.has("port-id"))
            {
                final String option = args.has("pci") ? "--pci" : "--port-id";
                if (!dpdk)
                {
                    throw new CliException(option + " names a port DPDK drives: use it with --driver dpdk, or give " +
                        driver + " a Linux interface with --iface.");
                }
                if (args.has("pci"))
                {
                    return new Target(null, args.require("pci"), -1);
                }
                final long portId = args.getLong("port-id", -1);
                if (portId < 0 || portId > 1023)
                {
                    throw new CliException("--port-id must be a DPDK port id from 0 to 1023, not " + portId);
                }
                return new Target(null, null, (int)portId);
            }
            final String iface = args.require("iface");
            if (DpdkPort.isPciAddress(iface))
            {
                if (dpdk)
                {
                    // A Linux interface's name holds no ':': this is the NIC's address, as --pci takes it.
                    return new Target(null, iface, -1);
                }
                throw new CliException(iface + " is a PCI address, not a network interface: " + driver + " needs a " +
                    "Linux interface (ip link lists them); for a NIC bound to DPDK use --driver dpdk --pci " + iface + ".");
            }
            return new Target(iface, null, -1);
        }
    }
}
