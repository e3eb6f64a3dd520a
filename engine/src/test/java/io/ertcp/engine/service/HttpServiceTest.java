package io.ertcp.engine.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpServiceTest
{
    @TempDir
    Path root;

    private HttpService service()
    {
        return new HttpService(root);
    }

    private static String text(final byte[] bytes)
    {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String ok(final String type, final String body, final String connection)
    {
        return "HTTP/1.1 200 OK\r\nServer: ertcp\r\nContent-Type: " + type + "\r\nContent-Length: " + body.length() +
            "\r\n" + connection + "\r\n" + body;
    }

    @Test
    void answersPipelinedKeepAliveRequestsInOrderWhateverTheSplit() throws Exception
    {
        Files.writeString(root.resolve("index.html"), "<p>home</p>");
        Files.createDirectories(root.resolve("css"));
        Files.writeString(root.resolve("css/a.css"), "p{}");
        final String requests =
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n" +
            "HEAD /css/a.css HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n" +
            "GET /css/a.css?v=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" +
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n"; // after close: never answered
        final String expected =
            ok("text/html; charset=utf-8", "<p>home</p>", "") +
            ok("text/css; charset=utf-8", "p{}", "").replace("p{}", "") +
            ok("text/css; charset=utf-8", "p{}", "Connection: close\r\n");
        final byte[] output = StackDriver.assertSplitIndependent(this::service, bytes(requests), false);
        assertEquals(expected, text(output));
        assertTrue(StackDriver.run(service(), bytes(requests), new int[0], Long.MAX_VALUE, false).outputShut);
    }

    @Test
    void servesTheBuiltInPageWithoutARootAndALargeFileThroughBackpressure() throws Exception
    {
        final FakeConnection page = StackDriver.run(new HttpService(), bytes("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"),
            new int[0], Long.MAX_VALUE, true);
        assertTrue(text(page.output()).endsWith(HttpService.BUILT_IN_PAGE));
        assertTrue(page.outputShut, "closes after the peer's FIN");

        final byte[] big = new byte[100_000];
        new java.util.Random(1).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
        final String request = "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n";
        final byte[] output = StackDriver.run(service(), bytes(request + request), new int[]{10}, 1000, true).output();
        final String header = ok("application/octet-stream", "", "").replace("Content-Length: 0", "Content-Length: 100000");
        assertEquals(2 * (header.length() + big.length), output.length);
        assertEquals(header, text(java.util.Arrays.copyOf(output, header.length())));
    }

    @Test
    void http10ClosesUnlessAskedToKeepAlive() throws Exception
    {
        Files.writeString(root.resolve("a.txt"), "a");
        final FakeConnection closes = StackDriver.run(service(), bytes("GET /a.txt HTTP/1.0\r\n\r\n"), new int[0], Long.MAX_VALUE, false);
        assertTrue(text(closes.output()).contains("Connection: close\r\n"));
        assertTrue(closes.outputShut);
        final FakeConnection stays = StackDriver.run(service(), bytes("GET /a.txt HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
            new int[0], Long.MAX_VALUE, false);
        assertTrue(text(stays.output()).contains("Connection: keep-alive\r\n"));
        assertFalse(stays.outputShut);
    }

    @Test
    void errors() throws Exception
    {
        Files.writeString(root.resolve("a.txt"), "a");
        assertStatus("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", "404 Not Found", false);
        assertStatus("POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", "405 Method Not Allowed", false);
        assertStatus("GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request", true);
        assertStatus("GET /a/%2e%2e/a.txt HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request", true);
        assertStatus("GET /a.txt HTTP/1.1\r\n\r\n", "400 Bad Request", true);
        assertStatus("hello\r\n\r\n", "400 Bad Request", true);
        assertStatus("GET /a.txt HTTP/1.1\r\nHost x\r\n\r\n", "400 Bad Request", true);
        assertStatus("GET /a.txt HTTP/2.0\r\nHost: x\r\n\r\n", "505 HTTP Version Not Supported", true);
        assertStatus("GET /" + "a".repeat(HttpService.MAX_REQUEST_LINE) + " HTTP/1.1\r\n\r\n", "414 URI Too Long", true);
        assertStatus("GET /a.txt HTTP/1.1\r\nHost: x\r\nX: " + "b".repeat(HttpService.MAX_HEADER_BYTES) + "\r\n\r\n",
            "431 Request Header Fields Too Large", true);
    }

    private void assertStatus(final String request, final String status, final boolean closes)
    {
        final byte[] output = StackDriver.assertSplitIndependent(this::service, bytes(request), false);
        assertTrue(text(output).startsWith("HTTP/1.1 " + status + "\r\n"), text(output));
        assertEquals(closes, StackDriver.run(service(), bytes(request), new int[0], Long.MAX_VALUE, false).outputShut, request);
    }

    @Test
    void idleTimeoutClosesAfterPendingAnswers()
    {
        final HttpService http = new HttpService();
        final FakeConnection connection = new FakeConnection(1);
        http.onOpen(connection);
        assertEquals(HttpService.DEFAULT_IDLE_TIMEOUT_MS, connection.timeoutMs);
        http.onTimeout(connection);
        assertTrue(connection.outputShut);
        http.onTimeout(connection);
        assertTrue(connection.aborted, "a peer that never closes after our FIN is reset");
    }
    @Test
    void theDateHeaderIsClusterTimeFormattedAsImfFixdate() throws Exception
    {
        Files.writeString(root.resolve("index.html"), "hi");
        final HttpService http = service();
        final io.ertcp.engine.tcp.ServiceClock clock = new io.ertcp.engine.tcp.ServiceClock(http);
        http.clusterClock(clock);
        final FakeConnection connection = new FakeConnection(1);
        http.onOpen(connection);
        final byte[] get = bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        clock.advance(784_111_777_000L * 1_000_000L + 999_999L); // 1994-11-06T08:49:37.000999Z
        http.onData(connection, new org.agrona.concurrent.UnsafeBuffer(get), 0, get.length);
        clock.advance(1_796_083_261_500L * 1_000_000L); // 2026-12-01T00:01:01.5Z
        http.onData(connection, new org.agrona.concurrent.UnsafeBuffer(get), 0, get.length);
        final String first = "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: ertcp\r\n" +
            "Content-Type: text/html; charset=utf-8\r\nContent-Length: 2\r\n\r\nhi";
        assertEquals(first + first.replace("Sun, 06 Nov 1994 08:49:37", "Tue, 01 Dec 2026 00:01:01"),
            text(connection.output()));

        // Against java.time over dates from 1970 to 2400, leap days and century years included.
        final java.time.format.DateTimeFormatter imf = java.time.format.DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US).withZone(java.time.ZoneOffset.UTC);
        final java.util.Random random = new java.util.Random(3);
        final org.agrona.concurrent.UnsafeBuffer out = new org.agrona.concurrent.UnsafeBuffer(new byte[29]);
        final long[] fixed = {0, 951_782_400L, 4_107_542_400L, 13_574_563_199L, 1_709_164_800L};
        for (int i = 0; i < 20_000; i++)
        {
            final long second = i < fixed.length ? fixed[i] : (long)(random.nextDouble() * 13_574_563_199L);
            HttpService.formatImfFixdate(second, out, 0);
            assertEquals(imf.format(java.time.Instant.ofEpochSecond(second)), out.getStringWithoutLengthAscii(0, 29),
                "second " + second);
        }
    }
}
