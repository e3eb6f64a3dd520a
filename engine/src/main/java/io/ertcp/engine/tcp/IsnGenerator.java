package io.ertcp.engine.tcp;

/**
 * Initial sequence numbers per RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), M a clock ticking every 4 microseconds, F a keyed pseudo-random function (here
 * SipHash-2-4 over the 4-tuple with a per-stack 128-bit secret). Also the keyed hash SYN cookies
 * use, with its own secret half so that a cookie says nothing of the ISN secret.
 */
public final class IsnGenerator
{
    private final long k0;
    private final long k1;

    public IsnGenerator(final long k0, final long k1)
    {
        this.k0 = k0;
        this.k1 = k1;
    }

    /**
     * @return the ISN for a connection opened now.
     */
    public int isn(final int localIp, final int localPort, final int remoteIp, final int remotePort, final long nowNs)
    {
        final int m = (int)(nowNs / 4_000L);
        return m + (int)hash(localIp, localPort, remoteIp, remotePort, 0);
    }

    /**
     * @return SipHash-2-4 of the 4-tuple and an extra word, keyed with this generator's secret.
     */
    public long hash(final int localIp, final int localPort, final int remoteIp, final int remotePort, final long extra)
    {
        final long m0 = ((long)localIp << 32) | (remoteIp & 0xFFFF_FFFFL);
        final long m1 = ((long)localPort << 16) | (remotePort & 0xFFFFL);
        return sipHash24(k0, k1, m0, m1, extra);
    }

    /**
     * SipHash-2-4 (Aumasson and Bernstein) of three 64-bit words.
     */
    static long sipHash24(final long k0, final long k1, final long m0, final long m1, final long m2)
    {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;

        // Three message words, then the length word (24 bytes) as SipHash's final block.
        for (int w = 0; w < 4; w++)
        {
            final long m = w == 0 ? m0 : w == 1 ? m1 : w == 2 ? m2 : (24L << 56);
            v3 ^= m;
            for (int r = 0; r < 2; r++)
            {
                v0 += v1;
                v1 = Long.rotateLeft(v1, 13);
                v1 ^= v0;
                v0 = Long.rotateLeft(v0, 32);
                v2 += v3;
                v3 = Long.rotateLeft(v3, 16);
                v3 ^= v2;
                v0 += v3;
                v3 = Long.rotateLeft(v3, 21);
                v3 ^= v0;
                v2 += v1;
                v1 = Long.rotateLeft(v1, 17);
                v1 ^= v2;
                v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        v2 ^= 0xFF;
        for (int r = 0; r < 4; r++)
        {
            v0 += v1;
            v1 = Long.rotateLeft(v1, 13);
            v1 ^= v0;
            v0 = Long.rotateLeft(v0, 32);
            v2 += v3;
            v3 = Long.rotateLeft(v3, 16);
            v3 ^= v2;
            v0 += v3;
            v3 = Long.rotateLeft(v3, 21);
            v3 ^= v0;
            v2 += v1;
            v1 = Long.rotateLeft(v1, 17);
            v1 ^= v2;
            v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
