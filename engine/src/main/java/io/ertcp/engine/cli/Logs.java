package io.ertcp.engine.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The process's log (SLF4J over logback): where its lines go and which node they name. Control-plane events only
 * (role changes, suspicions, votes, takeovers, refused frames, config warnings) and Chronicle Queue's own warnings;
 * never anything per frame (docs/architecture.md, "Threading").
 */
public final class Logs
{
    /** The appender's name, whichever way it writes. */
    static final String APPENDER = "ertcp";

    private Logs()
    {
    }

    /**
     * The lines of {@link LogLineLayout} on stdout: ertcp's at INFO and up, everything else (Chronicle Queue) at WARN
     * and up.
     */
    static void configure(final LoggerContext context)
    {
        final Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        context.getLogger("io.ertcp").setLevel(Level.INFO);
        final ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName(APPENDER);
        console.setEncoder(encoder(context));
        console.start();
        root.detachAndStopAllAppenders();
        root.addAppender(console);
    }

    /**
     * Name the node on every line the process logs from now on (an event's own {@code node} key comes first).
     */
    public static void node(final String name)
    {
        final LoggerContext context = context();
        if (null != context)
        {
            context.putProperty(LogLineLayout.NODE, name);
        }
    }

    /**
     * Write the process's lines to a file (appended) instead of stdout.
     *
     * @param file   the file; its directory is made when missing.
     * @param origin what named it, for the sentence a bad file gets: {@code --log-file} or {@code log.file in FILE}.
     * @throws CliException when the file cannot be written, with one sentence naming it and the fix.
     */
    public static void toFile(final Path file, final String origin)
    {
        check(file, origin);
        final LoggerContext context = context();
        if (null == context)
        {
            return;
        }
        final FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setName(APPENDER);
        appender.setFile(file.toString());
        appender.setAppend(true);
        appender.setEncoder(encoder(context));
        appender.start();
        if (!appender.isStarted())
        {
            throw new CliException("cannot write the log file " + file + ": give " + origin +
                " a file this user may write, or drop it to log to stdout.");
        }
        replace(context, appender);
    }

    /** Back to stdout, as a process starts. */
    public static void toStdout()
    {
        final LoggerContext context = context();
        if (null != context)
        {
            configure(context);
        }
    }

    /**
     * @throws CliException when the file cannot be opened for appending, with one sentence naming it and the fix.
     */
    static void check(final Path file, final String origin)
    {
        final String fix = ": give " + origin + " a file this user may write, or drop it to log to stdout.";
        if (Files.isDirectory(file))
        {
            throw new CliException("the log file " + file + " is a directory" + fix);
        }
        try
        {
            final Path parent = file.toAbsolutePath().getParent();
            if (null != parent)
            {
                for (Path at = parent; null != at; at = at.getParent())
                {
                    if (Files.exists(at) && !Files.isDirectory(at))
                    {
                        throw new CliException("the log file " + file + " lies under " + at + ", which is a file, " +
                            "not a directory" + fix);
                    }
                }
                Files.createDirectories(parent);
            }
            try (OutputStream ignored = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND))
            {
                // Opened for appending: logback can write it.
            }
        }
        catch (final IOException ex)
        {
            throw new CliException("cannot write the log file " + file + " (" + reason(ex) + ")" + fix);
        }
    }

    private static String reason(final IOException ex)
    {
        if (ex instanceof AccessDeniedException)
        {
            return "permission denied";
        }
        if (ex instanceof NoSuchFileException)
        {
            return "no such directory";
        }
        if (ex instanceof FileSystemException fs && null != fs.getReason())
        {
            return fs.getReason();
        }
        return null == ex.getMessage() ? ex.getClass().getSimpleName() : ex.getMessage();
    }

    private static void replace(final LoggerContext context, final OutputStreamAppender<ILoggingEvent> appender)
    {
        final Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
    }

    private static LayoutWrappingEncoder<ILoggingEvent> encoder(final LoggerContext context)
    {
        final LogLineLayout layout = new LogLineLayout();
        layout.setContext(context);
        layout.start();
        final LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        return encoder;
    }

    /** @return logback's context, or null when another SLF4J backend was put first on the class path. */
    private static LoggerContext context()
    {
        return LoggerFactory.getILoggerFactory() instanceof LoggerContext context ? context : null;
    }
}
