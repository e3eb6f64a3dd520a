package io.ertcp.engine.net;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * ARP for IPv4 over Ethernet (RFC 826), read and written in place after the Ethernet header.
 * Network byte order (big-endian).
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |      Hardware type (1)        |      Protocol type (0x0800)   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  | HW len (6)    | Proto len (4) |  Operation (1 request, 2 reply)|
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |              Sender hardware address (6 octets)               |
 *  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                               |  Sender protocol address ...  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  ... (4 octets)               | Target hardware address ...   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *  |                       ... (6 octets)                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |              Target protocol address (4 octets)               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class ArpFlyweight
{
    public static final int HARDWARE_TYPE_OFFSET = 0;
    public static final int PROTOCOL_TYPE_OFFSET = 2;
    public static final int HARDWARE_LENGTH_OFFSET = 4;
    public static final int PROTOCOL_LENGTH_OFFSET = 5;
    public static final int OPERATION_OFFSET = 6;
    public static final int SENDER_MAC_OFFSET = 8;
    public static final int SENDER_IP_OFFSET = 14;
    public static final int TARGET_MAC_OFFSET = 18;
    public static final int TARGET_IP_OFFSET = 24;
    public static final int LENGTH = 28;

    public static final int HARDWARE_TYPE_ETHERNET = 1;
    public static final int OPERATION_REQUEST = 1;
    public static final int OPERATION_REPLY = 2;

    private DirectBuffer buffer;
    private int offset;

    public ArpFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** True when this is ARP for IPv4 over Ethernet, the only kind this stack speaks. */
    public boolean isEthernetIpv4()
    {
        return (buffer.getShort(offset + HARDWARE_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF) == HARDWARE_TYPE_ETHERNET &&
            (buffer.getShort(offset + PROTOCOL_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF) == EthernetFlyweight.ETHER_TYPE_IPV4 &&
            buffer.getByte(offset + HARDWARE_LENGTH_OFFSET) == 6 &&
            buffer.getByte(offset + PROTOCOL_LENGTH_OFFSET) == 4;
    }

    public int operation()
    {
        return buffer.getShort(offset + OPERATION_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public long senderMac()
    {
        return EthernetFlyweight.readMac(buffer, offset + SENDER_MAC_OFFSET);
    }

    public int senderIp()
    {
        return buffer.getInt(offset + SENDER_IP_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    public long targetMac()
    {
        return EthernetFlyweight.readMac(buffer, offset + TARGET_MAC_OFFSET);
    }

    public int targetIp()
    {
        return buffer.getInt(offset + TARGET_IP_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /**
     * Write a whole ARP body for IPv4 over Ethernet.
     */
    public void write(
        final int operation, final long senderMac, final int senderIp, final long targetMac, final int targetIp)
    {
        final MutableDirectBuffer out = (MutableDirectBuffer)buffer;
        out.putShort(offset + HARDWARE_TYPE_OFFSET, (short)HARDWARE_TYPE_ETHERNET, ByteOrder.BIG_ENDIAN);
        out.putShort(offset + PROTOCOL_TYPE_OFFSET, (short)EthernetFlyweight.ETHER_TYPE_IPV4, ByteOrder.BIG_ENDIAN);
        out.putByte(offset + HARDWARE_LENGTH_OFFSET, (byte)6);
        out.putByte(offset + PROTOCOL_LENGTH_OFFSET, (byte)4);
        out.putShort(offset + OPERATION_OFFSET, (short)operation, ByteOrder.BIG_ENDIAN);
        EthernetFlyweight.writeMac(out, offset + SENDER_MAC_OFFSET, senderMac);
        out.putInt(offset + SENDER_IP_OFFSET, senderIp, ByteOrder.BIG_ENDIAN);
        EthernetFlyweight.writeMac(out, offset + TARGET_MAC_OFFSET, targetMac);
        out.putInt(offset + TARGET_IP_OFFSET, targetIp, ByteOrder.BIG_ENDIAN);
    }
}
