package io.ertcp.engine.tcp;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A TCP segment as tests write and expect it (smoltcp's TcpRepr): sequence and acknowledgment,
 * flags, payload always compared; window and options compared only when the expected segment
 * names them.
 */
final class Segment
{
    int seq;
    int ack;
    int flags;
    int window = -1;
    byte[] payload = new byte[0];
    int mss = -1;
    int windowScale = -1;
    boolean sackPermitted;
    boolean checkSackPermitted;
    boolean hasTimestamps;
    int tsVal;
    int tsEcr;
    boolean checkTimestamps;
    int[] sack;
    int sourcePort;
    int destinationPort;
    int headerLengthOverride = -1;
    byte[] rawOptions;

    static Segment seg(final int flags, final int seq, final int ack)
    {
        final Segment s = new Segment();
        s.flags = flags;
        s.seq = seq;
        s.ack = ack;
        return s;
    }

    Segment window(final int window)
    {
        this.window = window;
        return this;
    }

    Segment payload(final byte[] payload)
    {
        this.payload = payload;
        return this;
    }

    Segment payload(final String text)
    {
        this.payload = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return this;
    }

    Segment mss(final int mss)
    {
        this.mss = mss;
        return this;
    }

    Segment windowScale(final int shift)
    {
        this.windowScale = shift;
        return this;
    }

    Segment sackPermitted(final boolean permitted)
    {
        this.sackPermitted = permitted;
        this.checkSackPermitted = true;
        return this;
    }

    Segment timestamps(final int tsVal, final int tsEcr)
    {
        this.hasTimestamps = true;
        this.tsVal = tsVal;
        this.tsEcr = tsEcr;
        this.checkTimestamps = true;
        return this;
    }

    Segment noTimestamps()
    {
        this.hasTimestamps = false;
        this.checkTimestamps = true;
        return this;
    }

    Segment sack(final int... edges)
    {
        this.sack = edges;
        return this;
    }

    Segment headerLength(final int length)
    {
        this.headerLengthOverride = length;
        return this;
    }

    Segment rawOptions(final byte... options)
    {
        this.rawOptions = options;
        return this;
    }

    /**
     * Write this segment as the peer sends it.
     *
     * @return its length.
     */
    int writeTo(final MutableDirectBuffer buffer, final int offset, final int defaultWindow)
    {
        int o = offset + TcpHeaderFlyweight.OPTIONS_OFFSET;
        if (rawOptions != null)
        {
            buffer.putBytes(o, rawOptions);
            o += rawOptions.length;
        }
        else
        {
            if (mss >= 0)
            {
                buffer.putByte(o, (byte)TcpOptions.KIND_MSS);
                buffer.putByte(o + 1, (byte)4);
                buffer.putShort(o + 2, (short)mss, ByteOrder.BIG_ENDIAN);
                o += 4;
            }
            if (windowScale >= 0)
            {
                buffer.putByte(o, (byte)TcpOptions.KIND_NOP);
                buffer.putByte(o + 1, (byte)TcpOptions.KIND_WINDOW_SCALE);
                buffer.putByte(o + 2, (byte)3);
                buffer.putByte(o + 3, (byte)windowScale);
                o += 4;
            }
            if (sackPermitted)
            {
                buffer.putByte(o, (byte)TcpOptions.KIND_NOP);
                buffer.putByte(o + 1, (byte)TcpOptions.KIND_NOP);
                buffer.putByte(o + 2, (byte)TcpOptions.KIND_SACK_PERMITTED);
                buffer.putByte(o + 3, (byte)2);
                o += 4;
            }
            if (hasTimestamps)
            {
                o += TcpOptions.writeAlignedTimestamps(buffer, o, tsVal, tsEcr);
            }
            if (sack != null)
            {
                o += TcpOptions.writeSack(buffer, o, sack, sack.length / 2);
            }
        }
        while (((o - offset) & 3) != 0)
        {
            buffer.putByte(o++, (byte)TcpOptions.KIND_END);
        }
        final int headerLength = o - offset;
        new TcpHeaderFlyweight().wrap(buffer, offset).write(sourcePort, destinationPort, seq, ack,
            headerLengthOverride >= 0 ? headerLengthOverride : headerLength, flags,
            window >= 0 ? window : defaultWindow);
        buffer.putShort(offset + TcpHeaderFlyweight.URGENT_POINTER_OFFSET, (short)0);
        buffer.putBytes(offset + headerLength, payload);
        return headerLength + payload.length;
    }

    /**
     * Parse a segment the stack sent.
     */
    static Segment parse(final DirectBuffer buffer, final int offset, final int length)
    {
        final TcpHeaderFlyweight header = new TcpHeaderFlyweight().wrap(buffer, offset);
        final Segment s = seg(header.flags(), header.sequence(), header.acknowledgment());
        s.sourcePort = header.sourcePort();
        s.destinationPort = header.destinationPort();
        s.window = header.window();
        final TcpOptions options = new TcpOptions();
        if (!options.parse(buffer, offset + 20, header.headerLength() - 20))
        {
            throw new AssertionError("the stack sent malformed options");
        }
        s.mss = options.mss;
        s.windowScale = options.windowScale;
        s.sackPermitted = options.sackPermitted;
        s.hasTimestamps = options.hasTimestamps;
        s.tsVal = options.tsVal;
        s.tsEcr = options.tsEcr;
        if (options.sackBlockCount > 0)
        {
            s.sack = Arrays.copyOf(options.sackBlocks, options.sackBlockCount * 2);
        }
        s.payload = new byte[length - header.headerLength()];
        buffer.getBytes(offset + header.headerLength(), s.payload);
        return s;
    }

    /**
     * @return null when {@code actual} matches this expectation, else what differs.
     */
    String mismatch(final Segment actual)
    {
        final StringBuilder b = new StringBuilder();
        if (actual.seq != seq)
        {
            b.append(" seq ").append(Integer.toUnsignedString(actual.seq)).append(" != ")
                .append(Integer.toUnsignedString(seq));
        }
        if (actual.ack != ack)
        {
            b.append(" ack ").append(Integer.toUnsignedString(actual.ack)).append(" != ")
                .append(Integer.toUnsignedString(ack));
        }
        if ((actual.flags & ~TcpHeaderFlyweight.PSH) != (flags & ~TcpHeaderFlyweight.PSH))
        {
            b.append(" flags ").append(flagNames(actual.flags)).append(" != ").append(flagNames(flags));
        }
        if (window >= 0 && actual.window != window)
        {
            b.append(" window ").append(actual.window).append(" != ").append(window);
        }
        if (!Arrays.equals(actual.payload, payload))
        {
            b.append(" payload of ").append(actual.payload.length).append(" != ").append(payload.length);
        }
        if (mss >= 0 && actual.mss != mss)
        {
            b.append(" mss ").append(actual.mss).append(" != ").append(mss);
        }
        if (windowScale >= 0 && actual.windowScale != windowScale)
        {
            b.append(" ws ").append(actual.windowScale).append(" != ").append(windowScale);
        }
        if (checkSackPermitted && actual.sackPermitted != sackPermitted)
        {
            b.append(" sackPermitted ").append(actual.sackPermitted);
        }
        if (checkTimestamps && (actual.hasTimestamps != hasTimestamps ||
            (hasTimestamps && (actual.tsVal != tsVal || actual.tsEcr != tsEcr))))
        {
            b.append(" ts ").append(actual.hasTimestamps).append(' ').append(actual.tsVal).append('/')
                .append(actual.tsEcr).append(" != ").append(hasTimestamps).append(' ').append(tsVal).append('/')
                .append(tsEcr);
        }
        if (sack != null && !Arrays.equals(actual.sack, sack))
        {
            b.append(" sack ").append(Arrays.toString(actual.sack)).append(" != ").append(Arrays.toString(sack));
        }
        return b.isEmpty() ? null : b.toString();
    }

    static String flagNames(final int flags)
    {
        final StringBuilder b = new StringBuilder();
        if ((flags & TcpHeaderFlyweight.SYN) != 0)
        {
            b.append("SYN|");
        }
        if ((flags & TcpHeaderFlyweight.FIN) != 0)
        {
            b.append("FIN|");
        }
        if ((flags & TcpHeaderFlyweight.RST) != 0)
        {
            b.append("RST|");
        }
        if ((flags & TcpHeaderFlyweight.PSH) != 0)
        {
            b.append("PSH|");
        }
        if ((flags & TcpHeaderFlyweight.ACK) != 0)
        {
            b.append("ACK|");
        }
        return b.isEmpty() ? "-" : b.substring(0, b.length() - 1);
    }

    public String toString()
    {
        return flagNames(flags) + " seq=" + Integer.toUnsignedString(seq) + " ack=" + Integer.toUnsignedString(ack) +
            " win=" + window + " len=" + payload.length + (mss >= 0 ? " mss=" + mss : "") +
            (windowScale >= 0 ? " ws=" + windowScale : "") + (hasTimestamps ? " ts=" + tsVal + "/" + tsEcr : "") +
            (sack != null ? " sack=" + Arrays.toString(sack) : "");
    }
}
