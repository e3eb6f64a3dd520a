package io.ertcp.engine.testing;

import java.util.Random;

/**
 * The seeds of the randomised whole-cluster tests: each run draws one (or takes {@code -Dertcp.seed=N}) and prints it
 * with the way to rerun it, and the bytes a test streams are drawn from it, so that a failure is replayed exactly.
 */
public final class Seeds
{
    private Seeds()
    {
    }

    /** {@code -Dertcp.seed} or a fresh seed, printed as {@code TEST seed N (rerun with -Dertcp.seed=N)}. */
    public static long seed(final Class<?> test)
    {
        final long seed = Long.getLong("ertcp.seed", System.nanoTime());
        System.out.println(test.getSimpleName() + " seed " + seed + " (rerun with -Dertcp.seed=" + seed + ")");
        return seed;
    }

    /** {@code length} pseudo-random bytes drawn from {@code seed}: a test's stream. */
    public static byte[] bytes(final long seed, final int length)
    {
        final byte[] data = new byte[length];
        new Random(seed).nextBytes(data);
        return data;
    }
}
