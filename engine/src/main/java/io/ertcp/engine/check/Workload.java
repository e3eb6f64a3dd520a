package io.ertcp.engine.check;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * What the clients of a checked service send: one byte stream per connection, made from a seed so that both runs of
 * a check send the same. A workload speaks the service's protocol well enough to reach its state (Redis commands
 * for kv, HTTP requests for http, NetPIPE's sync and blocks for netpipe, text lines for a chat room); {@link #BYTES}
 * suits a service that takes any bytes.
 */
public enum Workload
{
    /** Random bytes, a few KiB per connection. */
    BYTES
    {
        byte[] client(final int connection, final Random random)
        {
            final byte[] bytes = new byte[random.nextInt(16 * 1024)];
            random.nextBytes(bytes);
            return bytes;
        }
    },

    /** Newline-terminated text lines, a few with a chat room's {@code /nick} and {@code /who}. */
    LINES
    {
        byte[] client(final int connection, final Random random)
        {
            final StringBuilder text = new StringBuilder();
            final int lines = 1 + random.nextInt(40);
            for (int i = 0; i < lines; i++)
            {
                final int pick = random.nextInt(20);
                if (pick == 0)
                {
                    text.append("/nick user").append(connection).append('_').append(i);
                }
                else if (pick == 1)
                {
                    text.append("/who");
                }
                else
                {
                    final int words = 1 + random.nextInt(12);
                    for (int w = 0; w < words; w++)
                    {
                        text.append(w == 0 ? "" : " ").append(WORDS.get(random.nextInt(WORDS.size())));
                    }
                }
                text.append(random.nextInt(8) == 0 ? "\r\n" : "\n");
            }
            return text.toString().getBytes(StandardCharsets.UTF_8);
        }
    },

    /**
     * Redis commands (RESP arrays, some inline) over a small key space that every connection shares, some with expiry
     * (SET PX/EX, PEXPIRE) and TTL/PTTL.
     */
    RESP
    {
        byte[] client(final int connection, final Random random)
        {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final int commands = 1 + random.nextInt(60);
            for (int i = 0; i < commands; i++)
            {
                final String key = "k" + random.nextInt(8);
                final String[] command = switch (random.nextInt(14))
                {
                    case 0, 1 -> new String[] {"SET", key, "v" + connection + "-" + i};
                    case 2, 3 -> new String[] {"GET", key};
                    case 4 -> new String[] {"INCR", "counter" + random.nextInt(3)};
                    case 5 -> new String[] {"DEL", key};
                    case 6 -> new String[] {"EXISTS", key, "k" + random.nextInt(8)};
                    case 7 -> new String[] {"MGET", key, "k" + random.nextInt(8), "counter0"};
                    // Expiry on cluster time: the check's clock moves between events, so keys go while it runs.
                    case 8 -> new String[] {"SET", key, "t" + connection + "-" + i, "PX", String.valueOf(20 + random.nextInt(500))};
                    case 9 -> new String[] {"SET", key, "t" + connection + "-" + i, "EX", "1"};
                    case 10 -> new String[] {"PEXPIRE", key, String.valueOf(1 + random.nextInt(300))};
                    case 11 -> new String[] {"PTTL", key};
                    case 12 -> new String[] {"TTL", key};
                    default -> new String[] {"DBSIZE"};
                };
                final String encoded;
                if (random.nextInt(6) == 0)
                {
                    encoded = String.join(" ", command) + "\r\n";
                }
                else
                {
                    final StringBuilder resp = new StringBuilder("*").append(command.length).append("\r\n");
                    for (final String arg : command)
                    {
                        resp.append('$').append(arg.length()).append("\r\n").append(arg).append("\r\n");
                    }
                    encoded = resp.toString();
                }
                out.writeBytes(encoded.getBytes(StandardCharsets.US_ASCII));
            }
            return out.toByteArray();
        }
    },

    /** HTTP/1.1 requests on a kept-alive connection, the last one sometimes with {@code Connection: close}. */
    HTTP
    {
        byte[] client(final int connection, final Random random)
        {
            final StringBuilder text = new StringBuilder();
            final int requests = 1 + random.nextInt(10);
            for (int i = 0; i < requests; i++)
            {
                final String method = random.nextInt(5) == 0 ? "HEAD" : "GET";
                final String path = List.of("/", "/index.html", "/missing", "/a/b?c=d").get(random.nextInt(4));
                text.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: check\r\n");
                if (i == requests - 1 && random.nextBoolean())
                {
                    text.append("Connection: close\r\n");
                }
                text.append("\r\n");
            }
            return text.toString().getBytes(StandardCharsets.US_ASCII);
        }
    },

    /** NetPIPE's transmitter with its defaults: sync, the latency probe, a few data points, then QUIT. */
    NETPIPE
    {
        byte[] client(final int connection, final Random random)
        {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final byte[] sync = "SyncMe".getBytes(StandardCharsets.US_ASCII);
            out.writeBytes(sync);
            for (int i = 0; i < 100; i++)
            {
                out.write(random.nextInt(256));
            }
            out.writeBytes(sync);
            final int points = 1 + random.nextInt(4);
            for (int len = 1; len <= points; len++)
            {
                final int repeats = 1 + random.nextInt(20);
                out.writeBytes(sync);
                out.write(0);
                out.write(0);
                out.write(0);
                out.write(repeats);
                for (int trial = 0; trial < 3; trial++)
                {
                    out.writeBytes(sync);
                    final byte[] block = new byte[repeats * len];
                    random.nextBytes(block);
                    out.writeBytes(block);
                }
            }
            out.writeBytes("QUIT\0".getBytes(StandardCharsets.US_ASCII));
            return out.toByteArray();
        }
    };

    private static final List<String> WORDS = List.of(
        "hello", "world", "the", "primary", "died", "and", "nobody", "noticed", "ünïcødé", "log", "order", "matters",
        "", "a-very-long-word-that-keeps-going-on-and-on-for-a-while");

    /**
     * @param connection which connection, from 0.
     * @param random     seeded for this connection.
     * @return every byte this connection's client sends.
     */
    abstract byte[] client(int connection, Random random);

    /**
     * @return the workload that speaks a built-in service's protocol, or {@link #LINES} for any other.
     */
    public static Workload forService(final String name)
    {
        return switch (name)
        {
            case "echo", "discard" -> BYTES;
            case "kv" -> RESP;
            case "http" -> HTTP;
            case "netpipe" -> NETPIPE;
            default -> LINES;
        };
    }

    /**
     * @return the workload named {@code bytes}, {@code lines}, {@code resp}, {@code http} or {@code netpipe}.
     * @throws IllegalArgumentException with a sentence naming the choices.
     */
    public static Workload named(final String name)
    {
        for (final Workload workload : values())
        {
            if (workload.name().equalsIgnoreCase(name))
            {
                return workload;
            }
        }
        throw new IllegalArgumentException("there is no workload '" + name + "': give bytes, lines, resp, http or netpipe");
    }
}
