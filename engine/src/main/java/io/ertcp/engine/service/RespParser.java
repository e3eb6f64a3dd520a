package io.ertcp.engine.service;

import org.agrona.DirectBuffer;

/**
 * Finds one RESP2 request at the start of a buffer and records where its arguments lie, without
 * copying them: either a multibulk array ({@code *N\r\n} then N bulk strings {@code $len\r\n
 * bytes\r\n}, binary-safe) or an inline command (one line, words split on blanks, as telnet and
 * hand-typed clients send). Parsing starts over from the request's first byte each time more bytes
 * arrive, so the result cannot depend on how the request was split.
 */
final class RespParser
{
    /** Inline requests longer than this are an error (Redis's PROTO_INLINE_MAX_SIZE). */
    static final int MAX_INLINE = 64 * 1024;

    private RespParser()
    {
    }

    /**
     * @return the request's length, 0 when incomplete, -1 on a protocol error (reason in the session).
     */
    static int parseArray(final DirectBuffer b, final int offset, final int length, final KvService.KvSession session)
    {
        final int end = offset + length;
        final int countEnd = lineEnd(b, offset + 1, end);
        if (countEnd < 0)
        {
            return length > MAX_INLINE ? fail(session, "too big mbulk count string") : 0;
        }
        final long count = parseInteger(b, offset + 1, countEnd - 1);
        if (count == Long.MIN_VALUE || count > KvService.MAX_ARGUMENTS)
        {
            return fail(session, "invalid multibulk length");
        }
        int position = countEnd + 1;
        for (long i = 0; i < count; i++)
        {
            if (position >= end)
            {
                return 0;
            }
            final byte type = b.getByte(position);
            if (type != '$')
            {
                return fail(session, "expected '$', got '" + printable(type) + "'");
            }
            final int sizeEnd = lineEnd(b, position + 1, end);
            if (sizeEnd < 0)
            {
                return end - position > MAX_INLINE ? fail(session, "too big bulk count string") : 0;
            }
            final long size = parseInteger(b, position + 1, sizeEnd - 1);
            if (size < 0 || size > KvService.MAX_REQUEST_BYTES)
            {
                return fail(session, "invalid bulk length");
            }
            final int dataStart = sizeEnd + 1;
            if ((long)dataStart + size + 2 > end)
            {
                return 0;
            }
            final int dataEnd = dataStart + (int)size;
            if (b.getByte(dataEnd) != '\r' || b.getByte(dataEnd + 1) != '\n')
            {
                return fail(session, "bulk string not ended by CRLF");
            }
            session.addArgument(dataStart, (int)size);
            position = dataEnd + 2;
        }
        return position - offset;
    }

    /**
     * @return the line's length with its LF, 0 when incomplete, -1 when too long.
     */
    static int parseInline(final DirectBuffer b, final int offset, final int length, final KvService.KvSession session)
    {
        final int end = offset + length;
        int lf = -1;
        for (int i = offset; i < end; i++)
        {
            if (b.getByte(i) == '\n')
            {
                lf = i;
                break;
            }
        }
        if (lf < 0)
        {
            return length > MAX_INLINE ? fail(session, "too big inline request") : 0;
        }
        final int limit = lf > offset && b.getByte(lf - 1) == '\r' ? lf - 1 : lf;
        int i = offset;
        while (i < limit)
        {
            while (i < limit && isBlank(b.getByte(i)))
            {
                i++;
            }
            final int wordStart = i;
            while (i < limit && !isBlank(b.getByte(i)))
            {
                i++;
            }
            if (i > wordStart)
            {
                session.addArgument(wordStart, i - wordStart);
            }
        }
        return lf + 1 - offset;
    }

    /**
     * @return the index of the LF of a CRLF-ended line starting at start, or -1 when not yet
     * complete. A bare LF counts as not complete only if no CR precedes it: the caller's parse of
     * the number fails on the CR-less text.
     */
    private static int lineEnd(final DirectBuffer b, final int start, final int end)
    {
        for (int i = start; i < end; i++)
        {
            if (b.getByte(i) == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * Parse [start, crIndex) as a signed decimal, requiring a CR at crIndex.
     *
     * @return the value or Long.MIN_VALUE when malformed.
     */
    private static long parseInteger(final DirectBuffer b, final int start, final int crIndex)
    {
        if (crIndex < start || b.getByte(crIndex) != '\r' || crIndex == start || crIndex - start > 19)
        {
            return Long.MIN_VALUE;
        }
        final boolean negative = b.getByte(start) == '-';
        int i = negative ? start + 1 : start;
        if (i == crIndex)
        {
            return Long.MIN_VALUE;
        }
        long value = 0;
        for (; i < crIndex; i++)
        {
            final int digit = b.getByte(i) - '0';
            if (digit < 0 || digit > 9)
            {
                return Long.MIN_VALUE;
            }
            value = value * 10 + digit;
        }
        return negative ? -value : value;
    }

    private static boolean isBlank(final byte b)
    {
        return b == ' ' || b == '\t';
    }

    private static String printable(final byte b)
    {
        return b >= 0x20 && b < 0x7F ? Character.toString((char)b) : "?";
    }

    private static int fail(final KvService.KvSession session, final String reason)
    {
        session.protocolError = reason;
        return -1;
    }
}
