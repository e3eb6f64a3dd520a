package io.ertcp.engine.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's configuration for every ertcp process, found through {@code META-INF/services}: the lines of
 * {@link LogLineLayout} on stdout, INFO and up, Chronicle Queue's at WARN and up ({@link Logs#configure}). A user's
 * own logback file, named with {@code -Dlogback.configurationFile=FILE} (in {@code ERTCP_JAVA_OPTS}), replaces it.
 */
public final class LogSetup extends ContextAwareBase implements Configurator
{
    public ExecutionStatus configure(final LoggerContext context)
    {
        if (null != System.getProperty("logback.configurationFile"))
        {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        Logs.configure(context);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
