package io.ertcp.engine.replication.channel;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Poly1305 (RFC 8439 section 2.5): the polynomial MAC over GF(2^130 - 5) with key {@code r}, plus the one-time
 * {@code s} the caller gives per message, computed straight from a frame's memory (on-heap or off-heap, read eight
 * bytes at a time) and allocating nothing.
 * <p>
 * The accumulator and {@code r} are kept in three limbs of 44, 44 and 42 bits, the layout of poly1305-donna-64: a
 * message block is added without carries (every limb has room to spare), and each block costs nine 44 x 49-bit
 * products ({@link Math#multiplyHigh} for their top halves, one instruction on x86-64 and aarch64). Each product is
 * below 2^95 and is split at bit 44 (42 for the top limb) as it is summed, so no sum ever needs a carry flag: the code
 * has no branch and no compare that depends on the key or the message, and takes the same time for any of them. (A
 * first version in two 64-bit limbs needed unsigned carries, which the JIT compiled into branches: 1.7 times slower
 * on zeros than on random bytes, and a timing channel on the key.)
 * <p>
 * Bounds: clamped {@code r0, r1 < 2^44}, {@code r2 < 2^40}; {@code s1 = 20 r1 < 2^49}, {@code s2 = 20 r2 < 2^45} (a
 * product of weight 2^132 is 4 * 2^130 = 20 modulo p); after each block's partial reduction {@code h0 < 2^44},
 * {@code h1 < 2^44 + 2^14}, {@code h2 < 2^42}, so with a block added every product is below 2^93, every sum of three
 * below 2^95, and every carry below 2^55.
 * <p>
 * One thread uses an instance; {@link #key} may be called again to rekey it. The tag of the last {@link #mac} is
 * {@link #tagLow()} and {@link #tagHigh()} (the 16 tag bytes as two little-endian longs).
 */
public final class Poly1305
{
    public static final int TAG_LENGTH = 16;
    private static final int BLOCK = 16;
    private static final long M44 = (1L << 44) - 1;
    private static final long M42 = (1L << 42) - 1;
    /** 2^128 in the top limb: the bit every full block gets above its 16 bytes. */
    private static final long FULL_BLOCK_BIT = 1L << 40;

    private long r0;
    private long r1;
    private long r2;
    private long s1;
    private long s2;
    private long tag0;
    private long tag1;

    /** Set {@code r} from its 16 little-endian bytes as two longs, clamped as RFC 8439 section 2.5 says. */
    public Poly1305 key(final long rLow, final long rHigh)
    {
        r0 = rLow & 0xFFC0FFFFFFFL;
        r1 = ((rLow >>> 44) | (rHigh << 20)) & 0xFFFFFC0FFFFL;
        r2 = (rHigh >>> 24) & 0x00FFFFFFC0FL;
        s1 = r1 * 20;
        s2 = r2 * 20;
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
        final long r2 = this.r2;
        final long s1 = this.s1;
        final long s2 = this.s2;
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
                top = FULL_BLOCK_BIT;
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

            h0 += m0 & M44;
            h1 += ((m0 >>> 44) | (m1 << 20)) & M44;
            h2 += (m1 >>> 24) | top;

            // d = h * r; each product p is split into p >> 44 and p & M44 as it is summed (42 for the top limb).
            final long a0 = h0 * r0;
            final long a1 = h1 * s2;
            final long a2 = h2 * s1;
            final long b0 = h0 * r1;
            final long b1 = h1 * r0;
            final long b2 = h2 * s2;
            final long c0 = h0 * r2;
            final long c1 = h1 * r1;
            final long c2 = h2 * r0;
            final long highA = high44(Math.multiplyHigh(h0, r0), a0) + high44(Math.multiplyHigh(h1, s2), a1) +
                high44(Math.multiplyHigh(h2, s1), a2);
            final long highB = high44(Math.multiplyHigh(h0, r1), b0) + high44(Math.multiplyHigh(h1, r0), b1) +
                high44(Math.multiplyHigh(h2, s2), b2);
            final long highC = high42(Math.multiplyHigh(h0, r2), c0) + high42(Math.multiplyHigh(h1, r1), c1) +
                high42(Math.multiplyHigh(h2, r0), c2);

            final long d0 = (a0 & M44) + (a1 & M44) + (a2 & M44);
            long carry = highA + (d0 >>> 44);
            final long d1 = (b0 & M44) + (b1 & M44) + (b2 & M44) + carry;
            carry = highB + (d1 >>> 44);
            final long d2 = (c0 & M42) + (c1 & M42) + (c2 & M42) + carry;
            carry = highC + (d2 >>> 42);
            h2 = d2 & M42;
            // 2^130 = 5 (mod p): what is above 2^130 comes back onto h0, times 5.
            h0 = (d0 & M44) + carry * 5;
            h1 = (d1 & M44) + (h0 >>> 44);
            h0 &= M44;
        }

        // Carry fully, then h mod p is h or h + 5 - 2^130, whichever is below 2^130 (chosen by mask, not a branch).
        long c = h1 >>> 44;
        h1 &= M44;
        h2 += c;
        c = h2 >>> 42;
        h2 &= M42;
        h0 += c * 5;
        c = h0 >>> 44;
        h0 &= M44;
        h1 += c;
        c = h1 >>> 44;
        h1 &= M44;
        h2 += c;
        c = h2 >>> 42;
        h2 &= M42;
        h0 += c * 5;
        c = h0 >>> 44;
        h0 &= M44;
        h1 += c;

        long g0 = h0 + 5;
        c = g0 >>> 44;
        g0 &= M44;
        long g1 = h1 + c;
        c = g1 >>> 44;
        g1 &= M44;
        final long g2 = h2 + c - (1L << 42);
        final long useG = (g2 >>> 63) - 1;
        h0 = (h0 & ~useG) | (g0 & useG);
        h1 = (h1 & ~useG) | (g1 & useG);
        h2 = (h2 & ~useG) | (g2 & useG);

        // + s, modulo 2^128
        h0 += sLow & M44;
        c = h0 >>> 44;
        h0 &= M44;
        h1 += (((sLow >>> 44) | (sHigh << 20)) & M44) + c;
        c = h1 >>> 44;
        h1 &= M44;
        h2 += (sHigh >>> 24) + c;
        h2 &= M42;
        tag0 = h0 | (h1 << 44);
        tag1 = (h1 >>> 20) | (h2 << 24);
    }

    /** {@code p >> 44} of a product {@code p < 2^108} given as its high and low 64 bits. */
    private static long high44(final long high, final long low)
    {
        return (high << 20) | (low >>> 44);
    }

    /** {@code p >> 42} of a product {@code p < 2^106} given as its high and low 64 bits. */
    private static long high42(final long high, final long low)
    {
        return (high << 22) | (low >>> 42);
    }
}
