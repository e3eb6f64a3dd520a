package io.ertcp.engine.cluster.membership;

import io.ertcp.engine.cluster.config.Role;

/**
 * What one node knows of one member: its configuration and what its last heartbeat said. Read-only outside this
 * package; {@link Membership} updates it in place (no allocation), on its own thread, so read it there (the
 * {@code status} command asks the owning agent).
 * <p>
 * Invariants: a member is {@link #alive()} until not heard for the suspicion timeout, and again from the next frame
 * heard from it; the reported values are those of its last accepted heartbeat (a fenced one is not accepted), or
 * the configured role and -1 positions before any. The view of this node itself is refreshed from its
 * {@link Membership.LocalStatus} at each heartbeat it sends.
 */
public final class MemberView
{
    private final Member member;

    Role role;
    boolean alive = true;
    boolean heard;
    int epoch;
    int primaryId = ControlFrames.NO_NODE;
    long logPosition = -1;
    long appliedPosition = -1;
    int connectionCount;
    long timestampClockMs;
    int syncBackupId;
    long configDigest;
    long lastHeardNs;
    /** The member's MAC: configured, or learnt from the source of its first frame when the file gave none. */
    long mac;

    // The candidate's tally: this member granted our election.
    boolean grantedUs;
    // A primary's tally of an election it watches: this member granted the watched candidate.
    boolean grantedWatched;
    // A vote to send to this member (as candidate) at the next doWork.
    boolean votePending;
    int votePendingEpoch;
    boolean votePendingGranted;

    MemberView(final Member member)
    {
        this.member = member;
        this.role = member.role();
        this.mac = member.mac();
    }

    public int nodeId()
    {
        return member.nodeId();
    }

    public int rank()
    {
        return member.rank();
    }

    /**
     * @return the member's MAC, or 0 while it is not configured and not yet heard.
     */
    public long mac()
    {
        return mac;
    }

    public Role configuredRole()
    {
        return member.role();
    }

    /** The role its last heartbeat reported, the configured one before any. */
    public Role role()
    {
        return role;
    }

    /** False from the suspicion timeout after the last frame heard from it until the next frame. */
    public boolean alive()
    {
        return alive;
    }

    /** True once any frame of it was heard. */
    public boolean heard()
    {
        return heard;
    }

    public int epoch()
    {
        return epoch;
    }

    /** The primary it believes in, or {@link ControlFrames#NO_NODE}. */
    public int primaryId()
    {
        return primaryId;
    }

    public long logPosition()
    {
        return logPosition;
    }

    public long appliedPosition()
    {
        return appliedPosition;
    }

    public int connectionCount()
    {
        return connectionCount;
    }

    public long timestampClockMs()
    {
        return timestampClockMs;
    }

    /** When a frame of it was last heard (the time of the start before any). */
    /**
     * @return the in-sync backup in this member's last heartbeat (ST-TCP; 0 for none).
     */
    public int syncBackupId()
    {
        return syncBackupId;
    }

    /** The digest of the cluster file its last heartbeat carried, 0 when none was heard or it states none. */
    public long configDigest()
    {
        return configDigest;
    }

    public long lastHeardNs()
    {
        return lastHeardNs;
    }

    public String toString()
    {
        return "node " + member.nodeId() + " " + role.text() + (alive ? " alive" : " suspected") + " epoch " + epoch +
            " log " + logPosition + " applied " + appliedPosition + " connections " + connectionCount;
    }
}
