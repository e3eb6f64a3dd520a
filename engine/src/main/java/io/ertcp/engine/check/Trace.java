package io.ertcp.engine.check;

import io.ertcp.service.CloseReason;

import java.util.Arrays;

/**
 * What a service did in one run of a check, per connection: every output byte with the event it was written during,
 * how the connection ended and during which event, and the first exception a callback threw.
 */
final class Trace
{
    /** The event number used for what happens after the schedule's last event (the clients draining). */
    static final int DRAIN = Integer.MAX_VALUE;

    final Output[] outputs;
    /** How each connection ended, or null if it did not. */
    final CloseReason[] closes;
    final int[] closedDuring;
    /** The first exception a callback threw, or null. */
    Throwable thrown;
    String thrownDuring;

    Trace(final int connections)
    {
        outputs = new Output[connections];
        for (int c = 0; c < connections; c++)
        {
            outputs[c] = new Output();
        }
        closes = new CloseReason[connections];
        closedDuring = new int[connections];
    }

    long totalOutput()
    {
        long total = 0;
        for (final Output output : outputs)
        {
            total += output.length;
        }
        return total;
    }

    /** One connection's output stream, each byte with the event it was written during. */
    static final class Output
    {
        byte[] bytes = new byte[256];
        int[] during = new int[256];
        int length;

        void append(final byte value, final int event)
        {
            if (length == bytes.length)
            {
                bytes = Arrays.copyOf(bytes, length * 2);
                during = Arrays.copyOf(during, length * 2);
            }
            bytes[length] = value;
            during[length] = event;
            length++;
        }
    }

    /** Printable text of {@code bytes[from, to)}, with escapes for what is not printable ASCII. */
    static String quote(final byte[] bytes, final int from, final int to)
    {
        final StringBuilder text = new StringBuilder("\"");
        for (int i = from; i < to; i++)
        {
            final int b = bytes[i] & 0xFF;
            switch (b)
            {
                case '\r' -> text.append("\\r");
                case '\n' -> text.append("\\n");
                case '"' -> text.append("\\\"");
                case '\\' -> text.append("\\\\");
                default -> text.append(b >= 0x20 && b < 0x7F ? String.valueOf((char)b) : String.format("\\x%02x", b));
            }
        }
        return text.append('"').toString();
    }
}
