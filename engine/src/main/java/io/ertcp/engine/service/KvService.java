package io.ertcp.engine.service;

import io.ertcp.service.Connection;
import io.ertcp.service.SnapshotInput;
import io.ertcp.service.SnapshotWriter;
import io.ertcp.service.SnapshotService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A key-value store that speaks RESP2, the Redis protocol, for the commands it has: PING, ECHO,
 * GET, SET (NX, XX, KEEPTTL), DEL, EXISTS, INCR, DECR, INCRBY, DECRBY, MGET, MSET, DBSIZE, FLUSHALL,
 * FLUSHDB, SELECT 0, COMMAND and CONFIG GET (empty arrays, for redis-cli and redis-benchmark) and
 * QUIT. Requests come as RESP arrays of bulk strings (binary-safe) or as inline lines (telnet);
 * pipelined requests are answered in order. One store serves all the service's connections:
 * since replication delivers every connection's events in one order, every replica's store stays
 * the same.
 * <p>
 * Expiry (SET EX/PX/EXAT/PXAT) is refused with an error: a key that vanishes when a clock says so
 * would make replicas differ unless the expiry were an event the primary logs, which this store
 * does not have. Looking keys up and answering GET, PING and INCR on an existing key allocate
 * nothing; SET of a new key allocates its entry, and of a value longer than the old one its bytes.
 */
public final class KvService extends RequestResponseService<KvService.KvSession> implements SnapshotService
{
    /**
     * The store is one for every connection: a backup rebuilds it from a snapshot ({@link KvSnapshot}) and the log
     * after it, or from the whole log.
     */
    @Override
    public boolean sharesStateAcrossConnections()
    {
        return true;
    }

    public static final int DEFAULT_PORT = 6379;
    /** The longest request accepted, an array and all its bulk strings. */
    public static final int MAX_REQUEST_BYTES = 8 * 1024 * 1024;
    static final int MAX_ARGUMENTS = 1024 * 1024;
    /** A stored value's bytes are at least this long, so INCR can rewrite them in place. */
    static final int MIN_VALUE_CAPACITY = 24;

    private static final byte[] OK = ascii("+OK\r\n");
    private static final byte[] PONG = ascii("+PONG\r\n");
    private static final byte[] NIL = ascii("$-1\r\n");
    private static final byte[] EMPTY_ARRAY = ascii("*0\r\n");
    private static final byte[] CRLF = ascii("\r\n");
    private static final byte[] ERR_UNKNOWN = ascii("-ERR unknown command '");
    private static final byte[] ERR_ARITY = ascii("-ERR wrong number of arguments for '");
    private static final byte[] ERR_ARITY_END = ascii("' command\r\n");
    private static final byte[] ERR_NOT_INTEGER = ascii("-ERR value is not an integer or out of range\r\n");
    private static final byte[] ERR_OVERFLOW = ascii("-ERR increment or decrement would overflow\r\n");
    private static final byte[] ERR_SYNTAX = ascii("-ERR syntax error\r\n");
    private static final byte[] ERR_EXPIRY = ascii(
        "-ERR expiry (EX, PX, EXAT, PXAT) is not supported: it would depend on the wall clock, which replicas do not share\r\n");
    private static final byte[] ERR_DB_INDEX = ascii("-ERR DB index is out of range\r\n");
    private static final byte[] ERR_CONFIG = ascii("-ERR CONFIG supports only GET here, which answers an empty list\r\n");
    private static final byte[] ERR_PROTOCOL = ascii("-ERR Protocol error: ");
    private static final byte[] ERR_TOO_BIG = ascii("-ERR Protocol error: request longer than 8388608 bytes\r\n");

    private static final byte[] PING = ascii("ping");
    private static final byte[] ECHO = ascii("echo");
    private static final byte[] GET = ascii("get");
    private static final byte[] SET = ascii("set");
    private static final byte[] DEL = ascii("del");
    private static final byte[] EXISTS = ascii("exists");
    private static final byte[] INCR = ascii("incr");
    private static final byte[] DECR = ascii("decr");
    private static final byte[] INCRBY = ascii("incrby");
    private static final byte[] DECRBY = ascii("decrby");
    private static final byte[] MGET = ascii("mget");
    private static final byte[] MSET = ascii("mset");
    private static final byte[] DBSIZE = ascii("dbsize");
    private static final byte[] FLUSHALL = ascii("flushall");
    private static final byte[] FLUSHDB = ascii("flushdb");
    private static final byte[] SELECT = ascii("select");
    private static final byte[] COMMAND = ascii("command");
    private static final byte[] CONFIG = ascii("config");
    private static final byte[] QUIT = ascii("quit");
    private static final byte[] NX = ascii("nx");
    private static final byte[] XX = ascii("xx");
    private static final byte[] EX = ascii("ex");
    private static final byte[] PX = ascii("px");
    private static final byte[] EXAT = ascii("exat");
    private static final byte[] PXAT = ascii("pxat");
    private static final byte[] KEEPTTL = ascii("keepttl");

    private final ByteKeyMap<Value> store = new ByteKeyMap<>(1024, Value::copy);
    /** Freezes the store for a snapshot; changes meanwhile go to copies (ByteKeyMap.writable). */
    private final KvSnapshot snapshot = new KvSnapshot(store);
    /** Reads a stored value's bytes as a buffer, for INCR, without a wrapper per call. */
    private final UnsafeBuffer valueView = new UnsafeBuffer(new byte[MIN_VALUE_CAPACITY]);

    public KvService()
    {
        super(0); // like Redis's default "timeout 0": idle clients stay
    }

    public String name()
    {
        return "kv";
    }

    /**
     * References to every key and value, written out later ({@link KvSnapshot}); run with no connection open.
     */
    public SnapshotWriter takeSnapshot()
    {
        return snapshot.capture();
    }

    public void loadSnapshot(final SnapshotInput in)
    {
        KvSnapshot.read(in, store);
    }

    /**
     * @return a digest of every key and value, independent of the order they are held in: two stores with the same
     * keys and values have the same digest (tests compare replicas with it).
     */
    public long contentDigest()
    {
        final long[] digest = {store.size()};
        store.forEach((key, value) ->
        {
            long h = 0xCBF2_9CE4_8422_2325L;
            for (final byte b : key)
            {
                h = (h ^ (b & 0xFF)) * 0x0100_0000_01B3L;
            }
            h = (h ^ 0xFF) * 0x0100_0000_01B3L;
            for (int i = 0; i < value.length; i++)
            {
                h = (h ^ (value.bytes[i] & 0xFF)) * 0x0100_0000_01B3L;
            }
            digest[0] += h ^ (h >>> 29);
        });
        return digest[0];
    }

    /**
     * @return how many keys are stored.
     */
    public int size()
    {
        return store.size();
    }

    /**
     * A stored value: its bytes are [0, length) of an array that may be longer, so that overwriting
     * with a value no longer than the array allocates nothing.
     */
    static final class Value
    {
        byte[] bytes;
        int length;

        Value(final int capacity)
        {
            bytes = new byte[Math.max(capacity, MIN_VALUE_CAPACITY)];
        }

        /**
         * @return a value with the same bytes in an array of its own.
         */
        Value copy()
        {
            final Value copy = new Value(bytes.length);
            System.arraycopy(bytes, 0, copy.bytes, 0, length);
            copy.length = length;
            return copy;
        }

        void set(final DirectBuffer buffer, final int offset, final int valueLength)
        {
            if (bytes.length < valueLength)
            {
                bytes = new byte[valueLength];
            }
            buffer.getBytes(offset, bytes, 0, valueLength);
            length = valueLength;
        }
    }

    /**
     * Per connection: where the current request's arguments lie in the input.
     */
    static final class KvSession extends RequestResponseService.Session
    {
        int[] argStart = new int[64];
        int[] argLength = new int[64];
        int argc;
        /** Why the last parse failed, for the protocol error reply. */
        String protocolError;

        KvSession()
        {
            super(16 * 1024, MAX_REQUEST_BYTES, 16 * 1024);
        }

        void addArgument(final int start, final int length)
        {
            if (argc == argStart.length)
            {
                argStart = Arrays.copyOf(argStart, argc * 2);
                argLength = Arrays.copyOf(argLength, argc * 2);
            }
            argStart[argc] = start;
            argLength[argc] = length;
            argc++;
        }
    }

    protected KvSession newSession()
    {
        return new KvSession();
    }

    protected void onRequestTooLong(final Connection connection, final KvSession session)
    {
        session.output.append(ERR_TOO_BIG, 0, ERR_TOO_BIG.length);
    }

    protected int serve(
        final Connection connection, final KvSession session, final DirectBuffer buffer, final int offset, final int length)
    {
        session.argc = 0;
        final int used = buffer.getByte(offset) == '*' ?
            RespParser.parseArray(buffer, offset, length, session) :
            RespParser.parseInline(buffer, offset, length, session);
        if (used < 0)
        {
            final OutputQueue out = session.output;
            out.append(ERR_PROTOCOL, 0, ERR_PROTOCOL.length);
            final byte[] why = session.protocolError.getBytes(StandardCharsets.US_ASCII);
            out.append(why, 0, why.length);
            out.append(CRLF, 0, CRLF.length);
            session.closeAfterFlush = true;
            return length;
        }
        if (used > 0 && session.argc > 0)
        {
            execute(session, buffer);
        }
        return used;
    }

    private void execute(final KvSession s, final DirectBuffer b)
    {
        final OutputQueue out = s.output;
        final int argc = s.argc;
        final int nameStart = s.argStart[0];
        final int nameLength = s.argLength[0];

        if (is(b, s, 0, GET))
        {
            if (argc != 2)
            {
                arity(out, GET);
                return;
            }
            final Value value = store.get(b, s.argStart[1], s.argLength[1]);
            writeBulkOrNil(out, value);
        }
        else if (is(b, s, 0, SET))
        {
            set(s, b, out);
        }
        else if (is(b, s, 0, PING))
        {
            if (argc == 1)
            {
                out.append(PONG, 0, PONG.length);
            }
            else if (argc == 2)
            {
                writeBulk(out, b, s.argStart[1], s.argLength[1]);
            }
            else
            {
                arity(out, PING);
            }
        }
        else if (is(b, s, 0, INCR) || is(b, s, 0, DECR))
        {
            if (argc != 2)
            {
                arity(out, is(b, s, 0, INCR) ? INCR : DECR);
                return;
            }
            incrementBy(s, b, out, is(b, s, 0, INCR) ? 1 : -1);
        }
        else if (is(b, s, 0, INCRBY) || is(b, s, 0, DECRBY))
        {
            final boolean up = is(b, s, 0, INCRBY);
            if (argc != 3)
            {
                arity(out, up ? INCRBY : DECRBY);
                return;
            }
            final long by = parseLong(b, s.argStart[2], s.argLength[2]);
            if (by == Long.MIN_VALUE && !isLongMin(b, s.argStart[2], s.argLength[2]) || (!up && by == Long.MIN_VALUE))
            {
                out.append(ERR_NOT_INTEGER, 0, ERR_NOT_INTEGER.length);
                return;
            }
            incrementBy(s, b, out, up ? by : -by);
        }
        else if (is(b, s, 0, MGET))
        {
            if (argc < 2)
            {
                arity(out, MGET);
                return;
            }
            out.appendByte((byte)'*');
            out.appendAscii(argc - 1);
            out.append(CRLF, 0, CRLF.length);
            for (int i = 1; i < argc; i++)
            {
                writeBulkOrNil(out, store.get(b, s.argStart[i], s.argLength[i]));
            }
        }
        else if (is(b, s, 0, MSET))
        {
            if (argc < 3 || (argc & 1) == 0)
            {
                arity(out, MSET);
                return;
            }
            for (int i = 1; i < argc; i += 2)
            {
                put(b, s.argStart[i], s.argLength[i], s.argStart[i + 1], s.argLength[i + 1]);
            }
            out.append(OK, 0, OK.length);
        }
        else if (is(b, s, 0, DEL) || is(b, s, 0, EXISTS))
        {
            final boolean delete = is(b, s, 0, DEL);
            if (argc < 2)
            {
                arity(out, delete ? DEL : EXISTS);
                return;
            }
            long count = 0;
            for (int i = 1; i < argc; i++)
            {
                if (delete ? store.remove(b, s.argStart[i], s.argLength[i]) != null :
                    store.get(b, s.argStart[i], s.argLength[i]) != null)
                {
                    count++;
                }
            }
            writeInteger(out, count);
        }
        else if (is(b, s, 0, ECHO))
        {
            if (argc != 2)
            {
                arity(out, ECHO);
                return;
            }
            writeBulk(out, b, s.argStart[1], s.argLength[1]);
        }
        else if (is(b, s, 0, DBSIZE))
        {
            writeInteger(out, store.size());
        }
        else if (is(b, s, 0, FLUSHALL) || is(b, s, 0, FLUSHDB))
        {
            store.clear();
            out.append(OK, 0, OK.length);
        }
        else if (is(b, s, 0, SELECT))
        {
            if (argc != 2)
            {
                arity(out, SELECT);
                return;
            }
            final long index = parseLong(b, s.argStart[1], s.argLength[1]);
            if (index == 0)
            {
                out.append(OK, 0, OK.length);
            }
            else
            {
                out.append(ERR_DB_INDEX, 0, ERR_DB_INDEX.length);
            }
        }
        else if (is(b, s, 0, COMMAND))
        {
            out.append(EMPTY_ARRAY, 0, EMPTY_ARRAY.length);
        }
        else if (is(b, s, 0, CONFIG))
        {
            if (argc >= 2 && HttpService.equalsIgnoreCase(b, s.argStart[1], s.argLength[1], GET))
            {
                out.append(EMPTY_ARRAY, 0, EMPTY_ARRAY.length);
            }
            else
            {
                out.append(ERR_CONFIG, 0, ERR_CONFIG.length);
            }
        }
        else if (is(b, s, 0, QUIT))
        {
            out.append(OK, 0, OK.length);
            s.closeAfterFlush = true;
        }
        else
        {
            out.append(ERR_UNKNOWN, 0, ERR_UNKNOWN.length);
            final int shown = Math.min(nameLength, 128);
            for (int i = 0; i < shown; i++)
            {
                final byte c = b.getByte(nameStart + i);
                out.appendByte(c < 0x20 || c > 0x7E || c == '\'' ? (byte)' ' : c);
            }
            out.appendByte((byte)'\'');
            out.append(CRLF, 0, CRLF.length);
        }
    }

    private void set(final KvSession s, final DirectBuffer b, final OutputQueue out)
    {
        if (s.argc < 3)
        {
            arity(out, SET);
            return;
        }
        boolean nx = false;
        boolean xx = false;
        for (int i = 3; i < s.argc; i++)
        {
            if (is(b, s, i, NX))
            {
                nx = true;
            }
            else if (is(b, s, i, XX))
            {
                xx = true;
            }
            else if (is(b, s, i, EX) || is(b, s, i, PX) || is(b, s, i, EXAT) || is(b, s, i, PXAT))
            {
                out.append(ERR_EXPIRY, 0, ERR_EXPIRY.length);
                return;
            }
            else if (!is(b, s, i, KEEPTTL))
            {
                out.append(ERR_SYNTAX, 0, ERR_SYNTAX.length);
                return;
            }
        }
        if (nx && xx)
        {
            out.append(ERR_SYNTAX, 0, ERR_SYNTAX.length);
            return;
        }
        final ByteKeyMap.Entry<Value> entry = store.entry(b, s.argStart[1], s.argLength[1]);
        if ((nx && entry != null) || (xx && entry == null))
        {
            out.append(NIL, 0, NIL.length);
            return;
        }
        if (entry != null)
        {
            store.writable(entry).set(b, s.argStart[2], s.argLength[2]);
        }
        else
        {
            final Value value = new Value(s.argLength[2]);
            value.set(b, s.argStart[2], s.argLength[2]);
            store.add(b, s.argStart[1], s.argLength[1], value);
        }
        out.append(OK, 0, OK.length);
    }

    private void put(final DirectBuffer b, final int keyStart, final int keyLength, final int valueStart, final int valueLength)
    {
        final Value existing = store.writable(b, keyStart, keyLength);
        if (existing != null)
        {
            existing.set(b, valueStart, valueLength);
        }
        else
        {
            final Value value = new Value(valueLength);
            value.set(b, valueStart, valueLength);
            store.add(b, keyStart, keyLength, value);
        }
    }

    private void incrementBy(final KvSession s, final DirectBuffer b, final OutputQueue out, final long by)
    {
        final ByteKeyMap.Entry<Value> entry = store.entry(b, s.argStart[1], s.argLength[1]);
        Value value = null == entry ? null : entry.value;
        long current = 0;
        if (value != null)
        {
            current = parseLong(value.bytes, value.length);
            if (current == Long.MIN_VALUE && !isLongMin(value.bytes, value.length))
            {
                out.append(ERR_NOT_INTEGER, 0, ERR_NOT_INTEGER.length);
                return;
            }
        }
        final long result = current + by;
        if (((current ^ result) & (by ^ result)) < 0)
        {
            out.append(ERR_OVERFLOW, 0, ERR_OVERFLOW.length);
            return;
        }
        if (value == null)
        {
            value = new Value(MIN_VALUE_CAPACITY);
            store.add(b, s.argStart[1], s.argLength[1], value);
        }
        else
        {
            value = store.writable(entry);
            if (value.bytes.length < 20)
            {
                value.bytes = new byte[MIN_VALUE_CAPACITY];
            }
        }
        value.length = formatLong(result, value.bytes);
        writeInteger(out, result);
    }

    private static boolean is(final DirectBuffer b, final KvSession s, final int arg, final byte[] lowerCase)
    {
        return HttpService.equalsIgnoreCase(b, s.argStart[arg], s.argLength[arg], lowerCase);
    }

    private static void arity(final OutputQueue out, final byte[] name)
    {
        out.append(ERR_ARITY, 0, ERR_ARITY.length);
        out.append(name, 0, name.length);
        out.append(ERR_ARITY_END, 0, ERR_ARITY_END.length);
    }

    private static void writeInteger(final OutputQueue out, final long value)
    {
        out.appendByte((byte)':');
        out.appendAscii(value);
        out.append(CRLF, 0, CRLF.length);
    }

    private static void writeBulk(final OutputQueue out, final DirectBuffer b, final int start, final int length)
    {
        out.appendByte((byte)'$');
        out.appendAscii(length);
        out.append(CRLF, 0, CRLF.length);
        out.append(b, start, length);
        out.append(CRLF, 0, CRLF.length);
    }

    private static void writeBulkOrNil(final OutputQueue out, final Value value)
    {
        if (value == null)
        {
            out.append(NIL, 0, NIL.length);
            return;
        }
        out.appendByte((byte)'$');
        out.appendAscii(value.length);
        out.append(CRLF, 0, CRLF.length);
        out.append(value.bytes, 0, value.length);
        out.append(CRLF, 0, CRLF.length);
    }

    /**
     * Redis's rule for integers: optional '-', digits, no leading zeros or '+', at most 20 chars.
     *
     * @return the value, or Long.MIN_VALUE when not an integer (see isLongMin for the one clash).
     */
    static long parseLong(final DirectBuffer b, final int start, final int length)
    {
        if (length == 0 || length > 20)
        {
            return Long.MIN_VALUE;
        }
        final boolean negative = b.getByte(start) == '-';
        int i = negative ? 1 : 0;
        if (i == length || (b.getByte(start + i) == '0' && length > i + 1))
        {
            return Long.MIN_VALUE;
        }
        long value = 0;
        for (; i < length; i++)
        {
            final int digit = b.getByte(start + i) - '0';
            if (digit < 0 || digit > 9 || value < (Long.MIN_VALUE + digit) / 10)
            {
                return Long.MIN_VALUE;
            }
            value = value * 10 - digit; // accumulate negatively to reach Long.MIN_VALUE
        }
        if (negative)
        {
            return value;
        }
        return value == Long.MIN_VALUE ? Long.MIN_VALUE : -value;
    }

    private long parseLong(final byte[] bytes, final int length)
    {
        valueView.wrap(bytes);
        return parseLong(valueView, 0, length);
    }

    private static boolean isLongMin(final DirectBuffer b, final int start, final int length)
    {
        return HttpService.equalsBytes(b, start, length, LONG_MIN);
    }

    private static boolean isLongMin(final byte[] bytes, final int length)
    {
        return length == LONG_MIN.length && Arrays.equals(bytes, 0, length, LONG_MIN, 0, length);
    }

    private static final byte[] LONG_MIN = ascii(Long.toString(Long.MIN_VALUE));

    /**
     * @return the number of ASCII digits (and sign) written to the start of bytes.
     */
    static int formatLong(final long value, final byte[] bytes)
    {
        if (value == Long.MIN_VALUE)
        {
            System.arraycopy(LONG_MIN, 0, bytes, 0, LONG_MIN.length);
            return LONG_MIN.length;
        }
        long v = Math.abs(value);
        int digits = 1;
        for (long t = v; t >= 10; t /= 10)
        {
            digits++;
        }
        final int length = digits + (value < 0 ? 1 : 0);
        int i = length;
        do
        {
            bytes[--i] = (byte)('0' + v % 10);
            v /= 10;
        }
        while (v != 0);
        if (value < 0)
        {
            bytes[0] = '-';
        }
        return length;
    }

    static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
