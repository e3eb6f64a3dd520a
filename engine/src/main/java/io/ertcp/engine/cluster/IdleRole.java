package io.ertcp.engine.cluster;

/**
 * A role that holds nothing and does nothing on the duty cycle: the node's membership (heartbeats, votes) and status
 * are all it runs. The witness's role (ST-TCP: it votes and echoes who is in sync, holds no data), and the two moments
 * between roles whose way out is the node's transition, not the role's work: {@link ClusterNode.State#STARTING} (the
 * configured primary of a fresh cluster until it hears its peer's MAC) and {@link ClusterNode.State#FENCED} after a
 * rejoin that could not reopen the log (a fatal error). Every frame of the client port goes to the IPv4 layer.
 */
final class IdleRole implements NodeRole
{
    static final IdleRole WITNESS = new IdleRole(ClusterNode.State.WITNESS);
    static final IdleRole STARTING = new IdleRole(ClusterNode.State.STARTING);
    static final IdleRole FENCED = new IdleRole(ClusterNode.State.FENCED);

    private final ClusterNode.State state;

    private IdleRole(final ClusterNode.State state)
    {
        this.state = state;
    }

    public ClusterNode.State state()
    {
        return state;
    }

    public int doWork(final long nowNs)
    {
        return 0;
    }
}
