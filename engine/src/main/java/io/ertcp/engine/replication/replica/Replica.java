package io.ertcp.engine.replication.replica;

import io.ertcp.log.OpenFlyweight;
import io.ertcp.service.Connection;
import io.ertcp.service.SnapshotInput;
import io.ertcp.service.SnapshotOutput;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One replicated connection as the service sees it, the same on the primary and on every backup. Its state is a
 * function of the records applied to it and nothing else: the input the log holds, how much output the client has
 * acknowledged as the log says, and what the service wrote in answer. That is what makes a backup's copy of the
 * service produce the very bytes the primary's produced, and what a takeover turns back into a TCP connection.
 * <p>
 * Input waits in a linear buffer until the service consumes it. Output lives in a ring from the client's logged
 * acknowledgement to what the service produced; the space the service may write into is the ring's capacity less
 * what the client has not acknowledged in the log, never what the primary's TCP send buffer happens to hold, so the
 * service's choices under backpressure replay identically.
 * <p>
 * Every field is written by this class alone, in the methods {@link ReplicatedService} calls as it applies records and
 * in those the service calls ({@link Connection}); others only read them. What the primary alone keeps (the live TCP
 * connection, durable and released offsets) is a {@link PrimaryConnection}, which a backup that takes over makes from
 * what it reads here.
 */
public final class Replica implements Connection
{
    private final ReplicatedService owner;

    // Identity and the TCP options negotiated with the client (from the OPEN record)
    long id;
    int localIp;
    int localPort;
    int remoteIp;
    int remotePort;
    int localIsn;
    int remoteIsn;
    int sendMss;
    int sendWindowScale;
    int receiveWindowScale;
    boolean timestamps;
    boolean sack;
    int tsRecent;

    // Input: bytes logged but not consumed by the service wait in [inputStart, inputEnd)
    final UnsafeBuffer input;
    int inputStart;
    int inputEnd;
    /** Stream offset one past the last input byte logged (all DATA records applied so far). */
    long inputOffset;
    /** The client's FIN was logged. */
    boolean peerFin;
    private boolean peerClosedDelivered;

    // Output: [outputAcked, produced) of the stream lives in the ring at (offset & mask)
    final UnsafeBuffer output;
    private final int outputMask;
    /** Stream offset the client has acknowledged, as the log says (CLIENT_ACK records). */
    long outputAcked;
    /** Stream offset one past the last byte the service wrote. */
    long produced;
    /** The service shut its output down: a FIN follows the last byte produced. */
    boolean outputShutdown;
    /** The service aborted the connection: a RST goes to the client. */
    boolean aborted;
    private boolean writeBlocked;

    // Lifetime
    /** The service was told the connection is gone; the replica lives on until the log's CLOSED record. */
    boolean serviceClosed;
    private Object attachment;

    // Timeout the service asked for: only the primary arms it; a backup keeps it to arm at takeover
    long timeoutDelayMs;
    long timerId;
    boolean timeoutArmed;

    // Bookkeeping for the apply pass
    boolean touched;
    boolean closePending;

    /** The position of this connection's OPEN record: retention keeps the log from the oldest live one. */
    long openPosition;

    Replica(final ReplicatedService owner, final int inputCapacity, final int outputCapacity)
    {
        if (Integer.bitCount(outputCapacity) != 1)
        {
            throw new IllegalArgumentException("outputCapacity must be a power of two: " + outputCapacity);
        }
        this.owner = owner;
        this.input = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(inputCapacity));
        this.output = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(outputCapacity));
        this.outputMask = outputCapacity - 1;
    }

    /**
     * The OPEN record at {@code openPosition} made this (pooled) replica connection {@code open.connectionId()}.
     *
     * @param keptFrom where retention must keep the log from for it: its OPEN, or the TIME just before.
     */
    void open(final OpenFlyweight open, final long keptFrom)
    {
        reset(open.connectionId());
        openPosition = keptFrom;
        localIp = open.localIp();
        localPort = open.localPort();
        remoteIp = open.remoteIp();
        remotePort = open.remotePort();
        localIsn = open.localIsn();
        remoteIsn = open.remoteIsn();
        sendMss = open.sendMss();
        sendWindowScale = open.sendWindowScale();
        receiveWindowScale = open.receiveWindowScale();
        timestamps = open.timestampsEnabled();
        sack = open.sackEnabled();
        tsRecent = open.tsRecent();
    }

    private void reset(final long id)
    {
        this.id = id;
        inputStart = inputEnd = 0;
        inputOffset = 0;
        peerFin = peerClosedDelivered = false;
        outputAcked = produced = 0;
        outputShutdown = aborted = writeBlocked = false;
        serviceClosed = false;
        attachment = null;
        timeoutDelayMs = 0;
        timerId = 0;
        timeoutArmed = false;
        touched = closePending = false;
    }

    // Flags of a replica's state in a snapshot
    private static final int TIMESTAMPS = 1;
    private static final int SACK = 1 << 1;
    private static final int PEER_FIN = 1 << 2;
    private static final int PEER_CLOSED_DELIVERED = 1 << 3;
    private static final int OUTPUT_SHUTDOWN = 1 << 4;
    private static final int ABORTED = 1 << 5;
    private static final int WRITE_BLOCKED = 1 << 6;
    private static final int SERVICE_CLOSED = 1 << 7;
    private static final int TIMEOUT_ARMED = 1 << 8;
    private static final int KNOWN_FLAGS = (1 << 9) - 1;

    /**
     * Write this replica's whole state for a snapshot (docs/architecture.md "Snapshots"): everything a record or the
     * service set, so that {@link #readState} on another node gives a replica that goes on, and is taken over,
     * exactly as this one. Between two records, so nothing is touched or pending. Little-endian:
     * <pre>
     *   id (8) | local ip, port, remote ip, port (4 each) | local ISN, remote ISN (4 each) | send MSS (4) |
     *   send and receive window scale (4 each) | TS.Recent (4) | flags (4) | input offset (8) |
     *   output acknowledged (8) | produced (8) | timeout delay, ms (8) | timer id (8) |
     *   unconsumed input: length (4), bytes | unacknowledged output: its produced - acknowledged bytes
     * </pre>
     */
    void writeState(final SnapshotOutput out)
    {
        out.putLong(id);
        out.putInt(localIp);
        out.putInt(localPort);
        out.putInt(remoteIp);
        out.putInt(remotePort);
        out.putInt(localIsn);
        out.putInt(remoteIsn);
        out.putInt(sendMss);
        out.putInt(sendWindowScale);
        out.putInt(receiveWindowScale);
        out.putInt(tsRecent);
        out.putInt((timestamps ? TIMESTAMPS : 0) | (sack ? SACK : 0) | (peerFin ? PEER_FIN : 0) |
            (peerClosedDelivered ? PEER_CLOSED_DELIVERED : 0) | (outputShutdown ? OUTPUT_SHUTDOWN : 0) |
            (aborted ? ABORTED : 0) | (writeBlocked ? WRITE_BLOCKED : 0) | (serviceClosed ? SERVICE_CLOSED : 0) |
            (timeoutArmed ? TIMEOUT_ARMED : 0));
        out.putLong(inputOffset);
        out.putLong(outputAcked);
        out.putLong(produced);
        out.putLong(timeoutDelayMs);
        out.putLong(timerId);
        out.putInt(inputEnd - inputStart);
        out.putBytes(input, inputStart, inputEnd - inputStart);
        final int unacknowledged = (int)(produced - outputAcked);
        final int first = contiguousOutput(outputAcked, unacknowledged);
        out.putBytes(output, outputIndex(outputAcked), first);
        out.putBytes(output, 0, unacknowledged - first);
    }

    /**
     * Make this (pooled) replica the one {@link #writeState} wrote.
     *
     * @param keptFrom where the log this node holds for it starts: after the snapshot's position.
     * @throws IllegalArgumentException when the bytes do not describe a replica this one can hold.
     */
    void readState(final SnapshotInput in, final long keptFrom)
    {
        reset(in.getLong());
        openPosition = keptFrom;
        localIp = in.getInt();
        localPort = in.getInt();
        remoteIp = in.getInt();
        remotePort = in.getInt();
        localIsn = in.getInt();
        remoteIsn = in.getInt();
        sendMss = in.getInt();
        sendWindowScale = in.getInt();
        receiveWindowScale = in.getInt();
        tsRecent = in.getInt();
        final int flags = in.getInt();
        if ((flags & ~KNOWN_FLAGS) != 0)
        {
            throw new IllegalArgumentException("connection " + id + " in the snapshot has unknown flags " +
                Integer.toHexString(flags));
        }
        timestamps = (flags & TIMESTAMPS) != 0;
        sack = (flags & SACK) != 0;
        peerFin = (flags & PEER_FIN) != 0;
        peerClosedDelivered = (flags & PEER_CLOSED_DELIVERED) != 0;
        outputShutdown = (flags & OUTPUT_SHUTDOWN) != 0;
        aborted = (flags & ABORTED) != 0;
        writeBlocked = (flags & WRITE_BLOCKED) != 0;
        serviceClosed = (flags & SERVICE_CLOSED) != 0;
        timeoutArmed = (flags & TIMEOUT_ARMED) != 0;
        inputOffset = in.getLong();
        outputAcked = in.getLong();
        produced = in.getLong();
        timeoutDelayMs = in.getLong();
        timerId = in.getLong();
        final int pending = in.getInt();
        final long unacknowledged = produced - outputAcked;
        if (pending < 0 || pending > input.capacity() || pending > inputOffset || outputAcked < 0 ||
            unacknowledged < 0 || unacknowledged > output.capacity())
        {
            throw new IllegalArgumentException("connection " + id + " in the snapshot holds " + pending +
                " bytes of input and " + unacknowledged + " of output, more than this node's buffers (" +
                input.capacity() + " and " + output.capacity() + " bytes) or than its stream offsets allow");
        }
        in.getBytes(input, 0, pending);
        inputEnd = pending;
        final int first = contiguousOutput(outputAcked, (int)unacknowledged);
        in.getBytes(output, outputIndex(outputAcked), first);
        in.getBytes(output, 0, (int)unacknowledged - first);
    }

    /**
     * The log's FIN: the client closed its side after the input logged so far.
     *
     * @return false when a FIN was logged already.
     */
    boolean peerFinLogged()
    {
        if (peerFin)
        {
            return false;
        }
        peerFin = true;
        return true;
    }

    /**
     * A TIMEOUT record for timer {@code timerId}.
     *
     * @return true when it is the timeout armed now and the service still holds the connection: it fires, disarmed.
     */
    boolean timeoutFired(final long timerId)
    {
        if (timeoutArmed && this.timerId == timerId && !serviceClosed)
        {
            timeoutArmed = false;
            return true;
        }
        return false;
    }

    /**
     * The service is told the connection is gone (its timeout, if armed, is disarmed).
     *
     * @return false when it was told already.
     */
    boolean closeService()
    {
        if (serviceClosed)
        {
            return false;
        }
        serviceClosed = true;
        return true;
    }

    /**
     * @return true when the armed timeout was disarmed by this call.
     */
    boolean disarmTimeout()
    {
        final boolean wasArmed = timeoutArmed;
        timeoutArmed = false;
        return wasArmed;
    }

    /**
     * The apply pass marks each replica a record changes once.
     *
     * @return true when it was not marked yet.
     */
    boolean markTouched()
    {
        if (touched)
        {
            return false;
        }
        touched = true;
        return true;
    }

    void clearTouched()
    {
        touched = false;
    }

    /**
     * @return true once after the service aborted: the apply pass closes it at the end of the record.
     */
    boolean takeClosePending()
    {
        final boolean pending = closePending;
        closePending = false;
        return pending;
    }

    /**
     * @return bytes of input the replica can still hold: what the primary may log for it now.
     */
    int inputFree()
    {
        return input.capacity() - (inputEnd - inputStart);
    }

    /**
     * A DATA record's bytes arrived: when no earlier input waits, the service reads them where the record lies and only
     * what it leaves is copied into the input buffer (the usual case, a service that takes all it is given, copies
     * nothing); else they go behind what waits and the service is offered the whole. Either way the service sees the
     * same bytes in the same calls on the primary and on every backup, since both apply the same records.
     */
    void receiveInput(final DirectBuffer buffer, final int offset, final int length)
    {
        if (inputEnd > inputStart || serviceClosed || aborted)
        {
            appendInput(buffer, offset, length);
            deliverInput();
            return;
        }
        inputOffset += length;
        final int consumed = owner.service().onData(this, buffer, offset, length);
        final int taken = Math.max(0, Math.min(consumed, length));
        inputStart = 0;
        inputEnd = 0;
        if (taken < length)
        {
            input.putBytes(0, buffer, offset + taken, length - taken);
            inputEnd = length - taken;
        }
        else
        {
            deliverPeerClose();
        }
    }

    private void appendInput(final DirectBuffer buffer, final int offset, final int length)
    {
        if (inputEnd + length > input.capacity())
        {
            final int pending = inputEnd - inputStart;
            input.putBytes(0, input, inputStart, pending);
            inputStart = 0;
            inputEnd = pending;
        }
        input.putBytes(inputEnd, buffer, offset, length);
        inputEnd += length;
        inputOffset += length;
    }

    /**
     * Offer the waiting input to the service until it takes no more, then the client's close once it is all gone.
     */
    void deliverInput()
    {
        while (inputEnd > inputStart && !serviceClosed && !aborted)
        {
            final int available = inputEnd - inputStart;
            final int consumed = owner.service().onData(this, input, inputStart, available);
            final int taken = Math.max(0, Math.min(consumed, available));
            inputStart += taken;
            if (taken < available)
            {
                break;
            }
        }
        if (inputStart == inputEnd)
        {
            inputStart = inputEnd = 0;
            deliverPeerClose();
        }
    }

    private void deliverPeerClose()
    {
        if (peerFin && !peerClosedDelivered && !serviceClosed && !aborted)
        {
            peerClosedDelivered = true;
            owner.service().onPeerClosed(this);
        }
    }

    /**
     * The log says the client acknowledged output up to {@code acknowledged}.
     */
    void clientAcknowledged(final long acknowledged)
    {
        final long ack = Math.min(acknowledged, produced);
        if (ack <= outputAcked)
        {
            return;
        }
        outputAcked = ack;
        if (writeBlocked && !serviceClosed && !aborted)
        {
            writeBlocked = false;
            owner.service().onWritable(this);
        }
        deliverInput();
    }

    /**
     * Copy {@code [from, from + length)} of the output stream out of the ring, for the primary's TCP connection.
     *
     * @return the bytes contiguous in the ring from {@code from}, at most {@code length}.
     */
    int contiguousOutput(final long from, final int length)
    {
        final int index = (int)(from & outputMask);
        return Math.min(length, output.capacity() - index);
    }

    int outputIndex(final long streamOffset)
    {
        return (int)(streamOffset & outputMask);
    }

    private void touch()
    {
        owner.touched(this);
    }

    // ---------------------------------------------------------------------------------------------
    // Connection, for the service
    // ---------------------------------------------------------------------------------------------

    public long id()
    {
        return id;
    }

    public int localIp()
    {
        return localIp;
    }

    public int localPort()
    {
        return localPort;
    }

    public int remoteIp()
    {
        return remoteIp;
    }

    public int remotePort()
    {
        return remotePort;
    }

    public int writableBytes()
    {
        if (serviceClosed || aborted || outputShutdown)
        {
            return 0;
        }
        return output.capacity() - (int)(produced - outputAcked);
    }

    public int write(final DirectBuffer buffer, final int offset, final int length)
    {
        final int accepted = Math.min(length, writableBytes());
        if (accepted > 0)
        {
            final int index = outputIndex(produced);
            final int first = Math.min(accepted, output.capacity() - index);
            output.putBytes(index, buffer, offset, first);
            if (first < accepted)
            {
                output.putBytes(0, buffer, offset + first, accepted - first);
            }
            produced += accepted;
            touch();
        }
        if (accepted < length)
        {
            writeBlocked = true;
        }
        return accepted;
    }

    public void shutdownOutput()
    {
        if (!outputShutdown && !serviceClosed && !aborted)
        {
            outputShutdown = true;
            touch();
        }
    }

    public void abort()
    {
        if (!aborted && !serviceClosed)
        {
            aborted = true;
            closePending = true;
            touch();
        }
    }

    public void scheduleTimeout(final long delayMs)
    {
        timerId++;
        timeoutArmed = delayMs > 0 && !serviceClosed;
        timeoutDelayMs = Math.max(0, delayMs);
        owner.timeoutScheduled(this);
    }

    public Object attachment()
    {
        return attachment;
    }

    public void attachment(final Object attachment)
    {
        this.attachment = attachment;
    }

    /**
     * @return the client's initial sequence number, as the OPEN record gave it.
     */
    public int remoteIsn()
    {
        return remoteIsn;
    }

    /**
     * @return this side's initial sequence number, as the OPEN record gave it.
     */
    public int localIsn()
    {
        return localIsn;
    }

    /**
     * @return the stream offset of input logged for this connection.
     */
    public long inputOffset()
    {
        return inputOffset;
    }

    /**
     * @return the stream offset of output the service produced.
     */
    public long produced()
    {
        return produced;
    }

    /**
     * @return the stream offset of output the client acknowledged, as logged.
     */
    public long outputAcknowledged()
    {
        return outputAcked;
    }

    public String toString()
    {
        return "Replica{id=" + id + ", input=" + inputOffset + (peerFin ? "+FIN" : "") + ", produced=" + produced +
            (outputShutdown ? "+FIN" : "") + ", acked=" + outputAcked + (serviceClosed ? ", closed" : "") +
            (timeoutArmed ? ", timeout " + timeoutDelayMs + " ms" : "") + '}';
    }
}
