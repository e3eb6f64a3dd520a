package io.ertcp.engine.service;

import io.ertcp.engine.tcp.ServiceClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * kv's expiry on cluster time: the store is given a {@link ServiceClock} moved by hand, as the log's TIME records
 * move it on a replica.
 */
class KvExpiryTest
{
    private static final long MS = 1_000_000L;
    /** 2026-12-01T00:00:00Z, in ms. */
    private static final long T0 = 1_796_083_200_000L;

    private KvService kv;
    private ServiceClock clock;
    private FakeConnection client;

    @BeforeEach
    void store()
    {
        kv = new KvService();
        clock = new ServiceClock(kv);
        kv.clusterClock(clock);
        clock.advance(T0 * MS);
        client = new FakeConnection(1);
        kv.onOpen(client);
    }

    private static String resp(final String... args)
    {
        final StringBuilder sb = new StringBuilder("*" + args.length + "\r\n");
        for (final String arg : args)
        {
            sb.append('$').append(arg.length()).append("\r\n").append(arg).append("\r\n");
        }
        return sb.toString();
    }

    /** One command, its answer. */
    private String call(final String... args)
    {
        final int before = client.output().length;
        final byte[] request = resp(args).getBytes(StandardCharsets.ISO_8859_1);
        kv.onData(client, new UnsafeBuffer(request), 0, request.length);
        final byte[] output = client.output();
        return new String(output, before, output.length - before, StandardCharsets.ISO_8859_1);
    }

    private void at(final long msAfterT0)
    {
        clock.advance((T0 + msAfterT0) * MS);
    }

    @Test
    void setWithExAndPxCountsDownInClusterTimeAndTheKeyGoesAtItsDeadline()
    {
        assertEquals("+OK\r\n", call("SET", "s", "v", "EX", "10"));
        assertEquals("+OK\r\n", call("SET", "p", "v", "PX", "2500"));
        assertEquals("+OK\r\n", call("SET", "forever", "v"));
        assertEquals(":10\r\n", call("TTL", "s"));
        assertEquals(":10000\r\n", call("PTTL", "s"));
        assertEquals(":2500\r\n", call("PTTL", "p"));
        assertEquals(":-1\r\n", call("TTL", "forever"));
        assertEquals(":-2\r\n", call("TTL", "missing"));
        assertEquals(":-2\r\n", call("PTTL", "missing"));
        assertEquals(2, kv.expiringKeys());

        at(1_400);
        assertEquals(":9\r\n", call("TTL", "s"), "8.6 s left rounds to 9, as Redis rounds");
        assertEquals(":1100\r\n", call("PTTL", "p"));
        at(2_499);
        assertEquals("$1\r\nv\r\n", call("GET", "p"));
        assertEquals(3, kv.size());

        // The clock reaches p's deadline: its timer removes it without any command.
        at(2_500);
        assertEquals(2, kv.size());
        assertEquals(1, kv.expiredKeys());
        assertEquals("$-1\r\n", call("GET", "p"));
        assertEquals(":-2\r\n", call("PTTL", "p"));
        assertEquals(":0\r\n", call("EXISTS", "p"));

        at(9_999);
        assertEquals(":1\r\n", call("PTTL", "s"));
        at(10_000);
        assertEquals(":1\r\n", call("DBSIZE"));
        assertEquals("$-1\r\n", call("GET", "s"));
        assertEquals("$1\r\nv\r\n", call("GET", "forever"));
        assertEquals(0, kv.expiringKeys());
    }

    @Test
    void expireAndPexpireSetTheDeadlineAndTheirOptionsChooseWhen()
    {
        call("SET", "k", "v");
        assertEquals(":0\r\n", call("EXPIRE", "missing", "5"));
        assertEquals(":0\r\n", call("EXPIRE", "k", "5", "XX"), "XX: no deadline yet");
        assertEquals(":1\r\n", call("EXPIRE", "k", "5", "NX"));
        assertEquals(":0\r\n", call("EXPIRE", "k", "9", "NX"), "NX: has one");
        assertEquals(":5000\r\n", call("PTTL", "k"));
        assertEquals(":0\r\n", call("PEXPIRE", "k", "4000", "GT"));
        assertEquals(":1\r\n", call("PEXPIRE", "k", "6000", "GT"));
        assertEquals(":0\r\n", call("PEXPIRE", "k", "7000", "LT"));
        assertEquals(":1\r\n", call("PEXPIRE", "k", "3000", "LT"));
        assertEquals(":3000\r\n", call("PTTL", "k"));
        assertEquals(":1\r\n", call("EXPIREAT", "k", Long.toString(T0 / 1000 + 20)));
        assertEquals(":20\r\n", call("TTL", "k"));
        assertEquals(":1\r\n", call("PEXPIREAT", "k", Long.toString(T0 + 1234)));
        assertEquals(":1234\r\n", call("PTTL", "k"));

        assertEquals(":1\r\n", call("PERSIST", "k"));
        assertEquals(":0\r\n", call("PERSIST", "k"));
        assertEquals(":0\r\n", call("PERSIST", "missing"));
        assertEquals(":-1\r\n", call("TTL", "k"));
        assertEquals(0, kv.expiringKeys());
        assertEquals(":0\r\n", call("PEXPIRE", "k", "100", "GT"), "GT: no deadline is an infinite one");
        assertEquals(":1\r\n", call("PEXPIRE", "k", "100", "LT"));

        // A deadline not after now deletes the key at once.
        assertEquals(":1\r\n", call("EXPIRE", "k", "0"));
        assertEquals(":-2\r\n", call("TTL", "k"));
        call("SET", "k", "v");
        assertEquals(":1\r\n", call("PEXPIRE", "k", "-5"));
        assertEquals(":0\r\n", call("EXISTS", "k"));
        assertEquals(0, kv.size());
        assertEquals(0, kv.expiringKeys());

        assertEquals("-ERR value is not an integer or out of range\r\n", call("EXPIRE", "k", "soon"));
        assertEquals("-ERR wrong number of arguments for 'pexpire' command\r\n", call("PEXPIRE", "k"));
        assertEquals("-ERR Unsupported option FOO\r\n", call("EXPIRE", "k", "1", "FOO"));
        assertEquals("-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
            call("EXPIRE", "k", "1", "NX", "GT"));
        assertEquals("-ERR GT and LT options at the same time are not compatible\r\n", call("EXPIRE", "k", "1", "GT", "LT"));
        assertEquals("-ERR invalid expire time in 'expire' command\r\n", call("EXPIRE", "k", "9223372036854775807"));
    }

    @Test
    void whatKeepsAndWhatDropsATtl()
    {
        call("SET", "k", "1", "EX", "100");
        assertEquals(":2\r\n", call("INCR", "k"));
        assertEquals(":100\r\n", call("TTL", "k"), "INCR keeps the TTL");
        assertEquals("+OK\r\n", call("SET", "k", "3", "KEEPTTL"));
        assertEquals(":100\r\n", call("TTL", "k"));
        assertEquals("+OK\r\n", call("SET", "k", "4"));
        assertEquals(":-1\r\n", call("TTL", "k"), "SET drops it");
        call("PEXPIRE", "k", "50");
        assertEquals("+OK\r\n", call("MSET", "k", "5", "other", "6"));
        assertEquals(":-1\r\n", call("TTL", "k"), "MSET drops it");
        call("PEXPIRE", "k", "50");
        assertEquals(":1\r\n", call("DEL", "k"));
        assertEquals(0, kv.expiringKeys());
        call("SET", "a", "1", "PX", "10");
        call("SET", "b", "1", "PX", "20");
        assertEquals("+OK\r\n", call("FLUSHALL"));
        assertEquals(0, kv.expiringKeys());
        call("SET", "b", "2");
        at(30);
        assertEquals("$1\r\n2\r\n", call("GET", "b"), "a flushed deadline does not delete the new key");
        assertEquals(0, kv.expiredKeys());
    }

    @Test
    void setRefusesBadExpiryOptions()
    {
        final String invalid = "-ERR invalid expire time in 'set' command\r\n";
        assertEquals(invalid, call("SET", "k", "v", "EX", "0"));
        assertEquals(invalid, call("SET", "k", "v", "PX", "-1"));
        assertEquals(invalid, call("SET", "k", "v", "EX", "9223372036854775807"));
        assertEquals("-ERR value is not an integer or out of range\r\n", call("SET", "k", "v", "EX", "ten"));
        assertEquals("-ERR syntax error\r\n", call("SET", "k", "v", "EX"));
        assertEquals("-ERR syntax error\r\n", call("SET", "k", "v", "EX", "1", "PX", "5"));
        assertEquals("-ERR syntax error\r\n", call("SET", "k", "v", "EX", "1", "KEEPTTL"));
        assertEquals(0, kv.size(), "nothing was set");
        assertEquals("+OK\r\n", call("SET", "k", "v", "NX", "PX", "5"));
        assertEquals("$-1\r\n", call("SET", "k", "w", "NX", "EX", "5"));
        assertEquals(":5\r\n", call("PTTL", "k"));
        assertEquals("+OK\r\n", call("SET", "k", "v", "PXAT", Long.toString(T0 + 70)));
        assertEquals(":70\r\n", call("PTTL", "k"));
        assertEquals("+OK\r\n", call("SET", "k", "v", "EXAT", Long.toString(T0 / 1000 - 1)));
        assertEquals(":-2\r\n", call("TTL", "k"), "an EXAT already passed: set and gone");
        assertEquals(0, kv.expiringKeys());
    }

    @Test
    void timeAnswersClusterTime()
    {
        at(1_250);
        assertEquals("*2\r\n$10\r\n" + (T0 / 1000 + 1) + "\r\n$6\r\n250000\r\n", call("TIME"));
    }

    @Test
    void manyKeysGoInDeadlineOrderExactlyWhenTheClockReachesEach()
    {
        final Random random = new Random(7);
        final long[] deadline = new long[2000];
        for (int i = 0; i < deadline.length; i++)
        {
            final int ttl = 1 + random.nextInt(5000);
            deadline[i] = ttl;
            call("SET", "key" + i, "v", "PX", Integer.toString(ttl));
        }
        // Rewrite some: a longer TTL, none, or deleted.
        for (int i = 0; i < deadline.length; i += 7)
        {
            switch (i % 3)
            {
                case 0 ->
                {
                    deadline[i] = 6000 + i;
                    call("PEXPIRE", "key" + i, Long.toString(deadline[i]));
                }
                case 1 ->
                {
                    deadline[i] = Long.MAX_VALUE;
                    call("PERSIST", "key" + i);
                }
                default ->
                {
                    deadline[i] = -1;
                    call("DEL", "key" + i);
                }
            }
        }
        final List<Integer> mismatches = new ArrayList<>();
        for (long t = 0; t <= 9000; t += 1 + random.nextInt(40))
        {
            at(t);
            int alive = 0;
            for (final long d : deadline)
            {
                if (d > t)
                {
                    alive++;
                }
            }
            if (alive != kv.size())
            {
                mismatches.add((int)t);
            }
        }
        assertEquals(List.of(), mismatches, "times at which the store's size was not the keys whose deadline is later");
        assertEquals(0, kv.expiringKeys());
    }
}
