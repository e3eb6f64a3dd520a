package io.ertcp.engine.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The few system commands the demo and {@code lan} run ({@code ip}, {@code ethtool}, {@code sysctl}): run one and read
 * what it printed, and whether this process is root.
 */
final class Shell
{
    private Shell()
    {
    }

    /**
     * Run a command to its end (two minutes at most) and return what it printed, standard error included.
     *
     * @param who   the CLI command running it, for the sentence a failure gives.
     * @param check refuse with a sentence when the command fails.
     */
    static List<String> run(final String who, final boolean check, final String... command)
        throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final List<String> lines = new String(process.getInputStream().readAllBytes()).lines().toList();
        final boolean ok = process.waitFor(120, TimeUnit.SECONDS) && process.exitValue() == 0;
        if (!ok && check)
        {
            throw new CliException(who + ": '" + String.join(" ", command) + "' failed: " + String.join(" ", lines));
        }
        return lines;
    }

    /** Whether this process runs as root (user id 0), read from /proc. */
    static boolean isRoot()
    {
        try
        {
            return Files.readString(Path.of("/proc/self/status")).lines()
                .filter(line -> line.startsWith("Uid:")).anyMatch(line -> line.split("\\s+")[1].equals("0"));
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
