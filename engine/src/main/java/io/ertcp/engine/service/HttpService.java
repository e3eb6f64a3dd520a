package io.ertcp.engine.service;

import io.ertcp.service.ClusterClock;
import io.ertcp.service.Connection;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * An HTTP/1.1 static responder (RFC 9110, 9112): GET and HEAD of files read into memory when the
 * service starts, so serving a file is two writes from prebuilt buffers (its header block and its
 * body) and allocates nothing. Keep-alive is HTTP/1.1's default ({@code Connection: close} ends
 * it), HTTP/1.0 closes unless asked to keep alive; pipelined requests are answered in order.
 * <p>
 * Only files found under the root at start are served: a request can name nothing else, and a
 * path with a {@code ..} segment is refused outright. Errors: 400 for a malformed request (then
 * close), 404, 405 for other methods, 414 for a request line over {@value #MAX_REQUEST_LINE} bytes
 * and 431 for a header block over {@value #MAX_HEADER_BYTES} bytes (then close), 505 for versions
 * other than 1.0 and 1.1. Every response carries a {@code Date} header (RFC 9110 6.6.1) taken from
 * cluster time ({@link ClusterClock}, the time the log gives the request), never from this node's
 * clock, so every replica writes the same bytes; a service given no clock (time 0) sends none, as
 * a server without a clock must not. The date's 37 bytes are formatted again only when the second
 * changes. A connection without input for the idle timeout (default
 * 60 s, an event the stack delivers) is closed after its pending answers.
 */
public final class HttpService extends RequestResponseService<HttpService.HttpSession>
{
    public static final int DEFAULT_PORT = 80;
    public static final long DEFAULT_IDLE_TIMEOUT_MS = 60_000;
    public static final int MAX_REQUEST_LINE = 8192;
    public static final int MAX_HEADER_BYTES = 16384;
    /** The most a request may carry in all: its head and a body (skipped) that fits. */
    static final int MAX_REQUEST_BYTES = 64 * 1024;

    static final String BUILT_IN_PAGE =
        "<!DOCTYPE html>\n<html><head><title>ertcp</title></head>\n" +
        "<body><h1>ertcp</h1><p>Served by a user-space TCP stack whose connections survive the loss of " +
        "the server that holds them.</p></body></html>\n";

    private static final int KEEP_ALIVE_11 = 0;
    private static final int KEEP_ALIVE_10 = 1;
    private static final int CLOSE = 2;

    private static final byte[] GET = ascii("GET");
    private static final byte[] HEAD = ascii("HEAD");
    private static final byte[] HTTP_1_1 = ascii("HTTP/1.1");
    private static final byte[] HTTP_1_0 = ascii("HTTP/1.0");
    private static final byte[] HTTP_SLASH = ascii("HTTP/");
    private static final byte[] CONNECTION = ascii("connection");
    private static final byte[] CONTENT_LENGTH = ascii("content-length");
    private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");
    private static final byte[] HOST = ascii("host");
    private static final byte[] CLOSE_TOKEN = ascii("close");
    private static final byte[] KEEP_ALIVE_TOKEN = ascii("keep-alive");
    private static final byte[] INDEX = ascii("index.html");

    private final ByteKeyMap<Resource> files = new ByteKeyMap<>(64);
    private final Resource badRequest = Resource.error(400, "Bad Request", "");
    private final Resource notFound = Resource.error(404, "Not Found", "");
    private final Resource methodNotAllowed = Resource.error(405, "Method Not Allowed", "Allow: GET, HEAD\r\n");
    private final Resource uriTooLong = Resource.error(414, "URI Too Long", "");
    private final Resource payloadTooLarge = Resource.error(413, "Content Too Large", "");
    private final Resource headersTooLarge = Resource.error(431, "Request Header Fields Too Large", "");
    private final Resource notImplemented = Resource.error(501, "Not Implemented", "");
    private final Resource versionNotSupported = Resource.error(505, "HTTP Version Not Supported", "");
    private ClusterClock clock;
    /** "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n" for {@link #dateSecond}. */
    private final UnsafeBuffer dateLine = new UnsafeBuffer(ByteBuffer.allocateDirect(DATE_LINE_LENGTH));
    private long dateSecond = Long.MIN_VALUE;

    /**
     * Serves only the built-in page, at {@code /} and {@code /index.html}.
     */
    public HttpService()
    {
        this(DEFAULT_IDLE_TIMEOUT_MS);
    }

    /**
     * Serves only the built-in page, closing connections idle for {@code idleTimeoutMs} (0 for never).
     */
    public HttpService(final long idleTimeoutMs)
    {
        super(idleTimeoutMs);
        final byte[] page = BUILT_IN_PAGE.getBytes(StandardCharsets.UTF_8);
        files.add(ascii("/index.html"), Resource.file(page, "text/html; charset=utf-8"));
    }

    /**
     * Serves the regular files under root, read now.
     */
    public HttpService(final Path root)
    {
        this(root, DEFAULT_IDLE_TIMEOUT_MS);
    }

    /**
     * @param root          the directory served; its files are read now and never again.
     * @param idleTimeoutMs how long a connection may stay without input; 0 for never.
     */
    public HttpService(final Path root, final long idleTimeoutMs)
    {
        super(idleTimeoutMs);
        if (!Files.isDirectory(root))
        {
            throw new IllegalArgumentException("The HTTP root " + root + " is not a directory: give --root an existing directory.");
        }
        try (Stream<Path> walk = Files.walk(root))
        {
            final List<Path> regular = walk.filter(Files::isRegularFile).sorted().toList();
            for (final Path file : regular)
            {
                final StringBuilder key = new StringBuilder();
                for (final Path part : root.relativize(file))
                {
                    key.append('/').append(part);
                }
                files.add(key.toString().getBytes(StandardCharsets.UTF_8),
                    Resource.file(Files.readAllBytes(file), contentType(file.getFileName().toString())));
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("Could not read the HTTP root " + root + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * @return how many files are served.
     */
    public int fileCount()
    {
        return files.size();
    }

    @Override
    public void clusterClock(final ClusterClock clock)
    {
        this.clock = clock;
    }

    public String name()
    {
        return "http";
    }

    /**
     * One response, prebuilt: a header block per connection disposition, and the body.
     */
    static final class Resource
    {
        /** The status line with its CRLF: the Date header goes after it. */
        final UnsafeBuffer statusLine;
        final UnsafeBuffer[] headers = new UnsafeBuffer[3];
        final UnsafeBuffer body;

        private Resource(final String statusLine, final String extraHeaders, final String contentType, final byte[] content)
        {
            final ByteBuffer direct = ByteBuffer.allocateDirect(Math.max(1, content.length));
            direct.put(content).flip();
            body = new UnsafeBuffer(direct, 0, content.length);
            this.statusLine = directAscii(statusLine + "\r\n");
            final String common = "Server: ertcp\r\n" + extraHeaders +
                "Content-Type: " + contentType + "\r\nContent-Length: " + content.length + "\r\n";
            headers[KEEP_ALIVE_11] = directAscii(common + "\r\n");
            headers[KEEP_ALIVE_10] = directAscii(common + "Connection: keep-alive\r\n\r\n");
            headers[CLOSE] = directAscii(common + "Connection: close\r\n\r\n");
        }

        static Resource file(final byte[] content, final String contentType)
        {
            return new Resource("HTTP/1.1 200 OK", "", contentType, content);
        }

        static Resource error(final int status, final String reason, final String extraHeaders)
        {
            final String page = "<!DOCTYPE html>\n<html><body><h1>" + status + " " + reason + "</h1></body></html>\n";
            return new Resource("HTTP/1.1 " + status + " " + reason, extraHeaders, "text/html; charset=utf-8",
                page.getBytes(StandardCharsets.US_ASCII));
        }
    }

    /**
     * Per connection: where the request's path is decoded.
     */
    static final class HttpSession extends RequestResponseService.Session
    {
        final UnsafeBuffer path = new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_REQUEST_LINE + INDEX.length));

        HttpSession()
        {
            super(4096, MAX_REQUEST_BYTES, 4096);
        }
    }

    protected HttpSession newSession()
    {
        return new HttpSession();
    }

    protected void onRequestTooLong(final Connection connection, final HttpSession session)
    {
        respond(session, payloadTooLarge, false, CLOSE);
    }

    protected int serve(
        final Connection connection, final HttpSession session, final DirectBuffer buffer, final int offset, final int length)
    {
        final int end = offset + length;

        // RFC 9112 2.2: ignore empty lines before a request line
        final byte first = buffer.getByte(offset);
        if (first == '\n')
        {
            return 1;
        }
        if (first == '\r' && length >= 2 && buffer.getByte(offset + 1) == '\n')
        {
            return 2;
        }

        final int lineEnd = indexOf(buffer, offset, Math.min(end, offset + MAX_REQUEST_LINE), (byte)'\n');
        if (lineEnd < 0)
        {
            return length >= MAX_REQUEST_LINE ? reject(session, uriTooLong, length) : 0;
        }
        final int headEnd = endOfHead(buffer, lineEnd, Math.min(end, offset + MAX_HEADER_BYTES));
        if (headEnd < 0)
        {
            return length >= MAX_HEADER_BYTES ? reject(session, headersTooLarge, length) : 0;
        }

        // request-line = method SP request-target SP HTTP-version
        final int lineLimit = trimCr(buffer, offset, lineEnd);
        final int methodEnd = indexOf(buffer, offset, lineLimit, (byte)' ');
        if (methodEnd <= offset)
        {
            return reject(session, badRequest, length);
        }
        final int targetStart = methodEnd + 1;
        final int targetEnd = indexOf(buffer, targetStart, lineLimit, (byte)' ');
        if (targetEnd <= targetStart)
        {
            return reject(session, badRequest, length);
        }
        final int versionStart = targetEnd + 1;
        final int versionLength = lineLimit - versionStart;
        final boolean http11 = equalsBytes(buffer, versionStart, versionLength, HTTP_1_1);
        if (!http11 && !equalsBytes(buffer, versionStart, versionLength, HTTP_1_0))
        {
            return versionLength == 8 && startsWith(buffer, versionStart, versionLength, HTTP_SLASH) &&
                isDigit(buffer.getByte(versionStart + 5)) && buffer.getByte(versionStart + 6) == '.' &&
                isDigit(buffer.getByte(versionStart + 7)) ?
                reject(session, versionNotSupported, length) : reject(session, badRequest, length);
        }

        // header fields: the ones that decide framing and the connection's fate
        boolean close = false;
        boolean keepAlive = false;
        boolean host = false;
        long contentLength = 0;
        int lineStart = lineEnd + 1;
        while (true)
        {
            final int fieldEnd = indexOf(buffer, lineStart, headEnd, (byte)'\n');
            final int fieldLimit = trimCr(buffer, lineStart, fieldEnd);
            if (fieldLimit == lineStart)
            {
                break; // the empty line
            }
            final int colon = indexOf(buffer, lineStart, fieldLimit, (byte)':');
            if (colon <= lineStart || isWhitespace(buffer.getByte(colon - 1)) || isWhitespace(buffer.getByte(lineStart)))
            {
                return reject(session, badRequest, length);
            }
            final int nameLength = colon - lineStart;
            int valueStart = colon + 1;
            int valueEnd = fieldLimit;
            while (valueStart < valueEnd && isWhitespace(buffer.getByte(valueStart)))
            {
                valueStart++;
            }
            while (valueEnd > valueStart && isWhitespace(buffer.getByte(valueEnd - 1)))
            {
                valueEnd--;
            }

            if (equalsIgnoreCase(buffer, lineStart, nameLength, CONNECTION))
            {
                close |= hasToken(buffer, valueStart, valueEnd, CLOSE_TOKEN);
                keepAlive |= hasToken(buffer, valueStart, valueEnd, KEEP_ALIVE_TOKEN);
            }
            else if (equalsIgnoreCase(buffer, lineStart, nameLength, CONTENT_LENGTH))
            {
                final long value = parseLength(buffer, valueStart, valueEnd);
                if (value < 0 || (contentLength != 0 && contentLength != value))
                {
                    return reject(session, badRequest, length);
                }
                contentLength = value;
            }
            else if (equalsIgnoreCase(buffer, lineStart, nameLength, TRANSFER_ENCODING))
            {
                return reject(session, notImplemented, length); // no way to find where the message ends
            }
            else if (equalsIgnoreCase(buffer, lineStart, nameLength, HOST))
            {
                host = true;
            }
            lineStart = fieldEnd + 1;
        }

        if (http11 && !host)
        {
            return reject(session, badRequest, length); // RFC 9112 3.2
        }
        if (contentLength > MAX_REQUEST_BYTES - (headEnd - offset))
        {
            return reject(session, payloadTooLarge, length);
        }
        final int requestLength = headEnd - offset + (int)contentLength;
        if (requestLength > length)
        {
            return 0; // the body is skipped, once it is all here
        }

        final boolean persistent = http11 ? !close : keepAlive && !close;
        final int disposition = !persistent ? CLOSE : http11 ? KEEP_ALIVE_11 : KEEP_ALIVE_10;
        final int methodLength = methodEnd - offset;
        final boolean isHead = equalsBytes(buffer, offset, methodLength, HEAD);
        if (!isHead && !equalsBytes(buffer, offset, methodLength, GET))
        {
            respond(session, methodNotAllowed, true, disposition);
        }
        else
        {
            final int pathLength = decodePath(buffer, targetStart, targetEnd, session.path);
            if (pathLength < 0)
            {
                return reject(session, badRequest, length);
            }
            final Resource resource = files.get(session.path, 0, pathLength);
            respond(session, resource == null ? notFound : resource, !isHead, disposition);
        }
        if (!persistent)
        {
            session.closeAfterFlush = true;
            return length;
        }
        return requestLength;
    }

    /**
     * Answer and close: after a malformed request the stream cannot be trusted to find the next.
     */
    private int reject(final HttpSession session, final Resource resource, final int length)
    {
        respond(session, resource, true, CLOSE);
        session.closeAfterFlush = true;
        return length;
    }

    private void respond(final HttpSession session, final Resource resource, final boolean withBody, final int disposition)
    {
        session.output.append(resource.statusLine, 0, resource.statusLine.capacity());
        final long nowMs = null == clock ? 0 : clock.timeMillis();
        if (nowMs > 0)
        {
            final long second = nowMs / 1000;
            if (second != dateSecond)
            {
                dateSecond = second;
                dateLine.putBytes(0, DATE_PREFIX);
                formatImfFixdate(second, dateLine, DATE_PREFIX.length);
                dateLine.putByte(DATE_LINE_LENGTH - 2, (byte)'\r');
                dateLine.putByte(DATE_LINE_LENGTH - 1, (byte)'\n');
            }
            session.output.append(dateLine, 0, DATE_LINE_LENGTH);
        }
        final UnsafeBuffer header = resource.headers[disposition];
        session.output.append(header, 0, header.capacity());
        if (withBody)
        {
            session.output.appendBody(resource.body, 0, resource.body.capacity());
        }
    }

    private static final byte[] DATE_PREFIX = "Date: ".getBytes(StandardCharsets.US_ASCII);
    private static final int IMF_FIXDATE_LENGTH = 29;
    private static final int DATE_LINE_LENGTH = 6 + IMF_FIXDATE_LENGTH + 2;
    private static final byte[] DAY_NAMES = "SunMonTueWedThuFriSat".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MONTH_NAMES = "JanFebMarAprMayJunJulAugSepOctNovDec".getBytes(StandardCharsets.US_ASCII);

    /**
     * Write RFC 9110's IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}, 29 bytes) for a Unix time in seconds,
     * without allocating: the proleptic Gregorian calendar from days since 1970 (H. Hinnant's civil_from_days).
     */
    static void formatImfFixdate(final long epochSecond, final UnsafeBuffer out, final int offset)
    {
        final long days = Math.floorDiv(epochSecond, 86_400L);
        final int secondOfDay = (int)Math.floorMod(epochSecond, 86_400L);
        final int weekday = (int)Math.floorMod(days + 4, 7L); // 1970-01-01 was a Thursday
        final long z = days + 719_468;
        final long era = Math.floorDiv(z, 146_097L);
        final long dayOfEra = z - era * 146_097L;
        final long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        final long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        final long mp = (5 * dayOfYear + 2) / 153;
        final int day = (int)(dayOfYear - (153 * mp + 2) / 5 + 1);
        final int month = (int)(mp < 10 ? mp + 3 : mp - 9);
        final long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
        int o = offset;
        out.putBytes(o, DAY_NAMES, weekday * 3, 3);
        o += 3;
        out.putByte(o++, (byte)',');
        out.putByte(o++, (byte)' ');
        o = twoDigits(out, o, day);
        out.putByte(o++, (byte)' ');
        out.putBytes(o, MONTH_NAMES, (month - 1) * 3, 3);
        o += 3;
        out.putByte(o++, (byte)' ');
        o = twoDigits(out, o, (int)(year / 100 % 100));
        o = twoDigits(out, o, (int)(year % 100));
        out.putByte(o++, (byte)' ');
        o = twoDigits(out, o, secondOfDay / 3600);
        out.putByte(o++, (byte)':');
        o = twoDigits(out, o, secondOfDay / 60 % 60);
        out.putByte(o++, (byte)':');
        o = twoDigits(out, o, secondOfDay % 60);
        out.putBytes(o, GMT);
    }

    private static final byte[] GMT = " GMT".getBytes(StandardCharsets.US_ASCII);

    private static int twoDigits(final UnsafeBuffer out, final int offset, final int value)
    {
        out.putByte(offset, (byte)('0' + value / 10));
        out.putByte(offset + 1, (byte)('0' + value % 10));
        return offset + 2;
    }

    /**
     * Decode an origin-form target's path (no query, no fragment; %XX decoded) into path, with
     * index.html appended to a directory.
     *
     * @return the decoded length, or -1 when the target is not acceptable.
     */
    static int decodePath(final DirectBuffer buffer, final int start, final int end, final UnsafeBuffer path)
    {
        if (buffer.getByte(start) != '/')
        {
            return -1;
        }
        int length = 0;
        for (int i = start; i < end; i++)
        {
            byte b = buffer.getByte(i);
            if (b == '?' || b == '#')
            {
                break;
            }
            if (b == '%')
            {
                if (i + 2 >= end)
                {
                    return -1;
                }
                final int high = hex(buffer.getByte(i + 1));
                final int low = hex(buffer.getByte(i + 2));
                if (high < 0 || low < 0)
                {
                    return -1;
                }
                b = (byte)(high << 4 | low);
                i += 2;
            }
            if (b == 0 || b == '\\')
            {
                return -1;
            }
            path.putByte(length++, b);
        }

        // refuse any ".." segment
        int segmentStart = 1;
        for (int i = 1; i <= length; i++)
        {
            if (i == length || path.getByte(i) == '/')
            {
                if (i - segmentStart == 2 && path.getByte(segmentStart) == '.' && path.getByte(segmentStart + 1) == '.')
                {
                    return -1;
                }
                segmentStart = i + 1;
            }
        }

        if (path.getByte(length - 1) == '/')
        {
            path.putBytes(length, INDEX);
            length += INDEX.length;
        }
        return length;
    }

    static String contentType(final String fileName)
    {
        final int dot = fileName.lastIndexOf('.');
        final String extension = dot < 0 ? "" : fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
        return switch (extension)
        {
            case "html", "htm" -> "text/html; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "js", "mjs" -> "text/javascript; charset=utf-8";
            case "json" -> "application/json";
            case "txt", "md" -> "text/plain; charset=utf-8";
            case "xml" -> "application/xml";
            case "svg" -> "image/svg+xml";
            case "png" -> "image/png";
            case "jpg", "jpeg" -> "image/jpeg";
            case "gif" -> "image/gif";
            case "webp" -> "image/webp";
            case "ico" -> "image/x-icon";
            case "wasm" -> "application/wasm";
            case "pdf" -> "application/pdf";
            case "woff2" -> "font/woff2";
            default -> "application/octet-stream";
        };
    }

    /**
     * @return the index just past the empty line that ends the head, searching from the request
     * line's LF, or -1 when it is not within limit.
     */
    private static int endOfHead(final DirectBuffer buffer, final int firstLf, final int limit)
    {
        for (int i = firstLf; i < limit; i++)
        {
            if (buffer.getByte(i) == '\n')
            {
                if (i + 1 < limit && buffer.getByte(i + 1) == '\n')
                {
                    return i + 2;
                }
                if (i + 2 < limit && buffer.getByte(i + 1) == '\r' && buffer.getByte(i + 2) == '\n')
                {
                    return i + 3;
                }
            }
        }
        return -1;
    }

    private static int trimCr(final DirectBuffer buffer, final int start, final int lf)
    {
        return lf > start && buffer.getByte(lf - 1) == '\r' ? lf - 1 : lf;
    }

    private static int indexOf(final DirectBuffer buffer, final int start, final int end, final byte value)
    {
        for (int i = start; i < end; i++)
        {
            if (buffer.getByte(i) == value)
            {
                return i;
            }
        }
        return -1;
    }

    private static boolean hasToken(final DirectBuffer buffer, final int start, final int end, final byte[] token)
    {
        int tokenStart = start;
        for (int i = start; i <= end; i++)
        {
            if (i == end || buffer.getByte(i) == ',')
            {
                int s = tokenStart;
                int e = i;
                while (s < e && isWhitespace(buffer.getByte(s)))
                {
                    s++;
                }
                while (e > s && isWhitespace(buffer.getByte(e - 1)))
                {
                    e--;
                }
                if (equalsIgnoreCase(buffer, s, e - s, token))
                {
                    return true;
                }
                tokenStart = i + 1;
            }
        }
        return false;
    }

    private static long parseLength(final DirectBuffer buffer, final int start, final int end)
    {
        if (start == end || end - start > 12)
        {
            return -1;
        }
        long value = 0;
        for (int i = start; i < end; i++)
        {
            final byte b = buffer.getByte(i);
            if (!isDigit(b))
            {
                return -1;
            }
            value = value * 10 + (b - '0');
        }
        return value;
    }

    static boolean equalsBytes(final DirectBuffer buffer, final int offset, final int length, final byte[] expected)
    {
        return length == expected.length && startsWith(buffer, offset, length, expected);
    }

    private static boolean startsWith(final DirectBuffer buffer, final int offset, final int length, final byte[] prefix)
    {
        if (length < prefix.length)
        {
            return false;
        }
        for (int i = 0; i < prefix.length; i++)
        {
            if (buffer.getByte(offset + i) != prefix[i])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @param lowerCase the expected bytes, in lower case.
     */
    static boolean equalsIgnoreCase(final DirectBuffer buffer, final int offset, final int length, final byte[] lowerCase)
    {
        if (length != lowerCase.length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            byte b = buffer.getByte(offset + i);
            if (b >= 'A' && b <= 'Z')
            {
                b += 'a' - 'A';
            }
            if (b != lowerCase[i])
            {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(final byte b)
    {
        return b >= '0' && b <= '9';
    }

    private static boolean isWhitespace(final byte b)
    {
        return b == ' ' || b == '\t';
    }

    private static int hex(final byte b)
    {
        if (b >= '0' && b <= '9')
        {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f')
        {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F')
        {
            return b - 'A' + 10;
        }
        return -1;
    }

    private static UnsafeBuffer directAscii(final String text)
    {
        final byte[] bytes = ascii(text);
        final ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length);
        direct.put(bytes).flip();
        return new UnsafeBuffer(direct);
    }

    static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
