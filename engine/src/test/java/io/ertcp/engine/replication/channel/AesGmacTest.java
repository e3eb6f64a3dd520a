package io.ertcp.engine.replication.channel;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AesGmac} against the JDK's AES/GCM: with a 96-bit IV, GCM's tag over additional data alone is GHASH of that
 * data xor {@code AES_K(IV || 0^31 1)}, so {@code AesGmac} given that block as its nonce must give GCM's tag, for
 * random keys and messages of every frame length the channel sends, on-heap at offsets and off-heap as a port holds
 * frames, with the JDK's GHASH and with {@link Ghash}'s own.
 */
class AesGmacTest
{
    @Test
    void theJdksGhashIsReachableWithTheProjectsJvmFlags()
    {
        assertNull(Ghash.fallbackReason(), "the tests run with jvm.flags, which opens com.sun.crypto.provider");
        assertTrue(Ghash.jdkAvailable());
    }

    @Test
    void matchesTheJdksGcmTagOverAdditionalData()
        throws Exception
    {
        final SplittableRandom random = new SplittableRandom(38_0_38_4);
        final UnsafeBuffer offHeap = new UnsafeBuffer(ByteBuffer.allocateDirect(9_200));
        for (int round = 0; round < 1_200; round++)
        {
            final byte[] key = new byte[AesGmac.KEY_LENGTH];
            random.nextBytes(key);
            final byte[] iv = new byte[12];
            random.nextBytes(iv);
            final int length = round < 200 ? round : random.nextInt(round % 10 == 0 ? 9_100 : 1_600);
            final byte[] message = new byte[length];
            random.nextBytes(message);

            final Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
            gcm.updateAAD(message);
            final byte[] expected = gcm.doFinal();

            final byte[] counterBlock = new byte[16];
            System.arraycopy(iv, 0, counterBlock, 0, 12);
            counterBlock[15] = 1;
            final UnsafeBuffer block = new UnsafeBuffer(counterBlock);
            final long nonceLow = block.getLong(0, ByteOrder.LITTLE_ENDIAN);
            final long nonceHigh = block.getLong(8, ByteOrder.LITTLE_ENDIAN);

            for (final boolean jdk : new boolean[] {true, false})
            {
                if (!jdk && length > 2_000 && round % 4 != 0)
                {
                    continue; // the bit loop is slow: a quarter of the long messages is enough
                }
                final AesGmac ours = new AesGmac(key, 9_200, jdk);
                final int offset = random.nextInt(61);
                final byte[] onHeap = new byte[offset + length + 7];
                System.arraycopy(message, 0, onHeap, offset, length);
                ours.mac(new UnsafeBuffer(onHeap), offset, length, nonceLow, nonceHigh);
                assertArrayEquals(expected, tag(ours), length + " bytes on-heap at " + offset + ", jdk " + jdk);

                offHeap.putBytes(offset + 3, message);
                ours.mac(offHeap, offset + 3, length, nonceLow, nonceHigh);
                assertArrayEquals(expected, tag(ours), length + " bytes off-heap at " + (offset + 3) + ", jdk " + jdk);
            }
        }
    }

    @Test
    void aViewIntoAnArrayIsReadFromItsOwnStartAndTheSameMacServesMessagesInTurn()
    {
        final byte[] key = new byte[16];
        key[3] = 7;
        final byte[] whole = new byte[600];
        new SplittableRandom(1).nextBytes(whole);
        final AesGmac mac = new AesGmac(key, 1_000);
        mac.mac(new UnsafeBuffer(whole, 100, 400), 10, 300, 5, 6);
        final byte[] viaView = tag(mac);
        mac.mac(new UnsafeBuffer(whole), 7, 1, 5, 6);
        mac.mac(new UnsafeBuffer(whole), 110, 300, 5, 6);
        assertArrayEquals(viaView, tag(mac));
    }

    @Test
    void anotherNonceOrAnotherByteGivesAnotherTag()
    {
        final AesGmac mac = new AesGmac(new byte[16], 1_000);
        final UnsafeBuffer message = new UnsafeBuffer(new byte[100]);
        mac.mac(message, 0, 100, 1, 1);
        final byte[] first = tag(mac);
        mac.mac(message, 0, 100, 1, 2);
        assertFalse(java.util.Arrays.equals(first, tag(mac)));
        mac.mac(message, 0, 99, 1, 1);
        assertFalse(java.util.Arrays.equals(first, tag(mac)), "a trailing zero byte is not free to drop");
        message.putByte(50, (byte)1);
        mac.mac(message, 0, 100, 1, 1);
        assertFalse(java.util.Arrays.equals(first, tag(mac)));
        message.putByte(50, (byte)0);
        mac.mac(message, 0, 100, 1, 1);
        assertArrayEquals(first, tag(mac), "the same nonce and message, the same tag");
    }

    @Test
    void masksMadeInRunsGiveTheTagOfEachNonceAsAFreshInstanceDoes()
        throws Exception
    {
        final byte[] key = new byte[16];
        new SplittableRandom(64).nextBytes(key);
        final AesGmac reused = new AesGmac(key, 1_000);
        final UnsafeBuffer message = new UnsafeBuffer(new byte[77]);
        final Cipher aes = Cipher.getInstance("AES/ECB/NoPadding");
        aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        // Counters through two run boundaries, a second incarnation in between, a counter far back (a replay), the
        // highest counters and a negative high half: each tag must be GHASH xor AES_K(nonce) of that nonce alone.
        final long[][] nonces = {
            {9, 1}, {9, 2}, {9, 63}, {9, 64}, {9, 65}, {10, 64}, {9, 66}, {9, 127}, {9, 128}, {9, 3},
            {9, Long.MAX_VALUE}, {9, -1}, {9, Long.MIN_VALUE}, {-5, 200}};
        for (final long[] nonce : nonces)
        {
            message.putLong(0, nonce[1]);
            reused.mac(message, 0, 77, nonce[0], nonce[1]);
            final AesGmac fresh = new AesGmac(key, 1_000);
            fresh.mac(message, 0, 77, nonce[0], nonce[1]);
            assertArrayEquals(tag(fresh), tag(reused), "nonce " + nonce[0] + "/" + nonce[1]);

            // The mask alone: the tag of the same message under two nonces differs by AES_K of both.
            final AesGmac zeroNonceless = new AesGmac(key, 1_000);
            zeroNonceless.mac(message, 0, 77, 0, 0);
            final byte[] block = new byte[16];
            new UnsafeBuffer(block).putLong(0, nonce[0], ByteOrder.LITTLE_ENDIAN);
            new UnsafeBuffer(block).putLong(8, nonce[1], ByteOrder.LITTLE_ENDIAN);
            final byte[] maskOfNonce = aes.doFinal(block);
            final byte[] maskOfZero = aes.doFinal(new byte[16]);
            final byte[] expected = tag(zeroNonceless);
            for (int i = 0; i < 16; i++)
            {
                expected[i] ^= (byte)(maskOfZero[i] ^ maskOfNonce[i]);
            }
            assertArrayEquals(expected, tag(reused), "AES_K of nonce " + nonce[0] + "/" + nonce[1]);
        }
    }

    @Test
    void aMessageReachingPastItsArrayIsRefusedNotReadPastTheEnd()
    {
        final AesGmac mac = new AesGmac(new byte[16], 1_000);
        final UnsafeBuffer hundred = new UnsafeBuffer(new byte[100]);
        assertThrows(IndexOutOfBoundsException.class, () -> mac.mac(hundred, 50, 100, 1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> mac.mac(new UnsafeBuffer(new byte[100], 0, 40), 0, 99, 1, 1));
        assertThrows(IllegalArgumentException.class,
            () -> mac.mac(new UnsafeBuffer(ByteBuffer.allocateDirect(2_000)), 0, 1_500, 1, 1), "longer than its scratch");
    }

    private static byte[] tag(final AesGmac mac)
    {
        final byte[] actual = new byte[16];
        new UnsafeBuffer(actual).putLong(0, mac.tagLow(), ByteOrder.LITTLE_ENDIAN);
        new UnsafeBuffer(actual).putLong(8, mac.tagHigh(), ByteOrder.LITTLE_ENDIAN);
        return actual;
    }
}
