package io.ertcp.log;

/**
 * The kinds of replication record, as the {@code type} field of {@link RecordHeaderFlyweight} carries them.
 * Plain int constants rather than an enum so that a record's type is read from the buffer and switched on without
 * a lookup; {@link #fixedLength(int)} gives each fixed part's length and is how the codec checks lengths.
 */
public final class RecordType
{
    /** A connection was established: 4-tuple, both ISNs and the negotiated options. */
    public static final int OPEN = 1;
    /** Client bytes received in order on one connection. */
    public static final int DATA = 2;
    /** How much server output the client has acknowledged. */
    public static final int CLIENT_ACK = 3;
    /** The client's FIN, at its stream offset. */
    public static final int FIN = 4;
    /** The connection was reset. */
    public static final int RST = 5;
    /** The connection is gone from the table (it needs no log before this any more). */
    public static final int CLOSED = 6;
    /** A node's liveness and log position. */
    public static final int HEARTBEAT = 7;
    /** Takeover: a new epoch and the node that is primary in it. */
    public static final int EPOCH_CHANGE = 8;
    /** A service's scheduled timeout fired, logged so time-based events keep the log order on every replica. */
    public static final int TIMEOUT = 9;
    /**
     * ST-TCP's ordering record: a DATA record without its bytes, sent on the channel only (the backup tapped the
     * bytes), never stored; see {@link DataRefFlyweight}.
     */
    public static final int DATA_REF = 10;
    /** The primary's clock entered in the log: the cluster time of the records after it; see {@link TimeFlyweight}. */
    public static final int TIME = 11;
    /** Every replica snapshots its service's state at this position; see {@link SnapshotFlyweight}. */
    public static final int SNAPSHOT = 12;

    static final int MIN_TYPE = OPEN;
    static final int MAX_TYPE = SNAPSHOT;

    private RecordType()
    {
    }

    public static boolean isKnown(final int type)
    {
        return type >= MIN_TYPE && type <= MAX_TYPE;
    }

    /**
     * The length of the fixed part of a record of this type, header included; for DATA the bytes follow it.
     *
     * @return the length, or -1 for an unknown type.
     */
    public static int fixedLength(final int type)
    {
        return switch (type)
        {
            case OPEN -> OpenFlyweight.LENGTH;
            case DATA -> DataFlyweight.HEADER_LENGTH;
            case CLIENT_ACK -> ClientAckFlyweight.LENGTH;
            case FIN -> FinFlyweight.LENGTH;
            case RST -> RstFlyweight.LENGTH;
            case CLOSED -> ClosedFlyweight.LENGTH;
            case HEARTBEAT -> HeartbeatFlyweight.LENGTH;
            case EPOCH_CHANGE -> EpochChangeFlyweight.LENGTH;
            case TIMEOUT -> TimeoutFlyweight.LENGTH;
            case DATA_REF -> DataRefFlyweight.LENGTH;
            case TIME -> TimeFlyweight.LENGTH;
            case SNAPSHOT -> SnapshotFlyweight.LENGTH;
            default -> -1;
        };
    }

    public static String name(final int type)
    {
        return switch (type)
        {
            case OPEN -> "OPEN";
            case DATA -> "DATA";
            case CLIENT_ACK -> "CLIENT_ACK";
            case FIN -> "FIN";
            case RST -> "RST";
            case CLOSED -> "CLOSED";
            case HEARTBEAT -> "HEARTBEAT";
            case EPOCH_CHANGE -> "EPOCH_CHANGE";
            case TIMEOUT -> "TIMEOUT";
            case DATA_REF -> "DATA_REF";
            case TIME -> "TIME";
            case SNAPSHOT -> "SNAPSHOT";
            default -> "UNKNOWN(" + type + ")";
        };
    }
}
