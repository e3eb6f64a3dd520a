package io.ertcp.engine.cluster.membership;

import io.ertcp.engine.counters.Counters;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * What one node's {@link Membership} counts: every control frame sent, received or ignored, and every suspicion,
 * vote and election, so tests and the CLI see why a takeover happened or did not.
 */
public final class MembershipCounters
{
    public final AtomicCounter heartbeatsSent;
    public final AtomicCounter heartbeatsReceived;
    public final AtomicCounter voteRequestsSent;
    public final AtomicCounter voteRequestsReceived;
    public final AtomicCounter votesSent;
    public final AtomicCounter votesReceived;
    /** Votes this node granted (at most one candidate per epoch). */
    public final AtomicCounter votesGranted;
    /** Votes this node refused: it still hears the primary, it voted for another, or the epoch is stale. */
    public final AtomicCounter votesRefused;
    /**
     * Of the votes granted, those to a request first refused because this node still heard the primary, granted at
     * its own suspicion of it (within a heartbeat interval of the request) instead of at the candidate's next request.
     */
    public final AtomicCounter deferredVotesGranted;
    /** ST-TCP: votes refused to a backup the primary had not named in sync. */
    public final AtomicCounter unsyncedCandidatesRefused;
    /** Frames the transmit path had no room for: sent at a later doWork. */
    public final AtomicCounter txFull;
    /** Frames too short, of another version, of a wrong payload length or with bad field values. */
    public final AtomicCounter malformedFrames;
    /** Frames of a kind that is not a control kind. */
    public final AtomicCounter unknownKindFrames;
    /** Frames from a node id that is not a configured member. */
    public final AtomicCounter unknownSenderFrames;
    /** Frames of a node claiming PRIMARY in an epoch older than this node's: a deposed primary's, ignored. */
    public final AtomicCounter fencedFrames;
    /** Heartbeats of a second PRIMARY in this node's own epoch: ignored (cannot happen with one vote per epoch). */
    public final AtomicCounter primaryConflicts;
    public final AtomicCounter suspicions;
    public final AtomicCounter electionsStarted;
    public final AtomicCounter electionsWon;
    /** Elections given up at the election timeout without a majority. */
    public final AtomicCounter electionsFailed;
    public final AtomicCounter newPrimaries;
    public final AtomicCounter deposed;
    /** LEAVE frames heard: a member that stopped on purpose (SIGTERM, a switchover), taken as gone at once. */
    public final AtomicCounter leavesHeard;
    /**
     * Frames that claimed a higher epoch than this node's without the evidence docs/architecture.md rule 9 asks for
     * (a PRIMARY heartbeat of a higher epoch no majority agrees on, a vote request more than one epoch ahead, records
     * of an epoch not adopted yet): not followed, counted. A failover may count a few while the majority's
     * heartbeats arrive; a steady climb means a member (or a replay) claims what no election gave.
     */
    public final AtomicCounter unconfirmedEpochFrames;

    public MembershipCounters(final Counters counters, final String name)
    {
        heartbeatsSent = counters.newCounter(name + " heartbeats-sent");
        heartbeatsReceived = counters.newCounter(name + " heartbeats-received");
        voteRequestsSent = counters.newCounter(name + " vote-requests-sent");
        voteRequestsReceived = counters.newCounter(name + " vote-requests-received");
        votesSent = counters.newCounter(name + " votes-sent");
        votesReceived = counters.newCounter(name + " votes-received");
        votesGranted = counters.newCounter(name + " votes-granted");
        votesRefused = counters.newCounter(name + " votes-refused");
        deferredVotesGranted = counters.newCounter(name + " deferred-votes-granted");
        unsyncedCandidatesRefused = counters.newCounter(name + " unsynced-candidates-refused");
        txFull = counters.newCounter(name + " tx-full");
        malformedFrames = counters.newCounter(name + " malformed-frames");
        unknownKindFrames = counters.newCounter(name + " unknown-kind-frames");
        unknownSenderFrames = counters.newCounter(name + " unknown-sender-frames");
        fencedFrames = counters.newCounter(name + " fenced-frames");
        primaryConflicts = counters.newCounter(name + " primary-conflicts");
        suspicions = counters.newCounter(name + " suspicions");
        electionsStarted = counters.newCounter(name + " elections-started");
        electionsWon = counters.newCounter(name + " elections-won");
        electionsFailed = counters.newCounter(name + " elections-failed");
        newPrimaries = counters.newCounter(name + " new-primaries");
        deposed = counters.newCounter(name + " deposed");
        leavesHeard = counters.newCounter(name + " leaves-heard");
        unconfirmedEpochFrames = counters.newCounter(name + " unconfirmed-epoch-frames");
    }
}
