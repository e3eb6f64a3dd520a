package io.ertcp.engine.cluster;

import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.replication.replica.ReplicatedService;
import org.agrona.DirectBuffer;

/**
 * What a {@link ClusterNode} holds exactly one of at a time (docs/architecture.md, "The main classes by role"): its
 * role's state, the frames it handles and its share of the duty cycle. The node owns the port, the IPv4 layer, the
 * membership and the status, and hands the role's objects on explicitly at every transition (a backup's follower,
 * service and standby primary to its draining candidacy, and on to the primary it becomes).
 */
interface NodeRole
{
    /** @return the node's state while this role is held. */
    ClusterNode.State state();

    /**
     * The role's share of the node's duty cycle, after the ports were read and before the membership's heartbeats.
     *
     * @return the work done, 0 when none.
     */
    int doWork(long nowNs);

    /**
     * Build ahead, in a duty cycle that did no other work (after 16 in a row), a little of what opens to come would otherwise allocate
     * on the duty cycle (docs/architecture.md "Threading": spare connections, {@code tcp.spare-connections}).
     *
     * @return the work done, 0 when nothing was left to build.
     */
    default int buildAhead()
    {
        return 0;
    }

    /**
     * @return the handler of every frame the client port brings while this role is held, built once; null when they
     * all go to the node's IPv4 layer.
     */
    default FrameHandler portHandler()
    {
        return null;
    }

    /**
     * A replication channel frame for this node that is no control frame, already authenticated and of an epoch the
     * node accepts (rule 9): the records, NAKs, CONFIRMs and fetches of its role.
     */
    default void onChannelFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
    }

    /** @return the replicated service this role holds, or null. */
    default ReplicatedService replicated()
    {
        return null;
    }

    /**
     * @return the position that moves while records come through this role (a logger's log end, a backup's applied
     * position), for the node's idle strategy; 0 when none does.
     */
    default long progressPosition()
    {
        return 0;
    }

    /** The role's part of the node's status detail ({@code ./ertcp status}); nothing by default. */
    default void describe(final StringBuilder detail)
    {
    }

    /** The role is given up: it releases what it alone holds (a logger's log). */
    default void close()
    {
    }
}
