package io.ertcp.engine.cluster;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One process per node's log directory ({@code log.dir/NAME}): a second node of the same name would append to the
 * same Chronicle queue and claim the same MAC beside the first. The directory's {@code lock} file holds the owner's
 * pid and is locked with {@link FileChannel#tryLock()}; the kernel drops that lock when its process dies in any way,
 * so a node killed with {@code kill -9} leaves a stale file that never blocks its restart.
 */
public final class NodeDirectoryLock implements AutoCloseable
{
    static final String FILE_NAME = "lock";

    private final FileChannel channel;
    private final FileLock lock;

    private NodeDirectoryLock(final FileChannel channel, final FileLock lock)
    {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Make the node's directory if need be and hold it for the life of this process (until {@link #close()}).
     *
     * @param directory the node's directory, {@code log.dir/NAME}.
     * @param nodeName  for sentences.
     * @param source    where log.dir was set, for sentences, such as the cluster file's path.
     * @throws NodeStartException with one sentence naming the directory, log.dir and the fix.
     */
    public static NodeDirectoryLock acquire(final Path directory, final String nodeName, final String source)
    {
        createDirectory(directory, source);
        final Path file = directory.resolve(FILE_NAME);
        final FileChannel channel;
        try
        {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        catch (final IOException ex)
        {
            throw new NodeStartException("cannot open the lock file " + file + " (" + reason(ex) + "): give log.dir in " +
                source + " a directory this user may write, or run the node as its owner.");
        }
        try
        {
            final FileLock lock;
            try
            {
                lock = channel.tryLock();
            }
            catch (final OverlappingFileLockException ex)
            {
                throw held(directory, nodeName, source, "this process");
            }
            if (null == lock)
            {
                throw held(directory, nodeName, source, holder(channel));
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            channel.force(false);
            return new NodeDirectoryLock(channel, lock);
        }
        catch (final IOException ex)
        {
            closeQuietly(channel);
            throw new NodeStartException("cannot lock " + file + " (" + reason(ex) + "): give log.dir in " + source +
                " a local directory this user may write (a lock needs a file system that supports it).");
        }
        catch (final RuntimeException ex)
        {
            closeQuietly(channel);
            throw ex;
        }
    }

    /** Lets another process run the node; the file stays, with a pid no live process locks. */
    @Override
    public void close()
    {
        try
        {
            lock.release();
        }
        catch (final IOException ignore)
        {
            // Closing the channel releases it too.
        }
        closeQuietly(channel);
    }

    private static void createDirectory(final Path directory, final String source)
    {
        for (Path at = directory; at != null; at = at.getParent())
        {
            if (Files.exists(at) && !Files.isDirectory(at))
            {
                throw new NodeStartException("log.dir in " + source + " leads through " + at + ", which is a file, " +
                    "not a directory: point log.dir at a directory, or move that file away.");
            }
        }
        try
        {
            Files.createDirectories(directory);
        }
        catch (final IOException ex)
        {
            throw new NodeStartException("cannot create the node's log directory " + directory + " (" + reason(ex) +
                "): give log.dir in " + source + " a directory this user may write, or run the node as its owner.");
        }
        if (!Files.isWritable(directory))
        {
            throw new NodeStartException("the node's log directory " + directory + " is not writable by this user: " +
                "give log.dir in " + source + " a directory this user may write, or run the node as its owner.");
        }
    }

    private static NodeStartException held(
        final Path directory, final String nodeName, final String source, final String holder)
    {
        return new NodeStartException("node '" + nodeName + "' already runs on " + directory + " in " + holder +
            ": stop that one first (a second node on the same log would corrupt it), or give this one another name " +
            "or log.dir in " + source + ".");
    }

    /** The pid the lock's holder wrote, as a phrase; it may not have written it yet. */
    private static String holder(final FileChannel channel) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        final String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
        return text.matches("\\d+") ? "process " + text : "another process";
    }

    private static String reason(final IOException ex)
    {
        if (ex instanceof AccessDeniedException)
        {
            return "permission denied";
        }
        if (ex instanceof final FileSystemException fs && null != fs.getReason())
        {
            return fs.getReason();
        }
        return String.valueOf(ex.getMessage());
    }

    private static void closeQuietly(final FileChannel channel)
    {
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // Nothing more to release.
        }
    }
}
