package io.ertcp.engine.cli;

import io.ertcp.engine.counters.Counters;
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

    static PacketPort open(final String driver, final String iface, final String ealArgs, final Counters counters)
    {
        throw new CliException("unknown driver '" + driver + "': choose " + DRIVERS);
    }
}
