package io.ertcp.engine.replication.replica;

import io.ertcp.service.Connection;
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
 * Fields the primary alone uses ({@link #tcp}, durable and released offsets) sit here too, so a backup that takes
 * over needs no copy: it sets them from what it already holds.
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

    // Primary only: the live TCP connection and output commit
    /** The TCP connection carrying this replica on the primary, or null. */
    Connection tcp;
    /** Stream offset of input the durability rule holds (FIN counts one); -1 until the OPEN is durable. */
    long durableInput = -1;
    /** Output produced by durable records: it may reach the client. */
    long releasedOutput;
    boolean releasedShutdown;
    boolean releasedAbort;
    /** Stream offset handed to the TCP connection so far. */
    long pushed;
    boolean finPushed;
    boolean abortSent;
    /** The client's newest acknowledgement seen by TCP, not yet logged. */
    long pendingClientAck;
    boolean inPendingList;
    /** TCP holds input this replica refused; offer it again when there is room. */
    boolean starved;
    /**
     * Primary: input taken from TCP in this receive burst, not yet published (one DATA record per burst), gathered
     * in place in the DATA record it becomes (from {@code DataFlyweight.DATA_OFFSET}; the header is written around it).
     */
    UnsafeBuffer staging;
    int staged;
    long wheelTimerId = -1;
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

    void reset(final long id)
    {
        this.id = id;
        localIp = localPort = remoteIp = remotePort = 0;
        localIsn = remoteIsn = sendMss = 0;
        sendWindowScale = receiveWindowScale = -1;
        timestamps = sack = false;
        tsRecent = 0;
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
        tcp = null;
        durableInput = -1;
        releasedOutput = 0;
        releasedShutdown = releasedAbort = false;
        pushed = 0;
        finPushed = abortSent = false;
        pendingClientAck = 0;
        inPendingList = false;
        starved = false;
        staged = 0;
        wheelTimerId = -1;
    }

    /**
     * @return bytes of input the replica can still hold: what the primary may log for it now.
     */
    int inputFree()
    {
        return input.capacity() - (inputEnd - inputStart);
    }

    void appendInput(final DirectBuffer buffer, final int offset, final int length)
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
            if (peerFin && !peerClosedDelivered && !serviceClosed && !aborted)
            {
                peerClosedDelivered = true;
                owner.service().onPeerClosed(this);
            }
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
            (timeoutArmed ? ", timeout " + timeoutDelayMs + " ms" : "") + (null != tcp ? ", live" : "") + '}';
    }
}
