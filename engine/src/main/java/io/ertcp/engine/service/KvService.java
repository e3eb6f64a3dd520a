package io.ertcp.engine.service;

import io.ertcp.service.ClusterClock;
import io.ertcp.service.Connection;
import io.ertcp.service.SnapshotInput;
import io.ertcp.service.SnapshotOutput;
import io.ertcp.service.SnapshotWriter;
import io.ertcp.service.SnapshotService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static io.ertcp.engine.service.RespReplies.*;

/**
 * A key-value store that speaks RESP2, the Redis protocol, for the commands it has: PING, ECHO,
 * GET, SET (NX, XX, EX, PX, EXAT, PXAT, KEEPTTL), DEL, EXISTS, INCR, DECR, INCRBY, DECRBY, MGET, MSET,
 * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (NX, XX, GT, LT), TTL, PTTL, PERSIST, TIME, DBSIZE, FLUSHALL,
 * FLUSHDB, SELECT 0, COMMAND and CONFIG GET (empty arrays, for redis-cli and redis-benchmark) and
 * QUIT. Requests come as RESP arrays of bulk strings (binary-safe) or as inline lines (telnet);
 * pipelined requests are answered in order. One store serves all the service's connections:
 * since replication delivers every connection's events in one order, every replica's store stays
 * the same.
 * <p>
 * Expiry runs on cluster time ({@link ClusterClock}, docs/architecture.md "Cluster time"), never on
 * this node's clock: a key's deadline is the logged time of the command that set it plus its TTL,
 * TTL and PTTL count down in logged time, and a key whose deadline logged time has reached is
 * gone, deleted by the store's one timer as the primary's TIME record reaches the earliest
 * deadline (and, before any command, every key the time has reached), so it vanishes at the same
 * log position on every replica and a failover neither loses nor extends it. Keys with a deadline
 * sit in a binary heap by deadline; the timer is rescheduled only when the earliest changes. As in
 * Redis, SET and MSET drop a key's TTL (unless KEEPTTL), INCR and DECR keep it, EXPIRE with a
 * deadline already passed deletes the key. Looking keys up and answering GET, PING and INCR on an existing key allocate
 * nothing; SET of a new key allocates its entry, and of a value longer than the old one its bytes.
 * <p>
 * This class is the commands; the keyspace and its expiry heap and timer are {@link KvStore}'s, the replies and
 * Redis's integer rule {@link RespReplies}', and finding a request's arguments {@link RespParser}'s.
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
    private static final byte[] EXPIRE = ascii("expire");
    private static final byte[] PEXPIRE = ascii("pexpire");
    private static final byte[] EXPIREAT = ascii("expireat");
    private static final byte[] PEXPIREAT = ascii("pexpireat");
    private static final byte[] TTL = ascii("ttl");
    private static final byte[] PTTL = ascii("pttl");
    private static final byte[] PERSIST = ascii("persist");
    private static final byte[] TIME = ascii("time");
    private static final byte[] GT = ascii("gt");
    private static final byte[] LT = ascii("lt");
    /** Deadlines later than this (about 292 million years) cannot be held in ns; Redis refuses them too. */
    private static final long MAX_DEADLINE_MS = Long.MAX_VALUE / 1_000_000L;

    /** The keys, their values and their deadlines. */
    private final KvStore keyspace = new KvStore();
    private final ByteKeyMap<KvStore.Value> store = keyspace.keys;
    /** Freezes the store for a snapshot; changes meanwhile go to copies (ByteKeyMap.writable). */
    private final KvSnapshot snapshot = new KvSnapshot(store, keyspace);
    /** Reads a stored value's bytes as a buffer, for INCR, without a wrapper per call. */
    private final UnsafeBuffer valueView = new UnsafeBuffer(new byte[KvStore.MIN_VALUE_CAPACITY]);

    public KvService()
    {
        super(0); // like Redis's default "timeout 0": idle clients stay
    }

    public String name()
    {
        return "kv";
    }

    /**
     * References to every key and value, written out later ({@link KvSnapshot}); the open connections' sessions
     * follow ({@link #snapshotConnection}).
     */
    public SnapshotWriter takeSnapshot()
    {
        return snapshot.capture();
    }

    public void loadSnapshot(final SnapshotInput in)
    {
        keyspace.clearDeadlines();
        KvSnapshot.read(in, store, keyspace);
    }

    /**
     * A connection open at a snapshot: the part of a request its session holds (a command that came in pieces) and
     * the answers held back while its output was full, with the session's flags.
     */
    public void snapshotConnection(final Connection connection, final SnapshotOutput out)
    {
        writeSession(connection, out);
    }

    public void loadConnection(final Connection connection, final SnapshotInput in)
    {
        readSession(connection, in);
    }

    /**
     * @return {@link KvStore#contentDigest()}: the same for two stores with the same keys, values and deadlines.
     */
    public long contentDigest()
    {
        return keyspace.contentDigest();
    }

    /**
     * @return how many keys are stored.
     */
    public int size()
    {
        return keyspace.size();
    }

    /**
     * @return how many keys have a deadline.
     */
    public int expiringKeys()
    {
        return keyspace.expiringKeys();
    }

    /**
     * @return how many keys expired since the store was made.
     */
    public long expiredKeys()
    {
        return keyspace.expiredKeys();
    }

    @Override
    public void clusterClock(final ClusterClock clock)
    {
        keyspace.clock(clock);
    }

    @Override
    public void onTimer(final long timerId)
    {
        keyspace.onTimer(timerId);
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
        keyspace.expireDue();

        if (is(b, s, 0, GET))
        {
            if (argc != 2)
            {
                arity(out, GET);
                return;
            }
            final KvStore.Value value = store.get(b, s.argStart[1], s.argLength[1]);
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
                keyspace.put(b, s.argStart[i], s.argLength[i], s.argStart[i + 1], s.argLength[i + 1]);
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
                if (delete ? keyspace.delete(store.remove(b, s.argStart[i], s.argLength[i])) :
                    store.get(b, s.argStart[i], s.argLength[i]) != null)
                {
                    count++;
                }
            }
            writeInteger(out, count);
        }
        else if (is(b, s, 0, EXPIRE) || is(b, s, 0, PEXPIRE) || is(b, s, 0, EXPIREAT) || is(b, s, 0, PEXPIREAT))
        {
            expire(s, b, out);
        }
        else if (is(b, s, 0, TTL) || is(b, s, 0, PTTL))
        {
            final boolean millis = is(b, s, 0, PTTL);
            if (argc != 2)
            {
                arity(out, millis ? PTTL : TTL);
                return;
            }
            final KvStore.Value value = store.get(b, s.argStart[1], s.argLength[1]);
            if (null == value)
            {
                writeInteger(out, -2);
            }
            else if (0 == value.expiresAtMs)
            {
                writeInteger(out, -1);
            }
            else
            {
                final long left = Math.max(0, value.expiresAtMs - keyspace.now());
                writeInteger(out, millis ? left : (left + 500) / 1000);
            }
        }
        else if (is(b, s, 0, PERSIST))
        {
            if (argc != 2)
            {
                arity(out, PERSIST);
                return;
            }
            final ByteKeyMap.Entry<KvStore.Value> entry = store.entry(b, s.argStart[1], s.argLength[1]);
            final boolean had = null != entry && 0 != entry.value.expiresAtMs;
            if (had)
            {
                keyspace.expireAt(keyspace.writable(entry), 0);
            }
            writeInteger(out, had ? 1 : 0);
        }
        else if (is(b, s, 0, TIME))
        {
            if (argc != 1)
            {
                arity(out, TIME);
                return;
            }
            final long now = keyspace.now();
            out.append(TIME_ARRAY, 0, TIME_ARRAY.length);
            writeBulkInteger(out, now / 1000);
            writeBulkInteger(out, (now % 1000) * 1000);
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
            keyspace.clear();
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
        boolean keepTtl = false;
        int expiryOptions = 0;
        long deadlineMs = 0;
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
            else if (is(b, s, i, KEEPTTL))
            {
                keepTtl = true;
            }
            else if (is(b, s, i, EX) || is(b, s, i, PX) || is(b, s, i, EXAT) || is(b, s, i, PXAT))
            {
                if (i + 1 == s.argc)
                {
                    out.append(ERR_SYNTAX, 0, ERR_SYNTAX.length);
                    return;
                }
                final long amount = parseLong(b, s.argStart[i + 1], s.argLength[i + 1]);
                if (amount == Long.MIN_VALUE)
                {
                    out.append(ERR_NOT_INTEGER, 0, ERR_NOT_INTEGER.length);
                    return;
                }
                deadlineMs = deadline(b, s, i, amount);
                if (deadlineMs <= 0)
                {
                    expireTimeError(out, SET);
                    return;
                }
                expiryOptions++;
                i++;
            }
            else
            {
                out.append(ERR_SYNTAX, 0, ERR_SYNTAX.length);
                return;
            }
        }
        if ((nx && xx) || expiryOptions > 1 || (keepTtl && expiryOptions > 0))
        {
            out.append(ERR_SYNTAX, 0, ERR_SYNTAX.length);
            return;
        }
        final ByteKeyMap.Entry<KvStore.Value> entry = store.entry(b, s.argStart[1], s.argLength[1]);
        if ((nx && entry != null) || (xx && entry == null))
        {
            out.append(NIL, 0, NIL.length);
            return;
        }
        final KvStore.Value value;
        if (entry != null)
        {
            value = keyspace.writable(entry);
            value.set(b, s.argStart[2], s.argLength[2]);
        }
        else
        {
            value = new KvStore.Value(s.argLength[2]);
            value.set(b, s.argStart[2], s.argLength[2]);
            keyspace.add(b, s.argStart[1], s.argLength[1], value);
        }
        if (!keepTtl)
        {
            keyspace.expireAt(value, deadlineMs);
        }
        if (0 != value.expiresAtMs && value.expiresAtMs <= keyspace.now())
        {
            // EXAT or PXAT in the past: the key is set and gone at once, as in Redis.
            keyspace.delete(store.remove(value.key));
        }
        out.append(OK, 0, OK.length);
    }

    private void incrementBy(final KvSession s, final DirectBuffer b, final OutputQueue out, final long by)
    {
        final ByteKeyMap.Entry<KvStore.Value> entry = store.entry(b, s.argStart[1], s.argLength[1]);
        KvStore.Value value = null == entry ? null : entry.value;
        long current = 0;
        if (value != null)
        {
            current = parseValue(value.bytes, value.length);
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
            value = new KvStore.Value(KvStore.MIN_VALUE_CAPACITY);
            keyspace.add(b, s.argStart[1], s.argLength[1], value);
        }
        else
        {
            value = keyspace.writable(entry);
            if (value.bytes.length < 20)
            {
                value.bytes = new byte[KvStore.MIN_VALUE_CAPACITY];
            }
        }
        value.length = formatLong(result, value.bytes);
        writeInteger(out, result);
    }

    /**
     * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT key time [NX | XX | GT | LT].
     */
    private void expire(final KvSession s, final DirectBuffer b, final OutputQueue out)
    {
        final byte[] name = is(b, s, 0, EXPIRE) ? EXPIRE : is(b, s, 0, PEXPIRE) ? PEXPIRE :
            is(b, s, 0, EXPIREAT) ? EXPIREAT : PEXPIREAT;
        if (s.argc < 3)
        {
            arity(out, name);
            return;
        }
        boolean nx = false;
        boolean xx = false;
        boolean gt = false;
        boolean lt = false;
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
            else if (is(b, s, i, GT))
            {
                gt = true;
            }
            else if (is(b, s, i, LT))
            {
                lt = true;
            }
            else
            {
                out.append(ERR_UNSUPPORTED_OPTION, 0, ERR_UNSUPPORTED_OPTION.length);
                final int shown = Math.min(s.argLength[i], 64);
                for (int c = 0; c < shown; c++)
                {
                    final byte ch = b.getByte(s.argStart[i] + c);
                    out.appendByte(ch < 0x20 || ch > 0x7E ? (byte)' ' : ch);
                }
                out.append(CRLF, 0, CRLF.length);
                return;
            }
        }
        if (nx && (xx || gt || lt))
        {
            out.append(ERR_EXPIRE_OPTIONS, 0, ERR_EXPIRE_OPTIONS.length);
            return;
        }
        if (gt && lt)
        {
            out.append(ERR_GT_LT, 0, ERR_GT_LT.length);
            return;
        }
        final long amount = parseLong(b, s.argStart[2], s.argLength[2]);
        if (amount == Long.MIN_VALUE)
        {
            out.append(ERR_NOT_INTEGER, 0, ERR_NOT_INTEGER.length);
            return;
        }
        final long deadlineMs = deadline(b, s, 0, amount);
        if (deadlineMs == Long.MIN_VALUE)
        {
            expireTimeError(out, name);
            return;
        }
        final ByteKeyMap.Entry<KvStore.Value> entry = store.entry(b, s.argStart[1], s.argLength[1]);
        if (null == entry)
        {
            writeInteger(out, 0);
            return;
        }
        final long current = entry.value.expiresAtMs;
        // No deadline counts as an infinite one for GT and LT, as in Redis.
        if ((nx && 0 != current) || (xx && 0 == current) || (gt && (0 == current || deadlineMs <= current)) ||
            (lt && 0 != current && deadlineMs >= current))
        {
            writeInteger(out, 0);
            return;
        }
        if (deadlineMs <= keyspace.now())
        {
            keyspace.delete(store.remove(entry.key));
        }
        else
        {
            keyspace.expireAt(keyspace.writable(entry), deadlineMs);
        }
        writeInteger(out, 1);
    }

    /**
     * The deadline an expiry option or command gives, in cluster time: EX and EXPIRE count seconds from now, PX and
     * PEXPIRE milliseconds, EXAT and EXPIREAT are Unix seconds, PXAT and PEXPIREAT Unix milliseconds.
     *
     * @return the deadline in ms (EXPIRE deletes the key when it is not after now); for SET's options 0 when the
     * amount is not positive (refused); Long.MIN_VALUE when it overflows.
     */
    private long deadline(final DirectBuffer b, final KvSession s, final int arg, final long amount)
    {
        final boolean relative = is(b, s, arg, EX) || is(b, s, arg, PX) || is(b, s, arg, EXPIRE) || is(b, s, arg, PEXPIRE);
        final boolean seconds = is(b, s, arg, EX) || is(b, s, arg, EXAT) || is(b, s, arg, EXPIRE) || is(b, s, arg, EXPIREAT);
        if (is(b, s, arg, EX) || is(b, s, arg, PX) || is(b, s, arg, EXAT) || is(b, s, arg, PXAT))
        {
            if (amount <= 0)
            {
                return 0;
            }
        }
        if (seconds && (amount > MAX_DEADLINE_MS / 1000 || amount < -MAX_DEADLINE_MS / 1000))
        {
            return Long.MIN_VALUE;
        }
        final long ms = seconds ? amount * 1000 : amount;
        final long now = keyspace.now();
        if (relative && (ms > MAX_DEADLINE_MS - now || ms < -MAX_DEADLINE_MS))
        {
            return Long.MIN_VALUE;
        }
        final long at = relative ? now + ms : ms;
        if (at > MAX_DEADLINE_MS)
        {
            return Long.MIN_VALUE;
        }
        return at;
    }

    private static boolean is(final DirectBuffer b, final KvSession s, final int arg, final byte[] lowerCase)
    {
        return HttpService.equalsIgnoreCase(b, s.argStart[arg], s.argLength[arg], lowerCase);
    }

    private long parseValue(final byte[] bytes, final int length)
    {
        valueView.wrap(bytes);
        return parseLong(valueView, 0, length);
    }

}
