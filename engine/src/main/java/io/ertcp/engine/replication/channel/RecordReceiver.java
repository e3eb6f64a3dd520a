package io.ertcp.engine.replication.channel;

import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.port.FrameFlags;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.log.RecordCodec;
import io.ertcp.log.RecordHandler;
import io.ertcp.log.RecordHeaderFlyweight;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The logger's or a backup's end of the replication channel. Frames arrive lost, late, twice or out of order; the
 * log order is the delivery order on every replica, so records are handed on strictly by position, each exactly
 * once, and only after their CRC32C checks out. A record that arrives in order and whole is delivered straight from
 * the frame; one that arrives early, or in fragments, waits in one of a bounded number of preallocated slots
 * (position modulo the slot count), fragments tracked one bit each since the sender always cuts them at the same
 * offsets. Anything further ahead than the slots reach is dropped and asked for again.
 * <p>
 * {@link #doWork(long, FrameOutput)} asks for the gaps below the highest position seen (NAK, at most once per NAK
 * interval, since a retransmission needs a round trip to arrive; the highest record itself may still be arriving in
 * fragments, and the sender's tail probe covers its loss; what was dropped beyond the slots' reach, the highest
 * included, in one run after the gaps within it) and reports progress (CONFIRM of the highest contiguous position, each confirm
 * interval or at once after {@link #confirmNow()}). Frames of an epoch older than the newest seen come from a
 * deposed primary and are ignored; a newer epoch discards what was buffered but not delivered.
 * <p>
 * One thread: the agent that owns the port calls every method.
 */
public final class RecordReceiver implements FrameHandler
{
    /**
     * Takes each record in position order, or holds it back: an ST-TCP backup that cannot fill an ordering record
     * from its tap yet returns false, and the record is offered again on every {@link #doWork} until it is taken or
     * {@link #fetch fetched} whole. Nothing after it is delivered (or confirmed) meanwhile.
     */
    @FunctionalInterface
    public interface Delivery
    {
        /**
         * @return true when the record is taken; false to be offered it again later.
         */
        boolean onRecord(DirectBuffer buffer, int offset, int length, long position);
    }

    /**
     * Says whether a record waiting out of order could be taken when its turn comes: an ST-TCP backup's tap may lack
     * the bytes of several ordering records at once, and those are {@link #fetchUnready fetched} together rather than
     * one round trip each.
     */
    @FunctionalInterface
    public interface Readiness
    {
        /**
         * @return false when the record is known not to be takeable yet (it is then fetched whole).
         */
        boolean isReady(DirectBuffer buffer, int offset, int length, long position);
    }

    /**
     * Incarnations grow across receivers and process restarts: deciseconds since 2023-11-14 when the process made its
     * first receiver (positive until 2030, compared with wrap-around after), then one more for each receiver.
     */
    private static final AtomicInteger NEXT_INCARNATION = new AtomicInteger();

    /**
     * Told when the sender's records start past what this receiver holds (retention deleted the rest): a receiver
     * with an empty log starts there ({@link #resetTo}); any other cannot catch up and must say so.
     */
    @FunctionalInterface
    public interface BaseListener
    {
        void onBase(long firstPosition);
    }

    /** The most fragments a record is cut into: one bit each in a long. */
    public static final int MAX_FRAGMENTS = 64;
    /** The most NAK frames one {@link #doWork} sends, one per run of missing positions. */
    public static final int MAX_NAK_RUNS = 16;

    private final int nodeId;
    private final long localMac;
    private final int maxRecordLength;
    /** Record bytes per frame, the fragment size: the sender's, from the same replication MTU. */
    private final int maxPayload;
    private final long nakIntervalNs;
    private final long confirmIntervalNs;
    private final Delivery handler;
    private final ChannelCounters counters;
    private final RecordCodec codec = new RecordCodec();

    private final UnsafeBuffer slotBuffer;
    /**
     * Per slot, the {@code maxRecordLength}-byte block of {@link #slotBuffer} that holds its bytes, or -1. A slot takes
     * a block as it starts holding bytes and gives it back as it empties, last freed first taken: a stream cycles
     * through the few blocks its records in flight need, whose lines are still in cache, not the whole buffer (one
     * block per slot, by position, would be 4 MiB at 256 slots of 16 KiB).
     */
    private final int[] slotBlock;
    private final int[] freeBlocks;
    private int freeBlockCount;
    /** One past the highest block ever taken: how much of {@link #slotBuffer} the receiver has touched. */
    private int blocksUsed;
    private final long[] slotPosition;
    private final int[] slotLength;
    private final long[] slotFragments;
    private final int slotCount;
    private final int slotMask;

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final ReplicationFrameFlyweight inbound = new ReplicationFrameFlyweight();
    private final ReplicationFrameFlyweight outbound = new ReplicationFrameFlyweight();

    private int epoch;
    private long next;
    private long highestSeen;
    private long senderMac = -1;
    private long lastNakNs = Long.MIN_VALUE / 2;
    private long lastConfirmNs = Long.MIN_VALUE / 2;
    private boolean confirmRequested;
    /** Per slot, the position fetched whole (ST-TCP), 0 for none: only FETCHED frames fill it. */
    private final long[] slotFetching;
    /** Per slot, the time (of the last {@link #doWork}) the record in it became whole. */
    private final long[] slotCompleteNs;
    private int fetchesPending;
    private long lastFetchNs = Long.MIN_VALUE / 2;
    private long nowNs;
    private final int incarnation;
    private BaseListener baseListener;

    /**
     * @param nodeId        this node's id, carried in NAK and CONFIRM frames.
     * @param localMac      the source MAC of those frames.
     * @param epoch         the oldest epoch accepted.
     * @param firstPosition the first position to deliver (one past what the local log already holds).
     * @param settings      slots, longest record, NAK and CONFIRM intervals and the frame size (the sender's, the
     *                      cluster's {@code replication-mtu}, which sets where records are cut into fragments).
     * @param handler       receives each record once, in position order; the buffer is valid during the call.
     * @param counters      where this end counts.
     */
    public RecordReceiver(
        final int nodeId,
        final long localMac,
        final int epoch,
        final long firstPosition,
        final ReceiverSettings settings,
        final RecordHandler handler,
        final ChannelCounters counters)
    {
        this(nodeId, localMac, epoch, firstPosition, settings,
            (Delivery)(buffer, offset, length, position) ->
            {
                handler.onRecord(buffer, offset, length, position);
                return true;
            },
            counters);
    }

    /**
     * As {@link #RecordReceiver(int, long, int, long, ReceiverSettings, RecordHandler, ChannelCounters)}, with a
     * handler that may hold a record back.
     */
    public static RecordReceiver holding(
        final int nodeId,
        final long localMac,
        final int epoch,
        final long firstPosition,
        final ReceiverSettings settings,
        final Delivery handler,
        final ChannelCounters counters)
    {
        return new RecordReceiver(nodeId, localMac, epoch, firstPosition, settings, handler, counters);
    }

    private RecordReceiver(
        final int nodeId,
        final long localMac,
        final int epoch,
        final long firstPosition,
        final ReceiverSettings settings,
        final Delivery handler,
        final ChannelCounters counters)
    {
        final int mtu = settings.mtu();
        final int maxRecordLength = settings.maxRecordLength();
        final int slots = settings.slots();
        final long nakIntervalNs = settings.nakIntervalNs();
        final long confirmIntervalNs = settings.confirmIntervalNs();
        this.maxPayload = ReplicationFrameFlyweight.maxPayloadLength(mtu);
        if (maxRecordLength > MAX_FRAGMENTS * maxPayload)
        {
            throw new IllegalArgumentException("maxRecordLength " + maxRecordLength + " is more than " +
                MAX_FRAGMENTS + " fragments of " + maxPayload + " bytes.");
        }
        this.nodeId = nodeId;
        this.localMac = localMac;
        this.epoch = epoch;
        this.next = firstPosition;
        this.highestSeen = firstPosition - 1;
        this.maxRecordLength = maxRecordLength;
        this.nakIntervalNs = nakIntervalNs;
        this.confirmIntervalNs = confirmIntervalNs;
        this.handler = handler;
        this.counters = counters;
        this.slotCount = BitUtil.findNextPositivePowerOfTwo(slots);
        this.slotMask = slotCount - 1;
        this.slotBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(slotCount * maxRecordLength));
        this.slotBlock = new int[slotCount];
        this.freeBlocks = new int[slotCount];
        for (int i = 0; i < slotCount; i++)
        {
            slotBlock[i] = -1;
            freeBlocks[i] = slotCount - 1 - i;
        }
        this.freeBlockCount = slotCount;
        this.slotPosition = new long[slotCount];
        this.slotLength = new int[slotCount];
        this.slotFragments = new long[slotCount];
        this.slotFetching = new long[slotCount];
        this.slotCompleteNs = new long[slotCount];
        final int now = (int)((System.currentTimeMillis() - 1_700_000_000_000L) / 100);
        this.incarnation = NEXT_INCARNATION.updateAndGet(last -> now - last > 0 ? now : last + 1);
    }

    /**
     * Who hears of a sender whose records start past this receiver's next position (null: ignored).
     */
    public void baseListener(final BaseListener listener)
    {
        this.baseListener = listener;
    }

    /**
     * @return this receiver's incarnation, carried in its NAK, CONFIRM and FETCH frames.
     */
    public int incarnation()
    {
        return incarnation;
    }

    public void onFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        if ((flags & FrameFlags.TRUNCATED) != 0 ||
            length < EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH)
        {
            counters.malformedFrames.incrementRelease();
            return;
        }
        final int frameOffset = offset + EthernetFlyweight.HEADER_LENGTH;
        inbound.wrap(buffer, frameOffset);
        if (inbound.version() != ReplicationFrameFlyweight.CURRENT_VERSION)
        {
            counters.malformedFrames.incrementRelease();
            return;
        }
        final int kind = inbound.kind();
        if (kind == ReplicationFrameFlyweight.KIND_BASE)
        {
            if (inbound.epoch() >= epoch && inbound.position() > next && null != baseListener)
            {
                baseListener.onBase(inbound.position());
            }
            return;
        }
        if (kind != ReplicationFrameFlyweight.KIND_RECORDS && kind != ReplicationFrameFlyweight.KIND_FETCHED)
        {
            return;
        }
        final boolean fetched = kind == ReplicationFrameFlyweight.KIND_FETCHED;
        final int frameEpoch = inbound.epoch();
        if (frameEpoch < epoch)
        {
            counters.staleEpochFrames.incrementRelease();
            return;
        }

        final int payloadLength = inbound.payloadLength();
        if (EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH + payloadLength > length ||
            payloadLength == 0)
        {
            // Checked before the epoch is adopted: a malformed frame must not fence the current primary off.
            counters.malformedFrames.incrementRelease();
            return;
        }
        if (frameEpoch > epoch)
        {
            epoch = frameEpoch;
            discardBuffered();
        }
        counters.framesReceived.incrementRelease();
        senderMac = ethernet.wrap(buffer, offset).source();

        final long position = inbound.position();
        final int fragmentOffset = inbound.fragmentOffset();
        final int recordLength = inbound.recordLength();
        if (recordLength < RecordHeaderFlyweight.HEADER_LENGTH || recordLength > maxRecordLength ||
            fragmentOffset < 0 || fragmentOffset >= recordLength ||
            fragmentOffset % maxPayload != 0)
        {
            counters.malformedFrames.incrementRelease();
            return;
        }
        final int chunk = Math.min(recordLength - fragmentOffset, maxPayload);
        if (chunk > payloadLength)
        {
            counters.malformedFrames.incrementRelease();
            return;
        }

        int at = frameOffset + ReplicationFrameFlyweight.PAYLOAD_OFFSET;
        if (fragmentOffset == 0 && chunk == recordLength)
        {
            onWholeRecord(buffer, at, recordLength, position, fetched);
        }
        else
        {
            onFragment(buffer, at, fragmentOffset, chunk, recordLength, position, fetched);
        }
        at += chunk;
        int remaining = payloadLength - chunk;
        long nextPosition = position + 1;
        while (remaining > 0)
        {
            final int recordBytes = remaining < RecordHeaderFlyweight.HEADER_LENGTH ? -1 :
                buffer.getInt(at + RecordHeaderFlyweight.LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
            if (recordBytes < RecordHeaderFlyweight.HEADER_LENGTH || recordBytes > remaining)
            {
                counters.malformedFrames.incrementRelease();
                break;
            }
            onWholeRecord(buffer, at, recordBytes, nextPosition++, fetched);
            at += recordBytes;
            remaining -= recordBytes;
        }

        drain();
    }

    /**
     * Ask for gaps and report progress when due.
     *
     * @return the number of frames sent.
     */
    public int doWork(final long nowNs, final FrameOutput out)
    {
        if (senderMac < 0)
        {
            return 0;
        }

        this.nowNs = nowNs;
        final long before = next;
        drain();
        int frames = (int)(next - before);
        if (fetchesPending > 0 && nowNs - lastFetchNs >= nakIntervalNs)
        {
            final int sent = sendFetches(out);
            if (sent < 0)
            {
                return frames;
            }
            lastFetchNs = nowNs;
            frames += sent;
        }
        if (highestSeen > next && nowNs - lastNakNs >= nakIntervalNs)
        {
            lastNakNs = nowNs;
            final long limit = Math.min(highestSeen - 1, next + slotCount - 1);
            long p = next;
            int runs = 0;
            while (p <= limit && runs < MAX_NAK_RUNS)
            {
                if (isComplete(p) || isFetching(p))
                {
                    p++;
                    continue;
                }
                final long from = p;
                while (p + 1 <= limit && !isComplete(p + 1) && !isFetching(p + 1))
                {
                    p++;
                }
                if (!sendControl(out, ReplicationFrameFlyweight.KIND_NAK, from, p))
                {
                    return frames;
                }
                counters.naksSent.incrementRelease();
                frames++;
                runs++;
                p++;
            }
            final long beyond = next + slotCount;
            if (runs < MAX_NAK_RUNS && highestSeen >= beyond)
            {
                // Records beyond the slots' reach were dropped (admit), the highest seen too: a sender may have more
                // in flight than this receiver has slots, since records in order are delivered straight from the
                // frame. Ask for them in one run, after the gaps within reach: once those are filled they arrive in
                // order and go straight through, instead of one slot count a NAK interval.
                if (!sendControl(out, ReplicationFrameFlyweight.KIND_NAK, beyond, highestSeen))
                {
                    return frames;
                }
                counters.naksSent.incrementRelease();
                frames++;
            }
        }

        if (confirmRequested || nowNs - lastConfirmNs >= confirmIntervalNs)
        {
            if (sendControl(out, ReplicationFrameFlyweight.KIND_CONFIRM, next - 1, 0))
            {
                counters.confirmsSent.incrementRelease();
                confirmRequested = false;
                lastConfirmNs = nowNs;
                frames++;
            }
        }

        return frames;
    }

    /**
     * ST-TCP: the record at {@code position} (the one held back at the next position, or one waiting further ahead)
     * is to be fetched whole from the sender: its buffered copy is dropped, a FETCH goes out on the next
     * {@link #doWork} and again every NAK interval until a FETCHED copy arrives, and only that copy is delivered at
     * this position. A position outside the slots' reach, or one already being fetched, changes nothing.
     *
     * @return true when the position is now being fetched and was not before.
     */
    public boolean fetch(final long position)
    {
        if (position < next || position >= next + slotCount || isFetching(position))
        {
            return false;
        }
        final int slot = (int)(position & slotMask);
        slotFetching[slot] = position;
        empty(slot);
        fetchesPending++;
        if (position > highestSeen)
        {
            highestSeen = position;
        }
        lastFetchNs = Long.MIN_VALUE / 2;
        return true;
    }

    /**
     * ST-TCP: fetch every record waiting out of order, whole since {@code completeBeforeNs} or earlier, that
     * {@code readiness} says could not be taken: when the tap missed a burst of frames, their records are fetched in
     * one round trip rather than one round trip each as their turns come.
     *
     * @return how many records this started fetching.
     */
    public int fetchUnready(final Readiness readiness, final long completeBeforeNs)
    {
        final long limit = Math.min(highestSeen, next + slotCount - 1);
        int started = 0;
        for (long p = next + 1; p <= limit; p++)
        {
            final int slot = (int)(p & slotMask);
            if (isComplete(p) && completeBeforeNs - slotCompleteNs[slot] >= 0 &&
                !readiness.isReady(slotBuffer, heldAt(slot), slotLength[slot], p) && fetch(p))
            {
                started++;
            }
        }
        return started;
    }

    /**
     * @return true when the record at {@code position} is being fetched whole.
     */
    public boolean isFetching(final long position)
    {
        return 0 != position && slotFetching[(int)(position & slotMask)] == position;
    }

    /**
     * @return how many records are being fetched whole.
     */
    public int fetchesPending()
    {
        return fetchesPending;
    }

    /**
     * Send a CONFIRM on the next {@link #doWork}, whatever the interval.
     */
    public void confirmNow()
    {
        confirmRequested = true;
    }

    /**
     * Send a CONFIRM of what this receiver holds to {@code mac} on the next {@link #doWork}, before any frame came
     * from there: a receiver that starts holding records (a backup loaded from a snapshot) tells its sender, whose
     * window may still speak for this receiver's previous incarnation, where it stands.
     */
    public void confirmTo(final long mac)
    {
        if (senderMac < 0)
        {
            senderMac = mac;
        }
        confirmRequested = true;
    }

    /**
     * Refuse frames of epochs older than {@code newEpoch} from now on (docs/architecture.md rule 4): a deposed primary's records
     * are neither buffered nor delivered, and no CONFIRM goes out until a frame of the new epoch says where its
     * sender is. Records buffered but not delivered are discarded, since the new epoch's primary may send other
     * records at those positions. Delivery continues at {@link #deliveredPosition()} + 1; see {@link #resetTo(long)}
     * when the records delivered are not all kept. An epoch not newer than the current one changes nothing.
     */
    public void fence(final int newEpoch)
    {
        if (newEpoch > epoch)
        {
            epoch = newEpoch;
            discardBuffered();
            senderMac = -1;
            confirmRequested = false;
        }
    }

    /**
     * Deliver from {@code nextPosition} on, whatever was delivered before: what the handler refused (a logger whose
     * append failed) is asked for again, and a consumer that lost state can start over. Buffered records are
     * discarded and the next NAK round may go at once. The sender must still hold {@code nextPosition}: a logger's
     * CONFIRMs never ran past what it kept, so the primary does.
     */
    public void resetTo(final long nextPosition)
    {
        if (nextPosition < 1)
        {
            throw new IllegalArgumentException("Record positions start at 1, not " + nextPosition + ".");
        }
        next = nextPosition;
        discardBuffered();
        lastNakNs = Long.MIN_VALUE / 2;
    }

    /**
     * @return the highest position delivered: every one up to it has been handed on, in order.
     */
    public long deliveredPosition()
    {
        return next - 1;
    }

    /**
     * @return the newest epoch seen.
     */
    public int epoch()
    {
        return epoch;
    }

    private void onWholeRecord(
        final DirectBuffer buffer, final int offset, final int length, final long position, final boolean fetched)
    {
        if (!admit(position, fetched))
        {
            return;
        }
        if (buffer.getLong(offset + RecordHeaderFlyweight.POSITION_OFFSET, ByteOrder.LITTLE_ENDIAN) != position ||
            length > maxRecordLength)
        {
            counters.malformedFrames.incrementRelease();
            return;
        }
        final int slot = (int)(position & slotMask);
        if (slotPosition[slot] == position && slotFragments[slot] == fullMask(slotLength[slot]))
        {
            counters.duplicates.incrementRelease();
            return;
        }
        if (!codec.isIntact(buffer, offset, length))
        {
            counters.corruptRecords.incrementRelease();
            return;
        }

        if (position == next)
        {
            empty(slot);
            deliver(buffer, offset, length);
        }
        else
        {
            slotBuffer.putBytes(blockAt(slot), buffer, offset, length);
            slotPosition[slot] = position;
            slotLength[slot] = length;
            slotFragments[slot] = fullMask(length);
            slotCompleteNs[slot] = nowNs;
        }
    }

    private void onFragment(
        final DirectBuffer buffer,
        final int offset,
        final int fragmentOffset,
        final int chunk,
        final int recordLength,
        final long position,
        final boolean fetched)
    {
        if (!admit(position, fetched))
        {
            return;
        }
        final int slot = (int)(position & slotMask);
        if (slotPosition[slot] != position || slotLength[slot] != recordLength)
        {
            if (slotPosition[slot] == position)
            {
                // Fragments that disagree on the record's length: start again from this one rather than stick.
                counters.malformedFrames.incrementRelease();
            }
            slotPosition[slot] = position;
            slotLength[slot] = recordLength;
            slotFragments[slot] = 0;
        }

        final long bit = 1L << (fragmentOffset / maxPayload);
        if ((slotFragments[slot] & bit) != 0)
        {
            counters.duplicates.incrementRelease();
            return;
        }
        slotBuffer.putBytes(blockAt(slot) + fragmentOffset, buffer, offset, chunk);
        slotFragments[slot] |= bit;

        if (slotFragments[slot] == fullMask(recordLength))
        {
            final int at = heldAt(slot);
            if (slotBuffer.getLong(at + RecordHeaderFlyweight.POSITION_OFFSET, ByteOrder.LITTLE_ENDIAN) != position ||
                !codec.isIntact(slotBuffer, at, recordLength))
            {
                counters.corruptRecords.incrementRelease();
                empty(slot);
            }
            slotCompleteNs[slot] = nowNs;
        }
    }

    /**
     * @return true when a record at this position is wanted: not delivered yet, within the slots' reach, and of the
     * right kind (a position being fetched takes only the FETCHED copy, and only it is fetched).
     */
    private boolean admit(final long position, final boolean fetched)
    {
        if (fetched != isFetching(position))
        {
            if (!fetched)
            {
                if (position > highestSeen)
                {
                    highestSeen = position;
                }
            }
            counters.duplicates.incrementRelease();
            return false;
        }
        if (position < next)
        {
            counters.duplicates.incrementRelease();
            return false;
        }
        if (position > highestSeen)
        {
            highestSeen = position;
        }
        if (position >= next + slotCount)
        {
            counters.beyondWindow.incrementRelease();
            return false;
        }
        return true;
    }

    /**
     * @return the offset in {@link #slotBuffer} of the slot's block, taking a free one when it has none.
     */
    private int blockAt(final int slot)
    {
        int block = slotBlock[slot];
        if (block < 0)
        {
            // Never empty: each slot holds at most one block and there are as many blocks as slots.
            block = freeBlocks[--freeBlockCount];
            slotBlock[slot] = block;
            blocksUsed = Math.max(blocksUsed, block + 1);
        }
        return block * maxRecordLength;
    }

    /**
     * @return how many of the slots' blocks have ever held bytes (tests: a stream touches few of them).
     */
    int blocksUsed()
    {
        return blocksUsed;
    }

    /**
     * @return the offset in {@link #slotBuffer} of the block of a slot that holds bytes.
     */
    private int heldAt(final int slot)
    {
        return slotBlock[slot] * maxRecordLength;
    }

    /**
     * The slot holds no record now; its block goes back to the free ones.
     */
    private void empty(final int slot)
    {
        slotPosition[slot] = 0;
        final int block = slotBlock[slot];
        if (block >= 0)
        {
            freeBlocks[freeBlockCount++] = block;
            slotBlock[slot] = -1;
        }
    }

    private boolean isComplete(final long position)
    {
        final int slot = (int)(position & slotMask);
        return slotPosition[slot] == position && slotFragments[slot] == fullMask(slotLength[slot]);
    }

    private void drain()
    {
        while (isComplete(next))
        {
            final int slot = (int)(next & slotMask);
            if (!handler.onRecord(slotBuffer, heldAt(slot), slotLength[slot], next))
            {
                return;
            }
            empty(slot);
            delivered();
        }
    }

    /**
     * Deliver the record at {@code next} straight from a frame; one held back is kept in its slot.
     */
    private void deliver(final DirectBuffer buffer, final int offset, final int length)
    {
        if (handler.onRecord(buffer, offset, length, next))
        {
            delivered();
            return;
        }
        final int slot = (int)(next & slotMask);
        slotBuffer.putBytes(blockAt(slot), buffer, offset, length);
        slotPosition[slot] = next;
        slotLength[slot] = length;
        slotFragments[slot] = fullMask(length);
        slotCompleteNs[slot] = nowNs;
    }

    private void delivered()
    {
        final int slot = (int)(next & slotMask);
        if (slotFetching[slot] == next)
        {
            slotFetching[slot] = 0;
            fetchesPending--;
        }
        next++;
        counters.recordsDelivered.incrementRelease();
    }

    private void discardBuffered()
    {
        fetchesPending = 0;
        for (int i = 0; i < slotCount; i++)
        {
            empty(i);
            slotFetching[i] = 0;
        }
        highestSeen = next - 1;
    }

    /**
     * One FETCH per run of positions being fetched whose FETCHED copy is not whole yet, at most {@link #MAX_NAK_RUNS}.
     *
     * @return the frames sent, or -1 when the output was full.
     */
    private int sendFetches(final FrameOutput out)
    {
        final long limit = next + slotCount - 1;
        int runs = 0;
        int found = 0;
        for (long p = next; p <= limit && found < fetchesPending && runs < MAX_NAK_RUNS; p++)
        {
            if (!isFetching(p))
            {
                continue;
            }
            found++;
            if (isComplete(p))
            {
                continue;
            }
            final long from = p;
            while (p + 1 <= limit && isFetching(p + 1) && !isComplete(p + 1))
            {
                p++;
                found++;
            }
            if (!sendControl(out, ReplicationFrameFlyweight.KIND_FETCH, from, p))
            {
                return -1;
            }
            counters.fetchesSent.incrementRelease();
            runs++;
        }
        return runs;
    }

    private boolean sendControl(final FrameOutput out, final int kind, final long position, final long to)
    {
        final int frameLength = EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH;
        final int claimed = out.claim(frameLength);
        if (claimed < 0)
        {
            return false;
        }
        final MutableDirectBuffer buffer = out.buffer();
        ethernet.wrap(buffer, claimed)
            .destination(senderMac)
            .source(localMac)
            .etherType(EthernetFlyweight.ETHER_TYPE_REPLICATION);
        outbound.wrap(buffer, claimed + EthernetFlyweight.HEADER_LENGTH)
            .writeHeader(kind, nodeId, epoch, position, 0)
            .incarnation(incarnation)
            .nakTo(to);
        out.commit(claimed);
        return true;
    }

    private long fullMask(final int length)
    {
        final int fragments = (length + maxPayload - 1) / maxPayload;
        return fragments >= MAX_FRAGMENTS ? -1L : (1L << fragments) - 1;
    }
}
