package io.ertcp.engine.replication.channel;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * GHASH, the universal hash of GCM (NIST SP 800-38D section 6.4): {@code Y = (Y xor X) * H} in GF(2^128) for each
 * 16-byte block X, the blocks read big-endian, {@code Y[0]} the first 64 bits of the field element. Two
 * implementations that give the same values:
 * <ul>
 *     <li>the JDK's own block loop, {@code com.sun.crypto.provider.GHASH.processBlocks}, which HotSpot replaces with
 *     its carry-less-multiply stub (PCLMULQDQ, eight blocks aggregated with AVX: about 0.25 ns per byte on this
 *     project's machines, against SHA-NI's 0.7 for SHA-256). It is private, so it is reached through a method handle;
 *     that needs {@code --add-opens=java.base/com.sun.crypto.provider=ALL-UNNAMED}, which {@code jvm.flags} carries
 *     for the launcher, the tests and the benchmarks;</li>
 *     <li>a constant-time bit loop of this class (the specification's Algorithm 1, with masks instead of branches),
 *     used when that method is out of reach (another JDK, a JVM started without the flag): about 90 times slower
 *     (34 µs against 0.38 µs for 1,500 bytes), and the node says so once at start ({@link #fallbackReason()}).</li>
 * </ul>
 * The hash key table is the JDK's layout: {@code long[18]}, H in its first two longs and room for the powers of H
 * the stub computes into it on first use. Neither implementation allocates.
 */
public final class Ghash
{
    public static final int BLOCK = 16;
    /** The JDK stub's table: H and its first eight powers, two longs each. */
    static final int TABLE_LONGS = 18;

    private static final VarHandle BIG_ENDIAN_LONG =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final MethodHandle JDK_BLOCKS;
    private static final String FALLBACK_REASON;

    static
    {
        MethodHandle blocks = null;
        String reason = null;
        try
        {
            final Class<?> ghash = Class.forName("com.sun.crypto.provider.GHASH");
            blocks = MethodHandles.privateLookupIn(ghash, MethodHandles.lookup()).findStatic(
                ghash, "processBlocks",
                MethodType.methodType(void.class, byte[].class, int.class, int.class, long[].class, long[].class));
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            reason = "the JDK's GHASH (com.sun.crypto.provider.GHASH.processBlocks) is out of reach (" + ex +
                "): the replication channel's MACs use ertcp's own, about 90 times slower; run the JVM with the " +
                "flags in jvm.flags (--add-opens=java.base/com.sun.crypto.provider=ALL-UNNAMED) to use the JDK's";
        }
        JDK_BLOCKS = blocks;
        FALLBACK_REASON = reason;
    }

    private Ghash()
    {
    }

    /** @return why the JDK's GHASH is not used, or null when it is. */
    public static String fallbackReason()
    {
        return FALLBACK_REASON;
    }

    /** @return whether {@link #blocks} runs the JDK's (intrinsic) GHASH. */
    public static boolean jdkAvailable()
    {
        return null != JDK_BLOCKS;
    }

    /**
     * A hash key table for {@code H}, given as the 16 bytes of the block big-endian.
     */
    static long[] table(final byte[] h)
    {
        final long[] table = new long[TABLE_LONGS];
        table[0] = (long)BIG_ENDIAN_LONG.get(h, 0);
        table[1] = (long)BIG_ENDIAN_LONG.get(h, 8);
        return table;
    }

    /**
     * Hash {@code blocks} whole blocks of {@code data} from {@code offset} into {@code state}.
     *
     * @param jdk whether to use the JDK's GHASH; ignored (this class's is used) when it is out of reach.
     */
    static void blocks(
        final boolean jdk, final byte[] data, final int offset, final int blocks, final long[] state, final long[] table)
    {
        if (blocks <= 0)
        {
            return;
        }
        // The JDK's stub reads where it is told without a check of its own (its callers check): check here.
        java.util.Objects.checkFromIndexSize(offset, blocks * BLOCK, data.length);
        if (jdk && null != JDK_BLOCKS)
        {
            try
            {
                JDK_BLOCKS.invokeExact(data, offset, blocks, state, table);
            }
            catch (final Throwable ex)
            {
                throw new IllegalStateException("the JDK's GHASH failed", ex);
            }
            return;
        }
        long y0 = state[0];
        long y1 = state[1];
        final long h0 = table[0];
        final long h1 = table[1];
        for (int i = 0, at = offset; i < blocks; i++, at += BLOCK)
        {
            y0 ^= (long)BIG_ENDIAN_LONG.get(data, at);
            y1 ^= (long)BIG_ENDIAN_LONG.get(data, at + 8);
            // Z = Y * H: for each bit of Y from the first, add V when it is set; V = V * x after each.
            long z0 = 0;
            long z1 = 0;
            long v0 = h0;
            long v1 = h1;
            for (int bit = 0; bit < 128; bit++)
            {
                final long word = bit < 64 ? y0 : y1;
                final long take = -((word >>> (63 - (bit & 63))) & 1);
                z0 ^= v0 & take;
                z1 ^= v1 & take;
                final long reduce = -(v1 & 1);
                v1 = (v1 >>> 1) | (v0 << 63);
                v0 = (v0 >>> 1) ^ (0xE100000000000000L & reduce);
            }
            y0 = z0;
            y1 = z1;
        }
        state[0] = y0;
        state[1] = y1;
    }
}
