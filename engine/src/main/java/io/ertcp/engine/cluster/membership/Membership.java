package io.ertcp.engine.cluster.membership;

import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.port.FrameFlags;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * One node's part in cluster membership (docs/architecture.md rule 4): heartbeats, failure detection and the
 * election of a new primary, as a single-threaded state machine driven by received frames and
 * {@link #doWork(long, FrameOutput)}. It owns the node's role and epoch; the agent acting on them (takeover,
 * fencing, stepping down) listens through {@link Listener}.
 * <p>
 * Why one class of some 1,400 lines: its safety rests on invariants over a handful of fields (the epoch, the highest
 * epoch known, the vote granted in each epoch, the election in progress, the primary followed) that every frame kind
 * reads and moves: a heartbeat can adopt an epoch, a vote can depose the primary, a LEAVE starts an election, a
 * PROMOTE_LOGGER is taken only in the epoch followed. Split by frame kind, each part would write those fields
 * under rules stated elsewhere; here they are written by private methods of one object, stated once below, and
 * tested as one state machine ({@code MembershipTest} on a simulated cluster). What is not about those fields
 * lives apart: a member's view ({@link MemberView}), the frames ({@link HeartbeatFlyweight},
 * {@link VoteFlyweight}, {@link ControlFrames}) and the counters ({@link MembershipCounters}).
 * <ul>
 *   <li>Heartbeats: every {@code heartbeatIntervalNs} a HEARTBEAT to the group MAC with this node's role, epoch,
 *       believed primary and {@link LocalStatus}. Every frame heard from a member refreshes its {@link MemberView}.</li>
 *   <li>Failure detection: a member not heard for {@code suspicionTimeoutNs} is suspected, until heard again; both
 *       edges are reported. Every member is presumed alive for one timeout after the first doWork.</li>
 *   <li>Election: when this node is a BACKUP, suspects the primary, and is the best candidate in its view (the live
 *       BACKUP with the lowest rank, ties to the lower node id), it asks for epoch {@code highest known + 1}: a
 *       VOTE_REQUEST every heartbeat interval. It wins with grants (its own included) from a majority of the
 *       configured members ({@code members / 2 + 1}), then is PRIMARY in that epoch. Without a majority by
 *       {@code electionTimeoutNs} it gives the epoch up and may try a higher one after
 *       {@code rank * heartbeatIntervalNs}.</li>
 *   <li>Voting: a node grants a candidate only if it too suspects the primary (a primary never does), the epoch
 *       is above its own, and it has granted no other candidate in that epoch or a higher one. So at most one
 *       candidate wins an epoch: no split brain. Witnesses vote and never stand. A request refused only because
 *       this node still heard the primary is decided again when this node suspects it too, within one heartbeat
 *       interval, rather than at the candidate's next request.</li>
 *   <li>Epochs (docs/architecture.md rule 9): a higher epoch and its primary are adopted only on a majority's
 *       evidence: this node granted that primary its vote in that epoch and hears it claim PRIMARY there; or the
 *       primary's own heartbeat and those of other members, a majority of the configured members in all (this node
 *       not counted), say that epoch and that primary; or, as a primary, it sees a majority grant the candidate.
 *       A claim without such evidence is not followed, only counted ({@link MembershipCounters#unconfirmedEpochFrames},
 *       {@link #unconfirmedEpoch()}). A frame raises the highest epoch known (what the next election asks for and
 *       the most a vote is granted in) by one step at most. A PRIMARY heartbeat of a lower epoch is fenced: counted
 *       and ignored. A primary that adopts a higher epoch is deposed and becomes a BACKUP.</li>
 *   <li>Logger promotion (docs/architecture.md rule 6): a primary told its logger is lost ({@link #promoteLogger()})
 *       waits one more suspicion timeout, then picks the best live backup by rank and sends it a PROMOTE_LOGGER every
 *       heartbeat interval until that backup's heartbeats say LOGGER ({@link Listener#onLoggerPromoted}). A backup
 *       takes the order only from the primary it follows, in its own epoch, naming it, while it hears no logger
 *       ({@link Listener#onPromotedToLogger}); then its role is LOGGER.</li>
 * </ul>
 * Invariants: {@code epoch() <= highestEpoch}; this node grants at most one candidate per epoch and never in an
 * epoch at or below its own, nor more than one above the highest it knew; it is PRIMARY in an epoch only after a
 * majority granted it that epoch (or as the configured primary of the initial epoch); its epoch changes only by
 * its own election or on a majority's evidence, never on one frame of one member.
 * <p>
 * {@link #onFrame} takes the time of the last {@link #doWork} (or {@link #nowNs(long)}): the owning agent calls
 * doWork once a duty cycle. Frames that need answering (votes) are queued and sent by the next doWork. Nothing here
 * allocates after construction, listener calls included.
 */
public final class Membership implements FrameHandler
{
    /** The epoch a cluster starts in, with its configured primary. */
    public static final int INITIAL_EPOCH = 1;

    /** A member never heard is suspected only after this many suspicion timeouts (and 3 s at least). */
    public static final int STARTUP_GRACE_SUSPICIONS = 10;

    /** The least startup grace: a JVM on a busy machine can take seconds to start. */
    public static final long MIN_STARTUP_GRACE_NS = 3_000_000_000L;

    private static final int MIN_FRAME_LENGTH = 60;

    /**
     * What this node reports in its heartbeats, read when one is written.
     */
    public interface LocalStatus
    {
        /** The highest position in this node's log (the logger's durable end; a backup's received end). */
        long logPosition();

        /** The highest position delivered to this node's service. */
        long appliedPosition();

        int connectionCount();

        /** This node's TCP timestamp clock; the primary's is the one a new primary continues. */
        long timestampClockMs();

        /**
         * ST-TCP, asked of the primary only: the backup whose confirmations its acknowledgements wait for, 0 while
         * it runs without one.
         */
        default int syncBackupId()
        {
            return 0;
        }

        /** The digest of this node's cluster file ({@code ClusterConfig.digest()}), 0 to state none. */
        default long configDigest()
        {
            return 0;
        }
    }

    /**
     * The edges of membership, called on the owning thread from {@link #onFrame} or {@link #doWork}. Default no-ops.
     */
    public interface Listener
    {
        /** A member was not heard for the suspicion timeout. */
        default void onMemberSuspected(final int nodeId)
        {
        }

        /** A suspected member was heard again. */
        default void onMemberAlive(final int nodeId)
        {
        }

        /**
         * A member's heartbeat carried the digest of its cluster file (0 when it states none): called for every
         * heartbeat, so an implementation compares before it allocates (docs/architecture.md, "Safe starts").
         */
        default void onMemberConfig(final int nodeId, final long configDigest)
        {
        }

        /**
         * A member said it stops on purpose (a LEAVE frame): it is taken as gone now, as a suspicion would after the
         * timeout. The default treats it as one.
         */
        default void onMemberLeft(final int nodeId)
        {
            onMemberSuspected(nodeId);
        }

        /**
         * This node granted its vote in {@code epoch} to {@code candidateId}: called once per epoch. The logger fences
         * here: from now on it refuses records of older epochs.
         */
        default void onVoted(final int epoch, final int candidateId)
        {
        }

        /**
         * This node won {@code epoch} and is PRIMARY: take over (docs/architecture.md rule 5).
         *
         * @param loggerLogPosition the log position in the logger's vote, how far to drain; -1 when the logger did not vote.
         */
        default void onElected(final int epoch, final long loggerLogPosition)
        {
        }

        /** This node's election for {@code epoch} timed out without a majority. */
        default void onElectionFailed(final int epoch)
        {
        }

        /** Another node is PRIMARY in {@code epoch}, higher than this node's: follow it. Once per epoch. */
        default void onNewPrimary(final int nodeId, final int epoch)
        {
        }

        /**
         * This node was PRIMARY and a higher epoch has another: stop serving now (fencing). It is a BACKUP from here;
         * {@link #onNewPrimary} follows.
         */
        default void onDeposed(final int newEpoch)
        {
        }

        /** Primary, promoting a logger (rule 6): it asks backup {@code targetId} to become the logger. */
        default void onPromotingLogger(final int targetId)
        {
        }

        /**
         * Primary, promoting a logger (rule 6): the backup asked now says LOGGER in its heartbeats; send it the log
         * from the first record its own lacks ({@code logger.logPosition() + 1}). The promotion is over.
         */
        default void onLoggerPromoted(final MemberView logger)
        {
        }

        /**
         * Backup (rule 6): the primary it follows named it the logger in {@code epoch}, its own, and it hears no
         * logger. Become the logger now.
         *
         * @return true when this node became the logger (its role is LOGGER from here); false when it cannot take
         * the role now (it is not serving as a backup), so the order is ignored.
         */
        default boolean onPromotedToLogger(final int fromNodeId, final int epoch)
        {
            return false;
        }
    }

    private final int nodeId;
    private final MemberView[] members;
    private final MemberView self;
    private final int majority;
    private final long groupMac;
    private final long heartbeatIntervalNs;
    private final long suspicionTimeoutNs;
    /** How long a member never heard is presumed alive: {@link #STARTUP_GRACE_SUSPICIONS} suspicion timeouts, 3 s at least. */
    private final long startupGraceNs;
    private final long electionTimeoutNs;
    private final LocalStatus status;
    private final Listener listener;
    private final MembershipCounters counters;

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final ReplicationFrameFlyweight header = new ReplicationFrameFlyweight();
    private final HeartbeatFlyweight heartbeat = new HeartbeatFlyweight();
    private final VoteFlyweight vote = new VoteFlyweight();
    private final EthernetFlyweight txEthernet = new EthernetFlyweight();
    private final ReplicationFrameFlyweight txHeader = new ReplicationFrameFlyweight();
    private final HeartbeatFlyweight txHeartbeat = new HeartbeatFlyweight();
    private final VoteFlyweight txVote = new VoteFlyweight();

    private Role role;
    // The epoch of the primary this node follows (or is); only ever rises.
    private int epoch = INITIAL_EPOCH;
    // The newest epoch of the records in this node's own log when it became logger (its log is the durable copy).
    private int logEpoch = INITIAL_EPOCH;
    private int primaryId;
    // The highest epoch seen in any frame or asked for by this node; >= epoch.
    private int highestEpoch = INITIAL_EPOCH;
    // The highest epoch this node granted a vote in (its own candidacy included), and to whom.
    private int votedEpoch;
    private int votedFor = ControlFrames.NO_NODE;
    /** The successor a primary named when it left: the candidate to elect ahead of the ranks, or NO_NODE. */
    private int successorNamed = ControlFrames.NO_NODE;

    // This node's election in progress: 0 when none.
    private int electionEpoch;
    private long electionStartNs;
    private long nextVoteRequestNs;
    private long loggerLogPosition = -1;
    private long retryNotBeforeNs;

    // A VOTE_REQUEST refused only because this node still heard the primary, decided again at this node's own
    // suspicion until deferredVoteUntilNs (grantDeferredVote); refusedForLivePrimary is decideVote's reason.
    private MemberView deferredVoteCandidate;
    private int deferredVoteEpoch;
    private long deferredVoteUntilNs;
    private boolean refusedForLivePrimary;

    // As primary: the highest-epoch election seen on the wire, to learn of a successor it cannot hear.
    private int watchedEpoch;
    private int watchedCandidate = ControlFrames.NO_NODE;

    // Rule 9: the highest epoch claimed without a majority's evidence, and who claimed it (for the node's report).
    private int unconfirmedEpoch;
    private int unconfirmedEpochFrom = ControlFrames.NO_NODE;
    // When a member last claimed PRIMARY in an epoch above this node's without evidence yet: no election meanwhile.
    private long higherPrimaryHeardNs;
    private boolean higherPrimaryHeard;

    private boolean started;
    private long startedNs;
    private long nowNs;
    private long nextHeartbeatNs;

    // Rule 6, as primary: promoting a backup to logger after the logger was lost; the backup asked (NO_NODE none yet).
    private boolean promotingLogger;
    private int promotionTarget = ControlFrames.NO_NODE;
    private long nextPromotionNs;

    // ST-TCP: only the backup the primary last named in sync may be elected (the others lack acknowledged bytes).
    private boolean syncedCandidatesOnly;
    private int knownSyncBackup;
    private int knownSyncEpoch;

    /**
     * @param nodeId              this node's id; must be one of {@code members}.
     * @param members             every configured member, this node included; at most one PRIMARY.
     * @param groupMac            where heartbeats and votes go: the replication channel's group MAC.
     * @param heartbeatIntervalNs how often a heartbeat (and, in an election, a vote request) is sent.
     * @param suspicionTimeoutNs  how long unheard before a member is suspected; several heartbeat intervals.
     * @param electionTimeoutNs   how long an election may take before it is given up.
     * @param status              read at each heartbeat.
     * @param listener            told of every edge.
     * @param counters            where the counters are made, labelled {@code membership-<nodeId>}.
     */
    public Membership(
        final int nodeId,
        final Member[] members,
        final long groupMac,
        final long heartbeatIntervalNs,
        final long suspicionTimeoutNs,
        final long electionTimeoutNs,
        final LocalStatus status,
        final Listener listener,
        final Counters counters)
    {
        if (heartbeatIntervalNs <= 0 || suspicionTimeoutNs <= heartbeatIntervalNs || electionTimeoutNs <= heartbeatIntervalNs)
        {
            throw new IllegalArgumentException("heartbeat interval " + heartbeatIntervalNs + " ns, suspicion timeout " +
                suspicionTimeoutNs + " ns, election timeout " + electionTimeoutNs +
                " ns: the interval must be positive and both timeouts longer than it (several intervals)");
        }
        this.nodeId = nodeId;
        this.members = new MemberView[members.length];
        MemberView found = null;
        int primary = ControlFrames.NO_NODE;
        for (int i = 0; i < members.length; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (members[j].nodeId() == members[i].nodeId())
                {
                    throw new IllegalArgumentException("node id " + members[i].nodeId() + " is configured twice: give each node its own id");
                }
            }
            if (members[i].role() == Role.PRIMARY)
            {
                if (primary != ControlFrames.NO_NODE)
                {
                    throw new IllegalArgumentException("nodes " + primary + " and " + members[i].nodeId() +
                        " are both configured primary: configure one");
                }
                primary = members[i].nodeId();
            }
            this.members[i] = new MemberView(members[i]);
            this.members[i].epoch = INITIAL_EPOCH;
            if (members[i].nodeId() == nodeId)
            {
                found = this.members[i];
            }
        }
        if (found == null)
        {
            throw new IllegalArgumentException("node " + nodeId + " is not among the configured members: add it or fix its id");
        }
        this.self = found;
        this.majority = members.length / 2 + 1;
        this.groupMac = groupMac;
        this.heartbeatIntervalNs = heartbeatIntervalNs;
        this.suspicionTimeoutNs = suspicionTimeoutNs;
        this.startupGraceNs = Math.max(STARTUP_GRACE_SUSPICIONS * suspicionTimeoutNs, MIN_STARTUP_GRACE_NS);
        this.electionTimeoutNs = electionTimeoutNs;
        this.status = status;
        this.listener = listener;
        this.counters = new MembershipCounters(counters, "membership-" + nodeId);
        this.role = self.configuredRole();
        this.primaryId = primary;
        for (final MemberView member : this.members)
        {
            member.primaryId = primary;
        }
    }

    public int nodeId()
    {
        return nodeId;
    }

    /** This node's current role. */
    public Role role()
    {
        return role;
    }

    /** The epoch of the primary this node follows or is. */
    public int epoch()
    {
        return epoch;
    }

    /**
     * A node that becomes logger tells the newest epoch its own log holds: a logger restarted with records of epoch N
     * accepts and reports no older one, before it has heard the primary of N. Heartbeats and votes still carry
     * {@link #epoch()}, which moves only on a majority's evidence (docs/architecture.md rule 9).
     */
    public void logEpoch(final int lastLogEpoch)
    {
        logEpoch = Math.max(logEpoch, lastLogEpoch);
    }

    /**
     * The node's epoch, the one place it is kept: {@link #epoch()}, or its own log's newest when that is newer (a
     * restarted logger). Its roles are built in it and its status reports it.
     */
    public int nodeEpoch()
    {
        return Math.max(epoch, logEpoch);
    }

    /** The highest epoch seen or asked for; the next election asks for more. */
    public int highestEpoch()
    {
        return highestEpoch;
    }

    /** The primary this node follows or is, or {@link ControlFrames#NO_NODE}. */
    public int primaryId()
    {
        return primaryId;
    }

    public boolean isPrimary()
    {
        return role == Role.PRIMARY;
    }

    /** The epoch this node is asking for, or 0 when it runs no election. */
    public int electionEpoch()
    {
        return electionEpoch;
    }

    /** Grants needed to win: a majority of the configured members. */
    public int majority()
    {
        return majority;
    }

    public int memberCount()
    {
        return members.length;
    }

    /**
     * @param index 0 .. {@link #memberCount()} - 1, in configured order.
     */
    public MemberView member(final int index)
    {
        return members[index];
    }

    /**
     * @return the view of a node, or null when it is not a member.
     */
    public MemberView view(final int nodeId)
    {
        final int index = indexOf(nodeId);
        return index < 0 ? null : members[index];
    }

    // Member queries: the scans over the other members that the node's roles ask, each written once here.

    /**
     * @return the first other member, in configured order, whose heartbeats say {@code role} and that is alive and
     * heard: the logger a primary sends to, the primary or logger a backup measures its lag against; null for none.
     */
    public MemberView firstHeard(final Role role)
    {
        for (final MemberView view : members)
        {
            if (view.nodeId() != nodeId && view.role() == role && view.alive() && view.heard())
            {
                return view;
            }
        }
        return null;
    }

    /**
     * @return the other member whose heartbeats say {@code role}, alive and heard, with the lowest rank (the first in
     * configured order among equals): the backup a primary promotes to logger; null for none.
     */
    public MemberView bestHeard(final Role role)
    {
        MemberView best = null;
        for (final MemberView view : members)
        {
            if (view.nodeId() != nodeId && view.role() == role && view.alive() && view.heard() &&
                (null == best || view.rank() < best.rank()))
            {
                best = view;
            }
        }
        return best;
    }

    /**
     * @return how many other members whose heartbeats say {@code role} are alive (not suspected): logger+K's quorum.
     */
    public int aliveCount(final Role role)
    {
        int alive = 0;
        for (final MemberView view : members)
        {
            alive += view.nodeId() != nodeId && view.role() == role && view.alive() ? 1 : 0;
        }
        return alive;
    }

    /**
     * ST-TCP primary: whether this node and enough members to make a majority say no backup is in sync, counting the
     * members other than {@code lostBackupId} heard alive in {@code inEpoch} whose heartbeats name no backup in sync
     * (the witness echoing the primary).
     */
    public boolean majorityHeardOutOfSync(final int lostBackupId, final int inEpoch)
    {
        int agree = 1;
        for (final MemberView view : members)
        {
            if (view.nodeId() != nodeId && view.nodeId() != lostBackupId && view.alive() && view.heard() &&
                view.epoch() == inEpoch && 0 == view.syncBackupId())
            {
                agree++;
            }
        }
        return agree >= majority;
    }

    /**
     * ST-TCP: grant votes only to the backup the primary's heartbeats last named in sync. Without a logger the
     * backup's copy is the only other one, and a backup the primary stopped waiting for (it was lost, or is still
     * catching up) lacks bytes the client was told arrived.
     *
     * @param initialSyncBackup the backup in sync at the cluster's start (both logs empty), 0 for none.
     */
    public void syncedCandidatesOnly(final int initialSyncBackup)
    {
        this.syncedCandidatesOnly = true;
        this.knownSyncBackup = initialSyncBackup;
        this.knownSyncEpoch = INITIAL_EPOCH;
    }

    /**
     * @return the in-sync backup as this node last heard the primary name it (ST-TCP), 0 for none.
     */
    public int knownSyncBackup()
    {
        return knownSyncBackup;
    }

    public MembershipCounters counters()
    {
        return counters;
    }

    /**
     * @return the highest epoch a frame claimed without the evidence rule 9 asks for, 0 when none did; it may since
     * have been adopted on evidence (compare with {@link #epoch()}).
     */
    public int unconfirmedEpoch()
    {
        return unconfirmedEpoch;
    }

    /** The member that claimed {@link #unconfirmedEpoch()}, or {@link ControlFrames#NO_NODE}. */
    public int unconfirmedEpochFrom()
    {
        return unconfirmedEpochFrom;
    }

    /**
     * Rule 9 for the channel's other frames (records, fetched records): may a frame of {@code frameEpoch} from
     * {@code senderId} be acted on? Like any frame it raises the highest epoch this node knows of by one step at most,
     * and it may be acted on when within it: a new primary's records may arrive before its heartbeat (a node that
     * just restarted hears the records first) and are not lost for it, while a frame further ahead is counted and
     * must be dropped, so that no record frame moves a receiver's epoch far past the membership's.
     */
    public boolean acceptsEpoch(final int frameEpoch, final int senderId)
    {
        if (frameEpoch <= epoch || stepTowards(frameEpoch))
        {
            return true;
        }
        unconfirmed(frameEpoch, senderId);
        return false;
    }

    /**
     * Change this node's own role, such as a backup promoted to logger after logger loss (rule 6), or a primary
     * stepping down. Its next heartbeat says so; an election of its own ends unless it stays a BACKUP.
     *
     * @throws IllegalArgumentException for PRIMARY: a node becomes primary only by election.
     */
    public void role(final Role newRole)
    {
        if (newRole == Role.PRIMARY && role != Role.PRIMARY)
        {
            throw new IllegalArgumentException("a node becomes primary only by winning an election: it cannot be set");
        }
        if (role == Role.PRIMARY && newRole != Role.PRIMARY)
        {
            primaryId = ControlFrames.NO_NODE;
            cancelPromotion();
        }
        role = newRole;
        if (newRole != Role.BACKUP)
        {
            endElection();
        }
    }

    /**
     * The time {@link #onFrame} uses until the next {@link #doWork}; set by doWork itself.
     */
    public void nowNs(final long nowNs)
    {
        this.nowNs = nowNs;
    }

    /**
     * Detect failures, run this node's election, send queued votes, vote requests and the heartbeat when due.
     *
     * @return the amount of work done: edges and frames sent.
     */
    public int doWork(final long nowNs, final FrameOutput out)
    {
        this.nowNs = nowNs;
        if (!started)
        {
            started = true;
            startedNs = nowNs;
            for (final MemberView member : members)
            {
                member.lastHeardNs = nowNs;
            }
            nextHeartbeatNs = nowNs;
            retryNotBeforeNs = nowNs;
        }

        int work = detectFailures(nowNs);
        work += grantDeferredVote(nowNs);
        work += runElection(nowNs);
        work += sendVotes(out);
        if (electionEpoch != 0 && nowNs - nextVoteRequestNs >= 0 && sendVoteRequest(out))
        {
            nextVoteRequestNs = nowNs + heartbeatIntervalNs;
            work++;
        }
        if (promotingLogger)
        {
            work += promoteLoggerStep(nowNs, out);
        }
        if (nowNs - nextHeartbeatNs >= 0 && sendHeartbeat(nowNs, out))
        {
            nextHeartbeatNs = nowNs + heartbeatIntervalNs;
            work++;
        }
        return work;
    }

    // ---------------------------------------------------------------------------------------------
    // Receive
    // ---------------------------------------------------------------------------------------------

    /**
     * A frame of the replication channel (the whole Ethernet frame) carrying a control kind; others are counted and
     * ignored. Never throws on bad input.
     */
    public void onFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        if (FrameFlags.isTruncated(flags) || length < EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH)
        {
            counters.malformedFrames.incrementRelease();
            return;
        }
        ethernet.wrap(buffer, offset);
        final int at = offset + EthernetFlyweight.HEADER_LENGTH;
        header.wrap(buffer, at);
        if (ethernet.etherType() != EthernetFlyweight.ETHER_TYPE_REPLICATION ||
            header.version() != ReplicationFrameFlyweight.CURRENT_VERSION)
        {
            counters.malformedFrames.incrementRelease();
            return;
        }
        final int kind = header.kind();
        final int payloadLength = ControlFrames.payloadLength(kind);
        if (payloadLength < 0)
        {
            counters.unknownKindFrames.incrementRelease();
            return;
        }
        if (header.payloadLength() != payloadLength ||
            length < EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH + payloadLength)
        {
            counters.malformedFrames.incrementRelease();
            return;
        }
        final int sender = header.nodeId();
        if (sender == nodeId)
        {
            // Our own frame, looped back by a bridge.
            return;
        }
        final int index = indexOf(sender);
        if (index < 0)
        {
            counters.unknownSenderFrames.incrementRelease();
            return;
        }

        if (0 == members[index].mac)
        {
            members[index].mac = ethernet.source();
        }
        final int payload = at + ReplicationFrameFlyweight.PAYLOAD_OFFSET;
        switch (kind)
        {
            case ControlFrames.KIND_HEARTBEAT -> onHeartbeat(members[index], buffer, payload);
            case ControlFrames.KIND_VOTE_REQUEST -> onVoteRequest(members[index]);
            case ControlFrames.KIND_LEAVE -> onLeave(members[index], (int)header.position());
            case ControlFrames.KIND_PROMOTE_LOGGER -> onPromoteLogger(members[index], header.epoch(), (int)header.position());
            default -> onVote(members[index], buffer, payload);
        }
    }

    private void onHeartbeat(final MemberView sender, final DirectBuffer buffer, final int payload)
    {
        heartbeat.wrap(buffer, payload);
        final Role reportedRole = ControlFrames.role(heartbeat.roleCode());
        if (reportedRole == null)
        {
            counters.malformedFrames.incrementRelease();
            return;
        }
        final int frameEpoch = header.epoch();
        if (reportedRole == Role.PRIMARY && frameEpoch < epoch)
        {
            counters.fencedFrames.incrementRelease();
            return;
        }
        counters.heartbeatsReceived.incrementRelease();
        heard(sender);
        sender.role = reportedRole;
        sender.epoch = frameEpoch;
        sender.primaryId = heartbeat.primaryId();
        sender.logPosition = header.position();
        sender.appliedPosition = heartbeat.appliedPosition();
        sender.timestampClockMs = heartbeat.timestampClockMs();
        sender.connectionCount = heartbeat.connectionCount();
        sender.syncBackupId = heartbeat.syncBackupId();
        sender.configDigest = heartbeat.configDigest();
        listener.onMemberConfig(sender.nodeId(), sender.configDigest);
        stepTowards(frameEpoch);

        if (frameEpoch > epoch)
        {
            // Rule 9: a higher epoch is followed only on a majority's evidence; every member's heartbeat may complete
            // it (the new primary's own, or the last of the others that agree with it).
            final int claimedPrimary = reportedRole == Role.PRIMARY ? sender.nodeId() : heartbeat.primaryId();
            if (claimedPrimary != nodeId && hasEvidence(claimedPrimary, frameEpoch))
            {
                adoptPrimary(claimedPrimary, frameEpoch);
            }
            else if (reportedRole == Role.PRIMARY)
            {
                unconfirmed(frameEpoch, sender.nodeId());
                higherPrimaryHeard = true;
                higherPrimaryHeardNs = nowNs;
            }
        }
        else if (reportedRole == Role.PRIMARY)
        {
            if (sender.nodeId() != primaryId)
            {
                if (primaryId == ControlFrames.NO_NODE && role != Role.PRIMARY)
                {
                    // This node knew of no primary in its epoch (none configured): follow the one that says so.
                    primaryId = sender.nodeId();
                    counters.newPrimaries.incrementRelease();
                    listener.onNewPrimary(sender.nodeId(), frameEpoch);
                }
                else
                {
                    counters.primaryConflicts.incrementRelease();
                }
            }
        }
        if (reportedRole == Role.PRIMARY && frameEpoch == epoch && frameEpoch >= knownSyncEpoch)
        {
            // Only the primary of this node's epoch names the backup in sync: an unconfirmed claim names nothing.
            knownSyncEpoch = frameEpoch;
            knownSyncBackup = heartbeat.syncBackupId();
        }
    }

    /**
     * Rule 9: the evidence that {@code claimedPrimary} is primary in {@code claimedEpoch}, above this node's epoch. Its
     * own heartbeat, alive, says so; and either this node granted it its vote in that epoch, or members whose last
     * heartbeats say that epoch and that primary (it included, this node not) make a majority of the configured
     * members. A two-member cluster has no majority without this node (its backup takes over after its fencing hook
     * cut the primary off): there the other member's own claim is evidence once it is one step ahead at most.
     */
    private boolean hasEvidence(final int claimedPrimary, final int claimedEpoch)
    {
        final int index = indexOf(claimedPrimary);
        if (index < 0 || members[index] == self)
        {
            return false;
        }
        final MemberView primary = members[index];
        if (!primary.alive || !primary.heard || primary.role != Role.PRIMARY || primary.epoch != claimedEpoch)
        {
            return false;
        }
        if (votedEpoch == claimedEpoch && votedFor == claimedPrimary)
        {
            return true;
        }
        if (members.length == 2)
        {
            return claimedEpoch <= highestEpoch;
        }
        int agree = 0;
        for (final MemberView member : members)
        {
            if (member != self && member.alive && member.heard && member.epoch == claimedEpoch &&
                member.primaryId == claimedPrimary)
            {
                agree++;
            }
        }
        return agree >= majority;
    }

    /**
     * Rule 9: a frame raises the highest epoch this node knows of by one step at most, so no frame (a member's mistake
     * or a replay) makes the next election ask for an epoch far ahead, and no vote is granted more than one epoch
     * past what this node knew.
     *
     * @return true when {@code seenEpoch} is within what this node knows of now.
     */
    private boolean stepTowards(final int seenEpoch)
    {
        final int known = Math.max(highestEpoch, votedEpoch);
        if (seenEpoch > highestEpoch)
        {
            highestEpoch = (int)Math.min(seenEpoch, (long)known + 1);
        }
        return seenEpoch <= Math.max(highestEpoch, votedEpoch);
    }

    private void unconfirmed(final int claimedEpoch, final int claimedBy)
    {
        counters.unconfirmedEpochFrames.incrementRelease();
        if (claimedEpoch > unconfirmedEpoch)
        {
            unconfirmedEpoch = claimedEpoch;
            unconfirmedEpochFrom = claimedBy;
        }
    }

    /**
     * A member stops on purpose: gone now, not after the suspicion timeout. When it was the primary and names a
     * successor, that successor (if it is this node, a backup) stands for election at once, ahead of the ranks.
     */
    private void onLeave(final MemberView leaver, final int successorId)
    {
        counters.leavesHeard.incrementRelease();
        if (!leaver.alive)
        {
            return; // the same LEAVE again (it is sent more than once), or one from a member already suspected
        }
        leaver.alive = false;
        if (leaver.nodeId() == primaryId && role != Role.PRIMARY)
        {
            successorNamed = indexOf(successorId) >= 0 ? successorId : ControlFrames.NO_NODE;
            retryNotBeforeNs = nowNs;
        }
        listener.onMemberLeft(leaver.nodeId());
    }

    /**
     * Say that this node stops on purpose, naming its successor when it is a primary handing over (else
     * {@link ControlFrames#NO_NODE}). Sent by a node on its way out; it sends nothing else after it.
     *
     * @return true when the frame was queued.
     */
    public boolean sendLeave(final FrameOutput out, final int successorId)
    {
        final int at = claim(out, ControlFrames.KIND_LEAVE, epoch, successorId, ControlFrames.LEAVE_PAYLOAD_LENGTH);
        if (at < 0)
        {
            return false;
        }
        out.commit(at - EthernetFlyweight.HEADER_LENGTH);
        return true;
    }

    private void onVoteRequest(final MemberView candidate)
    {
        counters.voteRequestsReceived.incrementRelease();
        heard(candidate);
        final int askedEpoch = header.epoch();
        // Rule 9: never a grant more than one epoch past what this node knew; the candidate asks again each heartbeat,
        // and each request it hears brings this node one step closer.
        final boolean withinStep = stepTowards(askedEpoch);
        if (!withinStep)
        {
            unconfirmed(askedEpoch, candidate.nodeId());
        }
        refusedForLivePrimary = false;
        final boolean granted = withinStep && decideVote(candidate, askedEpoch);
        if (!granted && refusedForLivePrimary &&
            (null == deferredVoteCandidate || nowNs - deferredVoteUntilNs > 0 || askedEpoch > deferredVoteEpoch))
        {
            // Refused only because this node still hears the primary: decided again the moment it suspects it too.
            // The first such request of an epoch is kept, so two candidates racing are answered in the order they
            // asked, as their next requests would be.
            deferredVoteCandidate = candidate;
            deferredVoteEpoch = askedEpoch;
            deferredVoteUntilNs = nowNs + heartbeatIntervalNs;
        }
        else if (granted && deferredVoteCandidate == candidate)
        {
            deferredVoteCandidate = null; // asked again and granted: nothing left to decide
        }
        candidate.votePending = true;
        candidate.votePendingEpoch = askedEpoch;
        candidate.votePendingGranted = granted;
        (granted ? counters.votesGranted : counters.votesRefused).incrementRelease();
    }

    /**
     * A VOTE_REQUEST refused only because this node still heard the primary is decided again as soon as this node
     * suspects the primary too, if that comes within one heartbeat interval of the request. The candidate asks once an
     * interval; a voter whose suspicion fires a moment after the candidate's would otherwise make it wait for the next
     * request, up to a whole interval of the takeover (the two time out from the primary's last frame each heard, a
     * little apart). The answer is the one that next request would get now: the same checks, at the same moment.
     *
     * @return 1 when a grant was decided (it goes out with the votes of this cycle), else 0.
     */
    private int grantDeferredVote(final long nowNs)
    {
        final MemberView candidate = deferredVoteCandidate;
        if (null == candidate)
        {
            return 0;
        }
        if (nowNs - deferredVoteUntilNs > 0)
        {
            deferredVoteCandidate = null;
            return 0;
        }
        if (!suspectsPrimary())
        {
            return 0;
        }
        deferredVoteCandidate = null;
        if (!candidate.alive || !decideVote(candidate, deferredVoteEpoch))
        {
            return 0;
        }
        candidate.votePending = true;
        candidate.votePendingEpoch = deferredVoteEpoch;
        candidate.votePendingGranted = true;
        counters.votesGranted.incrementRelease();
        counters.deferredVotesGranted.incrementRelease();
        return 1;
    }

    private boolean decideVote(final MemberView candidate, final int askedEpoch)
    {
        if (askedEpoch <= epoch || askedEpoch < votedEpoch || candidate.configuredRole() == Role.WITNESS)
        {
            return false;
        }
        if (askedEpoch == votedEpoch)
        {
            // The request again (the vote was lost): the same answer, and no second onVoted.
            return votedFor == candidate.nodeId();
        }
        if (!suspectsPrimary())
        {
            refusedForLivePrimary = true;
            return false;
        }
        if (syncedCandidatesOnly && candidate.nodeId() != knownSyncBackup)
        {
            counters.unsyncedCandidatesRefused.incrementRelease();
            return false;
        }
        votedEpoch = askedEpoch;
        votedFor = candidate.nodeId();
        // Our own candidacy, if any, is for a lower epoch: give it up for the one just granted, and give that one an
        // election timeout to win and say so before standing again (else two candidates depose each other in turn).
        endElection();
        retryNotBeforeNs = nowNs + electionTimeoutNs;
        listener.onVoted(askedEpoch, candidate.nodeId());
        return true;
    }

    private void onVote(final MemberView voter, final DirectBuffer buffer, final int payload)
    {
        vote.wrap(buffer, payload);
        final int granted = vote.granted();
        final Role voterRole = ControlFrames.role(vote.voterRoleCode());
        if (granted > 1 || voterRole == null)
        {
            counters.malformedFrames.incrementRelease();
            return;
        }
        final int votedInEpoch = header.epoch();
        if (voterRole == Role.PRIMARY && votedInEpoch < epoch)
        {
            counters.fencedFrames.incrementRelease();
            return;
        }
        counters.votesReceived.incrementRelease();
        heard(voter);
        stepTowards(votedInEpoch);
        if (granted == 0)
        {
            return;
        }

        final int candidateId = vote.candidateId();
        if (electionEpoch != 0 && votedInEpoch == electionEpoch && candidateId == nodeId)
        {
            if (!voter.grantedUs)
            {
                voter.grantedUs = true;
                if (voterRole == Role.LOGGER)
                {
                    loggerLogPosition = header.position();
                }
            }
            checkElected();
        }
        else if (role == Role.PRIMARY && votedInEpoch > epoch)
        {
            watchElection(voter, votedInEpoch, candidateId);
        }
    }

    /**
     * As primary, tally the grants of a higher-epoch election seen on the wire: a successor this node cannot hear
     * still deposes it once a majority granted one.
     */
    private void watchElection(final MemberView voter, final int votedInEpoch, final int candidateId)
    {
        final int candidateIndex = indexOf(candidateId);
        if (candidateIndex < 0 || votedInEpoch < watchedEpoch)
        {
            return;
        }
        if (votedInEpoch > watchedEpoch)
        {
            watchedEpoch = votedInEpoch;
            watchedCandidate = candidateId;
            for (final MemberView member : members)
            {
                member.grantedWatched = false;
            }
            members[candidateIndex].grantedWatched = true;
        }
        if (candidateId != watchedCandidate)
        {
            return;
        }
        voter.grantedWatched = true;
        int grants = 0;
        for (final MemberView member : members)
        {
            grants += member.grantedWatched ? 1 : 0;
        }
        if (grants >= majority)
        {
            adoptPrimary(candidateId, votedInEpoch);
        }
    }

    /**
     * Any other frame of the replication channel from a member (records, NAKs, confirms) proves it alive as well as
     * a heartbeat does: a heartbeat dropped from a full ring behind a burst of records is no sign of death. Frames of
     * an epoch older than this node's do not count (a deposed primary's).
     */
    public void heardFrom(final int nodeId, final int frameEpoch)
    {
        if (nodeId == this.nodeId || frameEpoch < epoch)
        {
            return;
        }
        final int index = indexOf(nodeId);
        if (index >= 0 && members[index].heard)
        {
            heard(members[index]);
        }
    }

    private void heard(final MemberView member)
    {
        member.lastHeardNs = nowNs;
        member.heard = true;
        if (!member.alive)
        {
            member.alive = true;
            listener.onMemberAlive(member.nodeId());
        }
    }

    private void adoptPrimary(final int newPrimaryId, final int newEpoch)
    {
        successorNamed = ControlFrames.NO_NODE;
        final boolean wasPrimary = role == Role.PRIMARY;
        epoch = newEpoch;
        highestEpoch = Math.max(highestEpoch, newEpoch);
        primaryId = newPrimaryId;
        if (electionEpoch <= newEpoch)
        {
            // An election for a higher epoch goes on: grants already given for it would depose the new primary
            // anyway, and a primary watching them must be able to trust that a granted majority means a winner.
            endElection();
        }
        if (wasPrimary)
        {
            role = Role.BACKUP;
            cancelPromotion();
            counters.deposed.incrementRelease();
            listener.onDeposed(newEpoch);
        }
        counters.newPrimaries.incrementRelease();
        listener.onNewPrimary(newPrimaryId, newEpoch);
    }

    // ---------------------------------------------------------------------------------------------
    // Failure detection and election
    // ---------------------------------------------------------------------------------------------

    /**
     * @return true when the next {@link #doWork} at {@code nowNs} would suspect a member: one alive member has been
     * silent for its timeout. The node reads the frames waiting in its receive ring first (the member's heartbeat may
     * be among them, behind frames it was too slow to read), so that only silence on the wire is taken for a failure
     * (docs/architecture.md, "Failure detection"). Allocation-free.
     */
    public boolean suspicionDue(final long nowNs)
    {
        if (!started)
        {
            return false;
        }
        for (final MemberView member : members)
        {
            if (silent(member, nowNs))
            {
                return true;
            }
        }
        return false;
    }

    private boolean silent(final MemberView member, final long nowNs)
    {
        // A member never heard is given longer: at a cluster's start the JVMs come up one by one, and a
        // node still starting (or a busy machine) must not be taken for dead before it ever spoke.
        final long timeoutNs = member.heard ? suspicionTimeoutNs : startupGraceNs;
        return member != self && member.alive && nowNs - member.lastHeardNs >= timeoutNs;
    }

    private int detectFailures(final long nowNs)
    {
        int edges = 0;
        for (final MemberView member : members)
        {
            if (silent(member, nowNs))
            {
                member.alive = false;
                counters.suspicions.incrementRelease();
                listener.onMemberSuspected(member.nodeId());
                edges++;
            }
        }
        return edges;
    }

    /**
     * @return true when this node follows no live primary: none known, the primary suspected, or it says it is no
     * longer primary. A primary never suspects itself.
     */
    public boolean suspectsPrimary()
    {
        if (role == Role.PRIMARY)
        {
            return false;
        }
        final int index = indexOf(primaryId);
        if (index < 0)
        {
            return true;
        }
        final MemberView primary = members[index];
        return primary == self || !primary.alive || primary.role != Role.PRIMARY;
    }

    private int runElection(final long nowNs)
    {
        if (electionEpoch != 0)
        {
            if (nowNs - electionStartNs >= electionTimeoutNs)
            {
                final int failedEpoch = electionEpoch;
                endElection();
                retryNotBeforeNs = nowNs + self.rank() * heartbeatIntervalNs;
                counters.electionsFailed.incrementRelease();
                listener.onElectionFailed(failedEpoch);
                return 1;
            }
            return 0;
        }
        // A node stands only once it had a suspicion timeout to hear the others: one that just started (a restart,
        // whose configured primary was itself) knows of no primary yet, and the cluster most likely has one.
        // Nor while a live member says it is primary in a later epoch: the evidence for it is on its way (a restart
        // that heard the new primary before the others), or it is one member's word that an election cannot mend.
        if (role == Role.BACKUP && nowNs - retryNotBeforeNs >= 0 && nowNs - startedNs >= suspicionTimeoutNs &&
            !(higherPrimaryHeard && nowNs - higherPrimaryHeardNs < suspicionTimeoutNs) &&
            suspectsPrimary() && bestCandidate() == self)
        {
            startElection(nowNs);
            return 1;
        }
        return 0;
    }

    /**
     * The live BACKUP with the lowest rank, ties to the lower node id, in this node's view; null when none.
     */
    private MemberView bestCandidate()
    {
        final int successor = indexOf(successorNamed);
        if (successor >= 0)
        {
            final MemberView named = members[successor];
            if (named == self ? role == Role.BACKUP : named.alive && named.role == Role.BACKUP)
            {
                return named;
            }
        }
        MemberView best = null;
        for (final MemberView member : members)
        {
            final boolean candidate = member == self ? role == Role.BACKUP : member.alive && member.role == Role.BACKUP;
            if (candidate && (best == null || member.rank() < best.rank() ||
                (member.rank() == best.rank() && member.nodeId() < best.nodeId())))
            {
                best = member;
            }
        }
        return best;
    }

    /**
     * Two-node ST-TCP with a fencing hook: the other member, the primary, has been cut off by the hook, so this
     * backup becomes PRIMARY in the next epoch without a majority (there is none to be had). Only a BACKUP that
     * suspects the primary may; anything else changes nothing.
     *
     * @return true when this node is PRIMARY now ({@link Listener#onElected} has been called).
     */
    public boolean takeOverAfterFencing()
    {
        if (role != Role.BACKUP || !suspectsPrimary())
        {
            return false;
        }
        endElection();
        final int wonEpoch = Math.max(highestEpoch, votedEpoch) + 1;
        highestEpoch = wonEpoch;
        votedEpoch = wonEpoch;
        votedFor = nodeId;
        role = Role.PRIMARY;
        epoch = wonEpoch;
        primaryId = nodeId;
        nextHeartbeatNs = nowNs;
        counters.electionsWon.incrementRelease();
        listener.onElected(wonEpoch, -1);
        return true;
    }

    private void startElection(final long nowNs)
    {
        electionEpoch = Math.max(highestEpoch, votedEpoch) + 1;
        highestEpoch = electionEpoch;
        votedEpoch = electionEpoch;
        votedFor = nodeId;
        electionStartNs = nowNs;
        nextVoteRequestNs = nowNs;
        loggerLogPosition = -1;
        for (final MemberView member : members)
        {
            member.grantedUs = false;
        }
        self.grantedUs = true;
        counters.electionsStarted.incrementRelease();
        checkElected();
    }

    private void checkElected()
    {
        int grants = 0;
        for (final MemberView member : members)
        {
            grants += member.grantedUs ? 1 : 0;
        }
        if (grants < majority)
        {
            return;
        }
        final int wonEpoch = electionEpoch;
        final long drainTo = loggerLogPosition;
        successorNamed = ControlFrames.NO_NODE;
        endElection();
        role = Role.PRIMARY;
        epoch = wonEpoch;
        primaryId = nodeId;
        nextHeartbeatNs = nowNs;
        counters.electionsWon.incrementRelease();
        listener.onElected(wonEpoch, drainTo);
    }

    private void endElection()
    {
        if (electionEpoch != 0)
        {
            electionEpoch = 0;
            for (final MemberView member : members)
            {
                member.grantedUs = false;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Logger promotion (docs/architecture.md rule 6)
    // ---------------------------------------------------------------------------------------------

    /**
     * Primary: the logger was lost; promote a backup to logger. Only after another suspicion timeout of silence:
     * promoting turns a backup into a logger for good, so a logger that was merely slow (a pause, a busy machine)
     * must have its chance to speak again ({@link #cancelPromotion()} when it does).
     */
    public void promoteLogger()
    {
        promotingLogger = true;
        promotionTarget = ControlFrames.NO_NODE;
        nextPromotionNs = nowNs + suspicionTimeoutNs;
    }

    /** Primary, promoting a logger: the lost one said it is gone (LEAVE), so promote without waiting. */
    public void promoteLoggerAtOnce()
    {
        if (promotingLogger)
        {
            nextPromotionNs = nowNs;
        }
    }

    /** Primary: the lost logger is back, or this node serves no longer: promote nobody. */
    public void cancelPromotion()
    {
        promotingLogger = false;
        promotionTarget = ControlFrames.NO_NODE;
    }

    /** @return whether this primary is promoting a backup to logger. */
    public boolean promotingLogger()
    {
        return promotingLogger;
    }

    /** @return the backup this primary asks to become the logger, or {@link ControlFrames#NO_NODE} (none yet). */
    public int promotionTarget()
    {
        return promotionTarget;
    }

    /**
     * Pick the first live backup by rank, ask it every heartbeat interval to become the logger, and once its
     * heartbeats say LOGGER tell the listener. A target that goes quiet first is dropped for the next best.
     */
    private int promoteLoggerStep(final long nowNs, final FrameOutput out)
    {
        if (role != Role.PRIMARY || nowNs - nextPromotionNs < 0)
        {
            return 0;
        }
        nextPromotionNs = nowNs + heartbeatIntervalNs;
        if (promotionTarget == ControlFrames.NO_NODE)
        {
            final MemberView best = bestHeard(Role.BACKUP);
            if (null == best)
            {
                return 0;
            }
            promotionTarget = best.nodeId();
            listener.onPromotingLogger(promotionTarget);
        }
        final MemberView target = view(promotionTarget);
        if (target.role() == Role.LOGGER && target.alive())
        {
            cancelPromotion();
            listener.onLoggerPromoted(target);
            return 1;
        }
        if (!target.alive())
        {
            promotionTarget = ControlFrames.NO_NODE;
            return 0;
        }
        final int at = claim(out, ControlFrames.KIND_PROMOTE_LOGGER, epoch, promotionTarget, 0);
        if (at < 0)
        {
            return 0;
        }
        out.commit(at - EthernetFlyweight.HEADER_LENGTH);
        return 1;
    }

    private void onPromoteLogger(final MemberView from, final int frameEpoch, final int targetId)
    {
        // Only the primary this node follows, in this node's own epoch (rule 9): the order moves no epoch.
        if (targetId != nodeId || role != Role.BACKUP || from.nodeId() != primaryId || frameEpoch != epoch)
        {
            return;
        }
        if (null != firstHeard(Role.LOGGER))
        {
            // This node still hears a logger: the primary's suspicion is its own (a pause, a lost frame), and
            // a second logger would cost the cluster a backup for nothing. The primary hears the logger again.
            return;
        }
        if (listener.onPromotedToLogger(from.nodeId(), frameEpoch))
        {
            role(Role.LOGGER);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Send
    // ---------------------------------------------------------------------------------------------

    private boolean sendHeartbeat(final long nowNs, final FrameOutput out)
    {
        self.role = role;
        self.epoch = epoch;
        self.primaryId = primaryId;
        self.logPosition = status.logPosition();
        self.appliedPosition = status.appliedPosition();
        self.connectionCount = status.connectionCount();
        self.timestampClockMs = status.timestampClockMs();
        self.syncBackupId = role == Role.PRIMARY ? status.syncBackupId() : knownSyncBackup;
        if (role == Role.PRIMARY)
        {
            knownSyncEpoch = epoch;
            knownSyncBackup = self.syncBackupId;
        }
        self.lastHeardNs = nowNs;
        self.heard = true;

        final int at = claim(out, ControlFrames.KIND_HEARTBEAT, epoch, self.logPosition, HeartbeatFlyweight.LENGTH);
        if (at < 0)
        {
            return false;
        }
        txHeartbeat.wrap(out.buffer(), at + ReplicationFrameFlyweight.PAYLOAD_OFFSET).write(
            ControlFrames.roleCode(role), primaryId, self.appliedPosition, self.timestampClockMs, self.connectionCount,
            self.syncBackupId, status.configDigest());
        out.commit(at - EthernetFlyweight.HEADER_LENGTH);
        counters.heartbeatsSent.incrementRelease();
        return true;
    }

    private boolean sendVoteRequest(final FrameOutput out)
    {
        final int at = claim(
            out, ControlFrames.KIND_VOTE_REQUEST, electionEpoch, status.logPosition(), ControlFrames.VOTE_REQUEST_PAYLOAD_LENGTH);
        if (at < 0)
        {
            return false;
        }
        out.commit(at - EthernetFlyweight.HEADER_LENGTH);
        counters.voteRequestsSent.incrementRelease();
        return true;
    }

    private int sendVotes(final FrameOutput out)
    {
        int sent = 0;
        for (final MemberView candidate : members)
        {
            if (!candidate.votePending)
            {
                continue;
            }
            final int at = claim(out, ControlFrames.KIND_VOTE, candidate.votePendingEpoch, status.logPosition(), VoteFlyweight.LENGTH);
            if (at < 0)
            {
                return sent;
            }
            txVote.wrap(out.buffer(), at + ReplicationFrameFlyweight.PAYLOAD_OFFSET)
                .write(candidate.nodeId(), candidate.votePendingGranted, ControlFrames.roleCode(role));
            out.commit(at - EthernetFlyweight.HEADER_LENGTH);
            candidate.votePending = false;
            counters.votesSent.incrementRelease();
            sent++;
        }
        return sent;
    }

    /**
     * Claim a control frame to the group, write its Ethernet and replication headers and zero its padding.
     *
     * @return the offset of the replication header, or -1 when there is no room.
     */
    private int claim(final FrameOutput out, final int kind, final int frameEpoch, final long position, final int payloadLength)
    {
        final int length = EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH + payloadLength;
        final int frameLength = Math.max(MIN_FRAME_LENGTH, length);
        final int offset = out.claim(frameLength);
        if (offset < 0)
        {
            counters.txFull.incrementRelease();
            return -1;
        }
        final MutableDirectBuffer buffer = out.buffer();
        if (length < frameLength)
        {
            buffer.setMemory(offset + length, frameLength - length, (byte)0);
        }
        txEthernet.wrap(buffer, offset).destination(groupMac).source(self.mac()).etherType(EthernetFlyweight.ETHER_TYPE_REPLICATION);
        final int at = offset + EthernetFlyweight.HEADER_LENGTH;
        txHeader.wrap(buffer, at).writeHeader(kind, nodeId, frameEpoch, position, payloadLength);
        return at;
    }

    private int indexOf(final int id)
    {
        for (int i = 0; i < members.length; i++)
        {
            if (members[i].nodeId() == id)
            {
                return i;
            }
        }
        return -1;
    }
}
