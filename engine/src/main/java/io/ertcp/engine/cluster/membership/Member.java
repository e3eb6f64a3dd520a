package io.ertcp.engine.cluster.membership;

import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.net.MacAddress;

/**
 * One configured member of the cluster, as {@link Membership} needs it: the cluster file's node, reduced to what
 * failure detection and election read.
 *
 * @param nodeId the id every control frame from this node carries; unique in the cluster.
 * @param rank   the takeover order among backups, lowest first; ties go to the lower node id. Also scales the
 *               back-off after a failed election ({@code rank * heartbeatIntervalNs}), so a lower rank retries first.
 * @param mac    the node's own (interface) MAC, the source of its control frames; 0 when the cluster file gives none
 *               (it is then learnt from the member's first frame).
 * @param role   the role the node starts in.
 */
public record Member(int nodeId, int rank, long mac, Role role)
{
    public Member
    {
        if (rank < 0)
        {
            throw new IllegalArgumentException("node " + nodeId + " has rank " + rank + ": ranks are 0 or more, lowest takes over first");
        }
        if (role == null)
        {
            throw new IllegalArgumentException("node " + nodeId + " has no role: give primary, logger, backup or witness");
        }
        if (MacAddress.isGroup(mac))
        {
            throw new IllegalArgumentException("node " + nodeId + " has group MAC " + MacAddress.format(mac) + ": give its interface's unicast MAC");
        }
    }
}
