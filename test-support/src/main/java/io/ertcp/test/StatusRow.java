package io.ertcp.test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One row of {@code ./ertcp status}, and the rows of a status text by node ({@link #parse}), as
 * {@link ClusterNamespaces#status} and the system tests read them.
 */
public record StatusRow(String node, String state, long epoch, long log, long applied, String lag, String conns,
    String detail)
{
    private static final Pattern ROW = Pattern.compile(
        "^(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s*(.*)$");

    /** The lag as a number, or -1 when the status shows none. */
    public long lagValue()
    {
        try
        {
            return Long.parseLong(lag);
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }

    /**
     * The rows of a status text, by node: its lines that start with a node name of {@link ClusterNamespaces#NODES}
     * or {@link ClusterNamespaces#ST_TCP_NODES}.
     */
    public static Map<String, StatusRow> parse(final String text)
    {
        final Map<String, StatusRow> rows = new LinkedHashMap<>();
        for (final String line : text.lines().toList())
        {
            final Matcher m = ROW.matcher(line);
            if (!m.matches() || Stream.concat(ClusterNamespaces.NODES.stream(), ClusterNamespaces.ST_TCP_NODES.stream())
                .noneMatch(n -> n.name().equals(m.group(1))))
            {
                continue;
            }
            rows.put(m.group(1), new StatusRow(m.group(1), m.group(2), number(m.group(3)), number(m.group(4)),
                number(m.group(5)), m.group(6), m.group(7), m.group(8)));
        }
        return rows;
    }

    private static long number(final String text)
    {
        try
        {
            return Long.parseLong(text);
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }
}
