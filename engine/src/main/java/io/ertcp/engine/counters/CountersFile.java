package io.ertcp.engine.counters;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.ObjLongConsumer;

/**
 * A counters file ({@link Counters#mapped}) read from another process, as Aeron's AeronStat reads its CnC file:
 * the file is mapped read-only and every value read with a volatile load, so a reader sees the writer's counters
 * move while it runs. Layout (little-endian): a header page ({@link #MAGIC}, version, capacity, the writer's pid and
 * start time), then Agrona's {@link CountersManager} metadata (capacity x 512 bytes) and values (capacity x 128).
 */
public final class CountersFile implements AutoCloseable
{
    /** "ERTCPCNT" read as a little-endian long. */
    public static final long MAGIC = 0x544E435043545245L;
    public static final int VERSION = 1;
    private static final int HEADER_LENGTH = 4096;
    private static final int MAGIC_OFFSET = 0;
    private static final int VERSION_OFFSET = 8;
    private static final int CAPACITY_OFFSET = 12;
    private static final int PID_OFFSET = 16;
    private static final int START_MS_OFFSET = 24;

    private final Path file;
    private final MappedByteBuffer mapped;
    private final CountersReader reader;
    private final long pid;
    private final long startMs;

    private CountersFile(final Path file, final MappedByteBuffer mapped, final CountersReader reader, final long pid,
        final long startMs)
    {
        this.file = file;
        this.mapped = mapped;
        this.reader = reader;
        this.pid = pid;
        this.startMs = startMs;
    }

    static int metadataOffset()
    {
        return HEADER_LENGTH;
    }

    static int valuesOffset(final int capacity)
    {
        return HEADER_LENGTH + capacity * CountersManager.METADATA_LENGTH;
    }

    static long length(final int capacity)
    {
        return valuesOffset(capacity) + (long)capacity * CountersManager.COUNTER_LENGTH;
    }

    static void writeHeader(final UnsafeBuffer buffer, final int capacity, final long pid, final long startMs)
    {
        buffer.putInt(VERSION_OFFSET, VERSION);
        buffer.putInt(CAPACITY_OFFSET, capacity);
        buffer.putLong(PID_OFFSET, pid);
        buffer.putLong(START_MS_OFFSET, startMs);
        // Last: a reader that sees the magic sees the rest of the header.
        buffer.putLongVolatile(MAGIC_OFFSET, MAGIC);
    }

    /**
     * Map a counters file read-only.
     *
     * @throws IOException with one sentence when there is no such file or it is not a counters file.
     */
    public static CountersFile open(final Path file) throws IOException
    {
        final long size;
        final MappedByteBuffer mapped;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            size = channel.size();
            if (size < HEADER_LENGTH)
            {
                throw new IOException(file + " is not a counters file (" + size + " bytes): a node writes one as " +
                    "log.dir/NAME/counters when it starts");
            }
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
        }
        catch (final NoSuchFileException ex)
        {
            throw new IOException("there is no counters file " + file + ": has the node ever started with this " +
                "log.dir?", ex);
        }
        final UnsafeBuffer whole = new UnsafeBuffer(mapped);
        final int capacity = whole.getInt(CAPACITY_OFFSET);
        if (whole.getLongVolatile(MAGIC_OFFSET) != MAGIC || whole.getInt(VERSION_OFFSET) != VERSION ||
            capacity <= 0 || length(capacity) != size)
        {
            IoUtil.unmap(mapped);
            throw new IOException(file + " is not a counters file of this version (or its node is still making it): " +
                "run ./ertcp stat again, or check the path");
        }
        final CountersReader reader = new CountersReader(
            new UnsafeBuffer(whole, metadataOffset(), capacity * CountersManager.METADATA_LENGTH),
            new UnsafeBuffer(whole, valuesOffset(capacity), capacity * CountersManager.COUNTER_LENGTH));
        return new CountersFile(file, mapped, reader, whole.getLong(PID_OFFSET), whole.getLong(START_MS_OFFSET));
    }

    public Path file()
    {
        return file;
    }

    /** The process that writes (or wrote) the counters. */
    public long pid()
    {
        return pid;
    }

    /** When that process made the file, wall-clock milliseconds. */
    public long startMs()
    {
        return startMs;
    }

    /**
     * @return whether the writing process still runs (a pid reused since would also say yes; the start time tells).
     */
    public boolean writerAlive()
    {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * Visit every allocated counter with its label and current value.
     */
    public void forEach(final ObjLongConsumer<String> consumer)
    {
        reader.forEach((counterId, typeId, keyBuffer, label) -> consumer.accept(label, reader.getCounterValue(counterId)));
    }

    public void close()
    {
        IoUtil.unmap(mapped);
    }

    static boolean exists(final Path file)
    {
        return Files.isRegularFile(file);
    }
}
