package io.ertcp.engine.cluster.membership;

import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;

/**
 * The cluster's control frames on the replication channel: the kinds {@link Membership} sends and receives beside
 * the channel's own RECORDS, NAK and CONFIRM, all behind the common 32-byte {@link ReplicationFrameFlyweight} header
 * (EtherType 0x88B5, little-endian). The header's fields mean:
 * <pre>
 *   kind            HEARTBEAT (4)          VOTE_REQUEST (5)            VOTE (6)               LEAVE (16)
 *   node id         the sender             the candidate               the voter              the member leaving
 *   epoch           the sender's epoch     the epoch it asks for       the epoch voted in     the sender's epoch
 *   position        sender's log position  candidate's log position    voter's log position   its successor's node id
 *   payload length  32                     0                           8                      0
 * </pre>
 * LEAVE says that its sender stops on purpose (SIGTERM, or a primary handing over in a switchover): the others take
 * it as gone at once, without waiting out the suspicion timeout. A primary leaving names the backup it drained to
 * as its successor (or {@link #NO_NODE}), and that backup stands for election at once.
 * Bytes 24..31 of the header are zero. Payloads: {@link HeartbeatFlyweight}, {@link VoteFlyweight}; VOTE_REQUEST
 * has none. A frame shorter than 60 bytes is padded with zeros; the payload length field, not the frame length,
 * says where the payload ends. A receiver drops (and counts) a frame whose payload length is not its kind's.
 */
public final class ControlFrames
{
    public static final int KIND_HEARTBEAT = 4;
    public static final int KIND_VOTE_REQUEST = 5;
    public static final int KIND_VOTE = 6;
    /**
     * The primary names a backup the new logger after the logger was lost (docs/architecture.md rule 6): node id = the primary,
     * epoch = its epoch, position = the node id of the backup promoted; no payload. Sent to the group every
     * heartbeat until the backup's heartbeats say LOGGER. Sent and handled by {@link Membership}; not one of
     * {@link #isControlKind}'s kinds, so the node routes it to {@link Membership#onFrame} by name.
     */
    public static final int KIND_PROMOTE_LOGGER = 7;

    /** A member stops on purpose; see above. */
    public static final int KIND_LEAVE = 16;

    public static final int VOTE_REQUEST_PAYLOAD_LENGTH = 0;
    public static final int LEAVE_PAYLOAD_LENGTH = 0;

    /** Role codes on the wire; 0 is no role. */
    public static final int ROLE_PRIMARY = 1;
    public static final int ROLE_LOGGER = 2;
    public static final int ROLE_BACKUP = 3;
    public static final int ROLE_WITNESS = 4;

    /** No node: a heartbeat's primary id when the sender knows of none. */
    public static final int NO_NODE = -1;

    private static final Role[] ROLES_BY_CODE = {null, Role.PRIMARY, Role.LOGGER, Role.BACKUP, Role.WITNESS};

    private ControlFrames()
    {
    }

    /**
     * @return true for the kinds defined here, so a dispatcher on the replication channel can route them.
     */
    public static boolean isControlKind(final int kind)
    {
        return kind == KIND_HEARTBEAT || kind == KIND_VOTE_REQUEST || kind == KIND_VOTE || kind == KIND_LEAVE;
    }

    /**
     * @return the payload length of a control kind, or -1 for any other kind.
     */
    public static int payloadLength(final int kind)
    {
        return switch (kind)
        {
            case KIND_HEARTBEAT -> HeartbeatFlyweight.LENGTH;
            case KIND_VOTE_REQUEST -> VOTE_REQUEST_PAYLOAD_LENGTH;
            case KIND_VOTE -> VoteFlyweight.LENGTH;
            case KIND_LEAVE -> LEAVE_PAYLOAD_LENGTH;
            case KIND_PROMOTE_LOGGER -> 0;
            default -> -1;
        };
    }

    public static int roleCode(final Role role)
    {
        return switch (role)
        {
            case PRIMARY -> ROLE_PRIMARY;
            case LOGGER -> ROLE_LOGGER;
            case BACKUP -> ROLE_BACKUP;
            case WITNESS -> ROLE_WITNESS;
        };
    }

    /**
     * @return the role, or null when the code names none.
     */
    public static Role role(final int code)
    {
        return code > 0 && code < ROLES_BY_CODE.length ? ROLES_BY_CODE[code] : null;
    }
}
