package io.ertcp.engine.net;

/**
 * IPv4 addresses held as an int in network order's reading (first octet most significant), and
 * prefixes in CIDR notation.
 */
public final class Ipv4Address
{
    /** An address with its prefix length, such as 10.0.0.1/24. */
    public record Cidr(int address, int prefixLength)
    {
        public int netmask()
        {
            return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
        }

        public boolean contains(final int other)
        {
            return ((address ^ other) & netmask()) == 0;
        }

        public String toString()
        {
            return format(address) + "/" + prefixLength;
        }
    }

    private Ipv4Address()
    {
    }

    /**
     * @throws IllegalArgumentException with one sentence when the text is not a dotted quad.
     */
    public static int parse(final String text)
    {
        final String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4)
        {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address: write it as A.B.C.D, such as 10.0.0.1");
        }
        int address = 0;
        for (final String part : parts)
        {
            final int octet;
            try
            {
                octet = Integer.parseInt(part);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address: write it as A.B.C.D, such as 10.0.0.1");
            }
            if (octet < 0 || octet > 255 || part.length() > 3)
            {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address: each part is 0 to 255");
            }
            address = (address << 8) | octet;
        }
        return address;
    }

    /**
     * @param text such as {@code 10.0.0.1/24}; without a prefix length /32 is meant.
     */
    public static Cidr parseCidr(final String text)
    {
        final int slash = text.indexOf('/');
        if (slash < 0)
        {
            return new Cidr(parse(text), 32);
        }
        final int prefix;
        try
        {
            prefix = Integer.parseInt(text.substring(slash + 1).trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("'" + text + "' has no valid prefix length: write it as A.B.C.D/NN, such as 10.0.0.1/24");
        }
        if (prefix < 0 || prefix > 32)
        {
            throw new IllegalArgumentException("'" + text + "' has a prefix length outside 0..32: write it as A.B.C.D/NN, such as 10.0.0.1/24");
        }
        return new Cidr(parse(text.substring(0, slash)), prefix);
    }

    public static String format(final int address)
    {
        return ((address >>> 24) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." +
            (address & 0xFF);
    }
}
