package io.ertcp.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code ./ertcp} launcher in a namespace, as a user would, against the build the test
 * run made (ERTCP_NO_BUILD=1: a test never rebuilds).
 *
 * @param process the launcher's process, which is the JVM's (the launcher execs java).
 * @param log     where it prints.
 */
public record Ertcp(Process process, Path log)
{
    /**
     * Start {@code ./ertcp ARGS} inside a namespace; it is killed when the namespace closes.
     */
    public static Ertcp start(final NetNs ns, final String... args)
    {
        return start(ns, List.of(), args);
    }

    /**
     * Start {@code ./ertcp ARGS} inside a namespace with more environment, such as
     * {@code ERTCP_JAVA_OPTS=-Dname=value}; it is killed when the namespace closes.
     *
     * @param environment {@code NAME=VALUE} entries.
     */
    public static Ertcp start(final NetNs ns, final List<String> environment, final String... args)
    {
        try
        {
            final Path log = Files.createTempFile("ertcp-" + (args.length > 0 ? args[0] : "cli"), ".log");
            final List<String> command = new ArrayList<>(List.of("env", "ERTCP_NO_BUILD=1", "ERTCP_HEAP=128m"));
            command.addAll(environment);
            command.add(Requirements.root().resolve("ertcp").toString());
            command.addAll(List.of(args));
            return new Ertcp(ns.start(log, command.toArray(String[]::new)), log);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Everything printed so far. */
    public String output()
    {
        try
        {
            return Files.readString(log);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Wait until the output contains a text.
     *
     * @throws AssertionError with the output when the text does not come in time or the process ends.
     */
    public void awaitOutput(final String text, final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline)
        {
            if (output().contains(text))
            {
                return;
            }
            if (!process.isAlive())
            {
                throw new AssertionError("ertcp exited (" + process.exitValue() + ") before printing '" + text + "':\n" + output());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("ertcp did not print '" + text + "' within " + timeout + ":\n" + output());
    }

    /**
     * Stop it as Ctrl-C would (SIGTERM) and wait for it to print its final counters and exit.
     *
     * @return the exit status.
     */
    public int stop() throws InterruptedException
    {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS))
        {
            process.destroyForcibly().waitFor();
            throw new AssertionError("ertcp did not stop within 20 s of SIGTERM:\n" + output());
        }
        return process.exitValue();
    }

    /** The output's lines that start with a prefix. */
    public List<String> lines(final String prefix)
    {
        return output().lines().filter(line -> line.startsWith(prefix)).toList();
    }
}
