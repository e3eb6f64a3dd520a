package io.ertcp.engine.tcp;

/**
 * SYN cookies (RFC 4987 section 3.6): when a listener's backlog is full, the SYN-ACK's ISN
 * encodes what the connection needs, and no state is kept until the handshake's ACK returns it.
 * <pre>
 *   ISN = hash(4-tuple, t, peer ISN)[31..8] with t and the MSS index in the low 8 bits:
 *   bits 31..8  keyed hash (24 bits)
 *   bits  7..3  t, a 64-second counter modulo 32
 *   bits  2..0  index of the peer's MSS in {@link #MSS_TABLE}
 * </pre>
 * A cookie is accepted for two counter periods (up to 128 s). Window scaling, SACK and timestamps
 * are not encoded: a connection opened from a cookie runs without them.
 */
public final class SynCookies
{
    /** MSS values a cookie can carry (Linux's table plus common ones), ascending. */
    static final int[] MSS_TABLE = {536, 1220, 1300, 1360, 1400, 1440, 1452, 1460};
    private static final long PERIOD_NS = 64_000_000_000L;

    private final IsnGenerator hash;

    public SynCookies(final IsnGenerator hash)
    {
        this.hash = hash;
    }

    /**
     * @return the ISN to send in a stateless SYN-ACK.
     */
    public int cookie(
        final int localIp, final int localPort, final int remoteIp, final int remotePort, final int remoteIsn,
        final int peerMss, final long nowNs)
    {
        final int t = (int)((nowNs / PERIOD_NS) & 31);
        return encode(localIp, localPort, remoteIp, remotePort, remoteIsn, t, mssIndex(peerMss));
    }

    /**
     * @param cookie the ACK's acknowledgment number less one.
     * @return the MSS the cookie carries, or -1 when the cookie is not one of ours or is stale.
     */
    public int check(
        final int localIp, final int localPort, final int remoteIp, final int remotePort, final int remoteIsn,
        final int cookie, final long nowNs)
    {
        final int now = (int)((nowNs / PERIOD_NS) & 31);
        final int t = (cookie >>> 3) & 31;
        if (t != now && t != ((now - 1) & 31))
        {
            return -1;
        }
        final int index = cookie & 7;
        if (encode(localIp, localPort, remoteIp, remotePort, remoteIsn, t, index) != cookie)
        {
            return -1;
        }
        return MSS_TABLE[index];
    }

    private int encode(
        final int localIp, final int localPort, final int remoteIp, final int remotePort, final int remoteIsn,
        final int t, final int index)
    {
        final long h = hash.hash(localIp, localPort, remoteIp, remotePort, ((long)t << 32) | (remoteIsn & 0xFFFF_FFFFL));
        return ((int)h & 0xFFFF_FF00) | (t << 3) | index;
    }

    static int mssIndex(final int mss)
    {
        int index = 0;
        for (int i = 0; i < MSS_TABLE.length; i++)
        {
            if (MSS_TABLE[i] <= mss)
            {
                index = i;
            }
        }
        return index;
    }
}
