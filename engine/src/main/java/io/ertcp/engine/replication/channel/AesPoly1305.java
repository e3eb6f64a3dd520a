package io.ertcp.engine.replication.channel;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;

/**
 * Poly1305 under a one-time key per message, the key made by AES-128 from a 16-byte nonce that never repeats under the
 * same AES key: {@code r = AES_k(n)} and {@code s = AES_k(n')}, where {@code n'} is {@code n} with the top bit of its
 * last byte set (that bit of n must be clear; the channel's nonce ends in a frame counter below 2^63). This is the
 * one-time-key construction of ChaCha20-Poly1305 (RFC 8439 section 2.6) with AES as the PRF, as in Poly1305-AES
 * (Bernstein, FSE 2005) but with r fresh per message too, so a nonce used twice (a clock set back across a restart)
 * exposes the keys of that nonce only, never the r of every other message.
 * <p>
 * AES is the JDK's ({@code AES/ECB/NoPadding}, AES-NI intrinsics): both blocks in one call, into a buffer of this
 * object's, allocating nothing; {@link Poly1305} hashes the message where it lies, on-heap or off-heap. One thread uses
 * an instance.
 */
public final class AesPoly1305
{
    public static final int KEY_LENGTH = 16;
    public static final int TAG_LENGTH = Poly1305.TAG_LENGTH;

    private final Poly1305 poly1305 = new Poly1305();
    private final Cipher aes;
    private final byte[] nonces = new byte[32];
    private final byte[] oneTimeKey = new byte[32];
    private final UnsafeBuffer noncesBuffer = new UnsafeBuffer(nonces);
    private final UnsafeBuffer keyBuffer = new UnsafeBuffer(oneTimeKey);

    /** @param key the AES-128 key, {@link #KEY_LENGTH} bytes. */
    public AesPoly1305(final byte[] key)
    {
        if (key.length != KEY_LENGTH)
        {
            throw new IllegalArgumentException("an AES-128 key is " + KEY_LENGTH + " bytes, not " + key.length);
        }
        try
        {
            aes = Cipher.getInstance("AES/ECB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("this JDK has no AES/ECB/NoPadding, which every JDK must have", ex);
        }
    }

    /**
     * The tag of {@code buffer[offset, offset + length)} under the nonce given as two little-endian longs, the second
     * non-negative; read it with {@link #tagLow()} and {@link #tagHigh()}.
     */
    public void mac(
        final DirectBuffer buffer, final int offset, final int length, final long nonceLow, final long nonceHigh)
    {
        noncesBuffer.putLong(0, nonceLow, ByteOrder.LITTLE_ENDIAN);
        noncesBuffer.putLong(8, nonceHigh, ByteOrder.LITTLE_ENDIAN);
        noncesBuffer.putLong(16, nonceLow, ByteOrder.LITTLE_ENDIAN);
        noncesBuffer.putLong(24, nonceHigh | Long.MIN_VALUE, ByteOrder.LITTLE_ENDIAN);
        try
        {
            aes.update(nonces, 0, nonces.length, oneTimeKey, 0);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(ex);
        }
        poly1305.key(keyBuffer.getLong(0, ByteOrder.LITTLE_ENDIAN), keyBuffer.getLong(8, ByteOrder.LITTLE_ENDIAN))
            .mac(buffer, offset, length,
                keyBuffer.getLong(16, ByteOrder.LITTLE_ENDIAN), keyBuffer.getLong(24, ByteOrder.LITTLE_ENDIAN));
    }

    public long tagLow()
    {
        return poly1305.tagLow();
    }

    public long tagHigh()
    {
        return poly1305.tagHigh();
    }
}
