package io.ertcp.engine.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a running node says about itself, for {@code ./ertcp status}: written by the node a few times a second into
 * its log directory ({@code status} beside the log), read by anyone on the machine. A file rather than a socket, so
 * status needs no port, no namespace and no running peer: a node that died leaves its last word and its age shows it.
 *
 * @param node          the node's name.
 * @param pid           its process id.
 * @param role          primary, logger, backup, rejoining (a backup replaying the log after a restart or a
 *                      deposition), draining while it takes over, fenced for the moment a deposed primary stops.
 * @param epoch         the epoch it is in.
 * @param logPosition   the last position of its copy of the log.
 * @param applied       the last position its service replica applied (0 for a logger).
 * @param confirmed     primary: the last position the durability rule confirmed.
 * @param connections   connections it holds (live on the primary, shadows on a backup).
 * @param primary       the node it believes is primary, or empty.
 * @param detail        one line of role-specific detail (feeds and lags on the logger).
 * @param writtenAtMs   wall-clock time of writing.
 */
public record NodeStatus(
    String node,
    long pid,
    String role,
    int epoch,
    long logPosition,
    long applied,
    long confirmed,
    int connections,
    String primary,
    String detail,
    long writtenAtMs)
{
    public static final String FILE_NAME = "status";

    /**
     * Write atomically (a temporary file renamed over the old one), so a reader never sees half a status.
     */
    public void write(final Path directory) throws IOException
    {
        final Map<String, String> fields = new LinkedHashMap<>();
        fields.put("node", node);
        fields.put("pid", Long.toString(pid));
        fields.put("role", role);
        fields.put("epoch", Integer.toString(epoch));
        fields.put("log-position", Long.toString(logPosition));
        fields.put("applied", Long.toString(applied));
        fields.put("confirmed", Long.toString(confirmed));
        fields.put("connections", Integer.toString(connections));
        fields.put("primary", primary);
        fields.put("detail", detail.replace('\n', ' '));
        fields.put("written-at-ms", Long.toString(writtenAtMs));
        final StringBuilder text = new StringBuilder();
        fields.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        final Path temporary = directory.resolve(FILE_NAME + ".tmp");
        Files.writeString(temporary, text, StandardCharsets.UTF_8);
        try
        {
            Files.move(temporary, directory.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final AtomicMoveNotSupportedException ex)
        {
            Files.move(temporary, directory.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * @return the status a node left in {@code directory}, or empty when there is none (never started there).
     * @throws IOException when the file exists but cannot be read or parsed.
     */
    public static Optional<NodeStatus> read(final Path directory) throws IOException
    {
        final String text;
        try
        {
            text = Files.readString(directory.resolve(FILE_NAME), StandardCharsets.UTF_8);
        }
        catch (final NoSuchFileException ex)
        {
            return Optional.empty();
        }
        final Map<String, String> fields = new LinkedHashMap<>();
        for (final String line : text.split("\n"))
        {
            final int equals = line.indexOf('=');
            if (equals > 0)
            {
                fields.put(line.substring(0, equals), line.substring(equals + 1));
            }
        }
        try
        {
            return Optional.of(new NodeStatus(
                fields.getOrDefault("node", "?"),
                Long.parseLong(fields.getOrDefault("pid", "0")),
                fields.getOrDefault("role", "?"),
                Integer.parseInt(fields.getOrDefault("epoch", "0")),
                Long.parseLong(fields.getOrDefault("log-position", "0")),
                Long.parseLong(fields.getOrDefault("applied", "0")),
                Long.parseLong(fields.getOrDefault("confirmed", "0")),
                Integer.parseInt(fields.getOrDefault("connections", "0")),
                fields.getOrDefault("primary", ""),
                fields.getOrDefault("detail", ""),
                Long.parseLong(fields.getOrDefault("written-at-ms", "0"))));
        }
        catch (final NumberFormatException ex)
        {
            throw new IOException("the status file in " + directory + " is damaged (" + ex.getMessage() + ")", ex);
        }
    }
}
