package io.ertcp.engine.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ertcp stream} against a tiny echo server on the loopback: intact, a changed byte, a reset, a short echo.
 */
@Timeout(60)
class StreamCommandTest
{
    /** What the echo server does to the stream. */
    private interface Behaviour
    {
        /** @return false to stop echoing, having done whatever ends the connection. */
        boolean echo(Socket socket, OutputStream out, byte[] buffer, int length, long offset) throws IOException;
    }

    private final ByteArrayOutputStream text = new ByteArrayOutputStream();
    private ServerSocket server;

    @AfterEach
    void close() throws IOException
    {
        if (null != server)
        {
            server.close();
        }
    }

    private int port(final Behaviour behaviour) throws IOException
    {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().start(() ->
        {
            try (Socket socket = server.accept())
            {
                final InputStream in = socket.getInputStream();
                final OutputStream out = socket.getOutputStream();
                final byte[] buffer = new byte[32 * 1024];
                long offset = 0;
                int n;
                while ((n = in.read(buffer)) > 0)
                {
                    if (!behaviour.echo(socket, out, buffer, n, offset))
                    {
                        return;
                    }
                    offset += n;
                }
                socket.shutdownOutput();
            }
            catch (final IOException ignore)
            {
                // the test is over
            }
        });
        return server.getLocalPort();
    }

    private int stream(final int port, final String... more)
    {
        final String[] args = new String[5 + more.length];
        args[0] = "stream";
        args[1] = "--connect";
        args[2] = "127.0.0.1:" + port;
        args[3] = "--report-ms";
        args[4] = "100";
        System.arraycopy(more, 0, args, 5, more.length);
        final PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        return Main.run(args, out, out);
    }

    private String output()
    {
        return text.toString(StandardCharsets.UTF_8);
    }

    private String line(final String prefix)
    {
        return output().lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("(no line " + prefix + ")");
    }

    @Test
    void everyByteComesBackIntact() throws IOException
    {
        final int port = port((socket, out, buffer, length, offset) ->
        {
            out.write(buffer, 0, length);
            return true;
        });
        assertEquals(0, stream(port, "--bytes", "8m", "--seed", "7", "--chunk", "10000"), output());
        assertTrue(output().contains("stream: every byte intact (8388608 bytes), and the connection closed normally"), output());
        assertEquals(line("stream: sha256 sent").substring("stream: sha256 sent".length()).trim(),
            line("stream: sha256 received").substring("stream: sha256 received".length()).trim(), output());
        assertTrue(output().contains("longest stall "), output());
        assertTrue(output().contains("stream: 8388608 bytes sent, 8388608 echoed back in "), output());
    }

    @Test
    void aChangedByteIsFoundAtItsOffset() throws IOException
    {
        final long bad = 1_234_567;
        final int port = port((socket, out, buffer, length, offset) ->
        {
            if (bad >= offset && bad < offset + length)
            {
                buffer[(int)(bad - offset)] ^= 0x20;
            }
            out.write(buffer, 0, length);
            return true;
        });
        assertEquals(1, stream(port, "--bytes", "4m"), output());
        assertTrue(output().contains("the first differing byte is at offset " + bad), output());
        assertTrue(!output().contains("every byte intact"), output());
    }

    @Test
    void aResetIsOneSentenceAndExitOne() throws IOException
    {
        final int port = port((socket, out, buffer, length, offset) ->
        {
            if (offset > 1_000_000)
            {
                socket.setSoLinger(true, 0);
                socket.close();
                return false;
            }
            out.write(buffer, 0, length);
            return true;
        });
        assertEquals(1, stream(port, "--bytes", "64m"), output());
        assertTrue(output().contains("stream: the connection was reset after "), output());
        assertTrue(!output().contains("every byte intact"), output());
    }

    @Test
    void aShortEchoIsNotIntact() throws IOException
    {
        final int port = port((socket, out, buffer, length, offset) ->
        {
            if (offset + length > 2_000_000)
            {
                socket.shutdownOutput();
                socket.getInputStream().transferTo(OutputStream.nullOutputStream()); // a clean close, not a reset
                return false;
            }
            out.write(buffer, 0, length);
            return true;
        });
        assertEquals(1, stream(port, "--bytes", "4m"), output());
        assertTrue(output().contains("stream: SHORT: only "), output());
    }

    @Test
    void anEchoThatFallsSilentIsGivenUpWithItsStall() throws IOException
    {
        final int port = port((socket, out, buffer, length, offset) ->
        {
            if (offset + length > 1_000_000)
            {
                try
                {
                    Thread.sleep(10_000);
                }
                catch (final InterruptedException ignore)
                {
                    // the test is over
                }
                return false;
            }
            out.write(buffer, 0, length);
            return true;
        });
        assertEquals(1, stream(port, "--bytes", "4m", "--idle-timeout-s", "1"), output());
        assertTrue(output().contains("stream: gave up after "), output());
        assertTrue(output().contains("nothing more came for 1 s"), output());
        final String stall = line("stream: longest stall ");
        final double ms = Double.parseDouble(stall.replaceAll("stream: longest stall ([0-9.]+) ms.*", "$1"));
        assertTrue(ms >= 1000, "the stall still going on at the end counts: " + stall);
    }

    @Test
    void thePatternIsTheSameWhateverTheSplit()
    {
        final StreamCommand.Pattern pattern = new StreamCommand.Pattern(3);
        final byte[] whole = new byte[1000];
        pattern.fill(whole, 0, 5, 1000);
        final byte[] pieces = new byte[1000];
        pattern.fill(pieces, 0, 5, 3);
        pattern.fill(pieces, 3, 8, 500);
        pattern.fill(pieces, 503, 508, 497);
        assertTrue(java.util.Arrays.equals(whole, pieces));
        final byte[] other = new byte[1000];
        new StreamCommand.Pattern(4).fill(other, 0, 5, 1000);
        assertTrue(!java.util.Arrays.equals(whole, other));
    }

    @Test
    void bytesTakeSuffixesAndNonsenseIsRefused()
    {
        assertEquals(256L << 20, StreamCommand.parseBytes("256m"));
        assertEquals(3L << 10, StreamCommand.parseBytes("3K"));
        assertEquals(1L << 30, StreamCommand.parseBytes("1g"));
        assertEquals(12345, StreamCommand.parseBytes("12345"));
        assertThrows(CliException.class, () -> StreamCommand.parseBytes("lots"));
        assertThrows(CliException.class, () -> StreamCommand.parseBytes("0"));
        assertThrows(CliException.class, () -> StreamCommand.parseAddress("10.0.0.1"));
        assertThrows(CliException.class, () -> StreamCommand.parseAddress("10.0.0.1:70000"));
    }

    @Test
    void helpSaysWhatItDoes()
    {
        final PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        assertEquals(0, Main.run(new String[]{"stream", "--help"}, out, out));
        assertTrue(output().startsWith("Usage: ./ertcp stream --connect A.B.C.D:PORT --bytes N"), output());
    }
}
