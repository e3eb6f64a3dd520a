package io.ertcp.engine.replication.channel;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;

/**
 * The replication channel's MAC: GMAC's Wegman-Carter construction (NIST SP 800-38D, GCM with no plaintext) with the
 * channel's own 128-bit nonce as the counter block,
 * <pre>
 *   tag = GHASH_H(message, zero-padded to 16 bytes || [64-bit bit length of message][64 zero bits]) xor AES_K(N)
 *   H   = AES_K(0^128)
 * </pre>
 * where N, the sender's incarnation and frame counter (little-endian), is never 0^128 (counters start at 1) and never
 * repeats under one sender's key K (a counter only rises within an incarnation, a restart's incarnation is higher).
 * GHASH is {@code L/2^128}-almost-xor-universal for messages of L blocks, so a forgery succeeds with probability
 * about {@code L/2^128} per try; a nonce used twice (a clock set back across a restart) would expose H, which is why
 * every sender has a key of its own and incarnations are checked (see {@link ReplayWindow}).
 * <p>
 * GCM with a 96-bit IV would take N as {@code IV || 0^31 1}; this construction differs only in that N is the channel's
 * 128-bit nonce as it is, so {@code AesGmacTest} checks the hash against the JDK's AES/GCM through that identity.
 * <p>
 * Costs (BENCHMARKS.md "GMAC for every frame"): GHASH through the JDK's carry-less-multiply stub ({@link Ghash}),
 * about 0.25 ns per byte, plus one AES block (made {@link #MASKS} at a time) and, for an off-heap frame, one copy into
 * an array of this object's (the stub reads arrays only). Nothing allocates once made. One thread uses an instance.
 */
public final class AesGmac
{
    public static final int KEY_LENGTH = 16;
    public static final int TAG_LENGTH = 16;

    /**
     * The masks {@code AES_K(N)} are made this many at a time, for the aligned run of nonces that shares N's low half
     * and all but the low bits of its high half (a sender's incarnation and the counters around one frame's): one call
     * into the JDK's AES for 64 frames instead of one a frame, which costs about 10 ns a call hot and far more cold.
     */
    static final int MASKS = 64;

    private final boolean jdkGhash;
    private final Cipher aes;
    private final long[] table;
    private final long[] state = new long[2];
    private final byte[] scratch;
    private final byte[] tail = new byte[2 * Ghash.BLOCK];
    private final UnsafeBuffer tailBuffer = new UnsafeBuffer(tail);
    private final byte[] nonces = new byte[MASKS * Ghash.BLOCK];
    private final byte[] masks = new byte[MASKS * Ghash.BLOCK];
    private final UnsafeBuffer noncesBuffer = new UnsafeBuffer(nonces);
    private final UnsafeBuffer masksBuffer = new UnsafeBuffer(masks);
    private boolean masksValid;
    private long masksLow;
    private long masksHighBase;
    private long tagLow;
    private long tagHigh;

    /**
     * @param key             the AES-128 key, {@link #KEY_LENGTH} bytes.
     * @param maxOffHeapBytes the longest off-heap message {@link #mac} is given (it is copied into an array this long).
     */
    public AesGmac(final byte[] key, final int maxOffHeapBytes)
    {
        this(key, maxOffHeapBytes, true);
    }

    /** @param jdkGhash false to use {@link Ghash}'s own loop even when the JDK's is there (tests compare the two). */
    AesGmac(final byte[] key, final int maxOffHeapBytes, final boolean jdkGhash)
    {
        if (key.length != KEY_LENGTH)
        {
            throw new IllegalArgumentException("an AES-128 key is " + KEY_LENGTH + " bytes, not " + key.length);
        }
        this.jdkGhash = jdkGhash;
        this.scratch = new byte[maxOffHeapBytes];
        try
        {
            aes = Cipher.getInstance("AES/ECB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
            final byte[] h = new byte[Ghash.BLOCK];
            aes.update(new byte[Ghash.BLOCK], 0, Ghash.BLOCK, h, 0);
            table = Ghash.table(h);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("this JDK has no AES/ECB/NoPadding, which every JDK must have", ex);
        }
    }

    /**
     * The tag of {@code buffer[offset, offset + length)} under the nonce given as two little-endian longs; read it with
     * {@link #tagLow()} and {@link #tagHigh()} (the tag's bytes 0-7 and 8-15, little-endian).
     */
    public void mac(
        final DirectBuffer buffer, final int offset, final int length, final long nonceLow, final long nonceHigh)
    {
        buffer.boundsCheck(offset, length);
        final byte[] array;
        final int start;
        if (null != buffer.byteArray())
        {
            array = buffer.byteArray();
            start = (int)buffer.wrapAdjustment() + offset;
        }
        else
        {
            if (length > scratch.length)
            {
                throw new IllegalArgumentException(
                    "a message of " + length + " bytes is longer than this MAC's " + scratch.length);
            }
            buffer.getBytes(offset, scratch, 0, length);
            array = scratch;
            start = 0;
        }
        state[0] = 0;
        state[1] = 0;
        final int whole = length / Ghash.BLOCK;
        Ghash.blocks(jdkGhash, array, start, whole, state, table);

        final int rest = length - whole * Ghash.BLOCK;
        tailBuffer.putLong(0, 0L);
        tailBuffer.putLong(8, 0L);
        tailBuffer.putLong(16, 0L);
        tailBuffer.putLong(24, 0L);
        System.arraycopy(array, start + whole * Ghash.BLOCK, tail, 0, rest);
        final int lengthBlock = rest > 0 ? Ghash.BLOCK : 0;
        tailBuffer.putLong(lengthBlock, (long)length * Byte.SIZE, ByteOrder.BIG_ENDIAN);
        Ghash.blocks(jdkGhash, tail, 0, lengthBlock / Ghash.BLOCK + 1, state, table);

        final long highBase = nonceHigh & -MASKS;
        if (!masksValid || nonceLow != masksLow || highBase != masksHighBase)
        {
            makeMasks(nonceLow, highBase);
        }
        final int at = (int)(nonceHigh - highBase) * Ghash.BLOCK;
        tagLow = Long.reverseBytes(state[0]) ^ masksBuffer.getLong(at, ByteOrder.LITTLE_ENDIAN);
        tagHigh = Long.reverseBytes(state[1]) ^ masksBuffer.getLong(at + 8, ByteOrder.LITTLE_ENDIAN);
    }

    private void makeMasks(final long nonceLow, final long highBase)
    {
        for (int i = 0; i < MASKS; i++)
        {
            noncesBuffer.putLong(i * Ghash.BLOCK, nonceLow, ByteOrder.LITTLE_ENDIAN);
            noncesBuffer.putLong(i * Ghash.BLOCK + 8, highBase + i, ByteOrder.LITTLE_ENDIAN);
        }
        masksValid = false;
        try
        {
            aes.update(nonces, 0, nonces.length, masks, 0);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(ex);
        }
        masksLow = nonceLow;
        masksHighBase = highBase;
        masksValid = true;
    }

    public long tagLow()
    {
        return tagLow;
    }

    public long tagHigh()
    {
        return tagHigh;
    }
}
