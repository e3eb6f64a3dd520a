package io.ertcp.engine.cli;

import io.ertcp.engine.cluster.config.ClusterTemplate;
import io.ertcp.engine.counters.Counters;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./ertcp stat}: a node's counters file found by the cluster file and the node's name, printed once or every
 * second with each counter's change; a missing node or file is one sentence.
 */
class StatCommandTest
{
    @TempDir
    Path directory;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** A primary and a logger, no MACs and no addresses. */
    private Path clusterFile() throws IOException
    {
        final Path file = directory.resolve("cluster.yaml");
        Files.writeString(file, new ClusterTemplate().name("cli").backups(0).logDir(directory.resolve("log"))
            .securityNone().macs(false).addresses(false).text());
        return file;
    }

    @Test
    void watchPrintsEachCounterAndItsChangePerSecond() throws Exception
    {
        final Path file = clusterFile();
        Files.createDirectories(directory.resolve("log/logger"));
        final Counters counters = Counters.mapped(directory.resolve("log/logger/counters"), 16);
        final AtomicCounter records = counters.newCounter("logger records-appended");
        records.getAndAdd(100);
        final Thread writer = new Thread(() ->
        {
            try
            {
                Thread.sleep(500);
            }
            catch (final InterruptedException ex)
            {
                return;
            }
            records.getAndAdd(25);
        });
        writer.start();
        try
        {
            assertEquals(0, run("stat", "--config", file.toString(), "--watch", "--count", "2", "logger"), err.toString());
        }
        finally
        {
            writer.join();
            counters.close();
        }
        final String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(2, text.lines().filter(line -> line.startsWith("--- ")).count(), text);
        assertTrue(text.matches("(?s).*\\n  logger records-appended\\s+100\\n.*"), text);
        assertTrue(text.matches("(?s).*\\n  logger records-appended\\s+125\\s+\\+25/s\\n.*"), text);
    }

    @Test
    void everyNodeOfTheFileThatHasACountersFileAndOneSentenceOtherwise() throws Exception
    {
        final Path file = clusterFile();
        assertEquals(2, run("stat", "--config", file.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("ertcp stat: no node of " + file +
            " has a counters file under"), err.toString());
        assertEquals(2, run("stat", "--config", file.toString(), "nobody"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("there is no node 'nobody': choose one of primary, logger."),
            err.toString());

        Files.createDirectories(directory.resolve("log/primary"));
        final Counters counters = Counters.mapped(directory.resolve("log/primary/counters"), 16);
        counters.newCounter("tcp rx-segments").getAndAdd(3);
        counters.newCounter("tcp tx-segments");
        try
        {
            assertEquals(0, run("stat", "--config", file.toString(), "--all"));
        }
        finally
        {
            counters.close();
        }
        final String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith(directory.resolve("log/primary/counters") + " (pid " + ProcessHandle.current().pid() +
            ", running"), text);
        assertTrue(text.contains("  tcp tx-segments"), "--all prints the zeros: " + text);
    }
}
