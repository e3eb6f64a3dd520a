package io.ertcp.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs commands for tests, with a hard timeout, and captures what they print.
 */
public final class Shell
{
    /** What a finished command left behind. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr)
    {
        public boolean ok()
        {
            return exitCode == 0;
        }

        public Result requireOk()
        {
            if (exitCode != 0)
            {
                throw new IllegalStateException("command failed (exit " + exitCode + "): " +
                    String.join(" ", command) + "\nstdout: " + stdout + "\nstderr: " + stderr);
            }
            return this;
        }
    }

    private Shell()
    {
    }

    public static Result run(final String... command)
    {
        return run(Duration.ofSeconds(60), Arrays.asList(command));
    }

    public static Result run(final Duration timeout, final String... command)
    {
        return run(timeout, Arrays.asList(command));
    }

    /**
     * Run a command to its end or the timeout, whichever comes first; a command that outlives the
     * timeout is killed and reported with exit code -1.
     */
    public static Result run(final Duration timeout, final List<String> command)
    {
        try
        {
            final Path out = Files.createTempFile("ertcp-cmd", ".out");
            final Path err = Files.createTempFile("ertcp-cmd", ".err");
            try
            {
                final Process process = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
                int exitCode = -1;
                if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
                {
                    exitCode = process.exitValue();
                }
                else
                {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor();
                }
                return new Result(
                    List.copyOf(command),
                    exitCode,
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            }
            finally
            {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("could not run " + String.join(" ", command), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), ex);
        }
    }

    /**
     * @return true when {@code name} is an executable on the PATH.
     */
    public static boolean hasCommand(final String name)
    {
        for (final String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":"))
        {
            if (Files.isExecutable(Path.of(dir, name)))
            {
                return true;
            }
        }
        return false;
    }

    static List<String> concat(final List<String> head, final String... tail)
    {
        final List<String> all = new ArrayList<>(head);
        all.addAll(Arrays.asList(tail));
        return all;
    }
}
