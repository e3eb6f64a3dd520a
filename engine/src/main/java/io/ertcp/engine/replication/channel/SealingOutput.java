package io.ertcp.engine.replication.channel;

import io.ertcp.engine.port.FrameOutput;
import org.agrona.MutableDirectBuffer;

/**
 * The replication channel's side of a node's output: every frame claimed here gets room for the
 * {@link FrameAuthenticator} trailer behind it, and is sealed when committed. The channel's producers (records,
 * NAKs, confirms, fetches, heartbeats, votes, control frames) write exactly as before and never see the trailer.
 */
public final class SealingOutput implements FrameOutput
{
    private final FrameOutput out;
    private final FrameAuthenticator authenticator;
    private int claimedLength;

    public SealingOutput(final FrameOutput out, final FrameAuthenticator authenticator)
    {
        this.out = out;
        this.authenticator = authenticator;
    }

    public int claim(final int length)
    {
        final int offset = out.claim(length + FrameAuthenticator.TRAILER_LENGTH);
        claimedLength = length;
        return offset;
    }

    public MutableDirectBuffer buffer()
    {
        return out.buffer();
    }

    public void commit(final int offset)
    {
        authenticator.seal(out.buffer(), offset, claimedLength);
        out.commit(offset);
    }
}
