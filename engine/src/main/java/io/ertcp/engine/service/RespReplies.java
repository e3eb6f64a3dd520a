package io.ertcp.engine.service;

import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The RESP2 replies {@link KvService} writes (simple strings, errors, integers, bulk strings, nil) as constants and
 * writers into a session's {@link OutputQueue}, allocating nothing, and Redis's rule for integers both ways
 * ({@link #parseLong} for arguments and stored values, {@link #formatLong} for what INCR stores). The requests
 * themselves are {@link RespParser}'s.
 */
final class RespReplies
{
    static final byte[] OK = ascii("+OK\r\n");
    static final byte[] PONG = ascii("+PONG\r\n");
    static final byte[] NIL = ascii("$-1\r\n");
    static final byte[] EMPTY_ARRAY = ascii("*0\r\n");
    static final byte[] TIME_ARRAY = ascii("*2\r\n");
    static final byte[] CRLF = ascii("\r\n");
    static final byte[] ERR_UNKNOWN = ascii("-ERR unknown command '");
    static final byte[] ERR_ARITY = ascii("-ERR wrong number of arguments for '");
    static final byte[] ERR_ARITY_END = ascii("' command\r\n");
    static final byte[] ERR_NOT_INTEGER = ascii("-ERR value is not an integer or out of range\r\n");
    static final byte[] ERR_OVERFLOW = ascii("-ERR increment or decrement would overflow\r\n");
    static final byte[] ERR_SYNTAX = ascii("-ERR syntax error\r\n");
    static final byte[] ERR_EXPIRE_TIME = ascii("-ERR invalid expire time in '");
    static final byte[] ERR_EXPIRE_OPTIONS = ascii(
        "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
    static final byte[] ERR_GT_LT = ascii("-ERR GT and LT options at the same time are not compatible\r\n");
    static final byte[] ERR_UNSUPPORTED_OPTION = ascii("-ERR Unsupported option ");
    static final byte[] ERR_DB_INDEX = ascii("-ERR DB index is out of range\r\n");
    static final byte[] ERR_CONFIG = ascii("-ERR CONFIG supports only GET here, which answers an empty list\r\n");
    static final byte[] ERR_PROTOCOL = ascii("-ERR Protocol error: ");
    static final byte[] ERR_TOO_BIG = ascii("-ERR Protocol error: request longer than 8388608 bytes\r\n");

    private RespReplies()
    {
    }

    static void expireTimeError(final OutputQueue out, final byte[] name)
    {
        out.append(ERR_EXPIRE_TIME, 0, ERR_EXPIRE_TIME.length);
        out.append(name, 0, name.length);
        out.append(ERR_ARITY_END, 0, ERR_ARITY_END.length);
    }

    static void writeBulkInteger(final OutputQueue out, final long value)
    {
        final int digits = Long.toString(value).length();
        out.appendByte((byte)'$');
        out.appendAscii(digits);
        out.append(CRLF, 0, CRLF.length);
        out.appendAscii(value);
        out.append(CRLF, 0, CRLF.length);
    }

    static void arity(final OutputQueue out, final byte[] name)
    {
        out.append(ERR_ARITY, 0, ERR_ARITY.length);
        out.append(name, 0, name.length);
        out.append(ERR_ARITY_END, 0, ERR_ARITY_END.length);
    }

    static void writeInteger(final OutputQueue out, final long value)
    {
        out.appendByte((byte)':');
        out.appendAscii(value);
        out.append(CRLF, 0, CRLF.length);
    }

    static void writeBulk(final OutputQueue out, final DirectBuffer b, final int start, final int length)
    {
        out.appendByte((byte)'$');
        out.appendAscii(length);
        out.append(CRLF, 0, CRLF.length);
        out.append(b, start, length);
        out.append(CRLF, 0, CRLF.length);
    }

    static void writeBulkOrNil(final OutputQueue out, final KvStore.Value value)
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

    static boolean isLongMin(final DirectBuffer b, final int start, final int length)
    {
        return HttpService.equalsBytes(b, start, length, LONG_MIN);
    }

    static boolean isLongMin(final byte[] bytes, final int length)
    {
        return length == LONG_MIN.length && Arrays.equals(bytes, 0, length, LONG_MIN, 0, length);
    }

    static final byte[] LONG_MIN = ascii(Long.toString(Long.MIN_VALUE));

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
