package io.ertcp.engine.net;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.UnsafeApi;

import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071) over buffers, and the TCP/UDP checksum with the IPv4
 * pseudo-header (RFC 9293 section 3.1, RFC 768).
 */
public final class Checksums
{
    public static final int PROTOCOL_TCP = 6;
    public static final int PROTOCOL_UDP = 17;

    private static final int IPV4_PROTOCOL_OFFSET = 9;
    private static final int IPV4_SOURCE_OFFSET = 12;
    private static final int IPV4_TOTAL_LENGTH_OFFSET = 2;
    private static final int TCP_CHECKSUM_OFFSET = 16;
    private static final int UDP_CHECKSUM_OFFSET = 6;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private Checksums()
    {
    }

    /**
     * Add 16-bit big-endian words of a range to a running one's-complement sum (not yet folded).
     */
    public static long sum(final DirectBuffer buffer, final int offset, final int length, final long initial)
    {
        if (!LITTLE_ENDIAN)
        {
            return sumBigEndianWords(buffer, offset, length, initial);
        }
        // RFC 1071 section 2(B): the sum is independent of byte order. Little-endian words are summed in native
        // loads, eight bytes at a time as their two 32-bit halves into two sums (no byte swap, one bounds check for
        // the range, two chains of adds), folded to 16 bits and swapped back into big-endian order once. The running
        // sum callers chain is the same value modulo 0xFFFF, and zero only where the words are all zero, so finish
        // gives exactly what summing big-endian words gives.
        buffer.boundsCheck(offset, length);
        final byte[] array = buffer.byteArray();
        final long address = buffer.addressOffset() + offset;
        long even = 0;
        long odd = 0;
        int i = 0;
        for (; i + 16 <= length; i += 16)
        {
            final long first = UnsafeApi.getLong(array, address + i);
            final long second = UnsafeApi.getLong(array, address + i + 8);
            even += (first >>> 32) + (first & 0xFFFF_FFFFL);
            odd += (second >>> 32) + (second & 0xFFFF_FFFFL);
        }
        long sum = even + odd;
        if (i + 8 <= length)
        {
            final long word = UnsafeApi.getLong(array, address + i);
            sum += (word >>> 32) + (word & 0xFFFF_FFFFL);
            i += 8;
        }
        if (i + 4 <= length)
        {
            sum += UnsafeApi.getInt(array, address + i) & 0xFFFF_FFFFL;
            i += 4;
        }
        if (i + 2 <= length)
        {
            sum += UnsafeApi.getShort(array, address + i) & 0xFFFF;
            i += 2;
        }
        if (i < length)
        {
            // An odd last byte is the high byte of a big-endian word padded with zero: the low byte of a little-endian one.
            sum += UnsafeApi.getByte(array, address + i) & 0xFF;
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return initial + (((sum & 0xFF) << 8) | (sum >>> 8));
    }

    /** {@link #sum} where the platform is big-endian: 16-bit words in their own order, eight bytes per read. */
    static long sumBigEndianWords(final DirectBuffer buffer, final int offset, final int length, final long initial)
    {
        long sum = initial;
        int i = 0;
        for (; i + 8 <= length; i += 8)
        {
            final long word = buffer.getLong(offset + i, ByteOrder.BIG_ENDIAN);
            sum += (word >>> 32) + (word & 0xFFFF_FFFFL);
        }
        for (; i + 4 <= length; i += 4)
        {
            sum += buffer.getInt(offset + i, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
        }
        for (; i + 2 <= length; i += 2)
        {
            sum += buffer.getShort(offset + i, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        }
        if (i < length)
        {
            sum += (buffer.getByte(offset + i) & 0xFF) << 8;
        }
        return sum;
    }

    /**
     * Fold a running sum to 16 bits and complement it: the value a header's checksum field holds.
     */
    public static int finish(final long sum)
    {
        long folded = sum;
        while ((folded >>> 16) != 0)
        {
            folded = (folded & 0xFFFF) + (folded >>> 16);
        }
        return (int)(~folded & 0xFFFF);
    }

    /**
     * Fill in the TCP or UDP checksum of an Ethernet/IPv4 frame whose sender left it to the NIC
     * (checksum offload, {@link io.ertcp.engine.port.FrameFlags#CHECKSUM_PARTIAL}). Frames of other
     * kinds, and IPv4 fragments past the first, are left as they are.
     *
     * @return true when a checksum was written.
     */
    public static boolean completeTransportChecksum(final MutableDirectBuffer frame, final int offset, final int length)
    {
        final int ip = offset + EthernetFlyweight.HEADER_LENGTH;
        if (length < EthernetFlyweight.HEADER_LENGTH + 20 ||
            (frame.getShort(offset + EthernetFlyweight.ETHER_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF) !=
            EthernetFlyweight.ETHER_TYPE_IPV4)
        {
            return false;
        }
        final int versionIhl = frame.getByte(ip) & 0xFF;
        final int headerLength = (versionIhl & 0x0F) * 4;
        final int totalLength = frame.getShort(ip + IPV4_TOTAL_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int fragment = frame.getShort(ip + 6, ByteOrder.BIG_ENDIAN) & 0x3FFF;
        if ((versionIhl >>> 4) != 4 || headerLength < 20 || totalLength < headerLength ||
            EthernetFlyweight.HEADER_LENGTH + totalLength > length || fragment != 0)
        {
            return false;
        }

        final int protocol = frame.getByte(ip + IPV4_PROTOCOL_OFFSET) & 0xFF;
        final int checksumOffset;
        if (protocol == PROTOCOL_TCP)
        {
            checksumOffset = TCP_CHECKSUM_OFFSET;
        }
        else if (protocol == PROTOCOL_UDP)
        {
            checksumOffset = UDP_CHECKSUM_OFFSET;
        }
        else
        {
            return false;
        }
        final int l4 = ip + headerLength;
        final int l4Length = totalLength - headerLength;
        if (l4Length < checksumOffset + 2)
        {
            return false;
        }

        frame.putShort(l4 + checksumOffset, (short)0, ByteOrder.BIG_ENDIAN);
        long sum = sum(frame, ip + IPV4_SOURCE_OFFSET, 8, 0);
        sum += protocol + l4Length;
        int checksum = finish(sum(frame, l4, l4Length, sum));
        if (protocol == PROTOCOL_UDP && checksum == 0)
        {
            checksum = 0xFFFF;
        }
        frame.putShort(l4 + checksumOffset, (short)checksum, ByteOrder.BIG_ENDIAN);
        return true;
    }
}
