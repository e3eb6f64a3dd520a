package io.ertcp.engine.service;

import io.ertcp.service.SnapshotInput;
import io.ertcp.service.SnapshotOutput;
import io.ertcp.service.SnapshotWriter;

import java.util.Arrays;

/**
 * The kv store's snapshot, in one place: every key and its value. What a snapshot holds is what a GET, EXISTS or
 * INCR after it can depend on; connections are never in it (docs/architecture.md rule 7: a snapshot is taken with no
 * connection open). Little-endian:
 * <pre>
 *   version (4) | keys (8) | per key: key length (4), key, value length (4), value
 * </pre>
 * A key's expiry deadline, when kv has one, belongs here too (a new version: a reader of an older one finds none).
 * <p>
 * <b>Capture, then write.</b> {@link #capture} runs on the duty cycle and copies only references: each key (never
 * changed once stored), its value's byte array and length. The bytes are written later by the node's snapshot
 * thread ({@link SnapshotWriter}). Until it is done, {@link #copyOnWrite()} is true and kv writes a changed value
 * into a fresh array instead of the captured one ({@link KvService.Value#set}, INCR), so the writer reads the
 * values as they were at the snapshot's position. The arrays of references are reused from one snapshot to the next.
 */
final class KvSnapshot implements SnapshotWriter
{
    static final int VERSION = 1;

    private byte[][] keys = new byte[1024][];
    private byte[][] values = new byte[1024][];
    private int[] lengths = new int[1024];
    private int count;
    /** Set by {@link #capture} on the duty cycle, cleared by the writer thread once it wrote everything. */
    private volatile boolean copyOnWrite;

    boolean copyOnWrite()
    {
        return copyOnWrite;
    }

    /**
     * On the duty cycle: take references to every key and value.
     */
    SnapshotWriter capture(final ByteKeyMap<KvService.Value> store)
    {
        final int size = store.size();
        if (keys.length < size)
        {
            final int capacity = Math.max(size, keys.length * 2);
            keys = new byte[capacity][];
            values = new byte[capacity][];
            lengths = new int[capacity];
        }
        count = 0;
        store.forEach(this::add);
        copyOnWrite = true;
        return this;
    }

    private void add(final byte[] key, final KvService.Value value)
    {
        keys[count] = key;
        values[count] = value.bytes;
        lengths[count] = value.length;
        count++;
    }

    /**
     * On the snapshot thread: write what was captured, then let kv write values in place again.
     */
    public void writeTo(final SnapshotOutput out)
    {
        try
        {
            out.putInt(VERSION);
            out.putLong(count);
            for (int i = 0; i < count; i++)
            {
                out.putInt(keys[i].length);
                out.putBytes(keys[i], 0, keys[i].length);
                out.putInt(lengths[i]);
                out.putBytes(values[i], 0, lengths[i]);
            }
        }
        finally
        {
            Arrays.fill(values, 0, count, null);
            copyOnWrite = false;
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
