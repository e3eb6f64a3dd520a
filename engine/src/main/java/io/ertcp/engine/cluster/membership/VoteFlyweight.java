package io.ertcp.engine.cluster.membership;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The payload of a VOTE ({@link ControlFrames#KIND_VOTE}), after the replication frame header, whose node id, epoch
 * and position carry the voter, the epoch voted in and the voter's log position (the logger's tells the new primary
 * how far to drain). Little-endian.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Candidate node id                       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |    Granted    |  Voter role   |           Reserved            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Granted is 1 or 0; a refusal is sent too, so a candidate's counters show why it waits.
 */
public final class VoteFlyweight
{
    public static final int CANDIDATE_ID_OFFSET = 0;
    public static final int GRANTED_OFFSET = 4;
    public static final int VOTER_ROLE_OFFSET = 5;
    public static final int RESERVED_OFFSET = 6;
    public static final int LENGTH = 8;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutableBuffer;
    private int offset;

    public VoteFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.mutableBuffer = buffer instanceof MutableDirectBuffer ? (MutableDirectBuffer)buffer : null;
        this.offset = offset;
        return this;
    }

    /**
     * Write the whole payload, reserved bytes zero.
     */
    public VoteFlyweight write(final int candidateId, final boolean granted, final int voterRoleCode)
    {
        mutableBuffer.putInt(offset + CANDIDATE_ID_OFFSET, candidateId, ByteOrder.LITTLE_ENDIAN);
        mutableBuffer.putByte(offset + GRANTED_OFFSET, (byte)(granted ? 1 : 0));
        mutableBuffer.putByte(offset + VOTER_ROLE_OFFSET, (byte)voterRoleCode);
        mutableBuffer.putShort(offset + RESERVED_OFFSET, (short)0, ByteOrder.LITTLE_ENDIAN);
        return this;
    }

    public int candidateId()
    {
        return buffer.getInt(offset + CANDIDATE_ID_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * @return 1 granted, 0 refused, anything else malformed.
     */
    public int granted()
    {
        return buffer.getByte(offset + GRANTED_OFFSET) & 0xFF;
    }

    public int voterRoleCode()
    {
        return buffer.getByte(offset + VOTER_ROLE_OFFSET) & 0xFF;
    }
}
