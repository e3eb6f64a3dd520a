package io.ertcp.test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network namespace made for one test: a host of its own with its own interfaces. Closing it
 * kills the processes started in it and deletes it; a JVM shutdown hook deletes any a test left,
 * and namespaces left by a test JVM that died are reaped on the next {@link #create}.
 */
public final class NetNs implements AutoCloseable
{
    private static final String PREFIX = "ertcp-t";
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final Set<NetNs> LIVE = ConcurrentHashMap.newKeySet();

    static
    {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(NetNs::close), "netns-cleanup"));
    }

    private final String name;
    private final List<Process> processes = new ArrayList<>();

    private NetNs(final String name)
    {
        this.name = name;
    }

    /**
     * Create a namespace with loopback up.
     *
     * @param hint a short word for the name, such as {@code "client"}.
     */
    public static NetNs create(final String hint)
    {
        reapStale();
        final String name = PREFIX + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet() + "-" + hint;
        Shell.run("ip", "netns", "add", name).requireOk();
        final NetNs ns = new NetNs(name);
        LIVE.add(ns);
        ns.exec("ip", "link", "set", "lo", "up");
        // Keep the wire quiet: no IPv6 router solicitations or neighbour discovery from the kernel.
        ns.run("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
        ns.run("sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1");
        return ns;
    }

    public String name()
    {
        return name;
    }

    /** The command prefix that runs a program inside this namespace. */
    public List<String> prefix()
    {
        return List.of("ip", "netns", "exec", name);
    }

    /** Run a command inside the namespace and require that it succeeds. */
    public Shell.Result exec(final String... command)
    {
        return run(command).requireOk();
    }

    /** Run a command inside the namespace. */
    public Shell.Result run(final String... command)
    {
        return run(Duration.ofSeconds(60), command);
    }

    /** Run a command inside the namespace with a timeout. */
    public Shell.Result run(final Duration timeout, final String... command)
    {
        return Shell.run(timeout, Shell.concat(prefix(), command));
    }

    /**
     * Start a long-running command inside the namespace; it is killed when the namespace closes. SIGHUP is reset to its
     * default first: a test run started under {@code nohup} would otherwise hand every node an ignored SIGHUP, which a
     * JVM cannot take back, and the nodes could not be asked for their counters.
     *
     * @param log where its standard output and error go.
     */
    public synchronized Process start(final Path log, final String... command)
    {
        try
        {
            final Process process = new ProcessBuilder(Shell.concat(Shell.concat(prefix(), "env", "--default-signal=HUP"),
                command))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
            processes.add(process);
            return process;
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException("could not start " + String.join(" ", command), ex);
        }
    }

    /**
     * Give an interface in this namespace an address and bring it up.
     */
    public void address(final String iface, final String cidr)
    {
        exec("ip", "addr", "add", cidr, "dev", iface);
        exec("ip", "link", "set", iface, "up");
    }

    /**
     * Turn off transmit checksum and segmentation offloads on an interface, so that frames it sends
     * carry real checksums and are never larger than the MTU: what a raw-frame stack on the other
     * end of a veth needs (a veth otherwise leaves TCP/UDP checksums unfilled).
     */
    public void disableOffloads(final String iface)
    {
        exec("ethtool", "-K", iface, "tx", "off", "tso", "off", "gso", "off", "gro", "off");
    }

    /**
     * The MAC address of an interface in this namespace, as {@code aa:bb:cc:dd:ee:ff}.
     */
    public String mac(final String iface)
    {
        return exec("cat", "/sys/class/net/" + iface + "/address").stdout().trim();
    }

    @Override
    public synchronized void close()
    {
        if (!LIVE.remove(this))
        {
            return;
        }
        for (final Process process : processes)
        {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        for (final Process process : processes)
        {
            try
            {
                process.waitFor();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        killAll(name);
        Shell.run("ip", "netns", "del", name);
    }

    /**
     * Delete namespaces whose creating test JVM is gone.
     */
    static void reapStale()
    {
        final Path dir = Path.of("/var/run/netns");
        if (!Files.isDirectory(dir))
        {
            return;
        }
        try (var entries = Files.list(dir))
        {
            entries.map(path -> path.getFileName().toString())
                .filter(n -> n.startsWith(PREFIX))
                .filter(n -> !ownerAlive(n))
                .forEach(n ->
                {
                    killAll(n);
                    Shell.run("ip", "netns", "del", n);
                });
        }
        catch (final java.io.IOException ignore)
        {
            // Nothing to reap.
        }
    }

    private static boolean ownerAlive(final String name)
    {
        final String rest = name.substring(PREFIX.length());
        final int dash = rest.indexOf('-');
        try
        {
            final long pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
        catch (final NumberFormatException ex)
        {
            return false;
        }
    }

    private static void killAll(final String name)
    {
        final Shell.Result pids = Shell.run("ip", "netns", "pids", name);
        for (final String pid : pids.stdout().split("\\s+"))
        {
            if (!pid.isBlank())
            {
                Shell.run("kill", "-9", pid.trim());
            }
        }
    }

    public String toString()
    {
        return name;
    }
}
