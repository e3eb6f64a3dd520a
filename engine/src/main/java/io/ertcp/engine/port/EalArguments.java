package io.ertcp.engine.port;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The argument list DPDK's EAL starts with: the defaults that drive one Linux interface through the
 * net_af_packet virtual device, or a user's own line split as a shell would split it.
 */
final class EalArguments
{
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
            "--file-prefix=ertcp-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet()));
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
