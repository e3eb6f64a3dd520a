package io.ertcp.engine.cluster;

import io.ertcp.engine.net.Ipv4Output;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The replicated service's TCP output on a primary (docs/architecture.md, "Leaving on purpose"): the IPv4 layer's
 * until the primary starts handing over, then nothing. A primary handing over still takes its clients' input into
 * the log, but holds back everything it would send them (replies, ACKs, retransmissions): a client that gets no reply
 * sends no new request, so nothing it sends is lost at the cut-over, and the successor, which holds the same log,
 * sends the replies when it takes over. Nothing held back was acknowledged to the client, so nothing is owed but what
 * the successor sends anyway.
 * <p>
 * While holding, a claim succeeds into a scratch buffer and its commit sends nothing, so the stack goes on as if the
 * segment had left (its timers and state are thrown away with it). Single-threaded, on the node's duty cycle;
 * allocation-free once holding.
 */
final class HandoverOutput implements Ipv4Output
{
    /** Room for any datagram's transport part: an IPv4 datagram is at most 65,535 bytes. */
    private static final int SCRATCH_LENGTH = 64 * 1024;

    private final Ipv4Output output;
    private UnsafeBuffer scratch;
    private boolean holding;
    private long heldSegments;

    HandoverOutput(final Ipv4Output output)
    {
        this.output = output;
    }

    /** From now on nothing is sent: the primary hands over. */
    void hold()
    {
        if (null == scratch)
        {
            scratch = new UnsafeBuffer(new byte[SCRATCH_LENGTH]);
        }
        holding = true;
    }

    boolean holding()
    {
        return holding;
    }

    /** @return the segments held back (not sent) since {@link #hold}. */
    long heldSegments()
    {
        return heldSegments;
    }

    public int claim(final int sourceIp, final int destinationIp, final int protocol, final int length)
    {
        if (!holding)
        {
            return output.claim(sourceIp, destinationIp, protocol, length);
        }
        if (length < 0 || length > SCRATCH_LENGTH)
        {
            return -1;
        }
        heldSegments++;
        return 0;
    }

    public MutableDirectBuffer buffer()
    {
        return holding ? scratch : output.buffer();
    }

    public void commit()
    {
        if (!holding)
        {
            output.commit();
        }
    }
}
