package io.ertcp.engine.cluster.membership;

import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.ertcp.engine.cluster.membership.SimulatedCluster.HEARTBEAT_NS;
import static io.ertcp.engine.cluster.membership.SimulatedCluster.MS;
import static io.ertcp.engine.cluster.membership.SimulatedCluster.member;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/architecture.md rule 9: an epoch rises only through an election a majority voted for, one step at a time; no
 * single frame of one member (a mistaken member, or a replay of what it once said) moves a role or an epoch. The
 * frames here are ones a member could have sent (authentication is FrameAuthenticatorTest's): what they claim is
 * what is tested.
 */
class EpochEvidenceTest
{
    private static final int P = 0;
    private static final int L = 1;
    private static final int B = 2;

    private static SimulatedCluster threeMembers()
    {
        return new SimulatedCluster(member(1, 0, Role.PRIMARY), member(2, 0, Role.LOGGER), member(3, 1, Role.BACKUP));
    }

    /** Node 1 ranked behind the backup, so that as a restarted backup it does not stand itself. */
    private static SimulatedCluster threeMembersPrimaryLast()
    {
        return new SimulatedCluster(member(1, 5, Role.PRIMARY), member(2, 0, Role.LOGGER), member(3, 1, Role.BACKUP));
    }

    private static UnsafeBuffer heartbeat(final int from, final int roleCode, final int epoch, final int primaryId)
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[EthernetFlyweight.HEADER_LENGTH +
            ReplicationFrameFlyweight.HEADER_LENGTH + HeartbeatFlyweight.LENGTH]);
        new EthernetFlyweight().wrap(frame, 0).destination(SimulatedCluster.GROUP_MAC).source(0x0200_0000_0000L | from)
            .etherType(EthernetFlyweight.ETHER_TYPE_REPLICATION);
        new ReplicationFrameFlyweight().wrap(frame, EthernetFlyweight.HEADER_LENGTH)
            .writeHeader(ControlFrames.KIND_HEARTBEAT, from, epoch, 10, HeartbeatFlyweight.LENGTH);
        new HeartbeatFlyweight().wrap(frame, EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH)
            .write(roleCode, primaryId, 10, 0, 0, 0, 0);
        return frame;
    }

    private static UnsafeBuffer voteRequest(final int from, final int epoch)
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[60]);
        new EthernetFlyweight().wrap(frame, 0).destination(SimulatedCluster.GROUP_MAC).source(0x0200_0000_0000L | from)
            .etherType(EthernetFlyweight.ETHER_TYPE_REPLICATION);
        new ReplicationFrameFlyweight().wrap(frame, EthernetFlyweight.HEADER_LENGTH)
            .writeHeader(ControlFrames.KIND_VOTE_REQUEST, from, epoch, 0, 0);
        return frame;
    }

    private static void deliver(final Membership to, final UnsafeBuffer frame)
    {
        to.onFrame(frame, 0, frame.capacity(), 0);
    }

    @Test
    void aPrimaryHeartbeatFarAheadFromOneMemberMovesNothing()
    {
        final SimulatedCluster cluster = threeMembers();
        cluster.runFor(100 * MS);
        // The backup (or a replay of it, or a frame it got wrong) claims PRIMARY two billion epochs ahead, to everyone.
        for (final int node : new int[]{P, L})
        {
            deliver(cluster.nodes[node], heartbeat(3, ControlFrames.ROLE_PRIMARY, 2_000_000_000, 3));
            assertEquals(2, cluster.nodes[node].highestEpoch(), "one step, not two billion");
            for (int i = 0; i < 4; i++)
            {
                deliver(cluster.nodes[node], heartbeat(3, ControlFrames.ROLE_PRIMARY, 2_000_000_000, 3));
            }
        }
        cluster.runFor(5 * HEARTBEAT_NS);

        assertTrue(cluster.nodes[P].isPrimary(), "the primary keeps serving");
        assertEquals(List.of(), cluster.events("deposed"));
        assertEquals(List.of(), cluster.events("new-primary"));
        for (final int node : new int[]{P, L})
        {
            assertEquals(1, cluster.nodes[node].epoch());
            assertEquals(1, cluster.nodes[node].primaryId());
            assertTrue(cluster.nodes[node].highestEpoch() <= 6, "a step per frame at most: " + cluster.nodes[node].highestEpoch());
            assertEquals(5, cluster.nodes[node].counters().unconfirmedEpochFrames.get(), "each claim counted");
            assertEquals(2_000_000_000, cluster.nodes[node].unconfirmedEpoch());
            assertEquals(3, cluster.nodes[node].unconfirmedEpochFrom());
        }

        // The next real election still asks for the next epoch, not for one past the claim.
        cluster.down[P] = true;
        assertTrue(cluster.runUntil(() -> cluster.nodes[B].isPrimary(), 1_000 * MS) > 0);
        assertTrue(cluster.nodes[B].epoch() <= 7, "epoch " + cluster.nodes[B].epoch());
    }

    @Test
    void aVoteRequestMoreThanOneEpochAheadIsNotGranted()
    {
        final SimulatedCluster cluster = threeMembers();
        cluster.runFor(100 * MS);
        cluster.down[P] = true;
        cluster.down[B] = true;
        // The logger suspects the primary, so it would grant a request in the next epoch; not one far ahead.
        cluster.runFor(10 * SimulatedCluster.SUSPICION_NS);
        final Membership logger = cluster.nodes[L];
        deliver(logger, voteRequest(3, 1_000));
        assertEquals(0, logger.counters().votesGranted.get());
        assertEquals(List.of(), cluster.events(L, "voted"));
        assertEquals(2, logger.highestEpoch(), "one step towards it");
        assertEquals(1, logger.counters().unconfirmedEpochFrames.get());

        // Asked again and again, the logger comes one step closer each time, and grants once the request is the next.
        for (int i = 0; i < 997; i++)
        {
            deliver(logger, voteRequest(3, 1_000));
        }
        assertEquals(999, logger.highestEpoch());
        assertEquals(0, logger.counters().votesGranted.get());
        deliver(logger, voteRequest(3, 1_000));
        assertEquals(1, logger.counters().votesGranted.get(), "a climb one request at a time, never one jump");
        assertEquals(1, logger.epoch(), "a vote is not an epoch: the logger follows no one yet");
    }

    @Test
    void aRestartedNodeFollowsAnEpochFarAheadOnlyOnceAMajoritySaysSo()
    {
        // Node 1 restarted: a backup in the initial epoch, while the others moved on to epoch 7 with node 3 primary.
        final SimulatedCluster cluster = threeMembersPrimaryLast();
        final Membership restarted = cluster.nodes[P];
        restarted.role(Role.BACKUP);
        cluster.down[L] = true;
        cluster.down[B] = true;
        cluster.step();

        deliver(restarted, heartbeat(3, ControlFrames.ROLE_PRIMARY, 7, 3));
        assertEquals(1, restarted.epoch(), "one member's claim is not a majority");
        assertEquals(List.of(), cluster.events(P, "new-primary"));
        assertEquals(1, restarted.counters().unconfirmedEpochFrames.get());

        deliver(restarted, heartbeat(2, ControlFrames.ROLE_LOGGER, 7, 3));
        assertEquals(7, restarted.epoch(), "the primary and the logger agree: a majority of three");
        assertEquals(3, restarted.primaryId());
        assertEquals(List.of(new SimulatedCluster.Event(P, "new-primary", 3, 7)), cluster.events(P, "new-primary"));
    }

    @Test
    void membersAgreeingOnAPrimaryThatDoesNotClaimItMoveNothing()
    {
        final SimulatedCluster cluster = threeMembersPrimaryLast();
        final Membership restarted = cluster.nodes[P];
        restarted.role(Role.BACKUP);
        cluster.down[L] = true;
        cluster.down[B] = true;
        cluster.step();
        // The logger says node 3 is primary in epoch 5, but node 3's own last word is that it is a backup in epoch 1.
        deliver(restarted, heartbeat(3, ControlFrames.ROLE_BACKUP, 1, 1));
        deliver(restarted, heartbeat(2, ControlFrames.ROLE_LOGGER, 5, 3));
        assertEquals(1, restarted.epoch());
        assertFalse(restarted.primaryId() == 3);
    }

    @Test
    void aPrimaryThatHearsOnlyItsSuccessorKeepsServingAndCountsIt()
    {
        final SimulatedCluster cluster = threeMembers();
        cluster.runFor(100 * MS);
        // The primary pauses; the backup wins epoch 2 with the logger's vote. Back, the primary hears the backup but
        // not the logger, and saw none of the votes: one member's word, so it does not step down on it.
        cluster.down[P] = true;
        assertTrue(cluster.runUntil(() -> cluster.nodes[B].isPrimary(), 1_000 * MS) > 0);
        cluster.cut[L][P] = true;
        cluster.down[P] = false;
        cluster.runFor(5 * HEARTBEAT_NS);
        assertTrue(cluster.nodes[P].isPrimary());
        assertEquals(List.of(), cluster.events("deposed"));
        assertTrue(cluster.nodes[P].counters().unconfirmedEpochFrames.get() >= 3);
        assertEquals(2, cluster.nodes[P].unconfirmedEpoch());

        // Heard again, the logger's heartbeats complete the majority: deposed in epoch 2, following node 3.
        cluster.cut[L][P] = false;
        cluster.runFor(3 * HEARTBEAT_NS);
        assertEquals(List.of(new SimulatedCluster.Event(P, "deposed", 2, 0)), cluster.events("deposed"));
        assertEquals(3, cluster.nodes[P].primaryId());
        assertEquals(2, cluster.nodes[P].epoch());
    }

    @Test
    void inTwoMembersThePeersClaimIsTakenOneStepAtATime()
    {
        // Two-node ST-TCP with a fencing hook: the backup took over without a majority (there is none to be had).
        final SimulatedCluster cluster = new SimulatedCluster(member(1, 5, Role.PRIMARY), member(2, 1, Role.BACKUP));
        final Membership restarted = cluster.nodes[0];
        restarted.role(Role.BACKUP);
        cluster.down[1] = true;
        cluster.step();
        deliver(restarted, heartbeat(2, ControlFrames.ROLE_PRIMARY, 3, 2));
        assertEquals(1, restarted.epoch(), "two steps ahead: one step taken");
        assertEquals(2, restarted.highestEpoch());
        deliver(restarted, heartbeat(2, ControlFrames.ROLE_PRIMARY, 3, 2));
        assertEquals(3, restarted.epoch());
        assertEquals(2, restarted.primaryId());
    }

    @Test
    void recordsAreTakenOnlyOneStepPastWhatTheNodeKnows()
    {
        final SimulatedCluster cluster = threeMembers();
        cluster.runFor(100 * MS);
        final Membership logger = cluster.nodes[L];
        assertTrue(logger.acceptsEpoch(1, 1));
        assertFalse(logger.acceptsEpoch(2_000_000_000, 3), "far ahead: dropped");
        assertEquals(2, logger.highestEpoch(), "one step towards it");
        assertFalse(logger.acceptsEpoch(4, 3));
        assertEquals(3, logger.highestEpoch());
        assertEquals(2, logger.counters().unconfirmedEpochFrames.get());
        assertTrue(logger.acceptsEpoch(3, 3), "within what it knows now");
        assertTrue(logger.acceptsEpoch(4, 3), "one step further");
        assertEquals(1, logger.epoch(), "taking records moves no membership epoch");
        assertTrue(cluster.nodes[P].isPrimary());
    }
}
