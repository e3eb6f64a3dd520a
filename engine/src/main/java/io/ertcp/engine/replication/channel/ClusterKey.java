package io.ertcp.engine.replication.channel;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;

/**
 * The cluster key that authenticates every replication frame (docs/architecture.md rule 8): {@link #LENGTH} random
 * bytes in a file only its owner may read, named by the cluster file's {@code security.key-file}. Every member reads
 * the same file; {@code ./ertcp keygen FILE} writes one.
 */
public final class ClusterKey
{
    public static final int LENGTH = 32;

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] bytes;

    private ClusterKey(final byte[] bytes)
    {
        this.bytes = bytes;
    }

    /** A key from bytes already in hand (tests, the demo); copied. */
    public static ClusterKey of(final byte[] bytes)
    {
        if (bytes.length != LENGTH)
        {
            throw new IllegalArgumentException("a cluster key is " + LENGTH + " bytes, not " + bytes.length);
        }
        return new ClusterKey(bytes.clone());
    }

    /** A fresh random key. */
    public static ClusterKey random()
    {
        final byte[] bytes = new byte[LENGTH];
        new SecureRandom().nextBytes(bytes);
        return new ClusterKey(bytes);
    }

    /** A copy of the key's bytes, to key a MAC with. */
    public byte[] bytes()
    {
        return bytes.clone();
    }

    /**
     * Read a key file, refusing one that is missing, unreadable, readable by group or others, or not {@link #LENGTH}
     * bytes.
     *
     * @throws IllegalArgumentException with one sentence naming the file and the fix.
     */
    public static ClusterKey load(final Path file)
    {
        final byte[] bytes;
        try
        {
            if (Files.getFileStore(file).supportsFileAttributeView("posix"))
            {
                final Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
                if (permissions.contains(PosixFilePermission.GROUP_READ) ||
                    permissions.contains(PosixFilePermission.OTHERS_READ) ||
                    permissions.contains(PosixFilePermission.GROUP_WRITE) ||
                    permissions.contains(PosixFilePermission.OTHERS_WRITE))
                {
                    throw new IllegalArgumentException("the cluster key file " + file + " can be read or written by " +
                        "other users (" + PosixFilePermissions.toString(permissions) + "): run chmod 600 " + file + ".");
                }
            }
            bytes = Files.readAllBytes(file);
        }
        catch (final NoSuchFileException ex)
        {
            throw new IllegalArgumentException("the cluster key file " + file + " does not exist: make it with " +
                "./ertcp keygen " + file + " and copy it to every node, or fix security.key-file in the cluster file.");
        }
        catch (final AccessDeniedException ex)
        {
            throw new IllegalArgumentException("the cluster key file " + file + " cannot be read by this user: run " +
                "the node as the key's owner, or chown the file to the user the node runs as.");
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("the cluster key file " + file + " cannot be read (" + ex.getMessage() +
                "): check the path in security.key-file.");
        }
        if (bytes.length != LENGTH)
        {
            Arrays.fill(bytes, (byte)0);
            throw new IllegalArgumentException("the cluster key file " + file + " holds " + bytes.length +
                " bytes, not the " + LENGTH + " of a cluster key: make a new one with ./ertcp keygen --force " + file +
                " and copy it to every node.");
        }
        return new ClusterKey(bytes);
    }

    /**
     * Write a fresh random key to {@code file}, readable by its owner only, creating missing parent directories
     * (owner-only too).
     *
     * @param force overwrite a file that exists.
     * @throws IllegalArgumentException with one sentence when the file exists (without force) or cannot be written.
     */
    public static void generate(final Path file, final boolean force)
    {
        final ClusterKey key = random();
        try
        {
            final Path parent = file.toAbsolutePath().getParent();
            if (null != parent && !Files.isDirectory(parent))
            {
                Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            }
            if (force && Files.exists(file, LinkOption.NOFOLLOW_LINKS))
            {
                Files.delete(file);
            }
            Files.write(Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY)), key.bytes,
                StandardOpenOption.WRITE);
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        }
        catch (final FileAlreadyExistsException ex)
        {
            throw new IllegalArgumentException(file + " exists already: keep it (every node needs the same key), " +
                "or give --force to replace it and copy the new key to every node.");
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot write the cluster key file " + file + " (" + ex.getMessage() +
                "): choose a path in a directory this user may write.");
        }
    }
}
