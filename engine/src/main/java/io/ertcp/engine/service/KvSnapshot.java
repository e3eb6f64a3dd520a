package io.ertcp.engine.service;

import io.ertcp.service.SnapshotInput;
import io.ertcp.service.SnapshotOutput;
import io.ertcp.service.SnapshotWriter;

/**
 * The kv store's snapshot, in one place: every key and its value. What a snapshot holds is what a GET, EXISTS or
 * INCR after it can depend on; connections are never in it (docs/architecture.md rule 7: a snapshot is taken with no
 * connection open). Little-endian:
 * <pre>
 *   version (4) | keys (8) | per key: key length (4), key, value length (4), value
 * </pre>
 * A key's expiry deadline, when kv has one, belongs here too (a new version: a reader of an older one finds none).
 * <p>
 * <b>Capture, then write.</b> {@link #capture} runs on the duty cycle and costs one array copy of the store's slots
 * ({@link ByteKeyMap#freeze}); the keys and values are written later by the node's snapshot thread
 * ({@link SnapshotWriter}). Until that is done the store is frozen: a SET, INCR or DEL replaces the entries it
 * changes with copies and leaves the frozen ones as they were, so the writer reads the store as it was at the
 * snapshot's position.
 */
final class KvSnapshot implements SnapshotWriter
{
    static final int VERSION = 1;

    private final ByteKeyMap<KvService.Value> store;

    KvSnapshot(final ByteKeyMap<KvService.Value> store)
    {
        this.store = store;
    }

    /**
     * On the duty cycle: freeze the store as it is.
     */
    SnapshotWriter capture()
    {
        store.freeze();
        return this;
    }

    /**
     * On the snapshot thread: write the frozen store, then thaw it.
     */
    public void writeTo(final SnapshotOutput out)
    {
        try
        {
            out.putInt(VERSION);
            out.putLong(store.frozenSize());
            store.forEachFrozen((key, value) ->
            {
                out.putInt(key.length);
                out.putBytes(key, 0, key.length);
                out.putInt(value.length);
                out.putBytes(value.bytes, 0, value.length);
            });
        }
        finally
        {
            store.thaw();
        }
    }

    static void read(final SnapshotInput in, final ByteKeyMap<KvService.Value> store)
    {
        final int version = in.getInt();
        if (version != VERSION)
        {
            throw new IllegalArgumentException("a kv snapshot of version " + version + " cannot be read by this build, " +
                "which reads version " + VERSION);
        }
        store.clear();
        final long keys = in.getLong();
        for (long i = 0; i < keys; i++)
        {
            final byte[] key = new byte[in.getInt()];
            in.getBytes(key, 0, key.length);
            final int length = in.getInt();
            final KvService.Value value = new KvService.Value(length);
            in.getBytes(value.bytes, 0, length);
            value.length = length;
            store.add(key, value);
        }
    }
}
