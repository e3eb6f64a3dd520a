package io.ertcp.engine.service;

import io.ertcp.engine.replication.replica.ServiceSnapshots;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * kv's snapshot: a store loaded from a snapshot answers every later request as the store it was taken from does,
 * binary keys and values, empty values and INCR's rewritten values included.
 */
class KvSnapshotTest
{
    private static String resp(final String... args)
    {
        final StringBuilder sb = new StringBuilder("*" + args.length + "\r\n");
        for (final String arg : args)
        {
            sb.append('$').append(arg.length()).append("\r\n").append(arg).append("\r\n");
        }
        return sb.toString();
    }

    private static String send(final KvService kv, final long id, final String input)
    {
        final FakeConnection connection = new FakeConnection(id);
        kv.onOpen(connection);
        final byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        int offset = 0;
        while (offset < bytes.length)
        {
            offset += kv.onData(connection, buffer, offset, bytes.length - offset);
        }
        kv.onClosed(connection, io.ertcp.service.CloseReason.CLOSED);
        return connection.written.toString(StandardCharsets.ISO_8859_1);
    }

    private static io.ertcp.service.BufferSnapshotOutput take(final KvService kv)
    {
        final io.ertcp.service.BufferSnapshotOutput out = new io.ertcp.service.BufferSnapshotOutput();
        kv.takeSnapshot().writeTo(out);
        return out;
    }

    private static KvService load(final io.ertcp.service.BufferSnapshotOutput out)
    {
        final KvService kv = new KvService();
        final byte[] copy = new byte[(int)out.length()];
        out.buffer().getBytes(0, copy);
        kv.loadSnapshot(new io.ertcp.service.BufferSnapshotInput(new UnsafeBuffer(copy)));
        return kv;
    }

    @Test
    void aLoadedStoreAnswersAsTheOriginal()
    {
        final KvService original = new KvService();
        final StringBuilder writes = new StringBuilder();
        for (int i = 0; i < 5_000; i++)
        {
            writes.append(resp("SET", "key:" + i, "value-" + i * 7));
        }
        writes.append(resp("SET", "empty", "")).append(resp("SET", "bin\u0000\u00ff", "v\r\n\u0001"))
            .append(resp("SET", "n", "41")).append(resp("INCR", "n")).append(resp("DEL", "key:17"))
            .append(resp("SET", "key:18", "a much longer value than the one before it"));
        send(original, 1, writes.toString());

        final KvService loaded = load(take(original));
        assertEquals(original.size(), loaded.size());
        assertEquals(original.contentDigest(), loaded.contentDigest());

        final String reads = resp("GET", "key:0") + resp("GET", "key:4999") + resp("GET", "key:17") + resp("GET", "key:18") +
            resp("GET", "empty") + resp("GET", "bin\u0000\u00ff") + resp("INCR", "n") + resp("EXISTS", "key:1", "key:17") +
            resp("DBSIZE") + resp("MGET", "key:2", "nope", "n");
        final String expected = send(original, 2, reads);
        assertEquals(expected, send(loaded, 2, reads));
        assertEquals("$7\r\nvalue-0\r\n", expected.substring(0, 13), "the reads read what was set");
    }

    /**
     * The capture holds references only; changes between the capture and the writer's run (SET over an existing
     * value of the same length, INCR, DEL, new keys) must not reach the snapshot, which is the state at the capture.
     */
    @Test
    void whatChangesAfterTheCaptureIsNotInTheSnapshot()
    {
        final KvService kv = new KvService();
        send(kv, 1, resp("SET", "a", "aaaa") + resp("SET", "n", "10") + resp("SET", "gone", "x"));
        final KvService atCapture = load(take(kv));
        final io.ertcp.service.SnapshotWriter writer = kv.takeSnapshot();
        final StringBuilder many = new StringBuilder();
        for (int i = 0; i < 3_000; i++)
        {
            many.append(resp("SET", "more:" + i, "v")); // past the table's load factor: it must not grow while frozen
        }
        send(kv, 2, resp("SET", "a", "bbbb") + resp("INCR", "n") + resp("DEL", "gone") + resp("SET", "new", "y") +
            resp("MSET", "a", "cccc") + many);
        final io.ertcp.service.BufferSnapshotOutput out = new io.ertcp.service.BufferSnapshotOutput();
        writer.writeTo(out);
        final KvService loaded = load(out);
        assertEquals(atCapture.contentDigest(), loaded.contentDigest(), "the snapshot is the state at the capture");
        assertEquals("$4\r\naaaa\r\n$2\r\n10\r\n$1\r\nx\r\n", send(loaded, 3, resp("GET", "a") + resp("GET", "n") + resp("GET", "gone")));
        assertEquals("$4\r\ncccc\r\n$2\r\n11\r\n$-1\r\n", send(kv, 4, resp("GET", "a") + resp("GET", "n") + resp("GET", "gone")),
            "the live store has the changes");
        send(kv, 5, resp("SET", "a", "dddd") + resp("DEL", "new") + resp("SET", "more:0", "w"));
        assertEquals("$4\r\ndddd\r\n$-1\r\n$1\r\nw\r\n$1\r\nv\r\n", send(kv, 6, resp("GET", "a") + resp("GET", "new") +
            resp("GET", "more:0") + resp("GET", "more:2999")), "in place again once written");
        assertEquals(3_000 + 2, kv.size());
    }

    /**
     * Deadlines are in the snapshot, and the expiry timer comes back with the clock (as ServiceSnapshots restores
     * it): the loaded store counts TTLs down from the same deadlines and its timer removes a key at its deadline with
     * no command. Changes to deadlines while the store is frozen (PERSIST, PEXPIRE, a key expiring) reach the live
     * store, whose heap then holds the copies, and not the snapshot.
     */
    @Test
    void deadlinesAndTheExpiryTimerComeBackAndDeadlineChangesWhileFrozenStayOut()
    {
        final long ms = 1_000_000L;
        final long t0 = 1_796_083_200_000L;
        final KvService kv = new KvService();
        final io.ertcp.engine.tcp.ServiceClock clock = new io.ertcp.engine.tcp.ServiceClock(kv);
        kv.clusterClock(clock);
        clock.advance(t0 * ms);
        send(kv, 1, resp("SET", "a", "v", "PX", "5000") + resp("SET", "b", "v", "EX", "100") + resp("SET", "c", "v") +
            resp("SET", "d", "v", "PX", "9000"));

        // The capture, and the clock as ServiceSnapshots copies it with the state.
        final long[] ids = new long[4];
        final long[] deadlines = new long[4];
        final int timers = clock.copyTimers(ids, deadlines, new long[4]);
        assertEquals(1, timers, "kv's one expiry timer");
        final io.ertcp.service.SnapshotWriter writer = kv.takeSnapshot();
        clock.advance((t0 + 1000) * ms);
        send(kv, 2, resp("PERSIST", "a") + resp("PEXPIRE", "b", "500") + resp("EXPIRE", "c", "10") + resp("SET", "d", "w"));
        clock.advance((t0 + 1600) * ms);
        assertEquals(1, kv.expiredKeys(), "b went at its new deadline while the store was frozen");
        final io.ertcp.service.BufferSnapshotOutput out = new io.ertcp.service.BufferSnapshotOutput();
        writer.writeTo(out);

        assertEquals(":-1\r\n:-2\r\n:9\r\n:-1\r\n",
            send(kv, 3, resp("TTL", "a") + resp("TTL", "b") + resp("TTL", "c") + resp("TTL", "d")), "the live store");
        clock.advance((t0 + 11_000) * ms);
        assertEquals(2, kv.expiredKeys(), "c went at its deadline: the live heap holds the copy EXPIRE made");

        final KvService loaded = new KvService();
        final io.ertcp.engine.tcp.ServiceClock restored = new io.ertcp.engine.tcp.ServiceClock(loaded);
        loaded.clusterClock(restored);
        restored.restoreTime(t0 * ms);
        restored.restoreTimer(ids[0], deadlines[0]);
        final byte[] copy = new byte[(int)out.length()];
        out.buffer().getBytes(0, copy);
        loaded.loadSnapshot(new io.ertcp.service.BufferSnapshotInput(new UnsafeBuffer(copy)));
        assertEquals(3, loaded.expiringKeys(), "a, b and d have their deadlines");
        assertEquals(":5000\r\n:100\r\n:-1\r\n:9000\r\n",
            send(loaded, 4, resp("PTTL", "a") + resp("TTL", "b") + resp("TTL", "c") + resp("PTTL", "d")),
            "the deadlines at the capture");
        restored.advance((t0 + 4999) * ms);
        assertEquals(0, loaded.expiredKeys());
        restored.advance((t0 + 5000) * ms);
        assertEquals(1, loaded.expiredKeys(), "a went at its deadline, by the restored timer, with no command");
        assertEquals(1, restored.timerCount(), "rescheduled for d");
        restored.advance((t0 + 9000) * ms);
        assertEquals(2, loaded.expiredKeys());
    }

    @Test
    void anEmptyStoreRoundTripsAndADifferentOneDoesNot()
    {
        final KvService empty = new KvService();
        final KvService loaded = load(take(empty));
        assertEquals(0, loaded.size());
        send(loaded, 1, resp("SET", "a", "1"));
        assertNotEquals(empty.contentDigest(), loaded.contentDigest(), "the digest tells stores apart");
    }

    @Test
    void aSnapshotOfAnotherVersionIsRefused()
    {
        final io.ertcp.service.BufferSnapshotOutput out = new io.ertcp.service.BufferSnapshotOutput();
        out.putInt(99);
        out.putLong(0);
        assertThrows(IllegalArgumentException.class, () -> load(out));
    }
}
