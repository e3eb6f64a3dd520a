package io.ertcp.engine.net;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChecksumsTest
{
    /**
     * An Ethernet/IPv4/UDP frame, 10.0.0.2:40000 -> 10.0.0.1:7 carrying "hello\n", whose UDP checksum
     * is left zero as an offloading sender leaves it.
     */
    private static final String UDP_FRAME =
        "020000000001020000000002080045000022000040004011" + "26c80a0000020a000001" +
        "9c400007000e0000" + "68656c6c6f0a";

    /** RFC 1071 taken literally: 16-bit big-endian words, an odd last byte padded with zero, end-around carry. */
    private static int referenceChecksum(final byte[] bytes, final int offset, final int length, final int initialWords)
    {
        int sum = (initialWords & 0xFFFF) + (initialWords >>> 16);
        for (int i = 0; i < length; i += 2)
        {
            final int high = bytes[offset + i] & 0xFF;
            final int low = i + 1 < length ? bytes[offset + i + 1] & 0xFF : 0;
            sum += (high << 8) | low;
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        sum = (sum & 0xFFFF) + (sum >>> 16);
        return ~sum & 0xFFFF;
    }

    @Test
    void agreesWithRfc1071OverRandomLengthsOffsetsAndRunningSums()
    {
        final long seed = Long.getLong("ertcp.seed", System.nanoTime());
        final java.util.Random random = new java.util.Random(seed);
        final byte[] bytes = new byte[4096];
        final org.agrona.concurrent.UnsafeBuffer heap = new org.agrona.concurrent.UnsafeBuffer(bytes);
        final org.agrona.concurrent.UnsafeBuffer direct = new org.agrona.concurrent.UnsafeBuffer(
            java.nio.ByteBuffer.allocateDirect(bytes.length));
        for (int run = 0; run < 20_000; run++)
        {
            random.nextBytes(bytes);
            direct.putBytes(0, bytes);
            final int offset = random.nextInt(64);
            final int length = random.nextInt(bytes.length - offset);
            final int initial = random.nextInt(0x20000);
            final int expected = referenceChecksum(bytes, offset, length, initial);
            assertEquals(expected, Checksums.finish(Checksums.sum(heap, offset, length, initial)),
                "length " + length + " offset " + offset + "; rerun with -Dertcp.seed=" + seed);
            assertEquals(expected, Checksums.finish(Checksums.sum(direct, offset, length, initial)),
                "direct, length " + length + " offset " + offset + "; rerun with -Dertcp.seed=" + seed);
            // Incremental use: a sum over the first part carried into the rest, split at an even point.
            final int split = random.nextInt(length / 2 + 1) * 2;
            assertEquals(expected, Checksums.finish(Checksums.sum(heap, offset + split, length - split,
                Checksums.sum(heap, offset, split, initial))), "split at " + split + "; rerun with -Dertcp.seed=" + seed);
        }
    }

    @Test
    void rfc1071ExampleSumsAsTheRfcSays()
    {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded), checksum 220d.
        final UnsafeBuffer buffer = new UnsafeBuffer(HexFormat.of().parseHex("0001f203f4f5f6f7"));
        assertEquals(0x220d, Checksums.finish(Checksums.sum(buffer, 0, 8, 0)));
    }

    @Test
    void oddLengthsPadWithAZeroByte()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(HexFormat.of().parseHex("0102030405"));
        assertEquals(~(0x0102 + 0x0304 + 0x0500) & 0xFFFF, Checksums.finish(Checksums.sum(buffer, 0, 5, 0)));
    }

    @Test
    void completesAUdpChecksumSoThatTheWholeDatagramVerifies()
    {
        final UnsafeBuffer frame = new UnsafeBuffer(HexFormat.of().parseHex(UDP_FRAME));
        assertTrue(Checksums.completeTransportChecksum(frame, 0, frame.capacity()));

        final int checksum = frame.getShort(14 + 20 + 6, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        assertTrue(checksum != 0);
        // Verification: the sum over pseudo-header and datagram, checksum included, folds to 0xFFFF.
        long sum = Checksums.sum(frame, 14 + 12, 8, 0) + 17 + 14;
        sum = Checksums.sum(frame, 14 + 20, 14, sum);
        assertEquals(0, Checksums.finish(sum));
    }

    @Test
    void leavesNonIpv4FramesAlone()
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[60]);
        frame.putShort(12, (short)0x0806, ByteOrder.BIG_ENDIAN);
        assertFalse(Checksums.completeTransportChecksum(frame, 0, 60));
    }
}
