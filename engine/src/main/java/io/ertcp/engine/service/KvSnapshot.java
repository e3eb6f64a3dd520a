package io.ertcp.engine.service;

import io.ertcp.service.SnapshotInput;
import io.ertcp.service.SnapshotOutput;

/**
 * The kv store's snapshot, in one place: every key and its value. What a snapshot holds is what a GET, EXISTS or
 * INCR after it can depend on; connections are never in it (docs/architecture.md rule 7: a snapshot is taken with no
 * connection open). Little-endian:
 * <pre>
 *   version (4) | keys (8) | per key: key length (4), key, value length (4), value
 * </pre>
 * A key's expiry deadline, when kv has one, belongs here too (a new version: a reader of an older one finds none).
 */
final class KvSnapshot
{
    static final int VERSION = 1;

    private KvSnapshot()
    {
    }

    static void write(final ByteKeyMap<KvService.Value> store, final SnapshotOutput out)
    {
        out.putInt(VERSION);
        out.putLong(store.size());
        store.forEach((key, value) ->
        {
            out.putInt(key.length);
            out.putBytes(key, 0, key.length);
            out.putInt(value.length);
            out.putBytes(value.bytes, 0, value.length);
        });
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
