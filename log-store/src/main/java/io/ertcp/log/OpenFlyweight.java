package io.ertcp.log;

import org.agrona.DirectBuffer;

/**
 * OPEN: a connection reached ESTABLISHED on the primary. It carries everything a backup needs to build the same
 * connection without seeing the handshake: the 4-tuple, both initial sequence numbers and the options negotiated
 * with the client, which must stay as they were across a takeover (the client keeps using them). The last TSval seen
 * from the client and the last sent are here so a backup's clock continues monotonically for PAWS (RFC 7323 §5).
 * Little-endian, after the common {@link RecordHeaderFlyweight header}.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Header (24 bytes, type OPEN)                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Connection id (64)                     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     Local IPv4 address                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     Remote IPv4 address                       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Local port           |          Remote port          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                   Local ISN (server's ISS)                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                   Remote ISN (client's IRS)                   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Send MSS            | Send wscale   | Recv wscale   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  | Flags (TS,SACK)|                 Reserved                     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |             TS.Recent (last TSval seen from client)           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                   Last TSval sent to client                   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Addresses and ports are held as the stack holds them (host-order ints), not as they appear on the wire.
 */
public final class OpenFlyweight extends RecordHeaderFlyweight
{
    public static final int CONNECTION_ID_OFFSET = BODY_OFFSET;
    public static final int LOCAL_IP_OFFSET = BODY_OFFSET + 8;
    public static final int REMOTE_IP_OFFSET = BODY_OFFSET + 12;
    public static final int LOCAL_PORT_OFFSET = BODY_OFFSET + 16;
    public static final int REMOTE_PORT_OFFSET = BODY_OFFSET + 18;
    public static final int LOCAL_ISN_OFFSET = BODY_OFFSET + 20;
    public static final int REMOTE_ISN_OFFSET = BODY_OFFSET + 24;
    public static final int SEND_MSS_OFFSET = BODY_OFFSET + 28;
    public static final int SEND_WINDOW_SCALE_OFFSET = BODY_OFFSET + 30;
    public static final int RECEIVE_WINDOW_SCALE_OFFSET = BODY_OFFSET + 31;
    public static final int FLAGS_OFFSET = BODY_OFFSET + 32;
    public static final int TS_RECENT_OFFSET = BODY_OFFSET + 36;
    public static final int TS_VAL_SENT_OFFSET = BODY_OFFSET + 40;
    public static final int LENGTH = BODY_OFFSET + 44;

    public static final int FLAG_TIMESTAMPS = 0x1;
    public static final int FLAG_SACK = 0x2;

    @Override
    public OpenFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        super.wrap(buffer, offset);
        return this;
    }

    /**
     * Write a whole OPEN record (header and body) at the wrapped offset.
     */
    public OpenFlyweight write(
        final int epoch,
        final long connectionId,
        final int localIp,
        final int localPort,
        final int remoteIp,
        final int remotePort,
        final int localIsn,
        final int remoteIsn)
    {
        writeHeader(RecordType.OPEN, LENGTH, epoch);
        putLong(CONNECTION_ID_OFFSET, connectionId);
        putInt(LOCAL_IP_OFFSET, localIp);
        putInt(REMOTE_IP_OFFSET, remoteIp);
        putShort(LOCAL_PORT_OFFSET, localPort);
        putShort(REMOTE_PORT_OFFSET, remotePort);
        putInt(LOCAL_ISN_OFFSET, localIsn);
        putInt(REMOTE_ISN_OFFSET, remoteIsn);
        putShort(SEND_MSS_OFFSET, 0);
        putByte(SEND_WINDOW_SCALE_OFFSET, 0);
        putByte(RECEIVE_WINDOW_SCALE_OFFSET, 0);
        putInt(FLAGS_OFFSET, 0);
        putInt(TS_RECENT_OFFSET, 0);
        putInt(TS_VAL_SENT_OFFSET, 0);
        return this;
    }

    /**
     * Write the negotiated options; window scales are the shift counts (0..14), -1 never appears: without the
     * option both are 0.
     */
    public OpenFlyweight options(
        final int sendMss,
        final int sendWindowScale,
        final int receiveWindowScale,
        final boolean timestamps,
        final boolean sack)
    {
        putShort(SEND_MSS_OFFSET, sendMss);
        putByte(SEND_WINDOW_SCALE_OFFSET, sendWindowScale);
        putByte(RECEIVE_WINDOW_SCALE_OFFSET, receiveWindowScale);
        putInt(FLAGS_OFFSET, (timestamps ? FLAG_TIMESTAMPS : 0) | (sack ? FLAG_SACK : 0));
        return this;
    }

    public OpenFlyweight timestamps(final int tsRecent, final int tsValSent)
    {
        putInt(TS_RECENT_OFFSET, tsRecent);
        putInt(TS_VAL_SENT_OFFSET, tsValSent);
        return this;
    }

    public long connectionId()
    {
        return getLong(CONNECTION_ID_OFFSET);
    }

    public int localIp()
    {
        return getInt(LOCAL_IP_OFFSET);
    }

    public int remoteIp()
    {
        return getInt(REMOTE_IP_OFFSET);
    }

    public int localPort()
    {
        return getUnsignedShort(LOCAL_PORT_OFFSET);
    }

    public int remotePort()
    {
        return getUnsignedShort(REMOTE_PORT_OFFSET);
    }

    public int localIsn()
    {
        return getInt(LOCAL_ISN_OFFSET);
    }

    public int remoteIsn()
    {
        return getInt(REMOTE_ISN_OFFSET);
    }

    public int sendMss()
    {
        return getUnsignedShort(SEND_MSS_OFFSET);
    }

    public int sendWindowScale()
    {
        return getUnsignedByte(SEND_WINDOW_SCALE_OFFSET);
    }

    public int receiveWindowScale()
    {
        return getUnsignedByte(RECEIVE_WINDOW_SCALE_OFFSET);
    }

    public boolean timestampsEnabled()
    {
        return (getInt(FLAGS_OFFSET) & FLAG_TIMESTAMPS) != 0;
    }

    public boolean sackEnabled()
    {
        return (getInt(FLAGS_OFFSET) & FLAG_SACK) != 0;
    }

    public int tsRecent()
    {
        return getInt(TS_RECENT_OFFSET);
    }

    public int tsValSent()
    {
        return getInt(TS_VAL_SENT_OFFSET);
    }
}
