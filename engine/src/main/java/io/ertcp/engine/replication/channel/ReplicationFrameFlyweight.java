package io.ertcp.engine.replication.channel;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The replication channel's frame, after the Ethernet header (EtherType 0x88B5). Little-endian like the records it
 * carries: only this software reads it, on little-endian hosts. One fixed 32-byte header for every kind, so a
 * receiver checks one length and reads every field at a constant offset.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |    Version    |     Kind      |        Payload length         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Sender node id                         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                             Epoch                             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        Incarnation (NAK, CONFIRM, FETCH; else zero)           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +   Position: RECORDS first record, NAK from, CONFIRM highest   +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   RECORDS: fragment offset    |  (NAK: to position, 64 bits;  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *  |   RECORDS: record length      |   CONFIRM: zero)              |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     RECORDS payload (up to 1428 bytes at a 1500-byte MTU) ... |
 * </pre>
 * RECORDS: the payload starts with bytes {@code [fragment offset, ...)} of the record at {@code position}, whose
 * whole length is {@code record length}. When that record ends inside the payload, whole records (each delimited
 * by the length in its own header, positions following on) fill the rest. A record that does not fit in one
 * payload is cut at multiples of the payload length ({@link #maxPayloadLength(int)} of the cluster's
 * {@code replication-mtu}, every node the same) from its start, always starting a frame, so every
 * copy of a fragment (first send or retransmission) has the same offset and length and a receiver reassembles
 * with one bit per fragment. NAK: the positions {@code [position, to]} are wanted again. CONFIRM: the sender holds
 * every record up to {@code position}; from the logger this is its durability confirmation. NAK, CONFIRM and FETCH
 * carry the receiver's incarnation ({@link #incarnation()}). FETCH and FETCHED are
 * ST-TCP's: a NAK for the whole record where an ordering record was sent, and the answer (see {@link #KIND_FETCH}).
 * Every frame, control frames included, ends in the {@link FrameAuthenticator} trailer (cluster, sender, incarnation,
 * counter, MAC), which a node checks and strips before any of this is read.
 */
public final class ReplicationFrameFlyweight
{
    public static final int VERSION_OFFSET = 0;
    public static final int KIND_OFFSET = 1;
    public static final int PAYLOAD_LENGTH_OFFSET = 2;
    public static final int NODE_ID_OFFSET = 4;
    public static final int EPOCH_OFFSET = 8;
    public static final int INCARNATION_OFFSET = 12;
    public static final int POSITION_OFFSET = 16;
    public static final int FRAGMENT_OFFSET_OFFSET = 24;
    public static final int RECORD_LENGTH_OFFSET = 28;
    public static final int NAK_TO_OFFSET = 24;
    public static final int HEADER_LENGTH = 32;
    public static final int PAYLOAD_OFFSET = HEADER_LENGTH;

    public static final int CURRENT_VERSION = 1;

    public static final int KIND_RECORDS = 1;
    public static final int KIND_NAK = 2;
    public static final int KIND_CONFIRM = 3;
    /**
     * ST-TCP: the backup wants the whole record at {@code position} (to {@code to}, as a NAK), because the ordering
     * record that stands for it names bytes its tap did not get. Answered with FETCHED.
     */
    public static final int KIND_FETCH = 8;
    /** ST-TCP: a whole record from the primary's own log, laid out as RECORDS (fragments included, no packing). */
    public static final int KIND_FETCHED = 9;
    /**
     * The sender's records start at {@code position}: retention deleted what lies before it. Sent in answer to a NAK
     * for earlier positions; a receiver with an empty log starts there (see {@link RecordReceiver#baseListener}).
     */
    public static final int KIND_BASE = 10;

    /** The Ethernet payload of a 1500-byte MTU: the default {@code replication-mtu}. */
    public static final int MTU = 1500;
    /** The smallest and largest {@code replication-mtu} (docs/cluster-file.md): IPv6's minimum link MTU, a 9216 jumbo. */
    public static final int MIN_MTU = 1280;
    public static final int MAX_MTU = 9216;
    /** Record bytes one frame carries at the default MTU; also the fragment size. The authentication trailer follows. */
    public static final int MAX_PAYLOAD_LENGTH = MTU - HEADER_LENGTH - FrameAuthenticator.TRAILER_LENGTH;

    /**
     * @param mtu the replication channel's MTU (the Ethernet payload a frame may carry), {@link #MIN_MTU} to
     *            {@link #MAX_MTU}.
     * @return the record bytes one frame carries at that MTU: the fragment size of every record cut into frames.
     */
    public static int maxPayloadLength(final int mtu)
    {
        if (mtu < MIN_MTU || mtu > MAX_MTU)
        {
            throw new IllegalArgumentException("A replication MTU of " + mtu + " bytes is outside " + MIN_MTU + ".." +
                MAX_MTU + ".");
        }
        return mtu - HEADER_LENGTH - FrameAuthenticator.TRAILER_LENGTH;
    }

    private DirectBuffer buffer;
    private MutableDirectBuffer mutableBuffer;
    private int offset;

    public ReplicationFrameFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.mutableBuffer = buffer instanceof MutableDirectBuffer ? (MutableDirectBuffer)buffer : null;
        this.offset = offset;
        return this;
    }

    /**
     * Write the common header; the kind-specific fields are left zero.
     */
    public ReplicationFrameFlyweight writeHeader(
        final int kind, final int nodeId, final int epoch, final long position, final int payloadLength)
    {
        mutableBuffer.putByte(offset + VERSION_OFFSET, (byte)CURRENT_VERSION);
        mutableBuffer.putByte(offset + KIND_OFFSET, (byte)kind);
        mutableBuffer.putShort(offset + PAYLOAD_LENGTH_OFFSET, (short)payloadLength, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putInt(offset + NODE_ID_OFFSET, nodeId, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putInt(offset + EPOCH_OFFSET, epoch, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putInt(offset + INCARNATION_OFFSET, 0, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putLong(offset + POSITION_OFFSET, position, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putLong(offset + NAK_TO_OFFSET, 0L, ByteOrder.LITTLE_ENDIAN);
        return this;
    }

    public int version()
    {
        return buffer.getByte(offset + VERSION_OFFSET) & 0xFF;
    }

    /**
     * @return the receiver's incarnation in its NAK, CONFIRM and FETCH frames: it grows with every receiver made (and
     * every restart of its process), so a sender tells a receiver that restarted without its state, and its frames
     * still in flight, from the one it serves. 0 when not given.
     */
    public int incarnation()
    {
        return buffer.getInt(offset + INCARNATION_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public ReplicationFrameFlyweight incarnation(final int incarnation)
    {
        mutableBuffer.putInt(offset + INCARNATION_OFFSET, incarnation, ByteOrder.LITTLE_ENDIAN);
        return this;
    }

    public int kind()
    {
        return buffer.getByte(offset + KIND_OFFSET) & 0xFF;
    }

    public int payloadLength()
    {
        return buffer.getShort(offset + PAYLOAD_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    public int nodeId()
    {
        return buffer.getInt(offset + NODE_ID_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public int epoch()
    {
        return buffer.getInt(offset + EPOCH_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public long position()
    {
        return buffer.getLong(offset + POSITION_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public int fragmentOffset()
    {
        return buffer.getInt(offset + FRAGMENT_OFFSET_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public ReplicationFrameFlyweight fragmentOffset(final int fragmentOffset)
    {
        mutableBuffer.putInt(offset + FRAGMENT_OFFSET_OFFSET, fragmentOffset, ByteOrder.LITTLE_ENDIAN);
        return this;
    }

    public int recordLength()
    {
        return buffer.getInt(offset + RECORD_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public ReplicationFrameFlyweight recordLength(final int recordLength)
    {
        mutableBuffer.putInt(offset + RECORD_LENGTH_OFFSET, recordLength, ByteOrder.LITTLE_ENDIAN);
        return this;
    }

    public long nakTo()
    {
        return buffer.getLong(offset + NAK_TO_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public ReplicationFrameFlyweight nakTo(final long position)
    {
        mutableBuffer.putLong(offset + NAK_TO_OFFSET, position, ByteOrder.LITTLE_ENDIAN);
        return this;
    }
}
