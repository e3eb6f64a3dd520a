package io.ertcp.log;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A node's service snapshots, in a directory beside its replication log: one file per snapshot, named by the log
 * position it was taken at, so the newest is the one with the highest position (docs/architecture.md rule 7).
 * <p>
 * <b>Format</b>, little-endian:
 * <pre>
 *   magic "ERTCPSNP" (8) | version (4) | header length (4) | position (8) | epoch (4) | body length (8)
 *   | body CRC32C (4) | service name length (2) | service name (UTF-8) | header CRC32C (4, of every header byte before it)
 *   | body (body length bytes)
 * </pre>
 * A file is intact when the magic, version and header CRC32C check, the file is exactly header plus body long, and
 * the body's CRC32C is the header's.
 * <p>
 * <b>Writing</b> ({@link #write}): the bytes go to a temporary file ({@code .tmp}), which is forced to disk (fsync)
 * and then renamed into place, and the directory is forced too; so a snapshot's name appears only once all its
 * bytes are on disk. A process killed while writing leaves a temporary file, never a snapshot; a machine that lost
 * power before its disk wrote everything back, or a damaged block, leaves a file whose length or CRC32C does not
 * check. Either way {@link #newest} passes over it to the previous intact snapshot (and says why in
 * {@link #problems()}); the log after that one is kept by retention for exactly this case. Temporary files left by
 * a dead process are deleted when the store opens.
 * <p>
 * Not for the duty cycle: writing and reading are file I/O. The node writes on a thread of its own.
 */
public final class SnapshotStore
{
    /** How many intact snapshots are kept: the newest, and the one before in case the newest cannot be read. */
    public static final int KEEP = 2;

    static final long MAGIC = 0x504E_5350_4354_5245L; // "ERTCPSNP" little-endian
    /** 2: the body holds the connections open at the position (docs/architecture.md "Snapshots"); 1 held none. */
    static final int VERSION = 2;
    static final int FIXED_HEADER = 8 + 4 + 4 + 8 + 4 + 8 + 4 + 2;
    private static final String PREFIX = "snapshot-";
    private static final String SUFFIX = ".snap";
    private static final String TEMPORARY = ".tmp";

    private final Path directory;
    private final List<String> problems = new ArrayList<>();

    /**
     * A snapshot read back: its position, epoch, service name and body (a view of the file, mapped read-only).
     */
    public record Snapshot(Path file, long position, int epoch, String service, DirectBuffer body)
    {
    }

    private SnapshotStore(final Path directory)
    {
        this.directory = directory;
    }

    /**
     * Open (or create) the store in a directory, deleting temporary files a dead process left.
     */
    public static SnapshotStore open(final Path directory)
    {
        try
        {
            Files.createDirectories(directory);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create the snapshot directory " + directory + ": " + ex.getMessage(), ex);
        }
        final SnapshotStore store = new SnapshotStore(directory);
        for (final Path temporary : store.list(TEMPORARY))
        {
            try
            {
                Files.deleteIfExists(temporary);
                store.problems.add("Snapshot " + temporary.getFileName() + " was never finished (the process died while " +
                    "writing it) and was deleted.");
            }
            catch (final IOException ex)
            {
                store.problems.add("cannot delete the unfinished snapshot " + temporary + ": " + ex.getMessage());
            }
        }
        return store;
    }

    public Path directory()
    {
        return directory;
    }

    /**
     * @return one sentence per snapshot passed over (torn, corrupt, unfinished) since the store opened, oldest first.
     */
    public List<String> problems()
    {
        synchronized (problems)
        {
            return List.copyOf(problems);
        }
    }

    /**
     * The file a snapshot at this position has.
     */
    public Path fileOf(final long position)
    {
        return directory.resolve(String.format("%s%020d%s", PREFIX, position, SUFFIX));
    }

    /**
     * Write a snapshot: a temporary file, fsync, rename, fsync of the directory; then delete all but the {@link #KEEP}
     * newest snapshots.
     *
     * @param position the log position the state was taken at (after that record).
     * @param epoch    the epoch of that record.
     * @param service  the service's name, checked when it is loaded.
     * @param body     the service's bytes, [offset, offset + length).
     * @return the snapshot's file.
     */
    public Path write(
        final long position, final int epoch, final String service, final DirectBuffer body, final int offset, final long length)
    {
        final Path file = fileOf(position);
        final Path temporary = file.resolveSibling(file.getFileName() + TEMPORARY);
        final byte[] name = service.getBytes(StandardCharsets.UTF_8);
        final int headerLength = FIXED_HEADER + name.length + 4;
        final ByteBuffer header = ByteBuffer.allocate(headerLength).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(MAGIC).putInt(VERSION).putInt(headerLength).putLong(position).putInt(epoch).putLong(length)
            .putInt(crc(body, offset, length)).putShort((short)name.length).put(name);
        final CRC32C headerCrc = new CRC32C();
        headerCrc.update(header.array(), 0, header.position());
        header.putInt((int)headerCrc.getValue()).flip();
        try (FileChannel channel = FileChannel.open(temporary,
            StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))
        {
            writeFully(channel, header);
            long written = 0;
            while (written < length)
            {
                final int chunk = (int)Math.min(length - written, 1 << 30);
                writeFully(channel, bodySlice(body, offset + written, chunk));
                written += chunk;
            }
            channel.force(true);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write the snapshot " + temporary + ": " + ex.getMessage(), ex);
        }
        try
        {
            try
            {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            catch (final AtomicMoveNotSupportedException ex)
            {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
            forceDirectory();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot rename the snapshot " + temporary + " into place: " + ex, ex);
        }
        prune();
        return file;
    }

    /**
     * The newest intact snapshot at or before {@code atMost}, passing over torn or corrupt ones (each added to
     * {@link #problems()}).
     *
     * @return the snapshot, or null when none is intact.
     */
    public Snapshot newest(final long atMost)
    {
        final List<Path> files = list(SUFFIX);
        for (int i = files.size() - 1; i >= 0; i--)
        {
            final Path file = files.get(i);
            if (positionOf(file) > atMost)
            {
                continue;
            }
            final Snapshot snapshot = read(file);
            if (null != snapshot)
            {
                return snapshot;
            }
        }
        return null;
    }

    /**
     * @return the newest intact snapshot, or null.
     */
    public Snapshot newest()
    {
        return newest(Long.MAX_VALUE);
    }

    /**
     * @return the positions of the snapshot files present, oldest first (not checked; {@link #newest} checks).
     */
    public long[] positions()
    {
        return list(SUFFIX).stream().mapToLong(SnapshotStore::positionOf).toArray();
    }

    /**
     * Read and check one snapshot file.
     *
     * @return the snapshot, or null when it is torn or corrupt (and why is added to {@link #problems()}).
     */
    public Snapshot read(final Path file)
    {
        final String name = file.getFileName().toString();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final long size = channel.size();
            if (size < FIXED_HEADER + 4)
            {
                return refuse("Snapshot " + name + " is " + size + " bytes, shorter than a header: it is torn.");
            }
            final ByteBuffer fixed = ByteBuffer.allocate(FIXED_HEADER).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, fixed, 0);
            fixed.flip();
            if (fixed.getLong() != MAGIC)
            {
                return refuse("Snapshot " + name + " does not start with the snapshot magic: it is not a snapshot or is corrupt.");
            }
            final int version = fixed.getInt();
            if (version != VERSION)
            {
                return refuse("Snapshot " + name + " has version " + version + (version < VERSION ?
                    ", from an older build whose snapshots hold no open connections," : ",") + " and this build reads " +
                    "version " + VERSION + " only.");
            }
            final int headerLength = fixed.getInt();
            if (headerLength < FIXED_HEADER + 4 || headerLength > FIXED_HEADER + 4 + 0xFFFF || headerLength > size)
            {
                return refuse("Snapshot " + name + " declares a header of " + headerLength + " bytes in a file of " + size +
                    ": it is torn or corrupt.");
            }
            final ByteBuffer header = ByteBuffer.allocate(headerLength).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, header, 0);
            final CRC32C headerCrc = new CRC32C();
            headerCrc.update(header.array(), 0, headerLength - 4);
            if ((int)headerCrc.getValue() != header.getInt(headerLength - 4))
            {
                return refuse("Snapshot " + name + "'s header fails its CRC32C: it is corrupt.");
            }
            header.position(16);
            final long position = header.getLong();
            final int epoch = header.getInt();
            final long bodyLength = header.getLong();
            final int bodyCrc = header.getInt();
            final int nameLength = header.getShort() & 0xFFFF;
            final String service = new String(header.array(), FIXED_HEADER, nameLength, StandardCharsets.UTF_8);
            if (headerLength + bodyLength != size)
            {
                return refuse("Snapshot " + name + " should be " + (headerLength + bodyLength) + " bytes but is " + size +
                    ": it is torn (the machine stopped before the file was on disk).");
            }
            if (bodyLength > Integer.MAX_VALUE - 8)
            {
                return refuse("Snapshot " + name + " has a body of " + bodyLength + " bytes, more than this build reads (2 GiB).");
            }
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, headerLength, bodyLength);
            final UnsafeBuffer body = new UnsafeBuffer(mapped);
            final int computed = crc(body, 0, bodyLength);
            if (computed != bodyCrc)
            {
                return refuse("Snapshot " + name + "'s body has CRC32C 0x" + Integer.toHexString(computed) +
                    " but its header says 0x" + Integer.toHexString(bodyCrc) + ": it is torn or corrupt.");
            }
            return new Snapshot(file, position, epoch, service, body);
        }
        catch (final IOException ex)
        {
            return refuse("Snapshot " + name + " cannot be read: " + ex.getMessage());
        }
    }

    /**
     * Delete all but the {@link #KEEP} newest snapshot files.
     */
    public void prune()
    {
        final List<Path> files = list(SUFFIX);
        for (int i = 0; i < files.size() - KEEP; i++)
        {
            try
            {
                Files.deleteIfExists(files.get(i));
            }
            catch (final IOException ex)
            {
                synchronized (problems)
                {
                    problems.add("cannot delete the old snapshot " + files.get(i) + ": " + ex.getMessage());
                }
            }
        }
    }

    private Snapshot refuse(final String why)
    {
        synchronized (problems)
        {
            problems.add(why);
        }
        return null;
    }

    private List<Path> list(final String suffix)
    {
        if (!Files.isDirectory(directory))
        {
            return List.of();
        }
        try (Stream<Path> paths = Files.list(directory))
        {
            return paths.filter(p ->
                {
                    final String name = p.getFileName().toString();
                    return name.startsWith(PREFIX) && name.endsWith(suffix) &&
                        (suffix.equals(TEMPORARY) || !name.endsWith(TEMPORARY));
                })
                .sorted()
                .toList();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list the snapshot directory " + directory + ": " + ex.getMessage(), ex);
        }
    }

    static long positionOf(final Path file)
    {
        final String name = file.getFileName().toString();
        try
        {
            return Long.parseLong(name.substring(PREFIX.length(), PREFIX.length() + 20));
        }
        catch (final RuntimeException ex)
        {
            return -1;
        }
    }

    private void forceDirectory()
    {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ))
        {
            dir.force(true);
        }
        catch (final IOException ex)
        {
            // Some file systems cannot open a directory for fsync; the rename is still atomic.
        }
    }

    /**
     * A ByteBuffer over [offset, offset + length) of the buffer, without a copy when it wraps a ByteBuffer or an array.
     */
    private static ByteBuffer bodySlice(final DirectBuffer body, final long offset, final int length)
    {
        final ByteBuffer wrapped = body.byteBuffer();
        if (null != wrapped)
        {
            final int from = (int)(body.wrapAdjustment() + offset);
            return wrapped.duplicate().clear().position(from).limit(from + length);
        }
        final byte[] array = body.byteArray();
        if (null != array)
        {
            return ByteBuffer.wrap(array, (int)(body.wrapAdjustment() + offset), length);
        }
        final byte[] copy = new byte[length];
        body.getBytes((int)offset, copy);
        return ByteBuffer.wrap(copy);
    }

    static int crc(final DirectBuffer buffer, final long offset, final long length)
    {
        final CRC32C crc = new CRC32C();
        long done = 0;
        while (done < length)
        {
            final int n = (int)Math.min(1 << 30, length - done);
            crc.update(bodySlice(buffer, offset + done, n));
            done += n;
        }
        return (int)crc.getValue();
    }

    private static void writeFully(final FileChannel channel, final ByteBuffer buffer) throws IOException
    {
        while (buffer.hasRemaining())
        {
            channel.write(buffer);
        }
    }

    private static void readFully(final FileChannel channel, final ByteBuffer buffer, final long at) throws IOException
    {
        long position = at;
        while (buffer.hasRemaining())
        {
            final int n = channel.read(buffer, position);
            if (n < 0)
            {
                throw new IOException("unexpected end of file");
            }
            position += n;
        }
    }
}
