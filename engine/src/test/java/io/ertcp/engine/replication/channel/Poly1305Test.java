package io.ertcp.engine.replication.channel;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link Poly1305} against RFC 8439's test vector, against the definition computed with {@link BigInteger} (random
 * and extreme keys and messages of every length around the block size, on-heap and off-heap at odd offsets), and
 * against the JDK's ChaCha20-Poly1305, whose tag is Poly1305 of the additional data under a one-time key.
 */
class Poly1305Test
{
    private static final BigInteger P = BigInteger.ONE.shiftLeft(130).subtract(BigInteger.valueOf(5));
    private static final BigInteger MOD128 = BigInteger.ONE.shiftLeft(128);
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void rfc8439Section252()
    {
        final byte[] key = HEX.parseHex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
        final byte[] message = "Cryptographic Forum Research Group".getBytes(StandardCharsets.US_ASCII);
        assertEquals("a8061dc1305136c6c22b8baf0c0127a9", HEX.formatHex(tag(key, message)));
    }

    @Test
    void theEmptyMessageIsTaggedS()
    {
        final byte[] key = new byte[32];
        new SplittableRandom(3).nextBytes(key);
        assertArrayEquals(Arrays.copyOfRange(key, 16, 32), tag(key, new byte[0]));
    }

    @Test
    void matchesTheDefinitionForRandomAndExtremeInputs()
    {
        final SplittableRandom random = new SplittableRandom(20261203);
        final UnsafeBuffer offHeap = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
        final Poly1305 poly1305 = new Poly1305();
        for (int round = 0; round < 3_000; round++)
        {
            final int length = round < 200 ? round : random.nextInt(1_600);
            final byte[] key = new byte[32];
            final byte[] message = new byte[length];
            switch (round % 4)
            {
                case 0 ->
                {
                    random.nextBytes(key);
                    random.nextBytes(message);
                }
                case 1 ->
                {
                    // the largest r and s, and a message of all ones: every carry and the final reduction taken
                    Arrays.fill(key, (byte)0xFF);
                    Arrays.fill(message, (byte)0xFF);
                }
                case 2 ->
                {
                    random.nextBytes(key);
                    Arrays.fill(message, (byte)0xFF);
                }
                default ->
                {
                    Arrays.fill(key, 0, 16, (byte)0xFF);
                    random.nextBytes(message);
                }
            }
            final byte[] expected = reference(key, message);
            assertArrayEquals(expected, tag(key, message), "length " + length + ", round " + round);
            final int offset = 1 + random.nextInt(7);
            offHeap.putBytes(offset, message);
            final UnsafeBuffer k = new UnsafeBuffer(key);
            poly1305.key(k.getLong(0, ByteOrder.LITTLE_ENDIAN), k.getLong(8, ByteOrder.LITTLE_ENDIAN))
                .mac(offHeap, offset, length, k.getLong(16, ByteOrder.LITTLE_ENDIAN),
                    k.getLong(24, ByteOrder.LITTLE_ENDIAN));
            assertArrayEquals(expected, bytes(poly1305), "off-heap, length " + length);
        }
    }

    @Test
    void matchesTheTagOfTheJdksChaCha20Poly1305()
        throws Exception
    {
        final SplittableRandom random = new SplittableRandom(8439);
        for (int round = 0; round < 300; round++)
        {
            final byte[] key = new byte[32];
            final byte[] nonce = new byte[12];
            final byte[] aad = new byte[random.nextInt(1_600)];
            random.nextBytes(key);
            random.nextBytes(nonce);
            random.nextBytes(aad);

            final Cipher aead = Cipher.getInstance("ChaCha20-Poly1305");
            aead.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(nonce));
            aead.updateAAD(aad);
            final byte[] jdkTag = aead.doFinal();

            // RFC 8439 section 2.6: the one-time key is the first 32 bytes of ChaCha20's block 0.
            final Cipher chacha = Cipher.getInstance("ChaCha20");
            chacha.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new ChaCha20ParameterSpec(nonce, 0));
            final byte[] oneTimeKey = chacha.doFinal(new byte[32]);
            // Section 2.8: the MAC covers the additional data padded to 16, the (empty) ciphertext, then both lengths.
            final int padded = (aad.length + 15) & ~15;
            final byte[] macData = new byte[padded + 16];
            System.arraycopy(aad, 0, macData, 0, aad.length);
            new UnsafeBuffer(macData).putLong(padded, aad.length, ByteOrder.LITTLE_ENDIAN);
            assertArrayEquals(jdkTag, tag(oneTimeKey, macData), "additional data of " + aad.length + " bytes");
        }
    }

    private static byte[] tag(final byte[] key, final byte[] message)
    {
        final UnsafeBuffer k = new UnsafeBuffer(key);
        final Poly1305 poly1305 = new Poly1305()
            .key(k.getLong(0, ByteOrder.LITTLE_ENDIAN), k.getLong(8, ByteOrder.LITTLE_ENDIAN));
        poly1305.mac(new UnsafeBuffer(message), 0, message.length, k.getLong(16, ByteOrder.LITTLE_ENDIAN),
            k.getLong(24, ByteOrder.LITTLE_ENDIAN));
        return bytes(poly1305);
    }

    private static byte[] bytes(final Poly1305 poly1305)
    {
        final byte[] out = new byte[Poly1305.TAG_LENGTH];
        final UnsafeBuffer buffer = new UnsafeBuffer(out);
        buffer.putLong(0, poly1305.tagLow(), ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(8, poly1305.tagHigh(), ByteOrder.LITTLE_ENDIAN);
        return out;
    }

    /** RFC 8439 section 2.5.1 as written: clamp r, Horner's rule modulo 2^130 - 5, add s modulo 2^128. */
    private static byte[] reference(final byte[] key, final byte[] message)
    {
        final byte[] r = Arrays.copyOfRange(key, 0, 16);
        r[3] &= 15;
        r[7] &= 15;
        r[11] &= 15;
        r[15] &= 15;
        r[4] &= (byte)252;
        r[8] &= (byte)252;
        r[12] &= (byte)252;
        final BigInteger rn = littleEndian(r);
        final BigInteger s = littleEndian(Arrays.copyOfRange(key, 16, 32));
        BigInteger acc = BigInteger.ZERO;
        for (int at = 0; at < message.length; at += 16)
        {
            final int n = Math.min(16, message.length - at);
            final byte[] block = Arrays.copyOf(Arrays.copyOfRange(message, at, at + n), n + 1);
            block[n] = 1;
            acc = acc.add(littleEndian(block)).multiply(rn).mod(P);
        }
        final byte[] big = acc.add(s).mod(MOD128).toByteArray();
        final byte[] out = new byte[16];
        for (int i = 0; i < 16 && i < big.length; i++)
        {
            out[i] = big[big.length - 1 - i];
        }
        return out;
    }

    private static BigInteger littleEndian(final byte[] bytes)
    {
        final byte[] big = new byte[bytes.length + 1];
        for (int i = 0; i < bytes.length; i++)
        {
            big[bytes.length - i] = bytes[i];
        }
        return new BigInteger(big);
    }
}
