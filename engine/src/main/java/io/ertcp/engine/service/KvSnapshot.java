package io.ertcp.engine.service;

import io.ertcp.service.SnapshotInput;
import io.ertcp.service.SnapshotOutput;
import io.ertcp.service.SnapshotWriter;

/**
 * The kv store's snapshot, in one place: every key, its value and its expiry deadline. What a snapshot holds is what
 * a GET, EXISTS, INCR or TTL after it can depend on. The connections open at the snapshot are written beside it by the
 * node, each with its session ({@link KvService#snapshotConnection}; docs/architecture.md "Snapshots"). Little-endian:
 * <pre>
 *   version (4) | expiry timer's deadline, ms (8) | keys (8) |
 *   per key: key length (4), key, value length (4), value, deadline in cluster time, ms, 0 for none (8)
 * </pre>
 * The deadlines are cluster time, as the log gives it; the node restores the cluster time and the pending timers
 * (kv's expiry timer among them) beside the snapshot, so a store loaded from it expires every key at the same log
 * position as one that replayed the whole log (docs/architecture.md "Snapshots"). Version 1 (no deadlines, no
 * timer) is still read.
 * <p>
 * <b>Capture, then write.</b> {@link #capture} runs on the duty cycle and costs one array copy of the store's slots
 * ({@link ByteKeyMap#freeze}); the keys and values are written later by the node's snapshot thread
 * ({@link SnapshotWriter}). Until that is done the store is frozen: a SET, INCR, EXPIRE or DEL replaces the entries
 * it changes with copies and leaves the frozen ones (bytes and deadline) as they were, so the writer reads the store
 * as it was at the snapshot's position.
 */
final class KvSnapshot implements SnapshotWriter
{
    static final int VERSION = 2;
    private static final int VERSION_WITHOUT_DEADLINES = 1;

    private final ByteKeyMap<KvStore.Value> store;
    private final KvStore kv;
    /** The expiry timer's deadline at the capture; written by the duty cycle before the writer runs. */
    private long timerDeadlineMs;

    KvSnapshot(final ByteKeyMap<KvStore.Value> store, final KvStore kv)
    {
        this.store = store;
        this.kv = kv;
    }

    /**
     * On the duty cycle: freeze the store as it is.
     */
    SnapshotWriter capture()
    {
        timerDeadlineMs = kv.timerDeadlineMs();
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
            out.putLong(timerDeadlineMs);
            out.putLong(store.frozenSize());
            store.forEachFrozen((key, value) ->
            {
                out.putInt(key.length);
                out.putBytes(key, 0, key.length);
                out.putInt(value.length);
                out.putBytes(value.bytes, 0, value.length);
                out.putLong(value.expiresAtMs);
            });
        }
        finally
        {
            store.thaw();
        }
    }

    static void read(final SnapshotInput in, final ByteKeyMap<KvStore.Value> store, final KvStore kv)
    {
        final int version = in.getInt();
        if (version != VERSION && version != VERSION_WITHOUT_DEADLINES)
        {
            throw new IllegalArgumentException("a kv snapshot of version " + version + " cannot be read by this build, " +
                "which reads versions " + VERSION_WITHOUT_DEADLINES + " and " + VERSION);
        }
        final boolean deadlines = version >= 2;
        store.clear();
        kv.restoreTimerDeadline(deadlines ? in.getLong() : 0);
        final long keys = in.getLong();
        for (long i = 0; i < keys; i++)
        {
            final byte[] key = new byte[in.getInt()];
            in.getBytes(key, 0, key.length);
            final int length = in.getInt();
            final KvStore.Value value = new KvStore.Value(length);
            in.getBytes(value.bytes, 0, length);
            value.length = length;
            value.key = key;
            value.expiresAtMs = deadlines ? in.getLong() : 0;
            store.add(key, value);
            if (0 != value.expiresAtMs)
            {
                kv.restoreDeadline(value);
            }
        }
    }
}
