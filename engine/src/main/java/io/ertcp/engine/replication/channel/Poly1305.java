package io.ertcp.engine.replication.channel;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Poly1305 (RFC 8439 section 2.5): the polynomial MAC over GF(2^130 - 5) with key {@code r}, plus the one-time
 * {@code s} the caller gives per message, computed straight from a frame's memory (on-heap or off-heap, read eight
 * bytes at a time) and allocating nothing. The accumulator is kept in two 64-bit limbs and a small third one, and each
 * 16-byte block costs four 64 x 64 -> 128-bit products ({@link Math#unsignedMultiplyHigh}, one instruction on x86-64
 * and aarch64) and two small ones, the layout of the scalar 64-bit implementations (poly1305-donna-64, OpenSSL's).
 * <p>
 * Bounds that keep every sum in its limb: the clamped {@code r0, r1 < 2^60} with {@code r1} a multiple of 4, so
 * {@code r1 * 2^128 = (r1 / 4) * 2^130 = 5 * r1 / 4 = r1 + (r1 >>> 2)} modulo p ({@link #s1}); the accumulator stays
 * below {@code 5 * 2^128} after each partial reduction (its third limb at most 4, at most 6 once a block is added), so
 * the products' sums stay below 2^126 and the top limb below 2^64.
 * <p>
 * One thread uses an instance; {@link #key} may be called again to rekey it. The tag of the last {@link #mac} is
 * {@link #tagLow()} and {@link #tagHigh()} (the 16 tag bytes as two little-endian longs).
 */
public final class Poly1305
{
    public static final int TAG_LENGTH = 16;
    private static final int BLOCK = 16;

    private long r0;
    private long r1;
    /** {@code r1 + r1 / 4}: the factor of a product that lands at 2^128 and wraps to 2^0 times 5 / 4. */
    private long s1;
    private long tag0;
    private long tag1;

    /** Set {@code r} from its 16 little-endian bytes as two longs, clamped as RFC 8439 section 2.5 says. */
    public Poly1305 key(final long rLow, final long rHigh)
    {
        r0 = rLow & 0x0FFF_FFFC_0FFF_FFFFL;
        r1 = rHigh & 0x0FFF_FFFC_0FFF_FFFCL;
        s1 = r1 + (r1 >>> 2);
        return this;
    }

    public long tagLow()
    {
        return tag0;
    }

    public long tagHigh()
    {
        return tag1;
    }

    /**
     * The tag of {@code buffer[offset, offset + length)}: {@code (poly_r(message) + s) mod 2^128}, with {@code s} as
     * two little-endian longs; read it with {@link #tagLow()} and {@link #tagHigh()}.
     */
    public void mac(final DirectBuffer buffer, final int offset, final int length, final long sLow, final long sHigh)
    {
        final long r0 = this.r0;
        final long r1 = this.r1;
        final long s1 = this.s1;
        long h0 = 0;
        long h1 = 0;
        long h2 = 0;
        int at = offset;
        int remaining = length;
        while (remaining > 0)
        {
            final long m0;
            final long m1;
            final long top;
            if (remaining >= BLOCK)
            {
                m0 = buffer.getLong(at, ByteOrder.LITTLE_ENDIAN);
                m1 = buffer.getLong(at + 8, ByteOrder.LITTLE_ENDIAN);
                top = 1;
                at += BLOCK;
                remaining -= BLOCK;
            }
            else
            {
                // The last, short block: its bytes, then a 1 byte, then zeros; no 2^128 bit.
                long lo = 0;
                long hi = 0;
                for (int i = 0; i < remaining; i++)
                {
                    final long b = buffer.getByte(at + i) & 0xFFL;
                    if (i < 8)
                    {
                        lo |= b << (i << 3);
                    }
                    else
                    {
                        hi |= b << ((i - 8) << 3);
                    }
                }
                if (remaining < 8)
                {
                    lo |= 1L << (remaining << 3);
                }
                else
                {
                    hi |= 1L << ((remaining - 8) << 3);
                }
                m0 = lo;
                m1 = hi;
                top = 0;
                remaining = 0;
            }

            // h += m (+ 2^128 for a full block)
            final long a0 = h0 + m0;
            final long c0 = carry(h0, m0, a0);
            final long b1 = h1 + m1;
            final long a1 = b1 + c0;
            final long c1 = carry(h1, m1, b1) + carry(b1, c0, a1);
            h0 = a0;
            h1 = a1;
            h2 += c1 + top;

            // d = h * r, partly reduced: d0 + d1 * 2^64 + d2 * 2^128
            long d0 = h0 * r0;
            long d0h = Math.unsignedMultiplyHigh(h0, r0);
            final long x = h1 * s1;
            final long xh = Math.unsignedMultiplyHigh(h1, s1);
            long t = d0 + x;
            d0h += xh + carry(d0, x, t);
            d0 = t;

            long d1 = h0 * r1;
            long d1h = Math.unsignedMultiplyHigh(h0, r1);
            final long y = h1 * r0;
            final long yh = Math.unsignedMultiplyHigh(h1, r0);
            t = d1 + y;
            d1h += yh + carry(d1, y, t);
            d1 = t;
            final long z = h2 * s1;
            t = d1 + z;
            d1h += carry(d1, z, t);
            d1 = t;
            t = d1 + d0h;
            d1h += carry(d1, d0h, t);
            d1 = t;

            final long d2 = h2 * r0 + d1h;

            // 2^130 = 5 (mod p): fold d2's bits from 2^130 up back onto h0, times 5.
            final long fold = (d2 & ~3L) + (d2 >>> 2);
            h2 = d2 & 3L;
            h0 = d0 + fold;
            final long k0 = carry(d0, fold, h0);
            h1 = d1 + k0;
            h2 += carry(d1, k0, h1);
        }

        // Full reduction: h < 2p, so h mod p is h or h + 5 - 2^130, whichever of them is below 2^130.
        final long g0 = h0 + 5;
        final long e0 = carry(h0, 5, g0);
        final long g1 = h1 + e0;
        final long e1 = carry(h1, e0, g1);
        final long g2 = h2 + e1;
        final long useG = -(g2 >>> 2);
        h0 = (h0 & ~useG) | (g0 & useG);
        h1 = (h1 & ~useG) | (g1 & useG);

        final long f0 = h0 + sLow;
        tag0 = f0;
        tag1 = h1 + sHigh + carry(h0, sLow, f0);
    }

    /**
     * The carry out of the unsigned 64-bit sum {@code sum = a + b}: 0 or 1. An unsigned compare (a compare and a set
     * on x86-64) rather than the bit formula {@code ((a & b) | ((a | b) & ~sum)) >>> 63}, which made the whole MAC 1.7
     * times slower: the carries are on the chain from one block to the next.
     */
    private static long carry(final long a, final long b, final long sum)
    {
        return Long.compareUnsigned(sum, a) < 0 ? 1L : 0L;
    }
}
