package io.ertcp.engine.tcp;

/**
 * What {@link TcpStack#restore} needs to turn a replicated connection into a live one on a node
 * that never saw its handshake: the 4-tuple, the initial sequence numbers and options from the
 * connection's OPEN record ({@link ReplicationSeam#onOpen}), and how far each direction of the
 * stream had got. Sequence numbers follow from the stream offsets:
 * <pre>
 *   RCV.NXT = remoteIsn + 1 + receivedBytes (+ 1 when peerFinReceived)
 *   SND.UNA = SND.NXT = localIsn + 1 + acknowledgedBytes
 * </pre>
 * Mutable and reusable: {@link #clear()} it, set every field, pass it to the stack; the stack
 * copies what it needs and keeps no reference. Addresses and ports are host-order ints, as the
 * stack holds them everywhere else.
 */
public final class ConnectionRestore
{
    /** Duplicate ACKs after the first one: RFC 5681's threshold, so the peer fast-retransmits. */
    public static final int DEFAULT_DUPLICATE_ACKS = 3;

    private int localIp;
    private int localPort;
    private int remoteIp;
    private int remotePort;
    private int localIsn;
    private int remoteIsn;
    private int sendMss;
    private int sendWindowScale = -1;
    private int receiveWindowScale = -1;
    private boolean timestamps;
    private boolean sack;
    private int tsRecent;
    private long receivedBytes;
    private boolean peerFinReceived;
    private long acknowledgedBytes;
    private boolean handshakeComplete = true;
    private int duplicateAcks = DEFAULT_DUPLICATE_ACKS;

    /**
     * Back to the defaults: every number 0, both window scales -1, every flag false but
     * {@link #handshakeComplete()}, {@link #duplicateAcks()} {@value #DEFAULT_DUPLICATE_ACKS}.
     *
     * @return this.
     */
    public ConnectionRestore clear()
    {
        localIp = 0;
        localPort = 0;
        remoteIp = 0;
        remotePort = 0;
        localIsn = 0;
        remoteIsn = 0;
        sendMss = 0;
        sendWindowScale = -1;
        receiveWindowScale = -1;
        timestamps = false;
        sack = false;
        tsRecent = 0;
        receivedBytes = 0;
        peerFinReceived = false;
        acknowledgedBytes = 0;
        handshakeComplete = true;
        duplicateAcks = DEFAULT_DUPLICATE_ACKS;
        return this;
    }

    /**
     * @param localIp this node's IPv4 address of the connection, host order.
     * @return this.
     */
    public ConnectionRestore localIp(final int localIp)
    {
        this.localIp = localIp;
        return this;
    }

    public int localIp()
    {
        return localIp;
    }

    /**
     * @param localPort this node's port, 1 to 65535.
     * @return this.
     */
    public ConnectionRestore localPort(final int localPort)
    {
        this.localPort = localPort;
        return this;
    }

    public int localPort()
    {
        return localPort;
    }

    /**
     * @param remoteIp the peer's IPv4 address, host order.
     * @return this.
     */
    public ConnectionRestore remoteIp(final int remoteIp)
    {
        this.remoteIp = remoteIp;
        return this;
    }

    public int remoteIp()
    {
        return remoteIp;
    }

    /**
     * @param remotePort the peer's port, 1 to 65535.
     * @return this.
     */
    public ConnectionRestore remotePort(final int remotePort)
    {
        this.remotePort = remotePort;
        return this;
    }

    public int remotePort()
    {
        return remotePort;
    }

    /**
     * @param localIsn this side's initial send sequence number (ISS), as the original node chose
     *                 it. It also fixes the connection's timestamp offset, so TSvals continue.
     * @return this.
     */
    public ConnectionRestore localIsn(final int localIsn)
    {
        this.localIsn = localIsn;
        return this;
    }

    public int localIsn()
    {
        return localIsn;
    }

    /**
     * @param remoteIsn the peer's initial sequence number (IRS).
     * @return this.
     */
    public ConnectionRestore remoteIsn(final int remoteIsn)
    {
        this.remoteIsn = remoteIsn;
        return this;
    }

    public int remoteIsn()
    {
        return remoteIsn;
    }

    /**
     * @param sendMss largest payload per segment as negotiated, timestamp option already taken off
     *                (the value {@link ReplicationSeam#onOpen} reports); positive.
     * @return this.
     */
    public ConnectionRestore sendMss(final int sendMss)
    {
        this.sendMss = sendMss;
        return this;
    }

    public int sendMss()
    {
        return sendMss;
    }

    /**
     * @param sendWindowScale shift applied to the peer's advertised windows, 0 to 14, or -1 when
     *                        window scaling is not in use; -1 exactly when
     *                        {@link #receiveWindowScale(int)} is -1.
     * @return this.
     */
    public ConnectionRestore sendWindowScale(final int sendWindowScale)
    {
        this.sendWindowScale = sendWindowScale;
        return this;
    }

    public int sendWindowScale()
    {
        return sendWindowScale;
    }

    /**
     * @param receiveWindowScale shift applied to this side's advertised windows, 0 to 14, or -1
     *                           when window scaling is not in use.
     * @return this.
     */
    public ConnectionRestore receiveWindowScale(final int receiveWindowScale)
    {
        this.receiveWindowScale = receiveWindowScale;
        return this;
    }

    public int receiveWindowScale()
    {
        return receiveWindowScale;
    }

    /**
     * @param timestamps RFC 7323 timestamps were negotiated: every segment carries them.
     * @return this.
     */
    public ConnectionRestore timestamps(final boolean timestamps)
    {
        this.timestamps = timestamps;
        return this;
    }

    public boolean timestamps()
    {
        return timestamps;
    }

    /**
     * @param sack RFC 2018 SACK was permitted by both SYNs.
     * @return this.
     */
    public ConnectionRestore sack(final boolean sack)
    {
        this.sack = sack;
        return this;
    }

    public boolean sack()
    {
        return sack;
    }

    /**
     * @param tsRecent the last TSval seen from the peer (RFC 7323 TS.Recent), echoed until the
     *                 peer sends a newer one; not above the peer's current clock, or PAWS would
     *                 drop the peer's segments. 0 means unknown: PAWS then starts from the
     *                 peer's first TSval. Ignored without timestamps.
     * @return this.
     */
    public ConnectionRestore tsRecent(final int tsRecent)
    {
        this.tsRecent = tsRecent;
        return this;
    }

    public int tsRecent()
    {
        return tsRecent;
    }

    /**
     * @param receivedBytes in-order stream bytes received from the peer and to be acknowledged
     *                      (the stream offset of RCV.NXT, the FIN excluded); the service already
     *                      holds them. At least 0.
     * @return this.
     */
    public ConnectionRestore receivedBytes(final long receivedBytes)
    {
        this.receivedBytes = receivedBytes;
        return this;
    }

    public long receivedBytes()
    {
        return receivedBytes;
    }

    /**
     * @param peerFinReceived the peer's FIN followed those bytes: RCV.NXT counts it and the
     *                        connection is restored in CLOSE-WAIT instead of ESTABLISHED; the
     *                        service already knows the peer closed.
     * @return this.
     */
    public ConnectionRestore peerFinReceived(final boolean peerFinReceived)
    {
        this.peerFinReceived = peerFinReceived;
        return this;
    }

    public boolean peerFinReceived()
    {
        return peerFinReceived;
    }

    /**
     * @param acknowledgedBytes how much of this side's output the peer has acknowledged (the
     *                          stream offset of SND.UNA); the peer may in truth have acknowledged
     *                          more, which the restored connection accepts. At least 0.
     * @return this.
     */
    public ConnectionRestore acknowledgedBytes(final long acknowledgedBytes)
    {
        this.acknowledgedBytes = acknowledgedBytes;
        return this;
    }

    public long acknowledgedBytes()
    {
        return acknowledgedBytes;
    }

    /**
     * @param handshakeComplete false when the replica knows the connection only from its OPEN: no
     *                          record shows the peer completed the handshake (no data, no
     *                          acknowledgement of output, no FIN). The connection is then
     *                          restored in SYN-RECEIVED and sends the SYN-ACK again with ISS and
     *                          the logged options (held by {@link ReplicationSeam#acknowledgeLimit} like any
     *                          SYN-ACK): a peer still in SYN-SENT completes the handshake, a peer
     *                          already ESTABLISHED answers the old SYN-ACK with an ACK that
     *                          completes ours. receivedBytes and acknowledgedBytes must then be 0
     *                          and peerFinReceived false. Default true.
     * @return this.
     */
    public ConnectionRestore handshakeComplete(final boolean handshakeComplete)
    {
        this.handshakeComplete = handshakeComplete;
        return this;
    }

    public boolean handshakeComplete()
    {
        return handshakeComplete;
    }

    /**
     * @param duplicateAcks identical pure ACKs to send right after the restored connection's first
     *                      ACK, 0 to 16, default {@value #DEFAULT_DUPLICATE_ACKS}. The peer may
     *                      have sent data the old node never made durable; it would resend it
     *                      only at its RTO (200 ms or more, often backed off). Three duplicate
     *                      ACKs (RFC 5681 3.2) make it fast-retransmit at once. The first ACK
     *                      may itself change the peer's window, so it does not count. For a
     *                      connection restored in SYN-RECEIVED they follow the handshake, and
     *                      only when the peer's ACK shows it sent data this node lacks. A SACK
     *                      sender (Linux) counts no pure duplicate ACK: with SACK and a value
     *                      above 0 the connection also probes for the peer's SND.NXT and SACKs
     *                      the peer's last segment once, so that it resends the rest at once
     *                      (see TakeoverPrompt). 0 turns both off.
     * @return this.
     */
    public ConnectionRestore duplicateAcks(final int duplicateAcks)
    {
        this.duplicateAcks = duplicateAcks;
        return this;
    }

    public int duplicateAcks()
    {
        return duplicateAcks;
    }

    public String toString()
    {
        return "ConnectionRestore{" + localIp + ':' + localPort + " -> " + remoteIp + ':' + remotePort +
            ", localIsn=" + Integer.toUnsignedString(localIsn) + ", remoteIsn=" + Integer.toUnsignedString(remoteIsn) +
            ", sendMss=" + sendMss + ", sendWindowScale=" + sendWindowScale + ", receiveWindowScale=" +
            receiveWindowScale + ", timestamps=" + timestamps + ", sack=" + sack + ", tsRecent=" + tsRecent +
            ", receivedBytes=" + receivedBytes + ", peerFinReceived=" + peerFinReceived + ", acknowledgedBytes=" +
            acknowledgedBytes + ", handshakeComplete=" + handshakeComplete + ", duplicateAcks=" + duplicateAcks + '}';
    }
}
