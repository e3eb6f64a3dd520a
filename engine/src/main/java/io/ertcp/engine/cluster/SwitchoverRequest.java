package io.ertcp.engine.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * A planned switchover asked of a running primary: {@code ./ertcp switchover} writes the file {@value #FILE_NAME}
 * into the primary's node directory (log.dir/NAME), holding the name of the backup to hand over to (empty for the
 * best-ranked one), and the node's command takes it from there within 50 ms. The request goes through the
 * primary's own disk, so the command runs on the primary's machine.
 */
public final class SwitchoverRequest
{
    public static final String FILE_NAME = "switchover";

    private SwitchoverRequest()
    {
    }

    /**
     * Ask the node whose directory this is to hand over to {@code successor} (null or empty: the best-ranked
     * backup). Written atomically, so the node never reads half a name.
     */
    public static void write(final Path nodeDirectory, final String successor)
    {
        try
        {
            final Path temporary = nodeDirectory.resolve(FILE_NAME + ".tmp");
            Files.writeString(temporary, null == successor ? "" : successor, StandardCharsets.UTF_8);
            try
            {
                Files.move(temporary, nodeDirectory.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            }
            catch (final AtomicMoveNotSupportedException ex)
            {
                Files.move(temporary, nodeDirectory.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("could not write the switchover request into " + nodeDirectory + ": " +
                ex.getMessage(), ex);
        }
    }

    /**
     * Take the request, if there is one: it is deleted, so it is acted on once.
     *
     * @return the successor's name (empty: the best-ranked backup), or empty when nothing was asked.
     */
    public static Optional<String> take(final Path nodeDirectory)
    {
        final Path file = nodeDirectory.resolve(FILE_NAME);
        if (!Files.exists(file))
        {
            return Optional.empty();
        }
        try
        {
            final String successor = Files.readString(file, StandardCharsets.UTF_8).trim();
            Files.deleteIfExists(file);
            return Optional.of(successor);
        }
        catch (final NoSuchFileException ex)
        {
            return Optional.empty();
        }
        catch (final IOException ex)
        {
            return Optional.empty();
        }
    }
}
