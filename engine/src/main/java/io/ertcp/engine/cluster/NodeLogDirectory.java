package io.ertcp.engine.cluster;

import io.ertcp.log.ReplicationLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A {@link ClusterNode}'s log directory ({@code log.dir/NAME}, docs/cluster-file.md): whether it holds the records of
 * an earlier run, made, its Chronicle queue opened with one sentence when it cannot be, and the queue deleted when the
 * node discards its copy (a restart or a deposition, rule 7). The directory also holds the lock its process holds
 * ({@link NodeDirectoryLock}), which nothing here touches.
 */
final class NodeLogDirectory
{
    private NodeLogDirectory()
    {
    }

    /** @return true when {@code directory}'s queue holds a roll cycle file: an earlier run wrote records there. */
    static boolean hasRecords(final Path directory)
    {
        final Path log = directory.resolve("log");
        if (!Files.isDirectory(log))
        {
            return false;
        }
        try (Stream<Path> files = Files.list(log))
        {
            return files.anyMatch(p -> p.getFileName().toString().endsWith(".cq4"));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    static void createDirectories(final Path directory)
    {
        try
        {
            Files.createDirectories(directory);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create the log directory " + directory + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * @throws IllegalArgumentException with one sentence when the queue is not a directory or Chronicle Queue cannot
     * open it (a damaged file left by an earlier run).
     */
    static ReplicationLog openLog(final Path queue, final String nodeName, final String rollCycle)
    {
        if (Files.exists(queue) && !Files.isDirectory(queue))
        {
            throw new IllegalArgumentException("the replication log " + queue + " (log.dir/" + nodeName + "/log) is a " +
                "file, not a directory: move that file away, or point log.dir at another directory.");
        }
        try
        {
            return ReplicationLog.open(queue, rollCycle);
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalArgumentException("the replication log " + queue + " (log.dir/" + nodeName + "/log) cannot " +
                "be opened (" + ex.getMessage() + "): it is damaged or not a Chronicle queue; move it aside and start " +
                "again (a primary or backup then rejoins from the logger, a logger starts an empty log).", ex);
        }
    }

    static void deleteRecursively(final Path directory)
    {
        if (!Files.exists(directory))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path ->
            {
                try
                {
                    Files.delete(path);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            });
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
