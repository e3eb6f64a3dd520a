package io.ertcp.engine.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code ertcp stream}: a client on the kernel's TCP that writes a seeded pseudo-random stream to an echo service,
 * reads the echo back at the same time, and checks every byte against the same stream. It reports progress as it
 * goes, the longest stall the reader saw while bytes were outstanding, the sha256 of both directions, and whether
 * every byte came back intact. The demo runs it in the client namespace while it kills the primary.
 */
final class StreamCommand implements Command
{
    private final PrintStream out;

    StreamCommand(final PrintStream out)
    {
        this.out = out;
    }

    public String name()
    {
        return "stream";
    }

    public String summary()
    {
        return "stream seeded bytes through an echo service with the kernel's TCP and check every byte";
    }

    public String help()
    {
        return """
            Usage: ./ertcp stream --connect A.B.C.D:PORT --bytes N [--seed S] [--report-ms 250] [--chunk N]
                                  [--idle-timeout-s 30]

            Connects with the kernel's TCP (run it where the client is, such as a client namespace),
            writes N bytes of a pseudo-random stream made from the seed to an echo service and reads
            the echo back at the same time, checking every byte against the same stream. Then it
            half-closes and waits for the service to close.

            Prints a progress line every report interval (bytes echoed, MB/s), and at the end the
            longest stall (the longest time no byte came back while some were outstanding, and when
            it began), the sha256 of what it sent and of what came back, and "every byte intact" or
            the first offset that differs.

            Exit status 0 only when all N bytes came back identical and the connection closed
            normally; 1 otherwise (a reset, a differing byte, a short or long echo, no byte for
            the idle timeout).

            Options:
              --connect A.B.C.D:PORT   the echo service
              --bytes N                how many bytes (suffixes k, m, g: KiB, MiB, GiB)
              --seed S                 the stream's seed (default 1)
              --report-ms N            progress every N ms (default 250; 0: none)
              --chunk N                bytes per write (default 65536)
              --idle-timeout-s N       give up when nothing comes back for N s (default 30)
              --help                   this text
            """;
    }

    public int run(final String[] argv) throws Exception
    {
        final Args args = Args.parse(name(), argv,
            Set.of("connect", "bytes", "seed", "report-ms", "chunk", "idle-timeout-s"), Set.of());
        final InetSocketAddress target = parseAddress(args.require("connect"));
        final long bytes = parseBytes(args.require("bytes"));
        final long seed = args.getLong("seed", 1);
        final long reportMs = args.getLong("report-ms", 250);
        final long chunk = args.getLong("chunk", 65536);
        if (chunk < 1 || chunk > (64 << 20))
        {
            throw new CliException("--chunk must be between 1 and 67108864 bytes, not " + chunk);
        }
        final long idleTimeoutMs = args.getLong("idle-timeout-s", 30) * 1000;
        return new Run(out, target, bytes, seed, reportMs, (int)chunk, idleTimeoutMs).call();
    }

    static InetSocketAddress parseAddress(final String text)
    {
        final int colon = text.lastIndexOf(':');
        if (colon <= 0)
        {
            throw new CliException("--connect needs ADDRESS:PORT, such as 10.77.0.100:7, not '" + text + "'");
        }
        try
        {
            final int port = Integer.parseInt(text.substring(colon + 1));
            if (port < 1 || port > 65535)
            {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(text.substring(0, colon), port);
        }
        catch (final NumberFormatException ex)
        {
            throw new CliException("--connect needs a port from 1 to 65535 after the colon, not '" + text + "'");
        }
    }

    static long parseBytes(final String text)
    {
        final String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        long unit = 1;
        String digits = t;
        if (t.endsWith("k") || t.endsWith("m") || t.endsWith("g"))
        {
            unit = switch (t.charAt(t.length() - 1))
            {
                case 'k' -> 1L << 10;
                case 'm' -> 1L << 20;
                default -> 1L << 30;
            };
            digits = t.substring(0, t.length() - 1);
        }
        try
        {
            final long value = Long.parseLong(digits) * unit;
            if (value < 1)
            {
                throw new NumberFormatException();
            }
            return value;
        }
        catch (final NumberFormatException ex)
        {
            throw new CliException("--bytes must be a positive whole number, optionally with k, m or g, not '" + text + "'");
        }
    }

    /**
     * The stream's bytes: a pure function of the seed and the offset, so a reader can check any offset without
     * keeping what was sent.
     */
    static final class Pattern
    {
        private final long seed;

        Pattern(final long seed)
        {
            this.seed = seed;
        }

        /** Fill {@code dst[at, at + length)} with the stream's bytes from {@code offset}. */
        void fill(final byte[] dst, final int at, final long offset, final int length)
        {
            long word = mix(offset >>> 3);
            for (int i = 0; i < length; i++)
            {
                final long position = offset + i;
                final int shift = (int)(position & 7);
                if (shift == 0 && i > 0)
                {
                    word = mix(position >>> 3);
                }
                dst[at + i] = (byte)(word >>> (shift << 3));
            }
        }

        private long mix(final long index)
        {
            long z = seed * 0x9E3779B97F4A7C15L + (index + 1) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }

    /** Measures stalls: the longest time without an arrival while bytes were outstanding. */
    static final class StallMeter
    {
        private final long startNs;
        private long lastNs;
        private long longestNs;
        private long longestAtNs;

        StallMeter(final long startNs)
        {
            this.startNs = startNs;
            this.lastNs = startNs;
        }

        /** Bytes arrived at {@code nowNs}; {@code outstandingBefore}: whether some were awaited until then. */
        void arrived(final long nowNs, final boolean outstandingBefore)
        {
            if (outstandingBefore && nowNs - lastNs > longestNs)
            {
                longestNs = nowNs - lastNs;
                longestAtNs = lastNs - startNs;
            }
            lastNs = nowNs;
        }

        /** The run ended at {@code nowNs}: a stall still going on then counts too. */
        void end(final long nowNs, final boolean outstanding)
        {
            if (outstanding && nowNs - lastNs > longestNs)
            {
                longestNs = nowNs - lastNs;
                longestAtNs = lastNs - startNs;
            }
        }

        /** Nothing was outstanding until {@code nowNs} (the gap before it is the sender's, not a stall). */
        void idle(final long nowNs)
        {
            lastNs = nowNs;
        }

        long sinceLastNs(final long nowNs)
        {
            return nowNs - lastNs;
        }

        String describe()
        {
            return describe(1);
        }

        /** @param digits of the second at which the longest stall began. */
        String describe(final int digits)
        {
            return String.format("longest stall %.1f ms at %." + digits + "f s", longestNs / 1e6, longestAtNs / 1e9);
        }

        long longestNs()
        {
            return longestNs;
        }
    }

    static String hex(final MessageDigest digest)
    {
        return HexFormat.of().formatHex(digest.digest());
    }

    static MessageDigest sha256()
    {
        try
        {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** One run: a writer thread, the reader on the caller's thread, a reporter thread. */
    private static final class Run
    {
        private final PrintStream out;
        private final InetSocketAddress target;
        private final long bytes;
        private final long seed;
        private final long reportMs;
        private final int chunk;
        private final long idleTimeoutMs;
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong received = new AtomicLong();
        private final AtomicReference<Throwable> writeFailure = new AtomicReference<>();
        private final MessageDigest sentDigest = sha256();
        private final MessageDigest receivedDigest = sha256();
        private volatile boolean done;
        private volatile boolean gaveUp;
        private volatile long lastArrivalNs;

        Run(final PrintStream out, final InetSocketAddress target, final long bytes, final long seed, final long reportMs,
            final int chunk, final long idleTimeoutMs)
        {
            this.out = out;
            this.target = target;
            this.bytes = bytes;
            this.seed = seed;
            this.reportMs = reportMs;
            this.chunk = chunk;
            this.idleTimeoutMs = idleTimeoutMs;
        }

        int call() throws Exception
        {
            out.printf("stream: %d bytes (%.1f MiB) of seed %d to %s, echo checked byte by byte%n",
                bytes, bytes / 1048576.0, seed, target.getAddress().getHostAddress() + ":" + target.getPort());
            out.flush();
            final SocketChannel channel;
            try
            {
                channel = SocketChannel.open(target);
            }
            catch (final IOException ex)
            {
                out.println("stream: could not connect to " + target + ": " + ex.getMessage());
                return 1;
            }
            final long startNs = System.nanoTime();
            lastArrivalNs = startNs;
            try (channel)
            {
                channel.socket().setSoTimeout(0);
                final Thread writer = Thread.ofPlatform().name("stream-writer").daemon().start(() -> write(channel));
                final Thread reporter = reportMs > 0 ? Thread.ofPlatform().name("stream-report").daemon()
                    .start(() -> report(startNs)) : null;
                final Thread watchdog = Thread.ofPlatform().name("stream-watchdog").daemon().start(() -> watch(channel));
                final Result result = read(channel, startNs);
                done = true;
                writer.join(5_000);
                if (null != reporter)
                {
                    reporter.interrupt();
                    reporter.join(1_000);
                }
                watchdog.interrupt();
                return finish(result, startNs);
            }
        }

        private void write(final SocketChannel channel)
        {
            final Pattern pattern = new Pattern(seed);
            final byte[] block = new byte[chunk];
            final ByteBuffer buffer = ByteBuffer.wrap(block);
            long offset = 0;
            try
            {
                while (offset < bytes && !done)
                {
                    final int length = (int)Math.min(chunk, bytes - offset);
                    pattern.fill(block, 0, offset, length);
                    sentDigest.update(block, 0, length);
                    buffer.clear().limit(length);
                    while (buffer.hasRemaining())
                    {
                        channel.write(buffer);
                    }
                    offset += length;
                    sent.set(offset);
                }
                if (!done)
                {
                    channel.shutdownOutput();
                }
            }
            catch (final IOException ex)
            {
                writeFailure.set(ex);
            }
        }

        private record Result(long firstDifference, boolean eof, String error, StallMeter stalls)
        {
        }

        private Result read(final SocketChannel channel, final long startNs)
        {
            final Pattern pattern = new Pattern(seed);
            final ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
            final byte[] expected = new byte[buffer.capacity()];
            final StallMeter stalls = new StallMeter(startNs);
            long offset = 0;
            long firstDifference = -1;
            try
            {
                while (true)
                {
                    buffer.clear();
                    final int n = channel.read(buffer);
                    final long nowNs = System.nanoTime();
                    if (n < 0)
                    {
                        received.set(offset);
                        return new Result(firstDifference, true, null, stalls);
                    }
                    stalls.arrived(nowNs, true);
                    lastArrivalNs = nowNs;
                    final byte[] got = buffer.array();
                    receivedDigest.update(got, 0, n);
                    if (firstDifference < 0)
                    {
                        final int checkable = (int)Math.max(0, Math.min(n, bytes - offset));
                        pattern.fill(expected, 0, offset, checkable);
                        final int mismatch = java.util.Arrays.mismatch(got, 0, checkable, expected, 0, checkable);
                        if (mismatch >= 0)
                        {
                            firstDifference = offset + mismatch;
                        }
                        else if (checkable < n)
                        {
                            firstDifference = offset + checkable;
                        }
                    }
                    offset += n;
                    received.set(offset);
                    if (offset >= sent.get())
                    {
                        // Everything sent so far is back: a pause from here on is the writer's, not a stall.
                        stalls.idle(System.nanoTime());
                    }
                }
            }
            catch (final IOException ex)
            {
                received.set(offset);
                return new Result(firstDifference, false, ex.getMessage() == null ? ex.toString() : ex.getMessage(), stalls);
            }
        }

        private void report(final long startNs)
        {
            long lastBytes = 0;
            long lastNs = startNs;
            try
            {
                while (!done)
                {
                    Thread.sleep(reportMs);
                    final long nowNs = System.nanoTime();
                    final long echoed = received.get();
                    final double rate = (echoed - lastBytes) / ((nowNs - lastNs) / 1e9) / 1e6;
                    final long waitingMs = (nowNs - lastArrivalNs) / 1_000_000;
                    out.printf("stream: %6.2f s  echoed %8.1f MiB of %.1f MiB  %7.1f MB/s%s%n", (nowNs - startNs) / 1e9,
                        echoed / 1048576.0, bytes / 1048576.0, rate,
                        sent.get() > echoed && waitingMs >= reportMs ? "  (no byte back for " + waitingMs + " ms)" : "");
                    out.flush();
                    lastBytes = echoed;
                    lastNs = nowNs;
                }
            }
            catch (final InterruptedException ex)
            {
                // done
            }
        }

        private void watch(final SocketChannel channel)
        {
            try
            {
                while (!done)
                {
                    Thread.sleep(200);
                    if ((System.nanoTime() - lastArrivalNs) / 1_000_000 > idleTimeoutMs)
                    {
                        gaveUp = true;
                        out.printf("stream: nothing came back for %d s: giving up%n", idleTimeoutMs / 1000);
                        channel.close();
                        return;
                    }
                }
            }
            catch (final InterruptedException | IOException ex)
            {
                // done
            }
        }

        private int finish(final Result result, final long startNs)
        {
            final double seconds = (System.nanoTime() - startNs) / 1e9;
            final long echoed = received.get();
            result.stalls().end(System.nanoTime(), sent.get() > echoed || null != result.error());
            out.printf("stream: %d bytes sent, %d echoed back in %.2f s (%.1f MB/s each way)%n", sent.get(), echoed,
                seconds, echoed / seconds / 1e6);
            out.println("stream: " + result.stalls().describe());
            out.println("stream: sha256 sent     " + hex(sentDigest));
            out.println("stream: sha256 received " + hex(receivedDigest));
            boolean ok = true;
            final Throwable writeError = writeFailure.get();
            final String error = null != result.error() ? result.error() :
                null == writeError ? null : String.valueOf(writeError.getMessage());
            if (null != error)
            {
                ok = false;
                final boolean reset = error.toLowerCase(java.util.Locale.ROOT).contains("reset") ||
                    (null != writeError && String.valueOf(writeError.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("reset"));
                out.println(gaveUp ? "stream: gave up after " + echoed + " bytes came back: nothing more came for " +
                    idleTimeoutMs / 1000 + " s (the connection was neither closed nor reset)" :
                    "stream: the connection " + (reset ? "was reset" : "failed") + " after " + echoed +
                    " bytes came back (" + error + ")");
            }
            if (result.firstDifference() >= 0 && result.firstDifference() < Math.min(echoed, bytes))
            {
                ok = false;
                out.println("stream: BYTES DIFFER: the first differing byte is at offset " + result.firstDifference());
            }
            else if (echoed > bytes)
            {
                ok = false;
                out.println("stream: MORE CAME BACK than was sent: " + (echoed - bytes) + " extra bytes from offset " + bytes);
            }
            else if (echoed < bytes && null == error)
            {
                ok = false;
                out.println("stream: SHORT: only " + echoed + " of " + bytes + " bytes came back" +
                    (result.eof() ? ", then the service closed the connection" : ""));
            }
            else if (ok)
            {
                out.println("stream: every byte intact (" + bytes + " bytes), and the connection closed normally");
            }
            out.flush();
            return ok ? 0 : 1;
        }
    }
}
