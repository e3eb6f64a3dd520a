package io.ertcp.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The Linux side of a raw-frame test: send and capture Ethernet frames on an interface in a
 * namespace through an AF_PACKET socket, by a small python3 program (no pcap tools needed). Frames
 * are exchanged as hex lines in files so that tests compare exact bytes.
 */
public final class RawFrames
{
    private static final String SEND = String.join("\n",
        "import socket, sys",
        "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)",
        "s.bind((sys.argv[1], 0))",
        "for line in open(sys.argv[2]):",
        "    line = line.strip()",
        "    if line:",
        "        s.send(bytes.fromhex(line))",
        "");

    private static final String CAPTURE = String.join("\n",
        "import socket, sys, time",
        "iface, ether_type, count, seconds, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]",
        "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ether_type))",
        "s.bind((iface, ether_type))",
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)",
        "print('ready', flush=True)",
        "deadline = time.monotonic() + seconds",
        "frames = []",
        "while len(frames) < count and time.monotonic() < deadline:",
        "    s.settimeout(max(0.01, deadline - time.monotonic()))",
        "    try:",
        "        data, addr = s.recvfrom(65536)",
        "    except socket.timeout:",
        "        break",
        "    if addr[2] != socket.PACKET_OUTGOING:",
        "        frames.append(data.hex())",
        "with open(out + '.tmp', 'w') as f:",
        "    f.write('\\n'.join(frames) + '\\n')",
        "import os; os.rename(out + '.tmp', out)",
        "print('done', len(frames), flush=True)",
        "");

    private static final String BLAST = String.join("\n",
        "import socket, sys",
        "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)",
        "s.bind((sys.argv[1], 0))",
        "frame = bytes.fromhex(sys.argv[2])",
        "send = s.send",
        "print('ready', flush=True)",
        "while True:",
        "    try:",
        "        send(frame)",
        "    except OSError:",
        "        pass",
        "");

    private RawFrames()
    {
    }

    /**
     * Send frames, in order, out of an interface in a namespace.
     */
    public static void send(final NetNs ns, final String iface, final List<byte[]> frames)
    {
        final Path file = temp("ertcp-frames", ".hex");
        try
        {
            final StringBuilder hex = new StringBuilder();
            for (final byte[] frame : frames)
            {
                hex.append(HexFormat.of().formatHex(frame)).append('\n');
            }
            Files.writeString(file, hex);
            ns.exec("python3", "-c", SEND, iface, file.toString());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        finally
        {
            delete(file);
        }
    }

    /**
     * Start capturing frames of one EtherType arriving on an interface in a namespace; returns once
     * the socket is bound.
     *
     * @param count   stop after this many frames.
     * @param timeout stop after this long even if fewer arrived.
     */
    public static Capture capture(final NetNs ns, final String iface, final int etherType, final int count,
        final Duration timeout)
    {
        final Path out = temp("ertcp-capture", ".hex");
        final Path log = temp("ertcp-capture", ".log");
        delete(out);
        final Process process = ns.start(log, "python3", "-c", CAPTURE, iface, Integer.toString(etherType),
            Integer.toString(count), Double.toString(timeout.toMillis() / 1000.0), out.toString());
        awaitLine(process, log, "ready", Duration.ofSeconds(20));
        return new Capture(process, out, log, timeout);
    }

    /**
     * Start sending one frame out of an interface as fast as a python loop can, until the namespace
     * closes or the process is destroyed; returns once the socket is bound.
     */
    public static Process blast(final NetNs ns, final String iface, final byte[] frame, final Path log)
    {
        final Process process = ns.start(log, "python3", "-c", BLAST, iface, HexFormat.of().formatHex(frame));
        awaitLine(process, log, "ready", Duration.ofSeconds(20));
        return process;
    }

    /**
     * A capture under way.
     */
    public static final class Capture
    {
        private final Process process;
        private final Path out;
        private final Path log;
        private final Duration timeout;

        private Capture(final Process process, final Path out, final Path log, final Duration timeout)
        {
            this.process = process;
            this.out = out;
            this.log = log;
            this.timeout = timeout;
        }

        /**
         * Wait for the capture to end (its count reached or its timeout passed).
         *
         * @return the frames captured, in arrival order.
         */
        public List<byte[]> frames()
        {
            try
            {
                if (!process.waitFor(timeout.toMillis() + 20_000, java.util.concurrent.TimeUnit.MILLISECONDS))
                {
                    process.destroyForcibly();
                    throw new IllegalStateException("the capture did not end: " + Files.readString(log));
                }
                if (!Files.exists(out))
                {
                    throw new IllegalStateException("the capture failed: " + Files.readString(log));
                }
                final List<byte[]> frames = new ArrayList<>();
                for (final String line : Files.readAllLines(out))
                {
                    if (!line.isBlank())
                    {
                        frames.add(HexFormat.of().parseHex(line.trim()));
                    }
                }
                return frames;
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
            finally
            {
                delete(out);
                delete(log);
            }
        }
    }

    private static void awaitLine(final Process process, final Path log, final String line, final Duration timeout)
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        try
        {
            while (true)
            {
                final String text = Files.exists(log) ? Files.readString(log) : "";
                if (text.lines().anyMatch(line::equals))
                {
                    return;
                }
                if (!process.isAlive() || (deadlineNs - System.nanoTime()) < 0)
                {
                    process.destroyForcibly();
                    throw new IllegalStateException("the raw-frame helper did not start: " + text);
                }
                Thread.sleep(20);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static Path temp(final String prefix, final String suffix)
    {
        try
        {
            return Files.createTempFile(prefix, suffix);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static void delete(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ignore)
        {
            // A temporary file left behind.
        }
    }
}
