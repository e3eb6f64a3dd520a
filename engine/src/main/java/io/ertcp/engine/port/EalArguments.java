package io.ertcp.engine.port;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The argument list DPDK's EAL starts with: the defaults that drive one Linux interface through the
 * net_af_packet virtual device, those that drive one NIC by its PCI address, or a user's own line split
 * as a shell would split it.
 */
final class EalArguments
{
    /** A PCI address as DPDK and lspci write it: domain (optional), bus, device, function. */
    private static final Pattern PCI = Pattern.compile("(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\\.([0-7])");

    /** DPDK's own limit on port ids (RTE_MAX_ETHPORTS is 32 by default; no build has more than 1024). */
    static final int MAX_PORT_ID = 1023;

    /** Memory EAL takes without hugepages, in MB: the mbuf pool needs about 10 MB of it. */
    static final int MEMORY_MB = 64;

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private EalArguments()
    {
    }

    /**
     * The arguments for a Linux interface with no hugepages and no PCI devices:
     * <ul>
     *     <li>{@code --no-shconf} and a file prefix unique to this process and port, so that
     *     processes on one host never meet in /var/run/dpdk (and multi-process support, which
     *     forbids registering the polling thread, stays off);</li>
     *     <li>{@code --lcores=0@(<allowed CPUs>)}: the main lcore may run on any CPU the caller
     *     may, so EAL pins neither the thread that starts it nor the control threads to one core;</li>
     *     <li>no telemetry socket, and only errors in EAL's log.</li>
     * </ul>
     */
    static List<String> defaults(final String iface)
    {
        return defaults(List.of(iface));
    }

    /**
     * The same for several Linux interfaces in one EAL (a node's clients' and replication interfaces): the
     * {@code i}-th is driven by the device {@link #deviceName(int) deviceName(i)}.
     */
    static List<String> defaults(final List<String> ifaces)
    {
        final List<String> args = new ArrayList<>(List.of(
            "--no-huge",
            "--no-pci",
            "--no-shconf",
            "--file-prefix=" + uniquePrefix()));
        for (int i = 0; i < ifaces.size(); i++)
        {
            args.add("--vdev=" + deviceName(i) + ",iface=" + ifaces.get(i));
        }
        args.addAll(List.of(
            "-m", Integer.toString(MEMORY_MB),
            "--lcores=0@(" + allowedCpus() + ")",
            "--no-telemetry",
            "--log-level=*:error"));
        return List.copyOf(args);
    }

    /**
     * The arguments for one NIC named by its PCI address, bound to vfio-pci (or another DPDK driver): EAL may use that
     * device alone ({@code -a}), takes its memory from hugepages, and runs under a file prefix of this process's own. A user's arguments come first and are kept; {@code -a PCI} and a file prefix are added when they lack
     * them.
     *
     * @param pci      a PCI address as {@link #pciAddress} accepts it.
     * @param userArgs EAL arguments of the user's (such as {@code -l 2 --socket-mem 1024}), or null or blank.
     * @throws PortException when the arguments exclude the device (--no-pci, or -b naming it).
     */
    static List<String> forPci(final String pci, final String userArgs)
    {
        final List<String> args = new ArrayList<>(null == userArgs || userArgs.isBlank() ? pciDefaults() : split(userArgs));
        allowPci(args, pciAddress(pci));
        addFilePrefix(args);
        return List.copyOf(args);
    }

    /**
     * The arguments for a cluster node's two ports in one EAL (docs/cluster-file.md, "A separate replication
     * interface"), each a Linux interface, a PCI address or a port id. Two Linux interfaces and no arguments of the
     * user's: {@link #defaults(List)}. Otherwise the user's arguments, or without any the defaults of
     * {@link #forPci} (hugepages); each PCI address is allowed ({@code -a}) unless they allow it, each Linux interface
     * gets a {@code --vdev=net_af_packetN,iface=} when they are the defaults, and a file prefix is added when they
     * have none.
     *
     * @throws PortException when the two name one device, or the arguments exclude a PCI device.
     */
    static List<String> forPair(final DpdkPort.Device first, final DpdkPort.Device second, final String userArgs)
    {
        final List<DpdkPort.Device> devices = List.of(first, second);
        final String firstPci = null == first.pci() ? null : pciAddress(first.pci());
        if (null != firstPci && null != second.pci() && firstPci.equals(pciAddress(second.pci())))
        {
            throw new PortException("a node's port and replication port are both PCI device " + firstPci +
                ": give the replication port a NIC of its own.");
        }
        final boolean defaults = null == userArgs || userArgs.isBlank();
        if (defaults && null != first.iface() && null != second.iface())
        {
            return defaults(List.of(first.iface(), second.iface()));
        }
        final List<String> args = new ArrayList<>(defaults ? pciDefaults() : split(userArgs));
        int vdev = 0;
        for (final DpdkPort.Device device : devices)
        {
            if (null != device.pci())
            {
                allowPci(args, pciAddress(device.pci()));
            }
            else if (null != device.iface() && defaults)
            {
                args.add("--vdev=" + deviceName(vdev++) + ",iface=" + device.iface());
            }
        }
        addFilePrefix(args);
        return List.copyOf(args);
    }

    /** A NIC's EAL arguments without any of the user's: any allowed CPU, no telemetry, warnings in EAL's log. */
    private static List<String> pciDefaults()
    {
        return List.of("--lcores=0@(" + allowedCpus() + ")", "--no-telemetry", "--log-level=*:warning");
    }

    /**
     * Add {@code -a address} unless the arguments allow it already.
     *
     * @throws PortException when the arguments exclude the device (--no-pci, or -b naming it).
     */
    private static void allowPci(final List<String> args, final String address)
    {
        boolean allowed = false;
        for (int i = 0; i < args.size(); i++)
        {
            final String arg = args.get(i);
            if (arg.equals("--no-pci"))
            {
                throw new PortException("the EAL arguments say --no-pci, which hides PCI device " + address +
                    " from DPDK: drop --no-pci.");
            }
            final String blocked = optionValue(args, i, "-b", "--block");
            if (null != blocked && samePci(blocked, address))
            {
                throw new PortException("the EAL arguments block PCI device " + address + " (" + arg + "): drop that -b.");
            }
            final String allow = optionValue(args, i, "-a", "--allow");
            allowed |= null != allow && samePci(allow, address);
        }
        if (!allowed)
        {
            args.add("-a");
            args.add(address);
        }
    }

    /**
     * The arguments for a port named by its DPDK port id: the user's, as given, with a file prefix of this process's
     * own when they have none. Without any, EAL probes every device bound to a DPDK driver and the
     * port id counts them from 0.
     */
    static List<String> forPortId(final int portId, final String userArgs)
    {
        if (portId < 0 || portId > MAX_PORT_ID)
        {
            throw new PortException("DPDK port id " + portId + " is out of range: give one from 0 to " + MAX_PORT_ID +
                " (0 for the first port EAL finds).");
        }
        final List<String> args = new ArrayList<>(split(null == userArgs ? "" : userArgs));
        addFilePrefix(args);
        return List.copyOf(args);
    }

    /**
     * @return the PCI address in DPDK's full form ({@code 0000:03:00.0}), a missing domain taken as 0000.
     * @throws PortException when the text is not a PCI address.
     */
    static String pciAddress(final String text)
    {
        final Matcher m = null == text ? null : PCI.matcher(text.trim());
        if (null == m || !m.matches())
        {
            throw new PortException("'" + text + "' is not a PCI address: write it as DDDD:BB:DD.F, such as 0000:03:00.0 " +
                "(dpdk-devbind.py --status lists the NICs).");
        }
        final long domain = null == m.group(1) ? 0 : Long.parseLong(m.group(1), 16);
        return String.format("%04x:%02x:%02x.%s", domain, Integer.parseInt(m.group(2), 16),
            Integer.parseInt(m.group(3), 16), m.group(4));
    }

    /** @return whether the text is a PCI address (a Linux interface's name never holds a ':'). */
    static boolean isPciAddress(final String text)
    {
        return null != text && PCI.matcher(text.trim()).matches();
    }

    /**
     * @return the Linux interfaces the net_af_packet devices of these arguments drive ({@code iface=} of each
     * {@code --vdev=net_af_packet...}): the only ones that must exist before EAL starts.
     */
    static List<String> afPacketInterfaces(final List<String> args)
    {
        final List<String> interfaces = new ArrayList<>();
        for (int i = 0; i < args.size(); i++)
        {
            final String value = optionValue(args, i, null, "--vdev");
            if (null != value && value.startsWith("net_af_packet"))
            {
                final String[] parts = value.split(",");
                for (int p = 1; p < parts.length; p++)
                {
                    if (parts[p].startsWith("iface="))
                    {
                        interfaces.add(parts[p].substring("iface=".length()));
                    }
                }
            }
        }
        return List.copyOf(interfaces);
    }

    /**
     * @return the value of the option at {@code i} ({@code -a X}, {@code -aX}, {@code --allow X}, {@code --allow=X}),
     * or null when the argument there is not that option.
     */
    private static String optionValue(final List<String> args, final int i, final String shortName, final String longName)
    {
        final String arg = args.get(i);
        if (arg.equals(longName) || (null != shortName && arg.equals(shortName)))
        {
            return i + 1 < args.size() ? args.get(i + 1) : null;
        }
        if (arg.startsWith(longName + "="))
        {
            return arg.substring(longName.length() + 1);
        }
        if (null != shortName && arg.startsWith(shortName) && arg.length() > shortName.length() && !arg.startsWith("--"))
        {
            return arg.substring(shortName.length());
        }
        return null;
    }

    /** @param device an -a or -b value: a PCI address, maybe followed by {@code ,key=value} device arguments. */
    private static boolean samePci(final String device, final String address)
    {
        final String pci = device.split(",", 2)[0];
        return isPciAddress(pci) && pciAddress(pci).equals(address);
    }

    /**
     * A file prefix of this process's own when the arguments name none: processes on one host never meet in
     * /var/run/dpdk, while two ports of one process opened with the same arguments still share its one EAL.
     */
    private static void addFilePrefix(final List<String> args)
    {
        if (args.stream().noneMatch(arg -> arg.equals("--file-prefix") || arg.startsWith("--file-prefix=")))
        {
            args.add("--file-prefix=ertcp-" + ProcessHandle.current().pid());
        }
    }

    private static String uniquePrefix()
    {
        return "ertcp-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    }

    /**
     * Split a command line into arguments as a POSIX shell would: whitespace separates, single quotes
     * keep everything literally, double quotes keep whitespace, a backslash escapes the next character.
     *
     * @throws PortException when a quote is left open.
     */
    static List<String> split(final String line)
    {
        final List<String> args = new ArrayList<>();
        final StringBuilder current = new StringBuilder();
        boolean inArgument = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++)
        {
            final char c = line.charAt(i);
            if (quote == '\'')
            {
                if (c == '\'')
                {
                    quote = 0;
                }
                else
                {
                    current.append(c);
                }
            }
            else if (c == '\\' && i + 1 < line.length() && (quote == 0 || "\"\\$`".indexOf(line.charAt(i + 1)) >= 0))
            {
                current.append(line.charAt(++i));
                inArgument = true;
            }
            else if (quote == '"')
            {
                if (c == '"')
                {
                    quote = 0;
                }
                else
                {
                    current.append(c);
                }
            }
            else if (c == '\'' || c == '"')
            {
                quote = c;
                inArgument = true;
            }
            else if (Character.isWhitespace(c))
            {
                if (inArgument)
                {
                    args.add(current.toString());
                    current.setLength(0);
                    inArgument = false;
                }
            }
            else
            {
                current.append(c);
                inArgument = true;
            }
        }
        if (quote != 0)
        {
            throw new PortException("the EAL arguments leave a " + quote + " quote open: close it (" + line + ").");
        }
        if (inArgument)
        {
            args.add(current.toString());
        }
        return List.copyOf(args);
    }

    /**
     * @return the device name of the {@code --vdev} that drives {@code iface} (such as
     * {@code net_af_packet0}), or null when no device names it.
     */
    static String deviceFor(final List<String> args, final String iface)
    {
        for (int i = 0; i < args.size(); i++)
        {
            String value = null;
            final String arg = args.get(i);
            if (arg.startsWith("--vdev="))
            {
                value = arg.substring("--vdev=".length());
            }
            else if (arg.equals("--vdev") && i + 1 < args.size())
            {
                value = args.get(i + 1);
            }
            if (null != value)
            {
                final String[] parts = value.split(",");
                for (int p = 1; p < parts.length; p++)
                {
                    if (parts[p].equals("iface=" + iface))
                    {
                        return parts[0];
                    }
                }
            }
        }
        return null;
    }

    static String deviceName(final int index)
    {
        return "net_af_packet" + index;
    }

    /**
     * @return the CPUs the calling thread may run on, as Linux lists them ({@code 0-1}).
     */
    static String allowedCpus()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/thread-self/status")))
            {
                if (line.startsWith("Cpus_allowed_list:"))
                {
                    return line.substring("Cpus_allowed_list:".length()).trim();
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read /proc/thread-self/status", ex);
        }
        return "0-" + (Runtime.getRuntime().availableProcessors() - 1);
    }
}
