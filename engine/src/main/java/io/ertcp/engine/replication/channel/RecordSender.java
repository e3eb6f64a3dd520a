package io.ertcp.engine.replication.channel;

import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.port.FrameFlags;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.log.RecordHeaderFlyweight;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The primary's end of the replication channel. Records are copied into a retransmit window when offered (or built
 * there in the first place, {@link #claim}) and stay there until the logger confirms them durable, because the
 * channel loses frames like any Ethernet and a receiver that finds a gap asks for it again (NAK). The window is one
 * preallocated byte ring plus per-position index arrays, so offering, sending, retransmitting and releasing allocate
 * nothing.
 * <p>
 * {@link #doWork(long, FrameOutput)} sends retransmissions first (a receiver is stalled on them), then new records:
 * whole small records share a frame, and a record larger than a frame's payload is cut into fragments at multiples
 * of the frame's payload length (the MTU's, {@link ReplicationFrameFlyweight#maxPayloadLength(int)}). The loss of the last records sent leaves no gap for a
 * receiver to see, so when nothing is confirmed for a while the last record is sent again (a tail probe); the
 * receiver then sees any gap before it. A NAK for positions already released from the window is counted: the
 * receiver must fetch them from the logger's log.
 * <p>
 * One thread: the agent that owns the port calls every method.
 */
public final class RecordSender implements FrameHandler
{
    /**
     * ST-TCP: where FETCHes go, the primary's publisher, which answers from its own log with {@link #sendWhole}.
     */
    @FunctionalInterface
    public interface FetchListener
    {
        void onFetch(long fromPosition, long toPosition);
    }

    private static final int RETRANSMIT_QUEUE_LENGTH = 64;

    private final int nodeId;
    /** Carried in every frame; only ever raised ({@link #epoch(int)}), never lowered. */
    private int epoch;
    private final long localMac;
    private final long destinationMac;
    private final int confirmingNodeId;
    private final long tailProbeNs;
    private final int framesPerWork;
    private final int maxInFlightRecords;
    private final ChannelCounters counters;

    private final UnsafeBuffer window;
    private final int windowMask;
    private final long[] recordStart;
    private final int[] recordLength;
    private final int slotMask;
    private final int maxRecordLength;
    /** Record bytes per frame, the fragment size: {@link ReplicationFrameFlyweight#maxPayloadLength(int)}. */
    private final int maxPayload;

    private final long[] retransmitFrom = new long[RETRANSMIT_QUEUE_LENGTH];
    private final long[] retransmitTo = new long[RETRANSMIT_QUEUE_LENGTH];
    private long retransmitHead;
    private long retransmitTail;
    private boolean retransmitting;
    private long retransmitPosition;
    private int retransmitFragment;
    private long retransmitEnd;

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final ReplicationFrameFlyweight frame = new ReplicationFrameFlyweight();
    private final ReplicationFrameFlyweight inbound = new ReplicationFrameFlyweight();

    private boolean started;
    private long highestOffered;
    private long released;
    /** The highest position whose room in the window is free again: confirmed, and at most {@link #holdAbove}. */
    private long freed;
    /** Records past this stay in the window even once confirmed ({@link #holdAbove}). */
    private long holdAbove = Long.MAX_VALUE;
    private long sendPosition;
    private int sendFragment;
    private long headBytes;
    private long tailBytes;

    private long progressReleased;
    private long lastProgressNs;

    private long cursorPosition;
    private int cursorFragment;
    private FetchListener fetchListener;
    private boolean detectRestarts;
    /** A record being built in the window ({@link #claim}): where, and how long it may be. */
    private boolean claimOpen;
    private long claimStart;
    private int claimMaxLength;
    private long firstOffered;
    private boolean baseDue;
    private int receiverIncarnation;
    private long restartedReceiverHolds = -1;

    /**
     * How a sender is sized and paced, named and checked once (the style of {@link ReceiverSettings}); who it is and
     * whom it sends to stay arguments of the constructor, since one settings value serves every sender built alike
     * (a logger's feed per backup, the primary's sender in each epoch).
     * <p>
     * Flow control: a {@link RecordReceiver} delivers a record that arrives in order straight from the frame, and
     * keeps only those that arrive out of order in its slots, less than its slot count ahead of the next one it
     * delivers; what lies further ahead it drops ({@link ChannelCounters#beyondWindow}) and asks for again in one
     * run. New records go out only while {@code sent - confirmed <= maxInFlightRecords}. With {@code
     * maxInFlightRecords} at most the receiver's slot count nothing sent is ever beyond its reach (the primary's
     * sender to its logger, narrowed to the logger's slots); with more, a loss costs the records in flight past the
     * slots one more send, and in return a receiver that gets the CPU seldom still takes a whole window each time
     * (a logger's feed to a backup, whose small records would otherwise move a slot count per turn; issue 12).
     *
     * @param windowBytes        the retransmit window's byte capacity, rounded up to a power of two.
     * @param windowRecords      the most records the window holds, rounded up to a power of two.
     * @param tailProbeNs        how long without a confirmation before the last record is sent again.
     * @param framesPerWork      the most frames one {@link RecordSender#doWork} sends.
     * @param maxInFlightRecords the most records sent and not yet confirmed, at least 1: the receiver's slot count
     *                           for no drop beyond its slots, or more (see above); {@link Integer#MAX_VALUE} for as
     *                           many as the window holds.
     * @param mtu                the largest frame after the Ethernet header (the cluster's {@code replication-mtu};
     *                           the receivers must use the same).
     */
    public record Settings(
        int windowBytes, int windowRecords, long tailProbeNs, int framesPerWork, int maxInFlightRecords, int mtu)
    {
        /** The largest window, in bytes or records: rounded up to a power of two it still fits an int. */
        public static final int MAX_WINDOW = 1 << 30;

        /**
         * What a cluster node's primary sends with: a window of 1 MiB and 8192 records, a 2 ms tail probe, 64 frames
         * a work, as many records in flight as the window holds, 1500-byte frames; the node narrows the records in
         * flight to its logger's slots and sets its {@code replication-mtu}.
         * <p>
         * 1 MiB holds what is unconfirmed over a logger's 80 µs round trip at 100 Gbit/s. Every record is written into
         * the window once and read from it twice (its frames, the primary's own log append), so a window that cycles
         * through less memory keeps more of those lines in cache (BENCHMARKS.md, "The primary's window and the
         * receivers' slot blocks": within the harness's spread alone). Records past a full window wait in the log and
         * are sent from there.
         */
        public static final Settings DEFAULT =
            new Settings(1 << 20, 8192, 2_000_000L, 64, Integer.MAX_VALUE, ReplicationFrameFlyweight.MTU);

        public Settings
        {
            ReplicationFrameFlyweight.maxPayloadLength(mtu);
            if (windowBytes < 1 || windowBytes > MAX_WINDOW)
            {
                throw new IllegalArgumentException("A sender's window must hold 1.." + MAX_WINDOW + " bytes, not " +
                    windowBytes + ".");
            }
            if (windowRecords < 1 || windowRecords > MAX_WINDOW)
            {
                throw new IllegalArgumentException("A sender's window must hold 1.." + MAX_WINDOW + " records, not " +
                    windowRecords + ".");
            }
            if (tailProbeNs < 0)
            {
                throw new IllegalArgumentException("A sender's tail probe interval cannot be negative: " +
                    tailProbeNs + " ns.");
            }
            if (framesPerWork < 1)
            {
                throw new IllegalArgumentException("A sender must send at least 1 frame per work, not " +
                    framesPerWork + ".");
            }
            if (maxInFlightRecords < 1)
            {
                throw new IllegalArgumentException("maxInFlightRecords must be at least 1, not " + maxInFlightRecords +
                    ".");
            }
        }

        /** @return these settings with a window of {@code newWindowBytes} bytes. */
        public Settings withWindowBytes(final int newWindowBytes)
        {
            return new Settings(newWindowBytes, windowRecords, tailProbeNs, framesPerWork, maxInFlightRecords, mtu);
        }

        /** @return these settings with a window of {@code newWindowRecords} records. */
        public Settings withWindowRecords(final int newWindowRecords)
        {
            return new Settings(windowBytes, newWindowRecords, tailProbeNs, framesPerWork, maxInFlightRecords, mtu);
        }

        /** @return these settings with a tail probe after {@code newTailProbeNs} without a confirmation. */
        public Settings withTailProbeNs(final long newTailProbeNs)
        {
            return new Settings(windowBytes, windowRecords, newTailProbeNs, framesPerWork, maxInFlightRecords, mtu);
        }

        /** @return these settings with at most {@code newFramesPerWork} frames a {@link RecordSender#doWork}. */
        public Settings withFramesPerWork(final int newFramesPerWork)
        {
            return new Settings(windowBytes, windowRecords, tailProbeNs, newFramesPerWork, maxInFlightRecords, mtu);
        }

        /** @return these settings with at most {@code newMaxInFlightRecords} records sent and not yet confirmed. */
        public Settings withMaxInFlightRecords(final int newMaxInFlightRecords)
        {
            return new Settings(windowBytes, windowRecords, tailProbeNs, framesPerWork, newMaxInFlightRecords, mtu);
        }

        /** @return these settings with frames of up to {@code newMtu} bytes. */
        public Settings withMtu(final int newMtu)
        {
            return new Settings(windowBytes, windowRecords, tailProbeNs, framesPerWork, maxInFlightRecords, newMtu);
        }
    }

    /**
     * @param nodeId           this node's id, carried in every frame.
     * @param epoch            the epoch this sender starts in; see {@link #epoch(int)}.
     * @param localMac         the source MAC of the frames.
     * @param destinationMac   where RECORDS frames go: a group MAC reaches the logger and every backup.
     * @param confirmingNodeId the node whose CONFIRM releases the window: the logger (ER-TCP), or the backup a
     *                         logger's feed serves.
     * @param settings         window, pacing and MTU.
     * @param counters         where this end counts.
     */
    public RecordSender(
        final int nodeId,
        final int epoch,
        final long localMac,
        final long destinationMac,
        final int confirmingNodeId,
        final Settings settings,
        final ChannelCounters counters)
    {
        this.nodeId = nodeId;
        this.epoch = epoch;
        this.localMac = localMac;
        this.destinationMac = destinationMac;
        this.confirmingNodeId = confirmingNodeId;
        this.tailProbeNs = settings.tailProbeNs();
        this.framesPerWork = settings.framesPerWork();
        this.maxInFlightRecords = settings.maxInFlightRecords();
        this.counters = counters;
        final int capacity = BitUtil.findNextPositivePowerOfTwo(settings.windowBytes());
        this.window = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
        this.windowMask = capacity - 1;
        final int slots = BitUtil.findNextPositivePowerOfTwo(settings.windowRecords());
        this.recordStart = new long[slots];
        this.recordLength = new int[slots];
        this.slotMask = slots - 1;
        this.maxPayload = ReplicationFrameFlyweight.maxPayloadLength(settings.mtu());
        this.maxRecordLength = Math.min(capacity, RecordReceiver.MAX_FRAGMENTS * maxPayload);
    }

    /**
     * Queue a record for sending; its position (from its header) must follow the last one offered.
     *
     * @return false when the window is full: offer again once the logger has confirmed more.
     */
    public boolean offer(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < RecordHeaderFlyweight.HEADER_LENGTH || length > maxRecordLength)
        {
            throw new IllegalArgumentException(
                "A record of " + length + " bytes cannot be sent: " + RecordHeaderFlyweight.HEADER_LENGTH + ".." +
                maxRecordLength + " bytes.");
        }

        final long position = buffer.getLong(offset + RecordHeaderFlyweight.POSITION_OFFSET, ByteOrder.LITTLE_ENDIAN);
        if (!started)
        {
            if (position < 1)
            {
                throw new IllegalArgumentException("Record positions start at 1, not " + position + ".");
            }
            started = true;
            firstOffered = position;
            highestOffered = position - 1;
            released = position - 1;
            freed = position - 1;
            progressReleased = released;
            sendPosition = position;
        }
        else if (position != highestOffered + 1)
        {
            throw new IllegalArgumentException(
                "Record position " + position + " does not follow " + highestOffered + ": positions are dense.");
        }

        final boolean inPlace = claimOpen && isClaimed(buffer, offset);
        if (claimOpen && !inPlace)
        {
            throw new IllegalStateException("Record " + position + " was offered while another is being built in " +
                "the window: publish the claimed record first.");
        }
        if (inPlace && length > claimMaxLength)
        {
            throw new IllegalArgumentException("A record of " + length + " bytes was built in a claim of " +
                claimMaxLength + ".");
        }
        claimOpen = false;
        if (highestOffered - freed > slotMask)
        {
            return false;
        }

        final long start = inPlace ? claimStart : placeFor(length);
        if (start < 0)
        {
            return false;
        }

        if (!inPlace)
        {
            window.putBytes((int)(start & windowMask), buffer, offset, length);
        }
        final int slot = (int)(position & slotMask);
        recordStart[slot] = start;
        recordLength[slot] = length;
        tailBytes = start + length;
        highestOffered = position;
        return true;
    }

    /**
     * Room in the window for the next record, of up to {@code maxLength} bytes, where {@link #offer} would copy it:
     * {@code view} is pointed there, the caller builds the record in it and offers it from there ({@code offer(view,
     * 0, length)}), which then copies nothing. Until that offer (or {@link #cancelClaim}) no other record may be
     * offered, since it would go where the claimed one is being built; a confirmation or a send changes nothing there.
     *
     * @return false when the window has no such room now (build the record elsewhere and offer it as usual).
     */
    public boolean claim(final int maxLength, final UnsafeBuffer view)
    {
        if (maxLength < RecordHeaderFlyweight.HEADER_LENGTH || maxLength > maxRecordLength ||
            (started && highestOffered - freed > slotMask))
        {
            return false;
        }
        final long start = placeFor(maxLength);
        if (start < 0)
        {
            return false;
        }
        claimOpen = true;
        claimStart = start;
        claimMaxLength = maxLength;
        view.wrap(window, (int)(start & windowMask), maxLength);
        return true;
    }

    /** Drop a {@link #claim} whose record will not be offered from the window (the next offer copies as usual). */
    public void cancelClaim()
    {
        claimOpen = false;
    }

    private boolean isClaimed(final DirectBuffer buffer, final int offset)
    {
        return buffer.addressOffset() + offset == window.addressOffset() + (claimStart & windowMask) &&
            null == buffer.byteArray();
    }

    /**
     * @return where a record of {@code length} bytes goes in the window (from the tail, or from the ring's start when
     * it would not fit before the end), or -1 when the window has no room for it.
     */
    private long placeFor(final int length)
    {
        long start = tailBytes;
        final int index = (int)(start & windowMask);
        if (index + length > windowMask + 1)
        {
            start += windowMask + 1 - index;
        }
        return start + length - headBytes > windowMask + 1 ? -1 : start;
    }

    /**
     * Send what is due: retransmissions, then new records, then a tail probe when confirmations have stalled.
     *
     * @return the number of frames sent.
     */
    public int doWork(final long nowNs, final FrameOutput out)
    {
        if (released != progressReleased || sendPosition - 1 <= released)
        {
            // The probe timer runs only while something sent is unconfirmed, from the last progress.
            progressReleased = released;
            lastProgressNs = nowNs;
        }

        int frames = 0;
        while (frames < framesPerWork)
        {
            if (retransmitting)
            {
                if (retransmitPosition <= released)
                {
                    retransmitPosition = released + 1;
                    retransmitFragment = 0;
                }
                if (retransmitPosition > retransmitEnd)
                {
                    retransmitting = false;
                    continue;
                }
                if (!sendFrame(out, retransmitPosition, retransmitFragment, retransmitEnd, true))
                {
                    return frames;
                }
                frames++;
                retransmitPosition = cursorPosition;
                retransmitFragment = cursorFragment;
            }
            else if (retransmitHead < retransmitTail)
            {
                final int index = (int)(retransmitHead++ % RETRANSMIT_QUEUE_LENGTH);
                retransmitting = true;
                retransmitPosition = retransmitFrom[index];
                retransmitFragment = 0;
                retransmitEnd = retransmitTo[index];
            }
            else
            {
                break;
            }
        }

        if (baseDue && frames < framesPerWork && sendBase(out))
        {
            baseDue = false;
            frames++;
        }

        final long sendLimit = Math.min(highestOffered, released + maxInFlightRecords);
        while (frames < framesPerWork && sendPosition <= sendLimit)
        {
            if (!sendFrame(out, sendPosition, sendFragment, sendLimit, false))
            {
                return frames;
            }
            frames++;
            sendPosition = cursorPosition;
            sendFragment = cursorFragment;
        }

        final long highestSent = sendPosition - 1;
        if (started && highestSent > released && nowNs - lastProgressNs >= tailProbeNs)
        {
            lastProgressNs = nowNs;
            counters.tailProbes.incrementRelease();
            queueRetransmit(highestSent, highestSent);
        }

        return frames;
    }

    /**
     * Receive NAK and CONFIRM frames from the logger and the backups.
     */
    public void onFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        if ((flags & FrameFlags.TRUNCATED) != 0 ||
            length < EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH)
        {
            counters.malformedFrames.incrementRelease();
            return;
        }
        inbound.wrap(buffer, offset + EthernetFlyweight.HEADER_LENGTH);
        if (inbound.version() != ReplicationFrameFlyweight.CURRENT_VERSION)
        {
            counters.malformedFrames.incrementRelease();
            return;
        }
        if (inbound.epoch() != epoch)
        {
            counters.staleEpochFrames.incrementRelease();
            return;
        }

        if (detectRestarts && inbound.nodeId() == confirmingNodeId && !sameReceiver())
        {
            return;
        }

        switch (inbound.kind())
        {
            case ReplicationFrameFlyweight.KIND_NAK -> onNak(inbound.position(), inbound.nakTo());
            case ReplicationFrameFlyweight.KIND_FETCH ->
            {
                counters.fetchesReceived.incrementRelease();
                if (inbound.nodeId() == confirmingNodeId && null != fetchListener)
                {
                    fetchListener.onFetch(inbound.position(), inbound.nakTo());
                }
            }
            case ReplicationFrameFlyweight.KIND_CONFIRM ->
            {
                counters.confirmsReceived.incrementRelease();
                if (inbound.nodeId() == confirmingNodeId)
                {
                    onConfirm(inbound.position());
                }
            }
            default -> counters.malformedFrames.incrementRelease();
        }
    }

    /**
     * Tell a receiver that restarted without its state from the one this sender serves, by the incarnation in its
     * frames: the first frame names the receiver; a newer incarnation is a restart, whose frames are ignored from then
     * on ({@link #restartedReceiverHolds()} says what the new one holds, for the owner to build a new sender from
     * there); an older one is a frame of a dead incarnation still in flight, ignored. Without this a CONFIRM of the
     * old incarnation can release records the new one never got, and its NAKs for them go unanswered for good. Off
     * by default: a receiver that keeps its state across a restart (a logger with its log) is served on.
     */
    public void detectReceiverRestarts()
    {
        this.detectRestarts = true;
    }

    /**
     * @return -1 while the receiver served is the one this sender started with; else the position the restarted
     * receiver holds (its first frame's CONFIRM, or one below its NAK or FETCH).
     */
    public long restartedReceiverHolds()
    {
        return restartedReceiverHolds;
    }

    private boolean sameReceiver()
    {
        final int incarnation = inbound.incarnation();
        if (restartedReceiverHolds >= 0)
        {
            // The receiver served restarted: nothing more from either incarnation until the owner builds a new sender.
            return false;
        }
        if (0 == incarnation)
        {
            return true;
        }
        if (0 == receiverIncarnation)
        {
            receiverIncarnation = incarnation;
            return true;
        }
        if (incarnation == receiverIncarnation)
        {
            return true;
        }
        if (incarnation - receiverIncarnation > 0)
        {
            restartedReceiverHolds = inbound.kind() == ReplicationFrameFlyweight.KIND_CONFIRM ?
                inbound.position() : Math.max(0, inbound.position() - 1);
            counters.receiverRestarts.incrementRelease();
        }
        else
        {
            counters.staleIncarnationFrames.incrementRelease();
        }
        return false;
    }

    /**
     * ST-TCP: who answers FETCHes (none: they are counted and ignored).
     */
    public void fetchListener(final FetchListener listener)
    {
        this.fetchListener = listener;
    }

    /**
     * ST-TCP: send one whole record, as FETCHED frames, outside the window: the answer to a FETCH, taken from the
     * primary's log since the window holds the ordering record that stands for it. A record longer than a frame's
     * payload is cut at the usual offsets.
     *
     * @return false when the port had no room for every fragment (the receiver asks again).
     */
    public boolean sendWhole(final FrameOutput out, final DirectBuffer record, final int offset, final int length)
    {
        final long position = record.getLong(offset + RecordHeaderFlyweight.POSITION_OFFSET, ByteOrder.LITTLE_ENDIAN);
        for (int fragment = 0; fragment < length; fragment += maxPayload)
        {
            final int chunk = Math.min(length - fragment, maxPayload);
            final int claimed = claimFrame(out, ReplicationFrameFlyweight.KIND_FETCHED, position, chunk);
            if (claimed < 0)
            {
                return false;
            }
            frame.fragmentOffset(fragment).recordLength(length);
            out.buffer().putBytes(claimed + EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.PAYLOAD_OFFSET,
                record, offset + fragment, chunk);
            out.commit(claimed);
            counters.framesSent.incrementRelease();
        }
        counters.recordsFetched.incrementRelease();
        return true;
    }

    /**
     * A receiver wants positions {@code [from, to]} again.
     */
    public void onNak(final long from, final long to)
    {
        counters.naksReceived.incrementRelease();
        if (!started)
        {
            return;
        }
        if (from < firstOffered)
        {
            // The receiver lacks records this sender never had: retention deleted them before it started. Tell it
            // where the records start; a receiver with an empty log starts over there.
            baseDue = true;
        }
        final long highestSent = sendPosition - 1;
        long first = from;
        final long last = Math.min(to, highestSent);
        if (first <= released)
        {
            final long gone = Math.min(last, released) - first + 1;
            if (gone > 0)
            {
                counters.nakedPositionsUnavailable.getAndAddRelease(gone);
            }
            first = released + 1;
        }
        if (first <= last)
        {
            queueRetransmit(first, last);
        }
    }

    /**
     * The logger holds every record up to {@code position} durably: release them from the window.
     */
    public void onConfirm(final long position)
    {
        if (!started)
        {
            return;
        }
        final long upTo = Math.min(position, highestOffered);
        if (upTo <= released)
        {
            return;
        }
        released = upTo;
        if (sendPosition <= released)
        {
            sendPosition = released + 1;
            sendFragment = 0;
        }
        free();
    }

    /**
     * Keep every record past {@code position} in the window even once it is confirmed, until a later call lets it
     * go: the ER-TCP primary's log writer appends its own copy of each record from the window, so a record's room is
     * freed only once the logger confirmed it and the local log holds it (docs/architecture.md, "The primary's own
     * log copy"). Without a call, a confirmation frees the room at once.
     *
     * @param position the highest position the local log holds.
     */
    public void holdAbove(final long position)
    {
        holdAbove = position;
        free();
    }

    private void free()
    {
        final long upTo = Math.min(released, holdAbove);
        if (upTo > freed)
        {
            final int slot = (int)(upTo & slotMask);
            headBytes = recordStart[slot] + recordLength[slot];
            freed = upTo;
        }
    }

    /**
     * Send from now on in a newer epoch: a logger's feed follows the logger's epoch after a takeover. The records
     * keep the epochs in their own headers; only the frames carry the new one, and CONFIRMs and NAKs of any other
     * epoch are ignored from now on. A lower or equal epoch changes nothing.
     */
    public void epoch(final int newEpoch)
    {
        if (newEpoch > epoch)
        {
            epoch = newEpoch;
        }
    }

    /**
     * @return the epoch the frames carry.
     */
    public int epoch()
    {
        return epoch;
    }

    /**
     * @return the highest position the receiver confirmed: nothing up to it is sent again. Its room in the window
     * is free once also past {@link #holdAbove} ({@link #freedPosition}).
     */
    public long releasedPosition()
    {
        return released;
    }

    /**
     * @return the highest position whose room in the window is free again.
     */
    public long freedPosition()
    {
        return freed;
    }

    /**
     * @return the highest position offered.
     */
    public long highestOffered()
    {
        return highestOffered;
    }

    /**
     * Point {@code view} at a record the window still holds (offered, its room not yet freed), in place: the primary
     * writes its own copy of the log from here once the record's frames are out.
     *
     * @return the record's length, or 0 when the window does not hold that position.
     */
    public int heldRecord(final long position, final UnsafeBuffer view)
    {
        if (!started || position <= freed || position > highestOffered)
        {
            return 0;
        }
        final int slot = (int)(position & slotMask);
        view.wrap(window, (int)(recordStart[slot] & windowMask), recordLength[slot]);
        return recordLength[slot];
    }

    /**
     * @return the record bytes one frame carries: the fragment size.
     */
    public int maxPayload()
    {
        return maxPayload;
    }

    /**
     * @return the bytes the window holds, padding included.
     */
    public long windowBytesUsed()
    {
        return tailBytes - headBytes;
    }

    private boolean sendBase(final FrameOutput out)
    {
        final int claimed = claimFrame(out, ReplicationFrameFlyweight.KIND_BASE, firstOffered, 0);
        if (claimed < 0)
        {
            return false;
        }
        out.commit(claimed);
        counters.framesSent.incrementRelease();
        return true;
    }

    private void queueRetransmit(final long from, final long to)
    {
        if (retransmitTail > retransmitHead)
        {
            final int last = (int)((retransmitTail - 1) % RETRANSMIT_QUEUE_LENGTH);
            if (from <= retransmitTo[last] + 1 && to >= retransmitFrom[last] - 1)
            {
                retransmitFrom[last] = Math.min(from, retransmitFrom[last]);
                retransmitTo[last] = Math.max(to, retransmitTo[last]);
                return;
            }
        }
        if (retransmitTail - retransmitHead == RETRANSMIT_QUEUE_LENGTH)
        {
            counters.naksDropped.incrementRelease();
            return;
        }
        final int index = (int)(retransmitTail++ % RETRANSMIT_QUEUE_LENGTH);
        retransmitFrom[index] = from;
        retransmitTo[index] = to;
    }

    /**
     * Send one RECORDS frame starting at {@code position} (from byte {@code fragment} of it), packing whole records
     * after it up to {@code limit}; leaves where the next frame starts in the cursor.
     */
    private boolean sendFrame(
        final FrameOutput out, final long position, final int fragment, final long limit, final boolean retransmit)
    {
        final int firstSlot = (int)(position & slotMask);
        final int firstLength = recordLength[firstSlot];
        final int chunk = Math.min(firstLength - fragment, maxPayload);
        int payload = chunk;
        long next = position;
        int nextFragment = fragment + chunk;
        if (nextFragment == firstLength)
        {
            next++;
            nextFragment = 0;
            while (next <= limit)
            {
                final int length = recordLength[(int)(next & slotMask)];
                if (payload + length > maxPayload)
                {
                    break;
                }
                payload += length;
                next++;
            }
        }

        final int claimed = claimFrame(out, ReplicationFrameFlyweight.KIND_RECORDS, position, payload);
        if (claimed < 0)
        {
            return false;
        }
        frame.fragmentOffset(fragment).recordLength(firstLength);

        final MutableDirectBuffer buffer = out.buffer();
        final int frameOffset = claimed + EthernetFlyweight.HEADER_LENGTH;

        int at = frameOffset + ReplicationFrameFlyweight.PAYLOAD_OFFSET;
        buffer.putBytes(at, window, (int)(recordStart[firstSlot] & windowMask) + fragment, chunk);
        at += chunk;
        for (long p = position + 1; p < next; p++)
        {
            final int slot = (int)(p & slotMask);
            buffer.putBytes(at, window, (int)(recordStart[slot] & windowMask), recordLength[slot]);
            at += recordLength[slot];
        }
        out.commit(claimed);

        counters.framesSent.incrementRelease();
        final long completed = next - position;
        if (completed > 0)
        {
            (retransmit ? counters.recordsRetransmitted : counters.recordsSent).getAndAddRelease(completed);
        }
        cursorPosition = next;
        cursorFragment = nextFragment;
        return true;
    }

    /**
     * Claim a frame to the receiver with the channel header written ({@code payload} bytes to follow it, fragment
     * offset 0 and record length 0 unless set after).
     *
     * @return the claimed offset, or -1 when the port has no room.
     */
    private int claimFrame(final FrameOutput out, final int kind, final long position, final int payload)
    {
        final int used = EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH + payload;
        final int frameLength = Math.max(60, used);
        final int claimed = out.claim(frameLength);
        if (claimed < 0)
        {
            return -1;
        }
        final MutableDirectBuffer buffer = out.buffer();
        if (frameLength > used)
        {
            buffer.setMemory(claimed + used, frameLength - used, (byte)0);
        }
        ethernet.wrap(buffer, claimed)
            .destination(destinationMac)
            .source(localMac)
            .etherType(EthernetFlyweight.ETHER_TYPE_REPLICATION);
        frame.wrap(buffer, claimed + EthernetFlyweight.HEADER_LENGTH).writeHeader(kind, nodeId, epoch, position, payload);
        return claimed;
    }
}
