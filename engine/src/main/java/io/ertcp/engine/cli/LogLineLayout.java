package io.ertcp.engine.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import org.slf4j.event.KeyValuePair;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * One log line: {@code 2026-12-03T08:13:16.123Z WARN  [backup] suspects node primary}. The time in UTC to the
 * millisecond, the level, the node's name in brackets (the event's {@code node} key, else the process's, see
 * {@link Logs#node}), then the message; a line from a library (Chronicle Queue) names its logger before the message. An
 * exception stays on the line as its class and message, except at ERROR, where its stack trace follows.
 */
public final class LogLineLayout extends LayoutBase<ILoggingEvent>
{
    /** The key of an event, and the property of the logger context, that names the node. */
    public static final String NODE = "node";

    private static final DateTimeFormatter TIME =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    public String doLayout(final ILoggingEvent event)
    {
        final StringBuilder line = new StringBuilder(160);
        TIME.formatTo(event.getInstant(), line);
        final String level = event.getLevel().toString();
        line.append(' ').append(level);
        for (int i = level.length(); i < 5; i++)
        {
            line.append(' ');
        }
        final String node = node(event);
        if (null != node)
        {
            line.append(" [").append(node).append(']');
        }
        line.append(' ');
        if (!event.getLoggerName().startsWith("io.ertcp."))
        {
            line.append(event.getLoggerName()).append(": ");
        }
        line.append(event.getFormattedMessage());
        final IThrowableProxy thrown = event.getThrowableProxy();
        if (null != thrown)
        {
            if (event.getLevel().isGreaterOrEqual(Level.ERROR))
            {
                line.append(CoreConstants.LINE_SEPARATOR).append(ThrowableProxyUtil.asString(thrown));
            }
            else
            {
                line.append(" (").append(thrown.getClassName());
                if (null != thrown.getMessage())
                {
                    line.append(": ").append(thrown.getMessage());
                }
                line.append(')');
            }
        }
        return line.append(CoreConstants.LINE_SEPARATOR).toString();
    }

    /**
     * @return a line of this layout without its time and level ({@code [backup] suspects node primary}); any other
     * line as it is.
     */
    public static String message(final String line)
    {
        final java.util.regex.Matcher m = LINE.matcher(line);
        return m.matches() ? m.group(2) : line;
    }

    private static final java.util.regex.Pattern LINE = java.util.regex.Pattern.compile(
        "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (TRACE|DEBUG|INFO |WARN |ERROR) (.*)");

    private String node(final ILoggingEvent event)
    {
        final List<KeyValuePair> pairs = event.getKeyValuePairs();
        if (null != pairs)
        {
            for (final KeyValuePair pair : pairs)
            {
                if (NODE.equals(pair.key) && null != pair.value)
                {
                    return pair.value.toString();
                }
            }
        }
        return null == getContext() ? null : getContext().getProperty(NODE);
    }
}
