package io.ertcp.engine.cluster.config;

import java.util.List;

/**
 * A cluster file that cannot be used. Carries every problem found, each one sentence that names
 * where it is (line, node, key) and how to fix it, so that one run shows the user all there is to
 * mend rather than one problem per attempt.
 */
public final class ClusterConfigException extends RuntimeException
{
    private final List<String> problems;

    public ClusterConfigException(final String source, final List<String> problems)
    {
        super(message(source, problems));
        this.problems = List.copyOf(problems);
    }

    /** The problems, one sentence each, in the order of the file. */
    public List<String> problems()
    {
        return problems;
    }

    private static String message(final String source, final List<String> problems)
    {
        if (problems.size() == 1)
        {
            return source + ": " + problems.getFirst();
        }
        final StringBuilder sb = new StringBuilder(source).append(" has ").append(problems.size()).append(" problems:");
        for (final String problem : problems)
        {
            sb.append(System.lineSeparator()).append("  ").append(problem);
        }
        return sb.toString();
    }
}
