package io.ertcp.engine.tcp;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The TCP options of one segment, parsed into fields (a reused holder, not a per-segment object)
 * and written back: MSS (RFC 9293 3.7.1), window scale and timestamps (RFC 7323), SACK-permitted
 * and SACK blocks (RFC 2018). Unknown options are skipped by their length; a malformed list (a
 * length below 2 or running past the header, or a known option of the wrong length) fails the
 * whole parse so that the segment is counted and dropped.
 */
public final class TcpOptions
{
    public static final int KIND_END = 0;
    public static final int KIND_NOP = 1;
    public static final int KIND_MSS = 2;
    public static final int KIND_WINDOW_SCALE = 3;
    public static final int KIND_SACK_PERMITTED = 4;
    public static final int KIND_SACK = 5;
    public static final int KIND_TIMESTAMPS = 8;

    public static final int MSS_LENGTH = 4;
    public static final int WINDOW_SCALE_LENGTH = 3;
    public static final int SACK_PERMITTED_LENGTH = 2;
    public static final int TIMESTAMPS_LENGTH = 10;
    /** Timestamps as data segments carry them, padded with two NOPs. */
    public static final int ALIGNED_TIMESTAMPS_LENGTH = 12;
    /** RFC 7323 section 2.3: shifts above 14 are treated as 14. */
    public static final int MAX_WINDOW_SCALE = 14;
    /** Four blocks fill the 40 option octets without timestamps; three fit with them. */
    public static final int MAX_SACK_BLOCKS = 4;

    /** The peer's MSS, or -1 when absent. */
    public int mss;
    /** The peer's window shift (clamped to 14), or -1 when absent. */
    public int windowScale;
    public boolean sackPermitted;
    public boolean hasTimestamps;
    public int tsVal;
    public int tsEcr;
    /** Number of SACK blocks held in {@link #sackBlocks}. */
    public int sackBlockCount;
    /** Left and right edges, in pairs: [left0, right0, left1, right1, ...]. */
    public final int[] sackBlocks = new int[MAX_SACK_BLOCKS * 2];

    public void clear()
    {
        mss = -1;
        windowScale = -1;
        sackPermitted = false;
        hasTimestamps = false;
        tsVal = 0;
        tsEcr = 0;
        sackBlockCount = 0;
    }

    /**
     * Parse the options in {@code [offset, offset + length)}.
     *
     * @return false when the option list is malformed.
     */
    public boolean parse(final DirectBuffer buffer, final int offset, final int length)
    {
        clear();
        int i = offset;
        final int end = offset + length;
        while (i < end)
        {
            final int kind = buffer.getByte(i) & 0xFF;
            if (kind == KIND_END)
            {
                return true;
            }
            if (kind == KIND_NOP)
            {
                i++;
                continue;
            }
            if (i + 1 >= end)
            {
                return false;
            }
            final int optionLength = buffer.getByte(i + 1) & 0xFF;
            if (optionLength < 2 || i + optionLength > end)
            {
                return false;
            }
            switch (kind)
            {
                case KIND_MSS:
                    if (optionLength != MSS_LENGTH)
                    {
                        return false;
                    }
                    mss = buffer.getShort(i + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
                    break;

                case KIND_WINDOW_SCALE:
                    if (optionLength != WINDOW_SCALE_LENGTH)
                    {
                        return false;
                    }
                    windowScale = Math.min(buffer.getByte(i + 2) & 0xFF, MAX_WINDOW_SCALE);
                    break;

                case KIND_SACK_PERMITTED:
                    if (optionLength != SACK_PERMITTED_LENGTH)
                    {
                        return false;
                    }
                    sackPermitted = true;
                    break;

                case KIND_TIMESTAMPS:
                    if (optionLength != TIMESTAMPS_LENGTH)
                    {
                        return false;
                    }
                    hasTimestamps = true;
                    tsVal = buffer.getInt(i + 2, ByteOrder.BIG_ENDIAN);
                    tsEcr = buffer.getInt(i + 6, ByteOrder.BIG_ENDIAN);
                    break;

                case KIND_SACK:
                {
                    final int blocks = (optionLength - 2) / 8;
                    if ((optionLength - 2) % 8 != 0 || blocks == 0 || blocks > MAX_SACK_BLOCKS)
                    {
                        return false;
                    }
                    for (int b = 0; b < blocks; b++)
                    {
                        sackBlocks[2 * b] = buffer.getInt(i + 2 + 8 * b, ByteOrder.BIG_ENDIAN);
                        sackBlocks[2 * b + 1] = buffer.getInt(i + 6 + 8 * b, ByteOrder.BIG_ENDIAN);
                    }
                    sackBlockCount = blocks;
                    break;
                }

                default:
                    break;
            }
            i += optionLength;
        }
        return true;
    }

    /**
     * @return octets {@link #writeSyn} writes: always a multiple of 4.
     */
    public static int synLength(
        final boolean windowScale, final boolean sackPermitted, final boolean timestamps)
    {
        int length = MSS_LENGTH;
        if (timestamps)
        {
            length += 2 + TIMESTAMPS_LENGTH;
        }
        else if (sackPermitted)
        {
            length += 4;
        }
        if (windowScale)
        {
            length += 4;
        }
        return length;
    }

    /**
     * Write the options of a SYN or SYN-ACK in the layout Linux uses (MSS, SACK-permitted with
     * timestamps, NOP, window scale), padded to a multiple of 4.
     *
     * @param windowScale the shift to offer, or -1 for none.
     * @return octets written.
     */
    public static int writeSyn(
        final MutableDirectBuffer buffer,
        final int offset,
        final int mss,
        final int windowScale,
        final boolean sackPermitted,
        final boolean timestamps,
        final int tsVal,
        final int tsEcr)
    {
        int i = offset;
        buffer.putByte(i, (byte)KIND_MSS);
        buffer.putByte(i + 1, (byte)MSS_LENGTH);
        buffer.putShort(i + 2, (short)mss, ByteOrder.BIG_ENDIAN);
        i += MSS_LENGTH;
        if (timestamps)
        {
            if (sackPermitted)
            {
                buffer.putByte(i, (byte)KIND_SACK_PERMITTED);
                buffer.putByte(i + 1, (byte)SACK_PERMITTED_LENGTH);
            }
            else
            {
                buffer.putByte(i, (byte)KIND_NOP);
                buffer.putByte(i + 1, (byte)KIND_NOP);
            }
            i += 2;
            i += writeTimestamps(buffer, i, tsVal, tsEcr);
        }
        else if (sackPermitted)
        {
            buffer.putByte(i, (byte)KIND_NOP);
            buffer.putByte(i + 1, (byte)KIND_NOP);
            buffer.putByte(i + 2, (byte)KIND_SACK_PERMITTED);
            buffer.putByte(i + 3, (byte)SACK_PERMITTED_LENGTH);
            i += 4;
        }
        if (windowScale >= 0)
        {
            buffer.putByte(i, (byte)KIND_NOP);
            buffer.putByte(i + 1, (byte)KIND_WINDOW_SCALE);
            buffer.putByte(i + 2, (byte)WINDOW_SCALE_LENGTH);
            buffer.putByte(i + 3, (byte)windowScale);
            i += 4;
        }
        return i - offset;
    }

    /**
     * Write the 10-octet timestamps option (no padding).
     *
     * @return octets written.
     */
    public static int writeTimestamps(final MutableDirectBuffer buffer, final int offset, final int tsVal, final int tsEcr)
    {
        buffer.putByte(offset, (byte)KIND_TIMESTAMPS);
        buffer.putByte(offset + 1, (byte)TIMESTAMPS_LENGTH);
        buffer.putInt(offset + 2, tsVal, ByteOrder.BIG_ENDIAN);
        buffer.putInt(offset + 6, tsEcr, ByteOrder.BIG_ENDIAN);
        return TIMESTAMPS_LENGTH;
    }

    /**
     * Write NOP, NOP, timestamps: the 12 octets a data segment carries.
     *
     * @return octets written.
     */
    public static int writeAlignedTimestamps(
        final MutableDirectBuffer buffer, final int offset, final int tsVal, final int tsEcr)
    {
        buffer.putByte(offset, (byte)KIND_NOP);
        buffer.putByte(offset + 1, (byte)KIND_NOP);
        writeTimestamps(buffer, offset + 2, tsVal, tsEcr);
        return ALIGNED_TIMESTAMPS_LENGTH;
    }

    /**
     * Write NOP, NOP, SACK with {@code count} blocks from {@code edges}.
     *
     * @return octets written (4 + 8 * count), 0 for no blocks.
     */
    public static int writeSack(final MutableDirectBuffer buffer, final int offset, final int[] edges, final int count)
    {
        if (count == 0)
        {
            return 0;
        }
        buffer.putByte(offset, (byte)KIND_NOP);
        buffer.putByte(offset + 1, (byte)KIND_NOP);
        buffer.putByte(offset + 2, (byte)KIND_SACK);
        buffer.putByte(offset + 3, (byte)(2 + 8 * count));
        for (int b = 0; b < count; b++)
        {
            buffer.putInt(offset + 4 + 8 * b, edges[2 * b], ByteOrder.BIG_ENDIAN);
            buffer.putInt(offset + 8 + 8 * b, edges[2 * b + 1], ByteOrder.BIG_ENDIAN);
        }
        return 4 + 8 * count;
    }
}
