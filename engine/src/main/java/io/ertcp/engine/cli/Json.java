package io.ertcp.engine.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON the CLI needs (RFC 8259): parse what a node's {@code /status} says into maps, lists, strings,
 * longs, doubles, booleans and nulls, and write such values back. Not for the hot path.
 */
final class Json
{
    private final String text;
    private int at;

    private Json(final String text)
    {
        this.text = text;
    }

    /**
     * @throws IllegalArgumentException with where and what, when the text is not one JSON value.
     */
    static Object parse(final String text)
    {
        final Json json = new Json(text);
        final Object value = json.value();
        json.space();
        if (json.at != text.length())
        {
            throw json.error("text after the value");
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parseObject(final String text)
    {
        final Object value = parse(text);
        if (!(value instanceof Map))
        {
            throw new IllegalArgumentException("not a JSON object");
        }
        return (Map<String, Object>)value;
    }

    private Object value()
    {
        space();
        if (at >= text.length())
        {
            throw error("the text ends where a value should be");
        }
        final char c = text.charAt(at);
        return switch (c)
        {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> number();
        };
    }

    private Map<String, Object> object()
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        at++;
        space();
        if (peek() == '}')
        {
            at++;
            return map;
        }
        while (true)
        {
            space();
            if (peek() != '"')
            {
                throw error("a key (a string) expected");
            }
            final String key = string();
            space();
            expect(':');
            map.put(key, value());
            space();
            if (peek() == ',')
            {
                at++;
                continue;
            }
            expect('}');
            return map;
        }
    }

    private List<Object> array()
    {
        final List<Object> list = new ArrayList<>();
        at++;
        space();
        if (peek() == ']')
        {
            at++;
            return list;
        }
        while (true)
        {
            list.add(value());
            space();
            if (peek() == ',')
            {
                at++;
                continue;
            }
            expect(']');
            return list;
        }
    }

    private String string()
    {
        at++;
        final StringBuilder out = new StringBuilder();
        while (at < text.length())
        {
            final char c = text.charAt(at++);
            if (c == '"')
            {
                return out.toString();
            }
            if (c != '\\')
            {
                out.append(c);
                continue;
            }
            if (at >= text.length())
            {
                break;
            }
            final char e = text.charAt(at++);
            switch (e)
            {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' ->
                {
                    if (at + 4 > text.length())
                    {
                        throw error("a short \\u escape");
                    }
                    out.append((char)Integer.parseInt(text.substring(at, at + 4), 16));
                    at += 4;
                }
                default -> throw error("an unknown escape \\" + e);
            }
        }
        throw error("a string that does not end");
    }

    private Object number()
    {
        final int start = at;
        while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0)
        {
            at++;
        }
        final String number = text.substring(start, at);
        if (number.isEmpty())
        {
            throw error("a value expected");
        }
        try
        {
            return number.contains(".") || number.contains("e") || number.contains("E") ?
                (Object)Double.parseDouble(number) : (Object)Long.parseLong(number);
        }
        catch (final NumberFormatException ex)
        {
            throw error("a bad number '" + number + "'");
        }
    }

    private Object literal(final String word, final Object value)
    {
        if (!text.startsWith(word, at))
        {
            throw error("a value expected");
        }
        at += word.length();
        return value;
    }

    private void expect(final char c)
    {
        if (peek() != c)
        {
            throw error("'" + c + "' expected");
        }
        at++;
    }

    private char peek()
    {
        return at < text.length() ? text.charAt(at) : '\0';
    }

    private void space()
    {
        while (at < text.length() && Character.isWhitespace(text.charAt(at)))
        {
            at++;
        }
    }

    private IllegalArgumentException error(final String what)
    {
        return new IllegalArgumentException("not JSON at character " + at + ": " + what);
    }

    /**
     * Append a value (maps, lists, strings, numbers, booleans, null) as JSON.
     */
    static StringBuilder write(final Object value, final StringBuilder out)
    {
        if (null == value)
        {
            out.append("null");
        }
        else if (value instanceof final Map<?, ?> map)
        {
            out.append('{');
            boolean first = true;
            for (final Map.Entry<?, ?> entry : map.entrySet())
            {
                out.append(first ? "" : ",");
                first = false;
                write(String.valueOf(entry.getKey()), out).append(':');
                write(entry.getValue(), out);
            }
            out.append('}');
        }
        else if (value instanceof final List<?> list)
        {
            out.append('[');
            for (int i = 0; i < list.size(); i++)
            {
                out.append(i == 0 ? "" : ",");
                write(list.get(i), out);
            }
            out.append(']');
        }
        else if (value instanceof final String string)
        {
            out.append('"');
            for (int i = 0; i < string.length(); i++)
            {
                final char c = string.charAt(i);
                switch (c)
                {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default ->
                    {
                        if (c < 0x20)
                        {
                            out.append(String.format("\\u%04x", (int)c));
                        }
                        else
                        {
                            out.append(c);
                        }
                    }
                }
            }
            out.append('"');
        }
        else
        {
            out.append(value);
        }
        return out;
    }
}
