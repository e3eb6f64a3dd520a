package io.ertcp.engine.cluster;

/**
 * A node cannot start for a reason its operator can mend (its log directory is held by another process, or cannot be
 * made): one sentence with the fix, printed without a stack trace.
 */
public final class NodeStartException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public NodeStartException(final String message)
    {
        super(message);
    }
}
