package io.ertcp.engine.cluster;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;

/**
 * Where a node tells what it does: one line per control-plane event (role changes, suspicions, votes, takeovers,
 * refused frames). Never called per frame: these events are rare, and the hot path counts instead (docs/architecture.md,
 * "Threading").
 * <p>
 * {@link #slf4j} is the node's log as an operator reads it ({@code ./ertcp node}: a time, a level and the node's name on
 * each line, to stdout or a file); {@link #printing} writes the bare {@code [NAME] message} lines to a stream, for
 * in-process clusters (tests, {@code ./ertcp demo --in-process}).
 */
public interface NodeLog
{
    /** Something that happened as it should: a start, an election, a takeover, a catch-up. */
    void info(String message);

    /** Something an operator should look at: a suspicion, a loss, a deposition, refused frames, a failed hook. */
    void warn(String message);

    /**
     * @param nodeName the node's name, which the log line carries (the key {@code node} of the event).
     */
    static NodeLog slf4j(final String nodeName)
    {
        final Logger logger = LoggerFactory.getLogger(ClusterNode.class);
        return new NodeLog()
        {
            public void info(final String message)
            {
                logger.atInfo().addKeyValue("node", nodeName).log(message);
            }

            public void warn(final String message)
            {
                logger.atWarn().addKeyValue("node", nodeName).log(message);
            }
        };
    }

    /**
     * @return a log that prints {@code [nodeName] message} lines, warnings and the rest alike.
     */
    static NodeLog printing(final PrintStream out, final String nodeName)
    {
        return new NodeLog()
        {
            public void info(final String message)
            {
                out.println("[" + nodeName + "] " + message);
                out.flush();
            }

            public void warn(final String message)
            {
                out.println("[" + nodeName + "] " + message);
                out.flush();
            }
        };
    }
}
