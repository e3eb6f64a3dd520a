package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.membership.ControlFrames;
import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.replication.channel.FrameAuthenticator;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A host on the cluster's LAN that does not hold the cluster key: it sees every replication channel frame (a mirror
 * port: the switch's observer) and sends, seeded, a mix of exact replays, replays in another order, mutations
 * (bit flips, another epoch, position, kind or sender) and forgeries (heartbeats claiming PRIMARY, vote requests,
 * votes, records, logger promotions, with plausible epochs and positions and a trailer that cannot verify). In
 * {@link Mode#REPLAYS} it sends only captured frames unchanged, whose MACs are genuine: what a member heard once,
 * said again at the worst moment (to a node that restarted with empty replay windows, say).
 */
final class HostileMember
{
    enum Mode
    {
        /** No key: replays, reorderings, mutations and forgeries. */
        KEYLESS,
        /** Only captured frames, unchanged (genuine MACs), in bursts and out of order. */
        REPLAYS
    }

    private static final int CAPTURE_LIMIT = 4096;

    private final InProcessCluster cluster;
    private final Mode mode;
    private final Random random;
    private final MemoryPort port;
    private final long mac = 0x0200_0000_0066L;
    private final List<byte[]> captured = new ArrayList<>();
    /** One frame every this many steps, on average. */
    private final int everySteps;
    private boolean capturing = true;
    private int capturedTotal;
    long sent;

    HostileMember(final InProcessCluster cluster, final Mode mode, final long seed, final int everySteps)
    {
        this.cluster = cluster;
        this.mode = mode;
        this.random = new Random(seed);
        this.everySteps = everySteps;
        this.port = cluster.lan.newPort("hostile", mac);
        cluster.lan.observer((from, to, buffer, offset, length) ->
        {
            if (capturing && from != port && length >= EthernetFlyweight.HEADER_LENGTH + 2 &&
                (buffer.getShort(offset + EthernetFlyweight.ETHER_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF) ==
                EthernetFlyweight.ETHER_TYPE_REPLICATION)
            {
                final byte[] copy = new byte[length];
                buffer.getBytes(offset, copy);
                // Keep a spread over the whole run: a sample of every frame once the store is full.
                if (captured.size() < CAPTURE_LIMIT)
                {
                    captured.add(copy);
                }
                else if (random.nextInt(++capturedTotal) < CAPTURE_LIMIT)
                {
                    captured.set(random.nextInt(CAPTURE_LIMIT), copy);
                }
            }
        });
    }

    /** Stop capturing: what is sent from now on is only ever what was heard before. */
    void stopCapturing()
    {
        capturing = false;
    }

    int capturedFrames()
    {
        return captured.size();
    }

    /** One step of the LAN: drain what reached the port, and now and then attack. */
    void step()
    {
        port.receive((buffer, offset, length, flags) ->
        {
        }, 256);
        if (captured.isEmpty() || random.nextInt(everySteps) != 0)
        {
            return;
        }
        if (mode == Mode.REPLAYS)
        {
            // A burst of old frames in another order.
            final int burst = 1 + random.nextInt(8);
            for (int i = 0; i < burst; i++)
            {
                send(captured.get(random.nextInt(captured.size())));
            }
            return;
        }
        switch (random.nextInt(6))
        {
            case 0 -> send(captured.get(random.nextInt(captured.size())));
            case 1 ->
            {
                for (int i = 0; i < 4; i++)
                {
                    send(captured.get(random.nextInt(captured.size())));
                }
            }
            case 2 -> send(flipBits(captured.get(random.nextInt(captured.size()))));
            case 3 -> send(rewriteHeader(captured.get(random.nextInt(captured.size()))));
            default -> send(forge());
        }
    }

    private byte[] flipBits(final byte[] frame)
    {
        final byte[] copy = frame.clone();
        final int flips = 1 + random.nextInt(3);
        for (int i = 0; i < flips; i++)
        {
            final int bit = random.nextInt(copy.length * 8);
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
        }
        return copy;
    }

    /** A captured frame with a plausible lie in its header: the next epochs, a far one, a position ahead, a kind. */
    private byte[] rewriteHeader(final byte[] frame)
    {
        final byte[] copy = frame.clone();
        final UnsafeBuffer buffer = new UnsafeBuffer(copy);
        final int header = EthernetFlyweight.HEADER_LENGTH;
        if (copy.length < header + ReplicationFrameFlyweight.HEADER_LENGTH)
        {
            return copy;
        }
        final int epoch = buffer.getInt(header + ReplicationFrameFlyweight.EPOCH_OFFSET, ByteOrder.LITTLE_ENDIAN);
        switch (random.nextInt(5))
        {
            case 0 -> buffer.putInt(header + ReplicationFrameFlyweight.EPOCH_OFFSET, epoch + 1 + random.nextInt(3),
                ByteOrder.LITTLE_ENDIAN);
            case 1 -> buffer.putInt(header + ReplicationFrameFlyweight.EPOCH_OFFSET, 2_000_000_000 + random.nextInt(1000),
                ByteOrder.LITTLE_ENDIAN);
            case 2 -> buffer.putLong(header + ReplicationFrameFlyweight.POSITION_OFFSET,
                buffer.getLong(header + ReplicationFrameFlyweight.POSITION_OFFSET, ByteOrder.LITTLE_ENDIAN) +
                random.nextInt(10_000), ByteOrder.LITTLE_ENDIAN);
            case 3 -> buffer.putByte(header + ReplicationFrameFlyweight.KIND_OFFSET, (byte)(1 + random.nextInt(10)));
            default ->
            {
                // Another member as sender, in the header and the trailer alike, from its own MAC.
                final int sender = 1 + random.nextInt(cluster.config.nodes().size());
                buffer.putInt(header + ReplicationFrameFlyweight.NODE_ID_OFFSET, sender, ByteOrder.LITTLE_ENDIAN);
                if (copy.length >= FrameAuthenticator.MIN_FRAME_LENGTH)
                {
                    buffer.putInt(copy.length - FrameAuthenticator.TRAILER_LENGTH + FrameAuthenticator.SENDER_OFFSET, sender,
                        ByteOrder.LITTLE_ENDIAN);
                }
                EthernetFlyweight.writeMac(buffer, EthernetFlyweight.SOURCE_OFFSET, memberMac(sender));
            }
        }
        return copy;
    }

    /** A new frame of a member, from that member's MAC or the hostile's own, with a trailer that cannot verify. */
    private byte[] forge()
    {
        final int members = cluster.config.nodes().size();
        final int sender = 1 + random.nextInt(members);
        final int epoch = random.nextInt(4) == 0 ? random.nextInt() : 1 + random.nextInt(4);
        final long position = random.nextInt(100_000);
        final int kind;
        final int payload;
        switch (random.nextInt(6))
        {
            case 0, 1 ->
            {
                kind = ControlFrames.KIND_HEARTBEAT;
                payload = 32;
            }
            case 2 ->
            {
                kind = ControlFrames.KIND_VOTE_REQUEST;
                payload = 0;
            }
            case 3 ->
            {
                kind = ControlFrames.KIND_VOTE;
                payload = 8;
            }
            case 4 ->
            {
                kind = ControlFrames.KIND_PROMOTE_LOGGER;
                payload = 0;
            }
            default ->
            {
                kind = ReplicationFrameFlyweight.KIND_RECORDS;
                payload = 64 + random.nextInt(512);
            }
        }
        final int inner = Math.max(60, EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH + payload);
        final int length = inner + FrameAuthenticator.TRAILER_LENGTH;
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[length]);
        new EthernetFlyweight().wrap(frame, 0).destination(random.nextBoolean() ? ClusterNode.groupMac(cluster.config) :
            memberMac(1 + random.nextInt(members))).source(random.nextBoolean() ? memberMac(sender) : mac)
            .etherType(EthernetFlyweight.ETHER_TYPE_REPLICATION);
        new ReplicationFrameFlyweight().wrap(frame, EthernetFlyweight.HEADER_LENGTH)
            .writeHeader(kind, sender, epoch, kind == ControlFrames.KIND_PROMOTE_LOGGER ? 1 + random.nextInt(members) : position,
                payload);
        final int payloadAt = EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH;
        for (int i = payloadAt; i < payloadAt + payload; i++)
        {
            frame.putByte(i, (byte)random.nextInt());
        }
        if (kind == ControlFrames.KIND_HEARTBEAT)
        {
            frame.putByte(payloadAt, (byte)ControlFrames.ROLE_PRIMARY);
            frame.putInt(payloadAt + 4, sender, ByteOrder.LITTLE_ENDIAN);
        }
        else if (kind == ControlFrames.KIND_VOTE)
        {
            frame.putInt(payloadAt, 1 + random.nextInt(members), ByteOrder.LITTLE_ENDIAN);
            frame.putByte(payloadAt + 4, (byte)1);
            frame.putByte(payloadAt + 5, (byte)ControlFrames.ROLE_LOGGER);
        }
        final int trailer = inner;
        frame.putInt(trailer + FrameAuthenticator.CLUSTER_ID_OFFSET, FrameAuthenticator.clusterId(cluster.config.name()),
            ByteOrder.LITTLE_ENDIAN);
        frame.putInt(trailer + FrameAuthenticator.SENDER_OFFSET, sender, ByteOrder.LITTLE_ENDIAN);
        frame.putLong(trailer + FrameAuthenticator.INCARNATION_OFFSET,
            random.nextBoolean() ? Long.MAX_VALUE - random.nextInt(1000) : FrameAuthenticator.newIncarnation(),
            ByteOrder.LITTLE_ENDIAN);
        frame.putLong(trailer + FrameAuthenticator.COUNTER_OFFSET, 1L + random.nextInt(1 << 30), ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < FrameAuthenticator.MAC_LENGTH; i++)
        {
            frame.putByte(trailer + FrameAuthenticator.MAC_OFFSET + i, (byte)random.nextInt());
        }
        return frame.byteArray();
    }

    private long memberMac(final int nodeId)
    {
        return cluster.config.nodes().get(nodeId - 1).mac().orElse(0x0200_0000_0100L + nodeId);
    }

    private void send(final byte[] frame)
    {
        final int at = port.txClaim(frame.length);
        if (at < 0)
        {
            port.flush();
            return;
        }
        port.txBuffer().putBytes(at, frame);
        port.txCommit(frame.length);
        port.flush();
        sent++;
    }
}
