package io.ertcp.engine.cli;

/**
 * A mistake on the command line or in the environment that the user can fix; printed as one
 * sentence, without a stack trace, and the command exits with status 2.
 */
public final class CliException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public CliException(final String message)
    {
        super(message);
    }
}
