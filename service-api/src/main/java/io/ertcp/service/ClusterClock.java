package io.ertcp.service;

/**
 * The cluster's time and timers, as a {@link TcpService} sees them: given once to the service through
 * {@link TcpService#clusterClock} before its first event, and used from its callbacks on the duty-cycle thread.
 * <p>
 * <b>Cluster time</b> is the primary's clock as the replication log carries it (docs/architecture.md, "Cluster
 * time"), not a reading of any clock on this node: the primary writes its time into the log, and every event the
 * service handles carries the time logged before it. So {@link #timeMillis()} called while handling an event gives
 * the same value on every node, in every replay, and the service may let its output and state depend on it (an
 * expiry, a {@code Date} header, a timestamp in a message). It is wall-clock time (milliseconds since
 * 1970-01-01T00:00Z) as the primary read it, advances in steps of a millisecond or more, never goes back, and stands
 * still while nothing is logged. After a failover it continues from the last logged time with the new primary's
 * clock.
 * <p>
 * <b>Timers</b> fire in log order on every node: a timer is part of the service's replicated state, its deadline in
 * cluster time, and it fires while the node applies the first logged time that reaches the deadline
 * ({@link TcpService#onTimer}), at the same point of the event order everywhere. The primary logs a time as soon as
 * its clock passes the earliest deadline, so a timer fires within about a millisecond of its deadline while the
 * primary lives, and never before it; across a failover it fires at its deadline by the new primary's clock, neither
 * lost nor pushed back. Timers fire in deadline order, those with one deadline in the order they were scheduled.
 * <p>
 * Timers belong to the service as a whole, not to a connection, and survive connections opening and closing. For a
 * per-connection idle timeout, {@link Connection#scheduleTimeout} remains.
 */
public interface ClusterClock
{
    /**
     * @return the cluster time of the event being handled, in milliseconds since 1970-01-01T00:00Z; the same on
     * every node. Before the first logged time (a service that has had no event yet) it is 0.
     */
    long timeMillis();

    /**
     * Ask for {@link TcpService#onTimer} with {@code timerId} once cluster time reaches {@code deadlineMillis},
     * replacing the deadline of a timer already scheduled with that id. A deadline not after the current time fires
     * once logged time reaches the next whole millisecond, never within the callback that schedules it.
     *
     * @param timerId        the service's own name for the timer (a key's number, a room's); any long.
     * @param deadlineMillis cluster time, milliseconds since 1970-01-01T00:00Z.
     */
    void scheduleTimer(long timerId, long deadlineMillis);

    /**
     * Cancel a timer so that it does not fire.
     *
     * @param timerId as given to {@link #scheduleTimer}.
     * @return true when a timer with that id was scheduled (and now is not).
     */
    boolean cancelTimer(long timerId);
}
