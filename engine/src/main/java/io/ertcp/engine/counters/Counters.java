package io.ertcp.engine.counters;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;
import java.util.function.ObjLongConsumer;

/**
 * The counters of one process: Agrona {@link AtomicCounter}s over one buffer, written by the agent
 * that owns each and read from any thread (the CLI prints them, tests assert on them).
 * Counters, not logging, on the hot path.
 * <p>
 * The buffer is process memory ({@link #Counters(int)}) or a memory-mapped file ({@link #mapped}) that another
 * process reads while this one runs and after it died ({@link CountersFile}, {@code ./ertcp stat}): Aeron's CnC
 * file idea. Incrementing a counter is the same plain store either way.
 */
public final class Counters implements AutoCloseable
{
    private static final int DEFAULT_CAPACITY = 1024;

    private final CountersManager manager;
    private final MappedByteBuffer mapped;

    public Counters()
    {
        this(DEFAULT_CAPACITY);
    }

    /**
     * @param capacity the most counters this set holds.
     */
    public Counters(final int capacity)
    {
        final UnsafeBuffer metadata = new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity * CountersManager.METADATA_LENGTH));
        final UnsafeBuffer values = new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity * CountersManager.COUNTER_LENGTH));
        manager = new CountersManager(metadata, values);
        mapped = null;
    }

    private Counters(final MappedByteBuffer mapped, final int capacity)
    {
        this.mapped = mapped;
        final UnsafeBuffer whole = new UnsafeBuffer(mapped);
        CountersFile.writeHeader(whole, capacity, ProcessHandle.current().pid(), System.currentTimeMillis());
        manager = new CountersManager(
            new UnsafeBuffer(whole, CountersFile.metadataOffset(), capacity * CountersManager.METADATA_LENGTH),
            new UnsafeBuffer(whole, CountersFile.valuesOffset(capacity), capacity * CountersManager.COUNTER_LENGTH));
    }

    /**
     * Counters in a new memory-mapped file (replacing any file there), which {@link CountersFile#open} reads from
     * another process. The header carries this process's pid and start time, so a reader can tell live counters from
     * a dead process's last ones.
     *
     * @param file     such as {@code log.dir/NAME/counters}; its directory must exist.
     * @param capacity the most counters this set holds.
     * @throws UncheckedIOException with one sentence when the file cannot be made.
     */
    public static Counters mapped(final Path file, final int capacity)
    {
        final MappedByteBuffer buffer;
        try
        {
            java.nio.file.Files.deleteIfExists(file);
            buffer = IoUtil.mapNewFile(file.toFile(), CountersFile.length(capacity), true);
        }
        catch (final java.io.IOException | IllegalStateException | UncheckedIOException ex)
        {
            throw new UncheckedIOException("cannot make the counters file " + file + " (" + ex.getMessage() +
                "): the log directory must be writable", ex instanceof java.io.IOException io ? io :
                new java.io.IOException(ex.getMessage(), ex));
        }
        return new Counters(buffer, capacity);
    }

    /**
     * @param label shown when the counters are printed, such as {@code "af-packet:veth0 rx-frames"}.
     * @return a new counter starting at zero.
     */
    public AtomicCounter newCounter(final String label)
    {
        return manager.newCounter(label);
    }

    /**
     * Visit every allocated counter with its label.
     */
    public void forEach(final ObjLongConsumer<String> consumer)
    {
        manager.forEach((counterId, typeId, keyBuffer, label) ->
            consumer.accept(label, manager.getCounterValue(counterId)));
    }

    /**
     * @return how many counters have been made: their ids are 0 to this, exclusive (counters are never freed here).
     */
    public int count()
    {
        int id = 0;
        while (id <= manager.maxCounterId() && manager.getCounterState(id) != CountersReader.RECORD_UNUSED)
        {
            id++;
        }
        return id;
    }

    /**
     * The value of the counter with this label, for a report or a test (it reads every label: not for a duty cycle).
     *
     * @param absent what to give when no counter has the label.
     */
    public long value(final String label, final long absent)
    {
        final int count = count();
        for (int id = 0; id < count; id++)
        {
            if (manager.getCounterLabel(id).equals(label))
            {
                return manager.getCounterValue(id);
            }
        }
        return absent;
    }

    /**
     * @param id a counter's id, below {@link #count()}.
     * @return its value, read without allocating.
     */
    public long value(final int id)
    {
        return manager.getCounterValue(id);
    }

    /**
     * @param id a counter's id, below {@link #count()}.
     * @return its label (a new String).
     */
    public String label(final int id)
    {
        return manager.getCounterLabel(id);
    }

    /**
     * Unmap the file, if any (it stays on disk with the last values). The counters must not be used afterwards.
     */
    public void close()
    {
        if (null != mapped)
        {
            IoUtil.unmap(mapped);
        }
    }
}
