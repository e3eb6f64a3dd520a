package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.cluster.membership.ControlFrames;
import io.ertcp.engine.cluster.membership.MemberView;
import io.ertcp.engine.cluster.membership.Membership;
import io.ertcp.engine.port.PacketPort;

/**
 * A {@link ClusterNode} leaving on purpose (SIGTERM, or a switchover; docs/architecture.md, "Leaving on purpose"). A
 * stop is asked for from any thread ({@link #request}); on the node's thread a primary first hands over
 * ({@link PrimaryRole#hold}: it holds back what it would send its clients while their input still goes into the log,
 * and cuts over once the log is drained, at most two seconds on), then the node says LEAVE, one frame a duty cycle,
 * three in all, naming the successor, which stands for election at once; any other node says LEAVE at once, so that
 * the primary stops waiting for it without a suspicion timeout. An ER-TCP primary that handed over also passes the
 * client frames that still come to it on to its successor ({@link PrimaryRole#relay}) until the relay is over. Then
 * the node has left ({@link #hasLeft}): it does nothing more and is closed.
 */
final class Departure
{
    /** {@link #stopRequest} when no stop was asked for. */
    private static final int NO_STOP = Integer.MIN_VALUE;
    private static final int HOLDING = 1;
    private static final int ANNOUNCING = 2;
    /** LEAVE frames sent, one per duty cycle: the channel is lossy and a LEAVE is never resent after. */
    private static final int LEAVES_SENT = 3;

    private final NodeContext ctx;
    private final Membership membership;
    /** The replication channel's own port, or null. */
    private final PacketPort replicationPort;
    private final String roleName;
    /** A stop asked for from another thread: the successor's node id, or NO_STOP. */
    private volatile int stopRequest = NO_STOP;
    /** Where this node is on its way out: 0 serving, then HOLDING (a primary drains), then ANNOUNCING. */
    private int stage;
    private int successor = ControlFrames.NO_NODE;
    /** The primary role handing over (from HOLDING on), or null: it cuts over and passes late client frames on. */
    private PrimaryRole handingOver;
    private int leavesSent;
    /** The LEAVE frames are out (the node then only passes client frames on, {@link #handingOver}, before it has left). */
    private boolean leaveSaid;
    private volatile boolean left;

    Departure(final NodeContext ctx, final PacketPort replicationPort, final String roleName)
    {
        this.ctx = ctx;
        this.membership = ctx.membership;
        this.replicationPort = replicationPort;
        this.roleName = roleName;
    }

    /**
     * Stop on purpose, from any thread.
     *
     * @param successorName the backup to hand over to, or null for the best-ranked one alive (a primary only).
     * @throws IllegalArgumentException when the successor is not a member that can take over.
     */
    void request(final String successorName)
    {
        int id = ControlFrames.NO_NODE;
        if (null != successorName)
        {
            id = ClusterNode.nodeIdOf(ctx.config, successorName);
            final MemberView view = id < 0 || id == ctx.nodeId ? null : membership.view(id);
            if (null == view || view.role() != Role.BACKUP || !view.alive())
            {
                throw new IllegalArgumentException(successorName + " cannot take over: name a member other than " +
                    ctx.self.name() + " that runs as a backup now");
            }
        }
        stopRequest = id;
    }

    /** @return true once this node said LEAVE and passed on what it had to: it may be closed now. */
    boolean hasLeft()
    {
        return left;
    }

    /**
     * At the start of every duty cycle: a stop asked for begins here, a primary's hand-over goes on.
     *
     * @param state the node's state.
     * @param role  the node's role.
     * @return true once the node says LEAVE: its duty cycle is {@link #announce} alone from now on.
     */
    boolean leaving(final long nowNs, final ClusterNode.State state, final NodeRole role)
    {
        if (stopRequest != NO_STOP && stage < ANNOUNCING)
        {
            begin(nowNs, state, role);
        }
        return stage >= ANNOUNCING;
    }

    private void begin(final long nowNs, final ClusterNode.State state, final NodeRole role)
    {
        if (stage == 0)
        {
            successor = stopRequest == ControlFrames.NO_NODE ? bestSuccessor() : stopRequest;
            if (state == ClusterNode.State.PRIMARY)
            {
                stage = HOLDING;
                handingOver = (PrimaryRole)role;
                handingOver.hold(successor, nowNs);
            }
            else
            {
                stage = ANNOUNCING;
                ctx.say("leaving the cluster on purpose (" + roleName + ")");
                return;
            }
        }
        if (handingOver.cutOver(successor, nowNs))
        {
            stage = ANNOUNCING;
        }
    }

    /**
     * Send the LEAVE frames, one per duty cycle, and nothing else; an ER-TCP primary that handed over also passes the
     * client frames that still come to it on to its successor until the relay is over; then the node has left.
     */
    int announce(final long nowNs)
    {
        int work = 0;
        if (leavesSent < LEAVES_SENT)
        {
            if (membership.sendLeave(ctx.channelOut, successor))
            {
                leavesSent++;
            }
            work = 1;
        }
        if (null != handingOver && leavesSent > 0)
        {
            // After the first LEAVE: on one port the successor hears that it is to take over before the frames.
            work += handingOver.relay(nowNs);
        }
        if (work > 0)
        {
            ctx.port.flush();
            if (null != replicationPort)
            {
                replicationPort.flush();
            }
        }
        if (leavesSent == LEAVES_SENT && !leaveSaid)
        {
            leaveSaid = true;
            ctx.say("left the cluster" + (successor > 0 ? "; " + ctx.nameOf(successor) + " stands for election" : ""));
        }
        if (leaveSaid && !left && (null == handingOver || handingOver.relayOver(nowNs)))
        {
            if (null != handingOver && handingOver.relayedFrames() > 0)
            {
                ctx.say("passed " + handingOver.relayedFrames() + " client frame(s) that came after the cut-over on to " +
                    ctx.nameOf(successor));
            }
            left = true;
        }
        return work;
    }

    /** The backup alive with the lowest rank, ties to the lower node id: who a primary hands over to. */
    private int bestSuccessor()
    {
        final MemberView best = membership.bestHeard(Role.BACKUP);
        return null == best ? ControlFrames.NO_NODE : best.nodeId();
    }
}
