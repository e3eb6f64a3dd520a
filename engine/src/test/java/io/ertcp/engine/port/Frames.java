package io.ertcp.engine.port;

import io.ertcp.engine.net.EthernetFlyweight;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * Test frames: Ethernet headers with a numbered payload, and a handler that keeps copies.
 */
public final class Frames
{
    private Frames()
    {
    }

    /**
     * A frame from {@code source} to {@code destination} whose payload starts with {@code number}
     * and is filled with a pattern derived from it.
     */
    public static UnsafeBuffer frame(final long destination, final long source, final int number, final int length)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[length]);
        new EthernetFlyweight().wrap(buffer, 0).destination(destination).source(source).etherType(0x88B6);
        buffer.putInt(EthernetFlyweight.HEADER_LENGTH, number);
        for (int i = EthernetFlyweight.HEADER_LENGTH + 4; i < length; i++)
        {
            buffer.putByte(i, (byte)(number * 31 + i));
        }
        return buffer;
    }

    public static int number(final byte[] frame)
    {
        return new UnsafeBuffer(frame).getInt(EthernetFlyweight.HEADER_LENGTH);
    }

    /** Keeps a copy of every frame it is handed. */
    public static final class Collector implements FrameHandler
    {
        public final List<byte[]> frames = new ArrayList<>();
        public final List<Integer> flags = new ArrayList<>();

        public void onFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
        {
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            frames.add(copy);
            this.flags.add(flags);
        }

        public List<Integer> numbers()
        {
            return frames.stream().map(Frames::number).toList();
        }
    }
}
