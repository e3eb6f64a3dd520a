package io.ertcp.engine.cluster.management;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Text written into one reused off-heap buffer, UTF-8: what the management endpoint renders a page into. It grows to
 * the largest page rendered and then stays, so rendering a page again allocates no buffer.
 */
public final class TextOut
{
    private final ExpandableDirectByteBuffer buffer;
    private int length;

    public TextOut(final int initialCapacity)
    {
        buffer = new ExpandableDirectByteBuffer(initialCapacity);
    }

    public TextOut clear()
    {
        length = 0;
        return this;
    }

    public int length()
    {
        return length;
    }

    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    public TextOut append(final char c)
    {
        if (c < 0x80)
        {
            buffer.putByte(length++, (byte)c);
        }
        else if (c < 0x800)
        {
            buffer.putByte(length++, (byte)(0xC0 | (c >> 6)));
            buffer.putByte(length++, (byte)(0x80 | (c & 0x3F)));
        }
        else if (Character.isSurrogate(c))
        {
            buffer.putByte(length++, (byte)'?');
        }
        else
        {
            buffer.putByte(length++, (byte)(0xE0 | (c >> 12)));
            buffer.putByte(length++, (byte)(0x80 | ((c >> 6) & 0x3F)));
            buffer.putByte(length++, (byte)(0x80 | (c & 0x3F)));
        }
        return this;
    }

    public TextOut append(final CharSequence text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            append(text.charAt(i));
        }
        return this;
    }

    public TextOut append(final long value)
    {
        length += buffer.putLongAscii(length, value);
        return this;
    }

    public TextOut append(final boolean value)
    {
        return append(value ? "true" : "false");
    }

    public TextOut append(final DirectBuffer source, final int offset, final int count)
    {
        buffer.putBytes(length, source, offset, count);
        length += count;
        return this;
    }

    /**
     * A JSON string (RFC 8259): quoted, with quotes, backslashes and control characters escaped.
     */
    public TextOut jsonString(final CharSequence text)
    {
        append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"' -> append("\\\"");
                case '\\' -> append("\\\\");
                case '\n' -> append("\\n");
                case '\r' -> append("\\r");
                case '\t' -> append("\\t");
                default ->
                {
                    if (c < 0x20)
                    {
                        append("\\u00");
                        append(Character.forDigit(c >> 4, 16));
                        append(Character.forDigit(c & 0xF, 16));
                    }
                    else
                    {
                        append(c);
                    }
                }
            }
        }
        return append('"');
    }

    /**
     * A label value of the Prometheus text format: backslash, quote and newline escaped.
     */
    public TextOut labelValue(final CharSequence text)
    {
        append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"' -> append("\\\"");
                case '\\' -> append("\\\\");
                case '\n' -> append("\\n");
                default -> append(c);
            }
        }
        return append('"');
    }

    @Override
    public String toString()
    {
        return buffer.getStringWithoutLengthUtf8(0, length);
    }
}
