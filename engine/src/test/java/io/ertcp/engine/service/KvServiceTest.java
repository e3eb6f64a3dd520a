package io.ertcp.engine.service;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvServiceTest
{
    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.ISO_8859_1);
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

    private static String run(final String input)
    {
        return new String(StackDriver.assertSplitIndependent(KvService::new, bytes(input), false), StandardCharsets.ISO_8859_1);
    }

    @Test
    void commandsAnswerAsRedisDoesWhateverTheSplit()
    {
        final String input =
            resp("PING") + resp("ping", "hi") + resp("SET", "a", "1") + resp("get", "a") + resp("INCR", "a") +
            resp("INCRBY", "a", "-10") + resp("DECR", "a") + resp("GET", "missing") + resp("MSET", "k1", "v1", "k2", "v2") +
            resp("MGET", "k1", "nope", "k2") + resp("EXISTS", "k1", "k1", "zz") + resp("DBSIZE") + resp("DEL", "k1", "zz") +
            resp("SET", "k2", "x", "NX") + resp("SET", "new", "y", "XX") + resp("SET", "k2", "longer value", "XX") +
            resp("GET", "k2") + resp("ECHO", "e") + resp("COMMAND", "DOCS") + resp("CONFIG", "GET", "save") +
            resp("INCR", "k2") + resp("SET", "t", "1", "EX", "10") + resp("GET") + resp("frob", "x") +
            resp("FLUSHALL") + resp("DBSIZE") + resp("QUIT") + resp("PING");
        final String expected =
            "+PONG\r\n" + "$2\r\nhi\r\n" + "+OK\r\n" + "$1\r\n1\r\n" + ":2\r\n" +
            ":-8\r\n" + ":-9\r\n" + "$-1\r\n" + "+OK\r\n" +
            "*3\r\n$2\r\nv1\r\n$-1\r\n$2\r\nv2\r\n" + ":2\r\n" + ":3\r\n" + ":1\r\n" +
            "$-1\r\n" + "$-1\r\n" + "+OK\r\n" +
            "$12\r\nlonger value\r\n" + "$1\r\ne\r\n" + "*0\r\n" + "*0\r\n" +
            "-ERR value is not an integer or out of range\r\n" +
            "+OK\r\n" +
            "-ERR wrong number of arguments for 'get' command\r\n" + "-ERR unknown command 'frob'\r\n" +
            "+OK\r\n" + ":0\r\n" + "+OK\r\n";
        assertEquals(expected, run(input));
        assertTrue(StackDriver.run(new KvService(), bytes(input), new int[0], Long.MAX_VALUE, false).outputShut, "QUIT closes");
    }

    @Test
    void inlineCommandsAndBinaryValues()
    {
        final String binary = "a\r\n\u0000\u00ff$*b";
        final String input = "PING\r\n  set  k   v \r\nGET k\n\r\n" + resp("SET", "bin", binary) + resp("GET", "bin");
        assertEquals("+PONG\r\n+OK\r\n$1\r\nv\r\n+OK\r\n$" + binary.length() + "\r\n" + binary + "\r\n", run(input));
    }

    @Test
    void protocolErrorsAnswerThenClose()
    {
        final String input = "*1\r\n+PING\r\n" + resp("PING");
        assertEquals("-ERR Protocol error: expected '$', got '+'\r\n", run(input));
        assertTrue(StackDriver.run(new KvService(), bytes(input), new int[0], Long.MAX_VALUE, false).outputShut);
        assertEquals("-ERR Protocol error: invalid multibulk length\r\n", run("*x\r\n"));
        assertEquals("-ERR Protocol error: invalid bulk length\r\n", run("*1\r\n$-5\r\n"));
    }

    @Test
    void peerCloseAfterAPartialCommandCloses()
    {
        final FakeConnection connection = StackDriver.run(new KvService(), bytes(resp("PING") + "*2\r\n$3\r\nGET"),
            new int[0], Long.MAX_VALUE, true);
        assertEquals("+PONG\r\n", new String(connection.output(), StandardCharsets.US_ASCII));
        assertTrue(connection.outputShut);
    }

    @Test
    void oneStoreIsSharedByAllConnections()
    {
        final KvService kv = new KvService();
        final FakeConnection first = new FakeConnection(1);
        final FakeConnection second = new FakeConnection(2);
        kv.onOpen(first);
        kv.onOpen(second);
        final byte[] set = bytes(resp("SET", "shared", "42"));
        final byte[] get = bytes(resp("GET", "shared"));
        kv.onData(first, new UnsafeBuffer(set), 0, set.length);
        kv.onData(second, new UnsafeBuffer(get), 0, get.length);
        assertEquals("$2\r\n42\r\n", new String(second.output(), StandardCharsets.US_ASCII));
        assertEquals(1, kv.size());
        assertFalse(second.outputShut);
    }

    @Test
    void integerRules()
    {
        final UnsafeBuffer b = new UnsafeBuffer(bytes("9223372036854775807 -9223372036854775808 9223372036854775808 012 -0 +1"));
        assertEquals(Long.MAX_VALUE, RespReplies.parseLong(b, 0, 19));
        assertEquals(Long.MIN_VALUE, RespReplies.parseLong(b, 20, 20));
        assertEquals(Long.MIN_VALUE, RespReplies.parseLong(b, 41, 19)); // overflow: not an integer
        assertEquals(Long.MIN_VALUE, RespReplies.parseLong(b, 61, 3));
        final byte[] out = new byte[24];
        assertEquals("-9223372036854775808", new String(out, 0, RespReplies.formatLong(Long.MIN_VALUE, out), StandardCharsets.US_ASCII));
        assertEquals("-17", new String(out, 0, RespReplies.formatLong(-17, out), StandardCharsets.US_ASCII));
    }
}
