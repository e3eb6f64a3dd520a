package io.ertcp.engine.port;

/**
 * A port could not be opened or used. The message is one sentence saying what is wrong and how to
 * fix it, fit to show a user as is (the CLI prints it without a stack trace).
 */
public final class PortException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public PortException(final String message)
    {
        super(message);
    }

    public PortException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
