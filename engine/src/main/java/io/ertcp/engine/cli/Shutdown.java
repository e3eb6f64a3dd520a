package io.ertcp.engine.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns SIGINT and SIGTERM into a clean stop: the command's main loop sees {@link #awaitFor} return
 * true, closes its agents and prints its final counters while the shutdown hook waits for it.
 */
final class Shutdown
{
    private final CountDownLatch requested = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);

    Shutdown()
    {
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            requested.countDown();
            try
            {
                done.await(5, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ignore)
            {
                Thread.currentThread().interrupt();
            }
        }, "ertcp-shutdown"));
    }

    /**
     * @return true when a stop was requested within the wait.
     */
    boolean awaitFor(final long millis) throws InterruptedException
    {
        return requested.await(millis, TimeUnit.MILLISECONDS);
    }

    /** The command has cleaned up; the JVM may exit. */
    void done()
    {
        done.countDown();
    }
}
