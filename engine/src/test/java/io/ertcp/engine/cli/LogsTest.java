package io.ertcp.engine.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.ertcp.engine.cluster.NodeLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node's log: each line's time, level and node; Chronicle Queue's warnings shown, its chatter not; a log file
 * written where it is configured, and a file that cannot be one refused with one sentence.
 */
class LogsTest
{
    private static final String TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

    @TempDir
    Path directory;

    private final LoggerContext context = (LoggerContext)LoggerFactory.getILoggerFactory();

    @AfterEach
    void backToStdout()
    {
        context.putProperty(LogLineLayout.NODE, null);
        Logs.toStdout();
    }

    private String layout(final LoggingEvent event)
    {
        final LogLineLayout layout = new LogLineLayout();
        layout.setContext(context);
        layout.start();
        return layout.doLayout(event);
    }

    private LoggingEvent event(final String logger, final Level level, final String message, final Throwable thrown)
    {
        return new LoggingEvent("test", context.getLogger(logger), level, message, thrown, null);
    }

    @Test
    void aLineHasItsTimeLevelNodeAndMessage()
    {
        final LoggingEvent event = event("io.ertcp.engine.cluster.ClusterNode", Level.WARN, "suspects node primary", null);
        event.addKeyValuePair(new KeyValuePair(LogLineLayout.NODE, "backup"));
        final String line = layout(event);
        assertTrue(line.matches(TIME + " WARN  \\[backup] suspects node primary\\R"), line);
        assertEquals("[backup] suspects node primary", LogLineLayout.message(line.strip()));
        assertEquals("not a log line", LogLineLayout.message("not a log line"));
    }

    @Test
    void aLibrarysLineNamesTheProcesssNodeAndItsLoggerAndKeepsItsExceptionOnTheLine()
    {
        Logs.node("logger");
        final String line = layout(event("net.openhft.chronicle.queue.impl.StoreTailer", Level.WARN, "cannot read",
            new IllegalStateException("the index is damaged")));
        assertTrue(line.matches(TIME + " WARN  \\[logger] net\\.openhft\\.chronicle\\.queue\\.impl\\.StoreTailer: " +
            "cannot read \\(java\\.lang\\.IllegalStateException: the index is damaged\\)\\R"), line);
        assertEquals(1, line.lines().count(), line);
    }

    @Test
    void anErrorKeepsItsStackTrace()
    {
        final String line = layout(event("io.ertcp.engine.cli.NodeCommand", Level.ERROR, "the node's duty cycle failed",
            new IllegalStateException("bug")));
        assertTrue(line.lines().count() > 2, line);
        assertTrue(line.contains("at io.ertcp.engine.cli.LogsTest"), line);
    }

    @Test
    void chroniclesWarningsAreShownAndItsChatterIsNot()
    {
        assertTrue(LoggerFactory.getLogger("net.openhft.chronicle.core.Jvm").isWarnEnabled());
        assertFalse(LoggerFactory.getLogger("net.openhft.chronicle.core.Jvm").isInfoEnabled());
        assertTrue(LoggerFactory.getLogger("io.ertcp.engine.cluster.ClusterNode").isInfoEnabled());
        assertFalse(LoggerFactory.getLogger("io.ertcp.engine.cluster.ClusterNode").isDebugEnabled());
    }

    @Test
    void theNodesLinesGoToTheLogFile() throws IOException
    {
        final Path file = directory.resolve("logs/node.log");
        Logs.node("backup");
        Logs.toFile(file, "--log-file");
        final NodeLog log = NodeLog.slf4j("backup");
        log.info("took over as primary in epoch 2");
        log.warn("suspects node primary");
        LoggerFactory.getLogger("net.openhft.chronicle.core.Jvm").info("Chronicle core loaded");
        LoggerFactory.getLogger("net.openhft.chronicle.core.Jvm").warn("disk nearly full");
        Logs.toStdout();
        final List<String> lines = Files.readAllLines(file);
        assertEquals(3, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).matches(TIME + " INFO  \\[backup] took over as primary in epoch 2"), lines.get(0));
        assertTrue(lines.get(1).matches(TIME + " WARN  \\[backup] suspects node primary"), lines.get(1));
        assertTrue(lines.get(2).matches(TIME + " WARN  \\[backup] net\\.openhft\\.chronicle\\.core\\.Jvm: disk nearly full"),
            lines.get(2));
    }

    @Test
    void aDirectoryIsNoLogFile()
    {
        final CliException ex = assertThrows(CliException.class, () -> Logs.toFile(directory, "log.file in c.yaml"));
        assertEquals("the log file " + directory + " is a directory: give log.file in c.yaml a file this user may " +
            "write, or drop it to log to stdout.", ex.getMessage());
    }

    @Test
    void aLogFileUnderAFileIsRefused() throws IOException
    {
        final Path blocker = Files.writeString(directory.resolve("blocker"), "x");
        final CliException ex = assertThrows(CliException.class, () -> Logs.toFile(blocker.resolve("node.log"), "--log-file"));
        assertEquals("the log file " + blocker.resolve("node.log") + " lies under " + blocker + ", which is a file, not " +
            "a directory: give --log-file a file this user may write, or drop it to log to stdout.", ex.getMessage());
    }

    @Test
    void aLogFileWhereNoneCanBeMadeIsRefused()
    {
        // Even root cannot create a file in /proc.
        final CliException ex = assertThrows(CliException.class, () -> Logs.toFile(Path.of("/proc/ertcp-test.log"), "--log-file"));
        assertTrue(ex.getMessage().startsWith("cannot write the log file /proc/ertcp-test.log ("), ex.getMessage());
        assertTrue(ex.getMessage().endsWith("): give --log-file a file this user may write, or drop it to log to stdout."),
            ex.getMessage());
    }
}
