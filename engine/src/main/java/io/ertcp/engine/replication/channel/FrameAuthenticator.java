package io.ertcp.engine.replication.channel;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.EthernetFlyweight;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Seals every frame a node sends on the replication channel and verifies every frame it receives there
 * (docs/architecture.md rule 8), so that only members speak on the channel and nothing they said can be replayed.
 * Each frame ends in a trailer (little-endian, after the frame's own bytes, padding included):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Cluster id (CRC32C of the cluster's name)           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Sender node id                         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |       Sender incarnation (its start, ns since 1970), 64 bits  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Frame counter (1, 2, ... per sender incarnation), 64 bits |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |    MAC, 128 bits, over the Ethernet frame from its destination|
 *  |    address to the end of the frame counter (headers, payload, |
 *  |    padding, trailer): AES-GMAC                                |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * The MAC is {@link AesGmac}: GHASH of the frame under a hash key of the sender's, masked with AES-128 of the nonce,
 * the sender's incarnation and counter (which the sender never repeats: its counter only rises within an incarnation,
 * and a restart's incarnation is higher), under an AES key of the sender's own, derived from the cluster key with
 * HMAC-SHA-256 and a label per sender ({@link #subkey}). Chosen by measurement (BENCHMARKS.md "GMAC for every frame"):
 * per MAC, about 130 ns at 100 bytes and 400 ns at 1,500 (GHASH in the JDK's carry-less-multiply stub, 0.25 ns per
 * byte), where the Poly1305 of our own that it replaced cost 200 and 2,300 ns and HMAC-SHA-256 with SHA-NI 400 and
 * 1,350.
 * <p>
 * A received frame is refused, counted by reason and never handed on when it is too short to hold a trailer, names
 * another cluster, names a sender that is not a member (or another sender than its header), comes from a MAC address
 * other than the one the cluster file gives that member, repeats a counter (or is older than the sender's replay
 * window, or of an older incarnation: see {@link ReplayWindow}), or its MAC does not verify. The replay window moves
 * only after the MAC verified. With {@code security: none} frames still carry the trailer, with a zero MAC, and only
 * the cluster and the sender are checked.
 * <p>
 * Nothing here allocates once made: GMAC hashes a frame's own array, or one scratch copy of an off-heap frame (the
 * JDK's GHASH reads arrays only), and its AES block goes into an array of its own. One thread, the node's, uses an
 * instance.
 */
public final class FrameAuthenticator
{
    public static final int CLUSTER_ID_OFFSET = 0;
    public static final int SENDER_OFFSET = 4;
    public static final int INCARNATION_OFFSET = 8;
    public static final int COUNTER_OFFSET = 16;
    public static final int MAC_OFFSET = 24;
    public static final int MAC_LENGTH = 16;
    public static final int TRAILER_LENGTH = MAC_OFFSET + MAC_LENGTH;

    /** The shortest frame that can be one of the channel's: Ethernet, the channel header, the trailer. */
    public static final int MIN_FRAME_LENGTH =
        EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH + TRAILER_LENGTH;

    private static final int MAX_FRAME_LENGTH = 16 * 1024;

    /** Why a frame was refused; {@link #ACCEPTED} when it was not. */
    public static final int ACCEPTED = 0;
    public static final int TOO_SHORT = 1;
    public static final int WRONG_CLUSTER = 2;
    public static final int UNKNOWN_SENDER = 3;
    public static final int WRONG_SOURCE_MAC = 4;
    public static final int REPLAY = 5;
    public static final int BAD_MAC = 6;

    private final int clusterId;
    private final int nodeId;
    private final long incarnation;
    /** Per member by node id (index 0 unused): the MAC address the cluster file gives it, 0 when it gives none. */
    private final long[] memberMacs;
    private final ReplayWindow[] windows;
    /** This node's own GMAC, keyed with its sender key; null with {@code security: none}. */
    private final AesGmac sealMac;
    /** Per member by node id (index 0 unused): GMAC keyed with its sender key; null with {@code security: none}. */
    private final AesGmac[] verifyMacs;
    private final Refusals refusals;
    private long counter;
    private int lastRefusal;

    /**
     * What a node counts of the frames it refused, one counter per reason, labelled {@code channel refused-*}.
     */
    public static final class Refusals
    {
        public final AtomicCounter tooShort;
        public final AtomicCounter wrongCluster;
        public final AtomicCounter unknownSender;
        public final AtomicCounter wrongSourceMac;
        public final AtomicCounter replay;
        public final AtomicCounter badMac;

        public Refusals(final Counters counters)
        {
            tooShort = counters.newCounter("channel refused-too-short");
            wrongCluster = counters.newCounter("channel refused-wrong-cluster");
            unknownSender = counters.newCounter("channel refused-unknown-sender");
            wrongSourceMac = counters.newCounter("channel refused-wrong-source-mac");
            replay = counters.newCounter("channel refused-replay");
            badMac = counters.newCounter("channel refused-bad-mac");
        }

        public long total()
        {
            return tooShort.get() + wrongCluster.get() + unknownSender.get() + wrongSourceMac.get() + replay.get() +
                badMac.get();
        }

        /** "3 bad-mac, 1 replay", the reasons with a count only; empty when nothing was refused. */
        public String summary()
        {
            final StringBuilder text = new StringBuilder();
            append(text, badMac, "bad-mac");
            append(text, replay, "replay");
            append(text, unknownSender, "unknown-sender");
            append(text, wrongCluster, "wrong-cluster");
            append(text, wrongSourceMac, "wrong-source-mac");
            append(text, tooShort, "too-short");
            return text.toString();
        }

        private static void append(final StringBuilder text, final AtomicCounter counter, final String reason)
        {
            final long value = counter.get();
            if (value > 0)
            {
                text.append(text.isEmpty() ? "" : ", ").append(value).append(' ').append(reason);
            }
        }
    }

    /**
     * @param key         the cluster key, or null for {@code security: none}.
     * @param clusterName the cluster file's name: frames of another cluster are refused before any MAC is computed.
     * @param nodeId      this node's id: its frames carry it.
     * @param incarnation this process's incarnation: above any earlier one of the same node (its start time in ns).
     * @param memberMacs  by node id (index 0 unused, length members + 1): the MAC address the file gives each member,
     *                    0 where it gives none (then any source is taken, the MAC still authenticating the frame).
     * @param refusals    where refusals are counted.
     */
    public FrameAuthenticator(
        final ClusterKey key,
        final String clusterName,
        final int nodeId,
        final long incarnation,
        final long[] memberMacs,
        final Refusals refusals)
    {
        this.clusterId = clusterId(clusterName);
        this.nodeId = nodeId;
        this.incarnation = incarnation;
        this.memberMacs = memberMacs.clone();
        this.refusals = refusals;
        this.windows = new ReplayWindow[memberMacs.length];
        for (int i = 1; i < windows.length; i++)
        {
            windows[i] = new ReplayWindow();
        }
        if (null == key)
        {
            sealMac = null;
            verifyMacs = null;
        }
        else
        {
            final HmacSha256 kdf = new HmacSha256(key.bytes());
            verifyMacs = new AesGmac[memberMacs.length];
            for (int i = 1; i < verifyMacs.length; i++)
            {
                verifyMacs[i] = senderMac(kdf, i);
            }
            sealMac = senderMac(kdf, nodeId);
        }
    }

    private static AesGmac senderMac(final HmacSha256 kdf, final int sender)
    {
        return new AesGmac(
            java.util.Arrays.copyOf(subkey(kdf, "gmac-aes, sender " + sender), AesGmac.KEY_LENGTH), MAX_FRAME_LENGTH);
    }

    /**
     * A key of the channel's derived from the cluster key: HMAC-SHA-256, keyed with the cluster key, of "ertcp
     * replication frame mac, " and the use. Each member's GMAC has an AES key of its own (the first 16 bytes of its
     * subkey), which keeps the nonces (incarnation, counter) of two senders apart even if their incarnations were
     * equal.
     */
    static byte[] subkey(final HmacSha256 kdf, final String use)
    {
        final byte[] label = ("ertcp replication frame mac, " + use).getBytes(StandardCharsets.US_ASCII);
        final byte[] out = new byte[HmacSha256.LENGTH];
        kdf.mac(label, 0, label.length, out, 0);
        return out;
    }

    /** The incarnation of a process started now: nanoseconds since 1970, so a restart's is higher. */
    public static long newIncarnation()
    {
        final java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    public static int clusterId(final String clusterName)
    {
        final CRC32C crc = new CRC32C();
        crc.update(clusterName.getBytes(StandardCharsets.UTF_8));
        return (int)crc.getValue();
    }

    public boolean authenticated()
    {
        return null != sealMac;
    }

    public long incarnation()
    {
        return incarnation;
    }

    /** Frames sealed so far: the last counter sent. */
    public long counter()
    {
        return counter;
    }

    public Refusals refusals()
    {
        return refusals;
    }

    /** Why the last refused frame was refused (one of the reason constants). */
    public int lastRefusal()
    {
        return lastRefusal;
    }

    /**
     * Write the trailer after a frame's {@code length} bytes; the buffer must hold {@link #TRAILER_LENGTH} more.
     *
     * @return the frame's length with its trailer.
     */
    public int seal(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        final int trailer = offset + length;
        buffer.putInt(trailer + CLUSTER_ID_OFFSET, clusterId, ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(trailer + SENDER_OFFSET, nodeId, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(trailer + INCARNATION_OFFSET, incarnation, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(trailer + COUNTER_OFFSET, ++counter, ByteOrder.LITTLE_ENDIAN);
        if (null == sealMac)
        {
            buffer.setMemory(trailer + MAC_OFFSET, MAC_LENGTH, (byte)0);
        }
        else
        {
            sealMac.mac(buffer, offset, length + MAC_OFFSET, incarnation, counter);
            buffer.putLong(trailer + MAC_OFFSET, sealMac.tagLow(), ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(trailer + MAC_OFFSET + 8, sealMac.tagHigh(), ByteOrder.LITTLE_ENDIAN);
        }
        return length + TRAILER_LENGTH;
    }

    /**
     * Check a received frame (the whole Ethernet frame).
     *
     * @return its length without the trailer, for the handlers that read it; -1 when it is refused (counted, and
     * {@link #lastRefusal()} says why).
     */
    public int verify(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < MIN_FRAME_LENGTH || length > MAX_FRAME_LENGTH)
        {
            return refuse(TOO_SHORT, refusals.tooShort);
        }
        final int inner = length - TRAILER_LENGTH;
        final int trailer = offset + inner;
        if (buffer.getInt(trailer + CLUSTER_ID_OFFSET, ByteOrder.LITTLE_ENDIAN) != clusterId)
        {
            return refuse(WRONG_CLUSTER, refusals.wrongCluster);
        }
        final int sender = buffer.getInt(trailer + SENDER_OFFSET, ByteOrder.LITTLE_ENDIAN);
        if (sender < 1 || sender >= windows.length || sender == nodeId || sender !=
            buffer.getInt(offset + EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.NODE_ID_OFFSET,
                ByteOrder.LITTLE_ENDIAN))
        {
            return refuse(UNKNOWN_SENDER, refusals.unknownSender);
        }
        if (null == verifyMacs)
        {
            return inner;
        }
        final long expectedSource = memberMacs[sender];
        if (0 != expectedSource && expectedSource != sourceMac(buffer, offset))
        {
            return refuse(WRONG_SOURCE_MAC, refusals.wrongSourceMac);
        }
        final long frameIncarnation = buffer.getLong(trailer + INCARNATION_OFFSET, ByteOrder.LITTLE_ENDIAN);
        final long frameCounter = buffer.getLong(trailer + COUNTER_OFFSET, ByteOrder.LITTLE_ENDIAN);
        final ReplayWindow window = windows[sender];
        if (!window.isNew(frameIncarnation, frameCounter))
        {
            return refuse(REPLAY, refusals.replay);
        }
        final AesGmac mac = verifyMacs[sender];
        mac.mac(buffer, offset, inner + MAC_OFFSET, frameIncarnation, frameCounter);
        // Both halves compared before deciding, so the time taken says nothing of where a forged tag went wrong.
        final long difference = (mac.tagLow() ^ buffer.getLong(trailer + MAC_OFFSET, ByteOrder.LITTLE_ENDIAN)) |
            (mac.tagHigh() ^ buffer.getLong(trailer + MAC_OFFSET + 8, ByteOrder.LITTLE_ENDIAN));
        if (0 != difference)
        {
            return refuse(BAD_MAC, refusals.badMac);
        }
        window.accept(frameIncarnation, frameCounter);
        return inner;
    }

    /** The replay window of a member, for tests and status. */
    public ReplayWindow window(final int senderId)
    {
        return windows[senderId];
    }

    private int refuse(final int reason, final AtomicCounter counter)
    {
        lastRefusal = reason;
        counter.incrementRelease();
        return -1;
    }

    private static long sourceMac(final DirectBuffer buffer, final int offset)
    {
        return EthernetFlyweight.readMac(buffer, offset + EthernetFlyweight.SOURCE_OFFSET);
    }
}
