package io.ertcp.engine.tcp;

import io.ertcp.engine.net.Ipv4Output;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * Test-only {@link Ipv4Output}: keeps every committed TCP segment, parsed, with its addresses.
 */
final class CapturingIpv4Output implements Ipv4Output
{
    final UnsafeBuffer buffer = new UnsafeBuffer(new byte[70_000]);
    final List<Segment> segments = new ArrayList<>();
    final List<int[]> addresses = new ArrayList<>();
    boolean refuse;
    private int claimedLength;
    private int claimedSource;
    private int claimedDestination;

    public int claim(final int sourceIp, final int destinationIp, final int protocol, final int length)
    {
        if (refuse)
        {
            return -1;
        }
        claimedSource = sourceIp;
        claimedDestination = destinationIp;
        claimedLength = length;
        return 8;
    }

    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    public void commit()
    {
        segments.add(Segment.parse(buffer, 8, claimedLength));
        addresses.add(new int[]{claimedSource, claimedDestination});
    }
}
