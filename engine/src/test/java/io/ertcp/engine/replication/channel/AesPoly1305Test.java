package io.ertcp.engine.replication.channel;

import org.agrona.concurrent.UnsafeBuffer;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@link AesPoly1305} against the construction put together from other parts: the one-time key from the JDK's AES
 * block by block, the tag from BouncyCastle's Poly1305 (its own implementation, 26-bit limbs), over random keys,
 * nonces and messages of every frame length the channel sends, read from off-heap memory as a port's frames are.
 */
class AesPoly1305Test
{
    @Test
    void matchesAesThenBouncyCastlesPoly1305()
        throws Exception
    {
        final SplittableRandom random = new SplittableRandom(2005);
        final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(9_100));
        for (int round = 0; round < 500; round++)
        {
            final byte[] key = new byte[AesPoly1305.KEY_LENGTH];
            random.nextBytes(key);
            final long nonceLow = random.nextLong();
            final long nonceHigh = random.nextLong() >>> 1;
            final byte[] message = new byte[round < 100 ? round : random.nextInt(9_000)];
            random.nextBytes(message);

            final Cipher aes = Cipher.getInstance("AES/ECB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
            final byte[] block = new byte[16];
            final UnsafeBuffer b = new UnsafeBuffer(block);
            b.putLong(0, nonceLow, ByteOrder.LITTLE_ENDIAN);
            b.putLong(8, nonceHigh, ByteOrder.LITTLE_ENDIAN);
            final byte[] r = aes.doFinal(block);
            b.putLong(8, nonceHigh | Long.MIN_VALUE, ByteOrder.LITTLE_ENDIAN);
            final byte[] s = aes.doFinal(block);
            final byte[] oneTimeKey = new byte[32];
            System.arraycopy(r, 0, oneTimeKey, 0, 16);
            System.arraycopy(s, 0, oneTimeKey, 16, 16);
            final org.bouncycastle.crypto.macs.Poly1305 theirs = new org.bouncycastle.crypto.macs.Poly1305();
            theirs.init(new KeyParameter(oneTimeKey));
            theirs.update(message, 0, message.length);
            final byte[] expected = new byte[16];
            theirs.doFinal(expected, 0);

            final AesPoly1305 ours = new AesPoly1305(key);
            final int offset = random.nextInt(64);
            frame.putBytes(offset, message);
            ours.mac(frame, offset, message.length, nonceLow, nonceHigh);
            assertArrayEquals(expected, tag(ours), "a message of " + message.length + " bytes");
        }
    }

    @Test
    void anotherNonceGivesAnotherTag()
    {
        final AesPoly1305 mac = new AesPoly1305(new byte[16]);
        final UnsafeBuffer message = new UnsafeBuffer(new byte[100]);
        mac.mac(message, 0, 100, 1, 1);
        final byte[] first = tag(mac);
        mac.mac(message, 0, 100, 1, 2);
        assertFalse(java.util.Arrays.equals(first, tag(mac)));
        mac.mac(message, 0, 100, 1, 1);
        assertArrayEquals(first, tag(mac), "the same nonce and message, the same tag");
    }

    private static byte[] tag(final AesPoly1305 mac)
    {
        final byte[] actual = new byte[16];
        new UnsafeBuffer(actual).putLong(0, mac.tagLow(), ByteOrder.LITTLE_ENDIAN);
        new UnsafeBuffer(actual).putLong(8, mac.tagHigh(), ByteOrder.LITTLE_ENDIAN);
        return actual;
    }
}
