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
     * @param ealArgs for dpdk: EAL's arguments, or null for the defaults of a Linux interface.
     */
    static PacketPort open(final String driver, final String iface, final String ealArgs, final Counters counters)
    {
        return switch (driver)
        {
            case "af-packet" ->
            {
                if (ealArgs != null)
                {
                    throw new CliException("--eal is for --driver dpdk only: drop it, or use --driver dpdk");
                }
                yield AfPacketPort.open(iface, counters);
            }
            case "dpdk" -> DpdkPort.open(iface, ealArgs, counters);
            default -> throw new CliException("unknown driver '" + driver + "': choose " + DRIVERS);
        };
    }
}
