package io.ertcp.ffm;

/**
 * A native library or symbol could not be found or used. The message is one sentence naming the
 * library and the fix, fit to show a user as is.
 */
public final class NativeLibraryException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public NativeLibraryException(final String message)
    {
        super(message);
    }

    public NativeLibraryException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
