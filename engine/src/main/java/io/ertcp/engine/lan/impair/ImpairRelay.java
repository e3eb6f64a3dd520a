package io.ertcp.engine.lan.impair;

import io.ertcp.engine.net.Checksums;
import io.ertcp.engine.port.FrameFlags;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.port.PacketPort;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

/**
 * Relays every frame between two ports through an {@link ImpairedLink} per direction: a bad wire
 * spliced into a real link. Frames a local Linux sender left with an unfilled checksum
 * ({@link FrameFlags#CHECKSUM_PARTIAL}) get it filled in on the way, as a NIC would have done.
 */
public final class ImpairRelay implements Agent
{
    private static final int BURST = 64;

    private final PacketPort a;
    private final PacketPort b;
    private final ImpairedLink aToB;
    private final ImpairedLink bToA;
    private final NanoClock clock;
    private final FrameHandler sendToA;
    private final FrameHandler sendToB;
    private final FrameHandler fromA;
    private final FrameHandler fromB;
    private long nowNs;

    public ImpairRelay(
        final PacketPort a, final PacketPort b, final ImpairedLink aToB, final ImpairedLink bToA, final NanoClock clock)
    {
        this.a = a;
        this.b = b;
        this.aToB = aToB;
        this.bToA = bToA;
        this.clock = clock;
        this.sendToA = (buffer, offset, length, flags) -> send(a, buffer, offset, length, flags);
        this.sendToB = (buffer, offset, length, flags) -> send(b, buffer, offset, length, flags);
        this.fromA = (buffer, offset, length, flags) ->
            aToB.offer(buffer, offset, length, completeChecksum(buffer, offset, length, flags), nowNs, sendToB);
        this.fromB = (buffer, offset, length, flags) ->
            bToA.offer(buffer, offset, length, completeChecksum(buffer, offset, length, flags), nowNs, sendToA);
    }

    public int doWork()
    {
        nowNs = clock.nanoTime();
        int work = a.receive(fromA, BURST);
        work += b.receive(fromB, BURST);
        work += aToB.poll(nowNs, sendToB);
        work += bToA.poll(nowNs, sendToA);
        if (work > 0)
        {
            a.flush();
            b.flush();
        }
        return work;
    }

    public String roleName()
    {
        return "impair-relay";
    }

    public void onClose()
    {
        a.close();
        b.close();
    }

    /**
     * Fill in an offloaded checksum where the frame lies, before the link may corrupt it, so that a
     * corrupted frame is caught by its receiver's checksum check.
     *
     * @return the flags the frame travels on with.
     */
    private static int completeChecksum(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        if (FrameFlags.isChecksumPartial(flags) && buffer instanceof MutableDirectBuffer mutable)
        {
            Checksums.completeTransportChecksum(mutable, offset, length);
            return flags & ~FrameFlags.CHECKSUM_PARTIAL;
        }
        return flags;
    }

    private static void send(
        final PacketPort port, final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        if (FrameFlags.isTruncated(flags))
        {
            port.counters().onTxDropped(1);
            return;
        }
        int claim = port.txClaim(length);
        if (claim < 0)
        {
            port.flush();
            claim = port.txClaim(length);
            if (claim < 0)
            {
                port.counters().onTxDropped(1);
                return;
            }
        }
        port.txBuffer().putBytes(claim, buffer, offset, length);
        if (FrameFlags.isChecksumPartial(flags))
        {
            Checksums.completeTransportChecksum(port.txBuffer(), claim, length);
        }
        port.txCommit(length);
    }
}
