package io.ertcp.engine.port;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Refuses a Linux interface the host's own kernel uses: one with a kernel IPv4 address, or one that carries the
 * machine's default route. A node reads every frame off its interface and answers for the VIP and its own address
 * from user space; on an interface the kernel also serves, both answer, and on the one with the default route the
 * node takes over the machine's way out. The place for a node's interface is a namespace whose kernel has no address
 * on it (docs/architecture.md, "Where it runs"), or a NIC of its own.
 * <p>
 * Reads the calling process's network namespace: the JDK's interface list for the addresses, {@code /proc/net/route}
 * for the routes, so it needs no tool and no privilege.
 */
public final class KernelAddressCheck
{
    private static final Path ROUTES = Path.of("/proc/net/route");

    private KernelAddressCheck()
    {
    }

    /**
     * @param iface  the Linux interface a node would drive.
     * @param option how the user overrides the refusal, such as {@code --allow-kernel-address}.
     * @return a sentence refusing it, or empty when the kernel does not use it (or it does not exist: opening the
     * port says so).
     */
    public static Optional<String> refusal(final String iface, final String option)
    {
        return refusal(iface, kernelAddresses(iface), routes(), option);
    }

    static Optional<String> refusal(
        final String iface, final List<String> addresses, final String routeTable, final String option)
    {
        if (!addresses.isEmpty())
        {
            return Optional.of("interface " + iface + " has the kernel IPv4 address " + String.join(", ", addresses) +
                ", so the host's kernel answers there beside the node: run the node inside the network namespace " +
                "that holds its interface (ip netns exec NS ./ertcp node ...), remove the address (ip addr flush dev " +
                iface + "), or pass " + option + " to use it anyway.");
        }
        final Optional<String> gateway = defaultGateway(routeTable, iface);
        return gateway.map(via -> "interface " + iface + " carries this machine's default route (via " + via +
            "), so the node would take over the machine's way out: give the node an interface of its own, or pass " +
            option + " to use it anyway.");
    }

    /**
     * @param routeTable {@code /proc/net/route}: a header, then one tab-separated route a line, addresses as
     *                   little-endian hex.
     * @return the gateway of a default route (destination and mask 0) through {@code iface}, as A.B.C.D, or
     * {@code "a direct link"} when it has none.
     */
    static Optional<String> defaultGateway(final String routeTable, final String iface)
    {
        final String[] lines = routeTable.split("\n");
        for (int i = 1; i < lines.length; i++)
        {
            final String[] fields = lines[i].trim().split("\\s+");
            if (fields.length < 8 || !fields[0].equals(iface))
            {
                continue;
            }
            try
            {
                final long destination = Long.parseLong(fields[1], 16);
                final long mask = Long.parseLong(fields[7], 16);
                final int flags = Integer.parseInt(fields[3], 16);
                final boolean up = (flags & 0x1) != 0;
                if (destination == 0 && mask == 0 && up)
                {
                    final long gateway = Long.parseLong(fields[2], 16);
                    return Optional.of(gateway == 0 ? "a direct link" : (gateway & 0xFF) + "." + ((gateway >>> 8) & 0xFF) +
                        "." + ((gateway >>> 16) & 0xFF) + "." + ((gateway >>> 24) & 0xFF));
                }
            }
            catch (final NumberFormatException ignore)
            {
                // Not a route line.
            }
        }
        return Optional.empty();
    }

    /** The interface's IPv4 addresses as A.B.C.D/NN; none when it does not exist. */
    static List<String> kernelAddresses(final String iface)
    {
        final List<String> addresses = new ArrayList<>();
        try
        {
            final NetworkInterface nif = NetworkInterface.getByName(iface);
            if (null != nif)
            {
                for (final InterfaceAddress address : nif.getInterfaceAddresses())
                {
                    if (address.getAddress() instanceof final Inet4Address v4)
                    {
                        addresses.add(v4.getHostAddress() + "/" + address.getNetworkPrefixLength());
                    }
                }
            }
        }
        catch (final SocketException ex)
        {
            throw new PortException("cannot list the addresses of interface " + iface + " (" + ex.getMessage() +
                "): check the interface with ip addr.", ex);
        }
        return addresses;
    }

    private static String routes()
    {
        try
        {
            return Files.readString(ROUTES);
        }
        catch (final NoSuchFileException ex)
        {
            return "";
        }
        catch (final IOException ex)
        {
            throw new PortException("cannot read " + ROUTES + " (" + ex.getMessage() + ") to check the interface's routes.", ex);
        }
    }
}
