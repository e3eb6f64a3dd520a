package io.ertcp.ffm.libc;

/**
 * A thread could not enter a network namespace. The message is one sentence with the fix.
 */
public final class NetworkNamespaceException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public NetworkNamespaceException(final String message)
    {
        super(message);
    }

    public NetworkNamespaceException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
