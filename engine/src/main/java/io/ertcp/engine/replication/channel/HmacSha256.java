package io.ertcp.engine.replication.channel;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HMAC-SHA-256 (RFC 2104) over the JDK's SHA-256 {@link MessageDigest} (SHA-NI intrinsics where the CPU has them),
 * allocating nothing per message: {@code javax.crypto.Mac.doFinal(byte[], int)} makes a new array for every tag
 * (48 B/op under JMH's -prof gc), while {@link MessageDigest#digest(byte[], int, int)} writes into the caller's. The
 * key is padded into the inner and outer blocks once; each tag then costs the same compressions as the JDK's Mac.
 */
public final class HmacSha256
{
    public static final int LENGTH = 32;
    private static final int BLOCK = 64;

    private final MessageDigest sha256;
    private final byte[] innerPad = new byte[BLOCK];
    private final byte[] outerPad = new byte[BLOCK];
    private final byte[] inner = new byte[LENGTH];

    public HmacSha256(final byte[] key)
    {
        try
        {
            sha256 = MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("this JDK has no SHA-256, which every JDK must have", ex);
        }
        final byte[] k = key.length > BLOCK ? sha256.digest(key) : key;
        for (int i = 0; i < BLOCK; i++)
        {
            final byte b = i < k.length ? k[i] : 0;
            innerPad[i] = (byte)(b ^ 0x36);
            outerPad[i] = (byte)(b ^ 0x5c);
        }
    }

    /**
     * Write the {@link #LENGTH}-byte tag of {@code message[offset, offset + length)} at {@code tag[tagOffset]}.
     */
    public void mac(final byte[] message, final int offset, final int length, final byte[] tag, final int tagOffset)
    {
        try
        {
            sha256.update(innerPad, 0, BLOCK);
            sha256.update(message, offset, length);
            sha256.digest(inner, 0, LENGTH);
            sha256.update(outerPad, 0, BLOCK);
            sha256.update(inner, 0, LENGTH);
            sha256.digest(tag, tagOffset, LENGTH);
        }
        catch (final DigestException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
