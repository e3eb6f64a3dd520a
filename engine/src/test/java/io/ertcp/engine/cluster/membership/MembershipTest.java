package io.ertcp.engine.cluster.membership;

import com.sun.management.ThreadMXBean;
import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.port.FrameFlags;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.ertcp.engine.cluster.membership.SimulatedCluster.ELECTION_NS;
import static io.ertcp.engine.cluster.membership.SimulatedCluster.HEARTBEAT_NS;
import static io.ertcp.engine.cluster.membership.SimulatedCluster.MS;
import static io.ertcp.engine.cluster.membership.SimulatedCluster.SUSPICION_NS;
import static io.ertcp.engine.cluster.membership.SimulatedCluster.member;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MembershipTest
{
    // Node indexes in the simulated clusters below; node ids are index + 1.
    private static final int P = 0;
    private static final int L = 1;
    private static final int B = 2;
    private static final int C = 3;
    private static final int W = 4;

    private static SimulatedCluster threeMembers()
    {
        return new SimulatedCluster(member(1, 0, Role.PRIMARY), member(2, 0, Role.LOGGER), member(3, 1, Role.BACKUP));
    }

    private static SimulatedCluster fiveMembers()
    {
        return new SimulatedCluster(
            member(1, 0, Role.PRIMARY), member(2, 0, Role.LOGGER), member(3, 1, Role.BACKUP), member(4, 2, Role.BACKUP),
            member(5, 0, Role.WITNESS));
    }

    /** No epoch has two winners, and no node granted two candidates in one epoch. */
    private static void assertOneWinnerPerEpoch(final SimulatedCluster cluster)
    {
        final Map<Long, Integer> winners = new HashMap<>();
        for (final SimulatedCluster.Event won : cluster.events("elected"))
        {
            assertEquals(null, winners.put(won.a(), won.node()), "two winners of epoch " + won.a());
        }
        final Map<String, Long> grants = new HashMap<>();
        for (final SimulatedCluster.Event voted : cluster.events("voted"))
        {
            assertEquals(null, grants.put(voted.node() + "@" + voted.a(), voted.b()), "node " + voted.node() + " voted twice in " + voted.a());
        }
    }

    @Nested
    class SteadyState
    {
        @Test
        void nothingHappensWhileEveryoneIsHeard()
        {
            final SimulatedCluster cluster = threeMembers();
            cluster.runFor(1_000 * MS);
            assertEquals(List.of(), cluster.events);
            for (final Membership node : cluster.nodes)
            {
                assertEquals(1, node.epoch());
                assertEquals(1, node.primaryId());
                assertEquals(0, node.counters().electionsStarted.get());
                final long heartbeats = node.counters().heartbeatsSent.get();
                assertTrue(heartbeats >= 99 && heartbeats <= 101, "one heartbeat per 10 ms: " + heartbeats);
                assertEquals(2 * heartbeats, node.counters().heartbeatsReceived.get(), 2.0);
            }
            assertTrue(cluster.nodes[P].isPrimary());
        }

        @Test
        void theHeartbeatViewShowsEachNodesStatus()
        {
            final SimulatedCluster cluster = threeMembers();
            cluster.status[P].logPosition = 1234;
            cluster.status[P].appliedPosition = 1200;
            cluster.status[P].connectionCount = 17;
            cluster.status[P].timestampClockMs = 987_654_321L;
            cluster.status[L].logPosition = 1230;
            cluster.runFor(25 * MS);

            final MemberView primary = cluster.nodes[B].view(1);
            assertNotNull(primary);
            assertTrue(primary.alive());
            assertTrue(primary.heard());
            assertEquals(Role.PRIMARY, primary.role());
            assertEquals(1, primary.epoch());
            assertEquals(1, primary.primaryId());
            assertEquals(1234, primary.logPosition());
            assertEquals(1200, primary.appliedPosition());
            assertEquals(17, primary.connectionCount());
            assertEquals(987_654_321L, primary.timestampClockMs());
            assertTrue(cluster.nowNs - primary.lastHeardNs() < HEARTBEAT_NS);
            assertEquals(1230, cluster.nodes[B].view(2).logPosition());
            assertEquals(Role.LOGGER, cluster.nodes[B].view(2).role());
            assertEquals(1234, cluster.nodes[P].view(1).logPosition(), "a node's view of itself");
            assertEquals(null, cluster.nodes[B].view(42));
        }

        @Test
        void aMemberNeverHeardIsGivenTheStartupGraceBeforeItIsSuspected()
        {
            final SimulatedCluster cluster = threeMembers();
            // The primary's process has not started yet: the others come up without it.
            cluster.down[P] = true;
            cluster.runFor(3 * SUSPICION_NS);
            assertEquals(0, cluster.events("suspected").size(), "no suspicion of a member that never spoke yet");
            assertEquals(0, cluster.events("elected").size());
            cluster.runFor(Math.max(Membership.STARTUP_GRACE_SUSPICIONS * SUSPICION_NS, Membership.MIN_STARTUP_GRACE_NS));
            assertTrue(cluster.events(L, "suspected").stream().anyMatch(e -> e.a() == 1),
                "after the grace a member never heard is suspected like any other");
        }

        @Test
        void otherChannelFramesKeepAMemberAliveWhenItsHeartbeatsAreLost()
        {
            final SimulatedCluster cluster = threeMembers();
            cluster.runFor(100 * MS);
            // The logger no longer hears the primary's heartbeats, but its records keep arriving (current epoch).
            cluster.cut(P, L, true);
            for (int i = 0; i < 3 * SUSPICION_NS / MS; i++)
            {
                cluster.step();
                cluster.nodes[L].heardFrom(1, 1);
            }
            assertTrue(cluster.nodes[L].view(1).alive(), "records from the primary are proof of life");
            assertEquals(0, cluster.events(L, "suspected").stream().filter(e -> e.a() == 1).count());

            // Frames of an older epoch prove nothing: a deposed primary's records keep nobody alive.
            cluster.nodes[L].heardFrom(1, 0);
            cluster.runFor(SUSPICION_NS + 20 * MS);
            assertFalse(cluster.nodes[L].view(1).alive());
        }

        @Test
        void aSilentMemberIsSuspectedOnceAndAliveAgainWhenHeard()
        {
            final SimulatedCluster cluster = new SimulatedCluster(
                member(1, 0, Role.PRIMARY), member(2, 0, Role.LOGGER), member(3, 1, Role.BACKUP), member(4, 2, Role.BACKUP));
            cluster.runFor(100 * MS);
            cluster.down[C] = true;
            cluster.runFor(SUSPICION_NS + 30 * MS);
            assertEquals(1, cluster.events(P, "suspected").size());
            assertEquals(4, cluster.events(P, "suspected").get(0).a());
            assertFalse(cluster.nodes[P].view(4).alive());
            assertEquals(3, cluster.events("suspected").size(), "by each of the three others, once");
            assertEquals(0, cluster.events("elected").size(), "a backup's loss is no takeover");

            cluster.down[C] = false;
            cluster.runFor(30 * MS);
            assertEquals(3, cluster.events("alive").stream().filter(e -> e.a() == 4).count());
            assertTrue(cluster.nodes[P].view(4).alive());
        }
    }

    @Nested
    class Takeover
    {
        @Test
        void whenThePrimaryStopsTheBackupIsElectedInTheNextEpoch()
        {
            final SimulatedCluster cluster = threeMembers();
            cluster.status[L].logPosition = 777;
            cluster.status[B].logPosition = 700;
            cluster.runFor(200 * MS);
            cluster.down[P] = true;

            final long took = cluster.runUntil(() -> cluster.nodes[B].isPrimary(), 1_000 * MS);
            assertTrue(took > 0, "elected");
            assertTrue(took <= SUSPICION_NS + 3 * HEARTBEAT_NS, "within the suspicion timeout and a few intervals: " + took / MS + " ms");
            assertEquals(2, cluster.nodes[B].epoch());
            assertEquals(3, cluster.nodes[B].primaryId());

            final List<SimulatedCluster.Event> elected = cluster.events("elected");
            assertEquals(1, elected.size());
            assertEquals(new SimulatedCluster.Event(B, "elected", 2, 777), elected.get(0), "drain to the logger's position");
            assertEquals(List.of(new SimulatedCluster.Event(L, "voted", 2, 3)), cluster.events("voted"));

            cluster.runFor(3 * HEARTBEAT_NS);
            assertEquals(List.of(new SimulatedCluster.Event(L, "new-primary", 3, 2)), cluster.events("new-primary"));
            assertEquals(2, cluster.nodes[L].epoch());
            assertEquals(Role.PRIMARY, cluster.nodes[L].view(3).role());
            assertEquals(2, cluster.nodes[L].view(3).epoch());

            cluster.runFor(1_000 * MS);
            assertEquals(1, cluster.events("elected").size(), "and nothing more");
            assertEquals(1, cluster.events("voted").size());
        }

        @Test
        void onlyTheLowestRankBackupTakesOver()
        {
            final SimulatedCluster cluster = new SimulatedCluster(
                member(1, 0, Role.PRIMARY), member(2, 0, Role.LOGGER), member(3, 2, Role.BACKUP), member(4, 1, Role.BACKUP));
            cluster.runFor(100 * MS);
            cluster.down[P] = true;
            cluster.runFor(1_000 * MS);

            assertEquals(List.of(new SimulatedCluster.Event(C, "elected", 2, -1)),
                cluster.events("elected").stream().map(e -> new SimulatedCluster.Event(e.node(), e.what(), e.a(), -1)).toList());
            assertEquals(0, cluster.nodes[B].counters().electionsStarted.get(), "rank 2 waits while rank 1 is alive");
            assertEquals(1, cluster.nodes[C].counters().electionsStarted.get());
            assertEquals(2, cluster.events("voted").size(), "the logger and the other backup");
            assertEquals(4, cluster.nodes[B].primaryId());
            assertEquals(4, cluster.nodes[L].primaryId());
            assertEquals(Role.BACKUP, cluster.nodes[B].role());
        }

        @Test
        void equalRanksGoToTheLowerNodeId()
        {
            final SimulatedCluster cluster = new SimulatedCluster(
                member(1, 0, Role.PRIMARY), member(2, 0, Role.LOGGER), member(3, 1, Role.BACKUP), member(4, 1, Role.BACKUP));
            cluster.runFor(100 * MS);
            cluster.down[P] = true;
            cluster.runFor(1_000 * MS);
            assertEquals(1, cluster.events("elected").size());
            assertEquals(B, cluster.events("elected").get(0).node());
            assertEquals(0, cluster.nodes[C].counters().electionsStarted.get());
        }

        @Test
        void whenTheFirstBackupIsGoneTooTheNextOneTakesOver()
        {
            final SimulatedCluster cluster = fiveMembers();
            cluster.runFor(100 * MS);
            cluster.down[P] = true;
            cluster.down[B] = true;
            final long took = cluster.runUntil(() -> cluster.nodes[C].isPrimary(), 1_000 * MS);
            assertTrue(took > 0 && took <= SUSPICION_NS + 3 * HEARTBEAT_NS, "took " + took / MS + " ms");
            assertEquals(2, cluster.nodes[C].epoch(), "three of five members: still a majority");
        }

        @Test
        void aWitnessVotesButNeverStands()
        {
            final SimulatedCluster cluster = new SimulatedCluster(
                member(1, 0, Role.PRIMARY), member(2, 1, Role.BACKUP), member(3, 0, Role.WITNESS));
            cluster.runFor(100 * MS);
            cluster.down[0] = true;
            cluster.runFor(500 * MS);
            assertEquals(List.of(new SimulatedCluster.Event(1, "elected", 2, -1)), cluster.events("elected"), "the logger did not vote: -1");
            assertEquals(List.of(new SimulatedCluster.Event(2, "voted", 2, 2)), cluster.events("voted"));

            // Now the witness is the only one left with a majority of nobody to stand for.
            cluster.down[1] = true;
            cluster.runFor(2_000 * MS);
            assertEquals(0, cluster.nodes[2].counters().electionsStarted.get());
            assertEquals(Role.WITNESS, cluster.nodes[2].role());
        }

        @Test
        void aWitnessNeverStandsEvenWhenNoBackupIsLeft()
        {
            final SimulatedCluster cluster = new SimulatedCluster(
                member(1, 0, Role.PRIMARY), member(2, 0, Role.LOGGER), member(3, 0, Role.WITNESS));
            cluster.runFor(100 * MS);
            cluster.down[0] = true;
            cluster.runFor(2_000 * MS);
            assertEquals(0, cluster.events("elected").size());
            assertEquals(0, cluster.events("voted").size());
            for (final Membership node : cluster.nodes)
            {
                assertEquals(0, node.counters().electionsStarted.get());
            }
        }

        /**
         * Three members; the primary stops right after a heartbeat, and the logger hears one more frame of it
         * {@code lagNs} later than the backup (a record behind the last heartbeat), so it suspects that much later.
         */
        private SimulatedCluster primaryGoneLoggerHearingItLonger(final long lagNs)
        {
            final SimulatedCluster cluster = threeMembers();
            cluster.runFor(100 * MS);
            final long heartbeats = cluster.nodes[P].counters().heartbeatsSent.get();
            cluster.runUntil(() -> cluster.nodes[P].counters().heartbeatsSent.get() > heartbeats, HEARTBEAT_NS + MS);
            cluster.down[P] = true;
            cluster.runFor(lagNs);
            cluster.nodes[L].heardFrom(1, 1);
            return cluster;
        }

        @Test
        void aVoterThatSuspectsThePrimaryJustAfterTheRequestGrantsAtOnceNotAtTheNextRequest()
        {
            // The logger suspects 4 ms after the backup, after the backup's first VOTE_REQUEST, which it refuses.
            final SimulatedCluster cluster = primaryGoneLoggerHearingItLonger(4 * MS);
            final long backupSuspects = cluster.runUntil(() -> !cluster.events(B, "suspected").isEmpty(), 1_000 * MS);
            assertTrue(backupSuspects > 0);
            final long suspectedAtNs = cluster.nowNs;
            assertEquals(0, cluster.events(L, "suspected").size(), "the logger still hears the primary");
            final long elected = cluster.runUntil(() -> cluster.nodes[B].isPrimary(), 1_000 * MS);
            final long electedAfterNs = cluster.nowNs - suspectedAtNs;

            assertTrue(elected > 0, "elected");
            assertTrue(cluster.nodes[L].counters().votesRefused.get() >= 1, "the first request was refused");
            assertEquals(1, cluster.nodes[L].counters().deferredVotesGranted.get());
            assertEquals(1, cluster.nodes[B].counters().voteRequestsSent.get(),
                "granted without a second request: the logger decided the first one again at its own suspicion");
            assertTrue(electedAfterNs <= 4 * MS + 2 * MS,
                "elected within the logger's 4 ms lag and a step each way, not a heartbeat interval later: " +
                electedAfterNs / MS + " ms");
            assertEquals(List.of(new SimulatedCluster.Event(L, "voted", 2, 3)), cluster.events("voted"));
            assertOneWinnerPerEpoch(cluster);
        }

        @Test
        void aRefusedRequestIsNotDecidedAgainOnceItsIntervalHasPassed()
        {
            // The logger suspects 15 ms after the backup; the backup's first request is refused, and its transmit
            // side is then full, so no second request reaches the logger before its suspicion.
            final SimulatedCluster cluster = primaryGoneLoggerHearingItLonger(15 * MS);
            cluster.runUntil(() -> cluster.nodes[B].counters().voteRequestsSent.get() == 1, 1_000 * MS);
            cluster.full[B] = true;
            cluster.runUntil(() -> !cluster.events(L, "suspected").isEmpty(), 1_000 * MS);
            cluster.runFor(2 * MS);
            assertTrue(cluster.nodes[L].counters().votesRefused.get() >= 1);
            assertEquals(0, cluster.nodes[L].counters().deferredVotesGranted.get(),
                "the refused request was more than a heartbeat interval old at the logger's suspicion");
            assertEquals(0, cluster.events("voted").size());
            assertFalse(cluster.nodes[B].isPrimary());

            cluster.full[B] = false;
            assertTrue(cluster.runUntil(() -> cluster.nodes[B].isPrimary(), 1_000 * MS) > 0, "won on its next request");
            assertEquals(List.of(new SimulatedCluster.Event(L, "voted", 2, 3)), cluster.events("voted"));
            assertOneWinnerPerEpoch(cluster);
        }

        @Test
        void aLostVoteIsAskedForAgainAndGrantedOnce()
        {
            final SimulatedCluster cluster = threeMembers();
            cluster.runFor(100 * MS);
            cluster.down[P] = true;
            // The logger's transmit side is full for a while: its votes wait, the candidate asks again.
            cluster.full[L] = true;
            cluster.runFor(SUSPICION_NS + 4 * HEARTBEAT_NS);
            assertEquals(0, cluster.events("elected").size());
            assertTrue(cluster.nodes[B].counters().voteRequestsSent.get() >= 3);
            cluster.full[L] = false;
            cluster.runFor(3 * HEARTBEAT_NS);
            assertEquals(1, cluster.events("elected").size());
            assertEquals(1, cluster.events("voted").size(), "onVoted once per epoch, however often asked");
            assertTrue(cluster.nodes[L].counters().votesGranted.get() >= 2, "the same grant repeated");
        }
    }

    @Nested
    class SplitBrain
    {
        @Test
        void aCandidateThatReachesOnlyAMinorityIsNeverElected()
        {
            final SimulatedCluster cluster = fiveMembers();
            cluster.runFor(100 * MS);
            // The backup and the logger on one side; the primary, the other backup and the witness on the other.
            cluster.partition(new int[]{B, L}, new int[]{P, C, W}, true);
            cluster.runFor(3_000 * MS);

            assertEquals(0, cluster.events("elected").size());
            assertTrue(cluster.nodes[B].counters().electionsStarted.get() >= 2, "it tries again after each timeout");
            assertTrue(cluster.nodes[B].counters().electionsFailed.get() >= 2);
            assertTrue(cluster.nodes[P].isPrimary());
            assertEquals(1, cluster.nodes[C].epoch());
            assertEquals(0, cluster.nodes[C].counters().electionsStarted.get(), "the majority side still hears its primary");
            assertOneWinnerPerEpoch(cluster);

            cluster.partition(new int[]{B, L}, new int[]{P, C, W}, false);
            cluster.runFor(500 * MS);
            assertEquals(0, cluster.events("elected").size());
            assertEquals(0, cluster.nodes[B].electionEpoch(), "the primary is heard again: no more elections");
            assertTrue(cluster.nodes[P].isPrimary());
        }

        @Test
        void theOldPrimaryComingBackIsDeposedAndIgnored()
        {
            final SimulatedCluster cluster = threeMembers();
            cluster.runFor(100 * MS);
            cluster.down[P] = true;
            assertTrue(cluster.runUntil(() -> cluster.nodes[B].isPrimary(), 1_000 * MS) > 0);
            cluster.runFor(100 * MS);

            // The old primary was only paused: it comes back still PRIMARY in epoch 1.
            cluster.down[P] = false;
            assertTrue(cluster.nodes[P].isPrimary());
            cluster.runFor(3 * HEARTBEAT_NS);

            assertEquals(List.of(new SimulatedCluster.Event(P, "deposed", 2, 0)), cluster.events("deposed"));
            assertEquals(Role.BACKUP, cluster.nodes[P].role());
            assertEquals(2, cluster.nodes[P].epoch());
            assertEquals(3, cluster.nodes[P].primaryId());
            assertTrue(cluster.events(P, "new-primary").contains(new SimulatedCluster.Event(P, "new-primary", 3, 2)));
            assertTrue(cluster.nodes[L].counters().fencedFrames.get() + cluster.nodes[B].counters().fencedFrames.get() >= 1,
                "its epoch-1 heartbeats are fenced");
            for (final int node : new int[]{L, B})
            {
                assertEquals(3, cluster.nodes[node].primaryId(), "the others ignore it");
                assertEquals(2, cluster.nodes[node].epoch());
                assertTrue(cluster.events(node, "new-primary").stream().noneMatch(e -> e.a() == 1));
            }
            assertTrue(cluster.nodes[B].isPrimary());

            cluster.runFor(100 * MS);
            assertEquals(Role.BACKUP, cluster.nodes[L].view(1).role(), "it is heard again as a backup of epoch 2");
            assertTrue(cluster.nodes[L].view(1).alive());
            assertEquals(1, cluster.events("elected").size());
        }

        @Test
        void aPrimaryThatCannotHearItsSuccessorIsDeposedByTheVotesItSees()
        {
            final SimulatedCluster cluster = threeMembers();
            cluster.runFor(100 * MS);
            // The primary is cut from the backup both ways, and its frames no longer reach the logger; it still hears
            // the logger. So it never hears the new primary, only the logger's vote.
            cluster.cut(P, B, true);
            cluster.cut[P][L] = true;
            assertTrue(cluster.runUntil(() -> cluster.nodes[B].isPrimary(), 1_000 * MS) > 0);
            cluster.runFor(3 * HEARTBEAT_NS);

            assertEquals(List.of(new SimulatedCluster.Event(P, "deposed", 2, 0)), cluster.events("deposed"));
            assertFalse(cluster.nodes[P].isPrimary());
            assertEquals(3, cluster.nodes[P].primaryId());
            assertOneWinnerPerEpoch(cluster);
        }

        @Test
        void aVoterThatStillHearsThePrimaryRefuses()
        {
            final SimulatedCluster cluster = threeMembers();
            cluster.runFor(100 * MS);
            // Only the backup lost the primary: the logger still hears it and refuses, so nothing changes.
            cluster.cut(P, B, true);
            cluster.runFor(1_000 * MS);
            assertEquals(0, cluster.events("elected").size());
            assertEquals(0, cluster.events("voted").size());
            assertTrue(cluster.nodes[L].counters().votesRefused.get() >= 2);
            assertTrue(cluster.nodes[B].counters().electionsFailed.get() >= 2);
            assertTrue(cluster.nodes[P].isPrimary());
            assertEquals(1, cluster.nodes[L].epoch());
        }

        @Test
        void twoCandidatesRacingForTheSameEpochCannotBothWin()
        {
            // Inconsistent configuration: each of the two backups thinks it has the lowest rank.
            final Member[] common = {
                member(1, 0, Role.PRIMARY), member(2, 0, Role.LOGGER), member(3, 1, Role.BACKUP), member(4, 2, Role.BACKUP),
                member(5, 0, Role.WITNESS)};
            final Member[] fourFirst = common.clone();
            fourFirst[2] = member(3, 2, Role.BACKUP);
            fourFirst[3] = member(4, 1, Role.BACKUP);
            final SimulatedCluster cluster = new SimulatedCluster(new Member[][]{common, common, common, fourFirst, common});
            cluster.runFor(100 * MS);
            // Neither candidate hears the other's request until both stand (one hearing the other's request as it
            // suspects the primary would grant it and not stand: no race).
            cluster.cut(B, C, true);
            cluster.down[P] = true;
            cluster.runUntil(() -> cluster.nodes[B].counters().electionsStarted.get() > 0 &&
                cluster.nodes[C].counters().electionsStarted.get() > 0, 1_000 * MS);
            cluster.cut(B, C, false);
            cluster.runFor(1_000 * MS);

            assertEquals(1, cluster.nodes[B].counters().electionsStarted.get(), "each stood once");
            assertEquals(1, cluster.nodes[C].counters().electionsStarted.get());
            assertEquals(1, cluster.events("elected").size(), "one won, and nobody deposed it: " + cluster.events);
            assertEquals(0, cluster.events("deposed").size());
            assertOneWinnerPerEpoch(cluster);
            final int winner = cluster.events("elected").get(0).node() + 1;
            for (final Membership node : cluster.nodes)
            {
                if (node != cluster.nodes[P])
                {
                    assertEquals(winner, node.primaryId());
                }
            }
        }

        @Test
        void twoCandidatesWithHalfTheVotesEachWinNothing()
        {
            final Member[] common = {
                member(1, 0, Role.PRIMARY), member(2, 0, Role.LOGGER), member(3, 1, Role.BACKUP), member(4, 2, Role.BACKUP),
                member(5, 0, Role.WITNESS)};
            final Member[] fourFirst = common.clone();
            fourFirst[2] = member(3, 2, Role.BACKUP);
            fourFirst[3] = member(4, 1, Role.BACKUP);
            final SimulatedCluster cluster = new SimulatedCluster(new Member[][]{common, common, common, fourFirst, common});
            cluster.runFor(100 * MS);
            // The logger hears only candidate 3, the witness only candidate 4, and the candidates not each other.
            cluster.cut(B, C, true);
            cluster.cut(L, C, true);
            cluster.cut(W, B, true);
            cluster.down[P] = true;
            cluster.runFor(2_000 * MS);

            assertEquals(0, cluster.events("elected").size(), "two votes of five, each, every epoch");
            assertTrue(cluster.nodes[B].counters().electionsFailed.get() >= 2);
            assertOneWinnerPerEpoch(cluster);
        }
    }

    @Nested
    class Roles
    {
        @Test
        void aPromotedLoggerSaysSoAndNoLongerStands()
        {
            final SimulatedCluster cluster = fiveMembers();
            cluster.status[B].logPosition = 4242;
            cluster.runFor(100 * MS);
            cluster.down[L] = true;
            cluster.nodes[B].role(Role.LOGGER);
            cluster.runFor(3 * HEARTBEAT_NS);
            assertEquals(Role.LOGGER, cluster.nodes[P].view(3).role());
            assertEquals(Role.LOGGER, cluster.nodes[B].role());

            cluster.down[P] = true;
            cluster.runFor(1_000 * MS);
            assertEquals(List.of(new SimulatedCluster.Event(C, "elected", 2, 4242)), cluster.events("elected"),
                "the backup that is left, draining to the new logger's position");
            assertEquals(0, cluster.nodes[B].counters().electionsStarted.get());
        }

        @Test
        void noNodeIsMadePrimaryByHand()
        {
            final SimulatedCluster cluster = threeMembers();
            assertThrows(IllegalArgumentException.class, () -> cluster.nodes[B].role(Role.PRIMARY));
        }

        @Test
        void aPrimaryThatStepsDownIsReplaced()
        {
            // The primary's rank is behind the backup's, so it does not stand again itself.
            final SimulatedCluster cluster = new SimulatedCluster(member(1, 5, Role.PRIMARY), member(2, 0, Role.LOGGER), member(3, 1, Role.BACKUP));
            cluster.runFor(100 * MS);
            cluster.nodes[P].role(Role.BACKUP);
            final long took = cluster.runUntil(() -> cluster.nodes[B].isPrimary(), 1_000 * MS);
            assertTrue(took > 0 && took <= 3 * HEARTBEAT_NS, "no suspicion timeout to wait: " + took / MS + " ms");
            cluster.runFor(3 * HEARTBEAT_NS);
            assertEquals(3, cluster.nodes[P].primaryId());
            assertEquals(2, cluster.nodes[P].epoch());
        }

        @Test
        void badConfigurationsAreRefusedWithAReason()
        {
            final Counters counters = new Counters();
            final Member[] two = {member(1, 0, Role.PRIMARY), member(2, 0, Role.PRIMARY)};
            final SimulatedCluster.Status status = new SimulatedCluster.Status();
            final Membership.Listener none = new Membership.Listener()
            {
            };
            assertThrows(IllegalArgumentException.class, () -> new Membership(
                1, two, SimulatedCluster.GROUP_MAC, HEARTBEAT_NS, SUSPICION_NS, ELECTION_NS, status, none, counters));
            final Member[] ok = {member(1, 0, Role.PRIMARY), member(2, 0, Role.BACKUP)};
            assertThrows(IllegalArgumentException.class, () -> new Membership(
                9, ok, SimulatedCluster.GROUP_MAC, HEARTBEAT_NS, SUSPICION_NS, ELECTION_NS, status, none, counters));
            assertThrows(IllegalArgumentException.class, () -> new Membership(
                1, ok, SimulatedCluster.GROUP_MAC, HEARTBEAT_NS, HEARTBEAT_NS, ELECTION_NS, status, none, counters));
            final Member[] twice = {member(1, 0, Role.PRIMARY), member(1, 0, Role.BACKUP)};
            assertThrows(IllegalArgumentException.class, () -> new Membership(
                1, twice, SimulatedCluster.GROUP_MAC, HEARTBEAT_NS, SUSPICION_NS, ELECTION_NS, status, none, counters));
            assertThrows(IllegalArgumentException.class, () -> member(1, -1, Role.BACKUP));
        }
    }

    @Nested
    class BadFrames
    {
        private final SimulatedCluster cluster = threeMembers();
        private final Membership logger = cluster.nodes[L];

        private UnsafeBuffer heartbeatFrom(final int nodeId)
        {
            final UnsafeBuffer frame = new UnsafeBuffer(new byte[EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH +
                HeartbeatFlyweight.LENGTH]);
            new EthernetFlyweight().wrap(frame, 0).destination(SimulatedCluster.GROUP_MAC).source(0x0200_0000_0000L | nodeId)
                .etherType(EthernetFlyweight.ETHER_TYPE_REPLICATION);
            new ReplicationFrameFlyweight().wrap(frame, EthernetFlyweight.HEADER_LENGTH)
                .writeHeader(ControlFrames.KIND_HEARTBEAT, nodeId, 1, 55, HeartbeatFlyweight.LENGTH);
            new HeartbeatFlyweight().wrap(frame, EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH)
                .write(ControlFrames.ROLE_BACKUP, 1, 50, 9, 3, 0, 0);
            return frame;
        }

        private void receive(final UnsafeBuffer frame)
        {
            logger.onFrame(frame, 0, frame.capacity(), 0);
        }

        @Test
        void aWellFormedHeartbeatIsTaken()
        {
            receive(heartbeatFrom(3));
            assertEquals(1, logger.counters().heartbeatsReceived.get());
            assertEquals(55, logger.view(3).logPosition());
            assertEquals(3, logger.view(3).connectionCount());
        }

        @Test
        void unknownKindsBadLengthsAndStrangersAreCountedNeverThrown()
        {
            UnsafeBuffer frame = heartbeatFrom(3);
            frame.putByte(EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.KIND_OFFSET, (byte)9);
            receive(frame);
            frame.putByte(EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.KIND_OFFSET, (byte)ReplicationFrameFlyweight.KIND_RECORDS);
            receive(frame);
            assertEquals(2, logger.counters().unknownKindFrames.get());

            frame = heartbeatFrom(3);
            frame.putShort(EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.PAYLOAD_LENGTH_OFFSET, (short)31);
            receive(frame);
            frame = heartbeatFrom(3);
            logger.onFrame(frame, 0, frame.capacity() - 1, 0);
            logger.onFrame(frame, 0, 20, 0);
            logger.onFrame(frame, 0, frame.capacity(), FrameFlags.TRUNCATED);
            frame.putByte(EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.VERSION_OFFSET, (byte)2);
            receive(frame);
            frame = heartbeatFrom(3);
            frame.putByte(EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH + HeartbeatFlyweight.ROLE_OFFSET, (byte)77);
            receive(frame);
            frame = heartbeatFrom(3);
            frame.putShort(EthernetFlyweight.ETHER_TYPE_OFFSET, (short)0x0800);
            receive(frame);
            assertEquals(7, logger.counters().malformedFrames.get());

            receive(heartbeatFrom(42));
            assertEquals(1, logger.counters().unknownSenderFrames.get());
            receive(heartbeatFrom(2));
            assertEquals(0, logger.counters().heartbeatsReceived.get(), "its own, looped back, is not heard");
            assertEquals(-1, logger.view(3).logPosition());
        }

        @Test
        void aVoteThatIsNeitherGrantedNorRefusedIsMalformed()
        {
            final UnsafeBuffer frame = new UnsafeBuffer(new byte[60]);
            new EthernetFlyweight().wrap(frame, 0).destination(SimulatedCluster.GROUP_MAC).source(0x0200_0000_0003L)
                .etherType(EthernetFlyweight.ETHER_TYPE_REPLICATION);
            new ReplicationFrameFlyweight().wrap(frame, EthernetFlyweight.HEADER_LENGTH)
                .writeHeader(ControlFrames.KIND_VOTE, 3, 2, 0, VoteFlyweight.LENGTH);
            new VoteFlyweight().wrap(frame, EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH)
                .write(2, true, ControlFrames.ROLE_BACKUP);
            frame.putByte(EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH + VoteFlyweight.GRANTED_OFFSET, (byte)3);
            receive(frame);
            assertEquals(1, logger.counters().malformedFrames.get());
        }

        @Test
        void randomFramesAreNeverThrownOn()
        {
            final long seed = 0x5EED_2026L;
            final java.util.Random random = new java.util.Random(seed);
            final UnsafeBuffer frame = new UnsafeBuffer(new byte[128]);
            for (int i = 0; i < 20_000; i++)
            {
                random.nextBytes(frame.byteArray());
                frame.putShort(EthernetFlyweight.ETHER_TYPE_OFFSET, (short)EthernetFlyweight.ETHER_TYPE_REPLICATION, java.nio.ByteOrder.BIG_ENDIAN);
                frame.putByte(EthernetFlyweight.HEADER_LENGTH, (byte)ReplicationFrameFlyweight.CURRENT_VERSION);
                frame.putByte(EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.KIND_OFFSET, (byte)random.nextInt(8));
                final int kind = frame.getByte(EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.KIND_OFFSET);
                if (random.nextBoolean() && ControlFrames.payloadLength(kind) >= 0)
                {
                    frame.putShort(EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.PAYLOAD_LENGTH_OFFSET,
                        (short)ControlFrames.payloadLength(kind), java.nio.ByteOrder.LITTLE_ENDIAN);
                    frame.putInt(EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.NODE_ID_OFFSET, 1 + random.nextInt(4),
                        java.nio.ByteOrder.LITTLE_ENDIAN);
                }
                final int length = random.nextInt(frame.capacity() + 1);
                try
                {
                    logger.onFrame(frame, 0, length, 0);
                }
                catch (final RuntimeException ex)
                {
                    throw new AssertionError("seed " + seed + " frame " + i + " threw", ex);
                }
            }
            assertTrue(logger.counters().malformedFrames.get() > 0);
            assertTrue(logger.counters().unknownKindFrames.get() > 0);
        }

        @Test
        void framesOnTheWireHaveTheDocumentedLayout()
        {
            cluster.capture = true;
            cluster.status[P].logPosition = 99;
            cluster.status[P].connectionCount = 4;
            cluster.step();
            final UnsafeBuffer frame = new UnsafeBuffer(cluster.sent.get(0));
            assertEquals(EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH + HeartbeatFlyweight.LENGTH, frame.capacity());
            final EthernetFlyweight ethernet = new EthernetFlyweight().wrap(frame, 0);
            assertEquals(SimulatedCluster.GROUP_MAC, ethernet.destination());
            assertEquals(0x0200_0000_0001L, ethernet.source());
            final ReplicationFrameFlyweight header = new ReplicationFrameFlyweight().wrap(frame, EthernetFlyweight.HEADER_LENGTH);
            assertEquals(ControlFrames.KIND_HEARTBEAT, header.kind());
            assertEquals(1, header.nodeId());
            assertEquals(1, header.epoch());
            assertEquals(99, header.position());
            final HeartbeatFlyweight heartbeat = new HeartbeatFlyweight().wrap(frame, EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH);
            assertEquals(ControlFrames.ROLE_PRIMARY, heartbeat.roleCode());
            assertEquals(1, heartbeat.primaryId());
            assertEquals(4, heartbeat.connectionCount());

            cluster.sent.clear();
            cluster.down[P] = true;
            cluster.runUntil(() -> cluster.nodes[B].electionEpoch() != 0, 1_000 * MS);
            cluster.step();
            final byte[] request = cluster.sent.stream()
                .filter(f -> f[EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.KIND_OFFSET] == ControlFrames.KIND_VOTE_REQUEST)
                .findFirst().orElseThrow();
            assertEquals(60, request.length, "padded to the shortest Ethernet frame");
            assertEquals(0, new ReplicationFrameFlyweight().wrap(new UnsafeBuffer(request), EthernetFlyweight.HEADER_LENGTH).payloadLength());
        }
    }

    @Test
    void theSteadyStateAllocatesNothing()
    {
        final ThreadMXBean threads = (ThreadMXBean)ManagementFactory.getThreadMXBean();
        final SimulatedCluster cluster = fiveMembers();
        // The JIT may allocate now and then while it compiles; an allocation per frame would show in every round.
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 6; round++)
        {
            final long before = threads.getCurrentThreadAllocatedBytes();
            cluster.runFor(2_000 * MS);
            if (round >= 2)
            {
                allocated = Math.min(allocated, threads.getCurrentThreadAllocatedBytes() - before);
            }
        }
        assertEquals(0, allocated, "bytes allocated by 2,000 steps of five nodes' heartbeats, in the best later round");
        assertEquals(List.of(), cluster.events);
    }

    /** Rule 6: a primary that lost its logger promotes a backup, through PROMOTE_LOGGER frames and heartbeats. */
    @Nested
    class LoggerPromotion
    {
        private final SimulatedCluster cluster = new SimulatedCluster(
            member(1, 0, Role.PRIMARY), member(2, 0, Role.LOGGER), member(3, 1, Role.BACKUP), member(4, 2, Role.BACKUP));

        /** The logger's node goes down; runs until the primary suspects it and is told to promote, as its node does. */
        private void loseLogger()
        {
            cluster.runFor(200 * MS);
            cluster.down[L] = true;
            assertTrue(cluster.runUntil(() -> !cluster.events(P, "suspected").isEmpty(), 1_000 * MS) >= 0);
            cluster.nodes[P].promoteLogger();
        }

        private UnsafeBuffer promoteFrame(final int fromId, final int epoch, final int targetId)
        {
            final UnsafeBuffer frame = new UnsafeBuffer(new byte[60]);
            new EthernetFlyweight().wrap(frame, 0).destination(SimulatedCluster.GROUP_MAC).source(0x0200_0000_0000L | fromId)
                .etherType(EthernetFlyweight.ETHER_TYPE_REPLICATION);
            new ReplicationFrameFlyweight().wrap(frame, EthernetFlyweight.HEADER_LENGTH)
                .writeHeader(ControlFrames.KIND_PROMOTE_LOGGER, fromId, epoch, targetId, 0);
            return frame;
        }

        @Test
        void theBestBackupIsAskedAfterAnotherTimeoutAndTheLoggerIsSentTheLog()
        {
            cluster.status[B].logPosition = 41;
            loseLogger();
            final long askedAt = cluster.nowNs;
            assertTrue(cluster.nodes[P].promotingLogger());
            assertEquals(ControlFrames.NO_NODE, cluster.nodes[P].promotionTarget());
            cluster.runFor(SUSPICION_NS - 2 * MS);
            assertTrue(cluster.events(P, "promoting").isEmpty(), "a slow logger has one more timeout to speak");

            assertTrue(cluster.runUntil(() -> !cluster.events(P, "logger-promoted").isEmpty(), 500 * MS) >= 0);
            assertEquals(List.of(new SimulatedCluster.Event(P, "promoting", 3, 0)), cluster.events(P, "promoting"),
                "the live backup of the lowest rank, asked once");
            assertEquals(List.of(new SimulatedCluster.Event(B, "promoted", 1, Membership.INITIAL_EPOCH)),
                cluster.events("promoted"));
            assertEquals(Role.LOGGER, cluster.nodes[B].role());
            assertEquals(Role.BACKUP, cluster.nodes[C].role());
            assertEquals(List.of(new SimulatedCluster.Event(P, "logger-promoted", 3, 41)),
                cluster.events(P, "logger-promoted"), "told once, with where the new logger's log ends");
            assertFalse(cluster.nodes[P].promotingLogger());
            assertTrue(cluster.nowNs - askedAt >= SUSPICION_NS);
            cluster.runFor(200 * MS);
            assertEquals(1, cluster.events(B, "promoted").size(), "no more orders once it is the logger");
        }

        @Test
        void aLoggerThatSaidItIsGoneIsReplacedWithoutWaiting()
        {
            loseLogger();
            cluster.nodes[P].promoteLoggerAtOnce();
            assertTrue(cluster.runUntil(() -> !cluster.events(P, "promoting").isEmpty(), 2 * MS) >= 0,
                "no second timeout for a logger that left");
        }

        @Test
        void aBackupThatStillHearsTheLoggerIsNotPromoted()
        {
            cluster.runFor(200 * MS);
            cluster.cut(P, L, true);
            assertTrue(cluster.runUntil(() -> !cluster.events(P, "suspected").isEmpty(), 1_000 * MS) >= 0);
            cluster.nodes[P].promoteLogger();
            cluster.runFor(500 * MS);
            assertEquals(3, cluster.nodes[P].promotionTarget(), "asked, and asked again");
            assertTrue(cluster.events("promoted").isEmpty(), "the backups hear the logger: a second one costs a backup");
            assertEquals(Role.BACKUP, cluster.nodes[B].role());

            cluster.nodes[P].cancelPromotion(); // the node does when it hears its logger again
            assertFalse(cluster.nodes[P].promotingLogger());
            assertEquals(ControlFrames.NO_NODE, cluster.nodes[P].promotionTarget());
        }

        @Test
        void aTargetThatCannotTakeTheRoleAndGoesQuietIsDroppedForTheNextBest()
        {
            cluster.declinesPromotion[B] = true;
            loseLogger();
            assertTrue(cluster.runUntil(() -> !cluster.events(B, "declined").isEmpty(), 500 * MS) >= 0);
            assertEquals(Role.BACKUP, cluster.nodes[B].role(), "it declined: its role stays");
            cluster.down[B] = true;
            assertTrue(cluster.runUntil(() -> !cluster.events(P, "logger-promoted").isEmpty(), 1_000 * MS) >= 0);
            assertEquals(List.of(new SimulatedCluster.Event(P, "promoting", 3, 0), new SimulatedCluster.Event(P, "promoting", 4, 0)),
                cluster.events(P, "promoting"));
            assertEquals(Role.LOGGER, cluster.nodes[C].role());
        }

        @Test
        void onlyThePrimaryItFollowsInItsOwnEpochNamingItPromotes()
        {
            cluster.runFor(200 * MS);
            cluster.down[L] = true;
            assertTrue(cluster.runUntil(() -> cluster.nodes[B].view(2).heard() && !cluster.nodes[B].view(2).alive(),
                1_000 * MS) >= 0);
            cluster.down[P] = true; // no orders of its own meanwhile
            cluster.nodes[B].onFrame(promoteFrame(4, Membership.INITIAL_EPOCH, 3), 0, 60, 0);
            cluster.nodes[B].onFrame(promoteFrame(1, Membership.INITIAL_EPOCH + 1, 3), 0, 60, 0);
            cluster.nodes[B].onFrame(promoteFrame(1, Membership.INITIAL_EPOCH, 4), 0, 60, 0);
            cluster.nodes[L].onFrame(promoteFrame(1, Membership.INITIAL_EPOCH, 2), 0, 60, 0);
            assertTrue(cluster.events("promoted").isEmpty(), "not its primary, not its epoch, not named, not a backup");
            assertEquals(Role.BACKUP, cluster.nodes[B].role());
            cluster.nodes[B].onFrame(promoteFrame(1, Membership.INITIAL_EPOCH, 3), 0, 60, 0);
            assertEquals(Role.LOGGER, cluster.nodes[B].role());
            assertEquals(List.of(new SimulatedCluster.Event(B, "promoted", 1, Membership.INITIAL_EPOCH)),
                cluster.events("promoted"));
        }

        @Test
        void aDeposedPrimaryPromotesNobody()
        {
            loseLogger();
            cluster.nodes[P].role(Role.BACKUP);
            assertFalse(cluster.nodes[P].promotingLogger());
        }
    }

    @Nested
    class Leaving
    {
        @Test
        void aPrimaryThatLeavesNamingASuccessorHasItElectedAtOnceAheadOfTheRanks()
        {
            final SimulatedCluster cluster = fiveMembers();
            cluster.runFor(100 * MS);
            cluster.leave(P, 4); // node 4 is backup C, rank 2; B (rank 1) would win a suspicion's election
            final long tookNs = cluster.runUntil(() -> cluster.nodes[C].role() == Role.PRIMARY, SUSPICION_NS);
            assertTrue(tookNs >= 0 && tookNs < SUSPICION_NS, "elected before any suspicion timeout: " + tookNs);
            assertEquals(2, cluster.nodes[C].epoch());
            assertEquals(0, cluster.nodes[B].counters().electionsStarted.get(), "the rank-1 backup did not stand");
            for (final int other : new int[] {L, B, W})
            {
                assertEquals(0, cluster.nodes[other].counters().suspicions.get(), "nobody had to suspect: " + other);
                assertEquals(1, cluster.nodes[other].counters().leavesHeard.get());
                assertFalse(cluster.nodes[other].view(1).alive());
            }
            cluster.runFor(100 * MS);
            assertEquals(4, cluster.nodes[B].primaryId(), "the others follow the successor");
            assertOneWinnerPerEpoch(cluster);
        }

        @Test
        void aMemberThatLeavesIsGoneAtOnceAndNoElectionFollows()
        {
            final SimulatedCluster cluster = threeMembers();
            cluster.runFor(100 * MS);
            cluster.leave(L, ControlFrames.NO_NODE);
            cluster.runFor(HEARTBEAT_NS);
            assertFalse(cluster.nodes[P].view(2).alive(), "the primary knows the logger is gone within a heartbeat");
            assertTrue(cluster.events("left").stream().anyMatch(e -> e.node() == P && e.a() == 2), cluster.events.toString());
            cluster.runFor(1_000 * MS);
            assertEquals(1, cluster.nodes[P].epoch(), "a member leaving moves no epoch");
            assertEquals(Role.PRIMARY, cluster.nodes[P].role());
            assertEquals(0, cluster.nodes[B].counters().electionsStarted.get());
        }
    }
}
