package io.ertcp.engine.counters;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.nio.ByteBuffer;
import java.util.function.ObjLongConsumer;

/**
 * The counters of one process: Agrona {@link AtomicCounter}s over one buffer, written by the agent
 * that owns each and read from any thread (the CLI prints them, tests assert on them).
 * Counters, not logging, on the hot path.
 */
public final class Counters
{
    private static final int DEFAULT_CAPACITY = 1024;

    private final CountersManager manager;

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
}
