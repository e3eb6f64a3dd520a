package io.ertcp.engine.net;

/**
 * MAC addresses held as a long: the 48 bits in the low bits, first octet most significant, so that
 * the value prints and compares the way the address reads.
 */
public final class MacAddress
{
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

    private MacAddress()
    {
    }

    /**
     * @param text such as {@code 02:00:00:00:00:01}.
     * @return the address.
     * @throws IllegalArgumentException with one sentence when the text is not a MAC address.
     */
    public static long parse(final String text)
    {
        final String[] parts = text.trim().split("[:-]");
        if (parts.length != 6)
        {
            throw new IllegalArgumentException("'" + text + "' is not a MAC address: write six hex octets such as 02:00:00:00:00:01");
        }
        long mac = 0;
        for (final String part : parts)
        {
            try
            {
                final int octet = Integer.parseInt(part, 16);
                if (part.length() > 2 || octet > 0xFF)
                {
                    throw new NumberFormatException();
                }
                mac = (mac << 8) | octet;
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("'" + text + "' is not a MAC address: write six hex octets such as 02:00:00:00:00:01");
            }
        }
        return mac;
    }

    public static String format(final long mac)
    {
        final StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            final int octet = (int)(mac >>> shift) & 0xFF;
            sb.append(Character.forDigit(octet >>> 4, 16)).append(Character.forDigit(octet & 0xF, 16));
            if (shift > 0)
            {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    /** Group (multicast or broadcast) addresses have the low bit of the first octet set. */
    public static boolean isGroup(final long mac)
    {
        return ((mac >>> 40) & 1) != 0;
    }
}
