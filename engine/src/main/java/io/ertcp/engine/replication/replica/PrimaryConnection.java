package io.ertcp.engine.replication.replica;

import io.ertcp.service.Connection;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What the primary alone keeps for one {@link Replica}: the live TCP connection behind it and its output commit
 * (docs/architecture.md rules 1 and 2), nothing a backup rebuilds from the log. Written by {@link PrimaryReplication}
 * only, which makes one for each replica it serves (a backup that takes over makes them from the replicas it holds)
 * and pools them; the replica itself never sees it.
 */
final class PrimaryConnection
{
    /** The replica this serves; set while in use. */
    Replica replica;
    /** The TCP connection carrying the replica once established (or restored), else null. */
    Connection tcp;
    /** The TCP connection's id from the stack's OPEN on (while the handshake runs {@link #tcp} is null); -1 once gone. */
    long tcpId = -1;
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
     * Input taken from TCP in this receive burst, not yet published (one DATA record per burst), gathered in place in
     * the DATA record it becomes (from {@code DataFlyweight.DATA_OFFSET}; the header is written around it): the room
     * the publisher's window holds for it, or {@link #ownStaging} when another connection builds its record there.
     */
    UnsafeBuffer staging;
    int staged;
    /** This connection's own staging buffer: allocated on first use and kept while pooled. */
    UnsafeBuffer ownStaging;
    /** The timeout wheel's timer for the replica's timeout, or -1. */
    long wheelTimerId = -1;

    void reset(final Replica replica)
    {
        this.replica = replica;
        tcp = null;
        tcpId = -1;
        durableInput = -1;
        releasedOutput = 0;
        releasedShutdown = releasedAbort = false;
        pushed = 0;
        finPushed = abortSent = false;
        pendingClientAck = 0;
        inPendingList = false;
        starved = false;
        staged = 0;
        staging = ownStaging;
        wheelTimerId = -1;
    }

    public String toString()
    {
        return "PrimaryConnection{" + replica + ", durableInput=" + durableInput + ", released=" + releasedOutput +
            ", pushed=" + pushed + (null != tcp ? ", live" : "") + '}';
    }
}
