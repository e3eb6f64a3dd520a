package io.ertcp.engine.cluster;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every transition of an ST-TCP primary's {@link BackupSync}, driven through a fake {@link BackupSync.Host}. */
class BackupSyncTest
{
    private static final int BACKUP = 2;
    private static final long BACKUP_MAC = 0x02_00_00_00_00_02L;
    private static final long SLACK = 256;
    private static final long RETRY_NS = 1_000_000_000L;

    /** The node as the state machine sees it: members heard, the log's end, the publisher, the sentences said. */
    private static final class FakeHost implements BackupSync.Host
    {
        final Set<Integer> alive = new HashSet<>();
        int joining = -1;
        long joiningLogPosition;
        boolean majority;
        long last;
        long restartedHolds = -1;
        long confirmed;
        /** The sender's target: -1 none. */
        int sendingTo = -1;
        long sendingMac;
        long sendingFrom = -1;
        long tappedFrom = -1;
        final List<String> said = new ArrayList<>();

        public boolean alive(final int nodeId)
        {
            return alive.contains(nodeId);
        }

        public int joiningBackup()
        {
            return joining;
        }

        public long macOf(final int nodeId)
        {
            return nodeId == BACKUP ? BACKUP_MAC : 0;
        }

        public long logPositionOf(final int nodeId)
        {
            return joiningLogPosition;
        }

        public boolean majorityHeardOutOfSync(final int backupId)
        {
            return majority;
        }

        public long lastPosition()
        {
            return last;
        }

        public long restartedReceiverHolds()
        {
            return restartedHolds;
        }

        public long confirmedPosition()
        {
            return confirmed;
        }

        public void sendFrom(final int backupId, final long backupMac, final long fromPosition)
        {
            sendingTo = backupId;
            sendingMac = backupMac;
            sendingFrom = fromPosition;
            restartedHolds = -1; // a new sender has seen no restart
        }

        public void stopSending()
        {
            sendingTo = -1;
            sendingMac = 0;
            restartedHolds = -1;
        }

        public void tapped(final long fromPosition)
        {
            tappedFrom = fromPosition;
        }

        public String nameOf(final int nodeId)
        {
            return "n" + nodeId;
        }

        public void say(final String message)
        {
            said.add(message);
        }

        public void warn(final String message)
        {
            said.add("WARN " + message);
        }

        String lastSaid()
        {
            return said.isEmpty() ? "" : said.get(said.size() - 1);
        }
    }

    private final FakeHost host = new FakeHost();

    private BackupSync inSync(final FencingHook hook)
    {
        final BackupSync sync = new BackupSync(host, hook, SLACK, RETRY_NS);
        host.alive.add(BACKUP);
        host.sendingTo = BACKUP;
        sync.startInSync(BACKUP, BACKUP_MAC);
        return sync;
    }

    private String status(final BackupSync sync)
    {
        final StringBuilder detail = new StringBuilder();
        sync.describe(detail);
        return detail.toString();
    }

    /** Runs the duty cycle (the hook's process is real) until the state leaves {@code from}, for up to 10 s. */
    private static void runWhile(final BackupSync sync, final BackupSync.State from) throws InterruptedException
    {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (sync.state() == from && System.nanoTime() < deadline)
        {
            sync.doWork(System.nanoTime());
            Thread.sleep(5);
        }
    }

    @Test
    void aFreshClusterIsInSyncFromTheFirstRecord()
    {
        final BackupSync sync = inSync(null);
        assertEquals(BackupSync.State.IN_SYNC, sync.state());
        assertEquals(BACKUP, sync.syncBackupId());
        assertFalse(sync.alone());
        assertEquals(1, host.tappedFrom);
        assertEquals(0, sync.doWork(0), "nothing changes while the backup is heard");
        assertEquals("backup n2 in sync", status(sync));
    }

    @Test
    void aTakeoverRunsAloneWithTheTapPastTheLog()
    {
        host.last = 40;
        final BackupSync sync = new BackupSync(host, null, SLACK, RETRY_NS);
        sync.startAlone();
        assertEquals(BackupSync.State.ALONE, sync.state());
        assertTrue(sync.alone());
        assertEquals(0, sync.syncBackupId());
        assertEquals(41, host.tappedFrom);
        assertEquals(0, sync.doWork(0), "no backup heard: nothing to do");
        assertEquals("alone (no backup)", status(sync));
    }

    @Test
    void aLostBackupWaitsForAMajorityThenRunsAlone()
    {
        final BackupSync sync = inSync(null);
        host.confirmed = 7;
        host.alive.remove(BACKUP);
        assertEquals(1, sync.doWork(0));
        assertEquals(BackupSync.State.LOST_AWAITING_MAJORITY, sync.state());
        assertEquals(0, sync.syncBackupId(), "heartbeats name no backup in sync once it is lost");
        assertFalse(sync.alone(), "nothing new is acknowledged on its own log yet");
        assertEquals("WARN backup n2 lost at confirmed position 7: acknowledging nothing new until a majority has " +
            "heard it is out of sync", host.lastSaid());
        assertEquals("backup n2 lost, waiting to run alone", status(sync));
        assertEquals(0, sync.doWork(1), "no majority yet");

        host.majority = true;
        host.last = 9;
        assertEquals(1, sync.doWork(2));
        assertEquals(BackupSync.State.ALONE, sync.state());
        assertTrue(sync.alone());
        assertEquals(-1, host.sendingTo, "it sends to nobody");
        assertEquals(-1, sync.backupId());
        assertEquals("WARN running without a backup from position 9: backup n2 lost and a majority heard it is out " +
            "of sync; a backup that rejoins catches up from this log", host.lastSaid());
    }

    @Test
    void aLostBackupHeardAgainBeforeAMajorityCarriesOn()
    {
        final BackupSync sync = inSync(null);
        host.alive.remove(BACKUP);
        sync.doWork(0);
        host.alive.add(BACKUP);
        assertEquals(1, sync.doWork(1));
        assertEquals(BackupSync.State.IN_SYNC, sync.state(), "it had confirmed past where acknowledgements wait");
        assertEquals(BACKUP, sync.syncBackupId());
        assertEquals("backup n2 heard again: carrying on with it", host.lastSaid());
    }

    @Test
    void aBackupThatRestartedWithoutItsLogIsLostEvenWhenHeard()
    {
        final BackupSync sync = inSync(null);
        host.restartedHolds = 0;
        assertEquals(1, sync.doWork(0));
        assertEquals(BackupSync.State.RESTARTED_AWAITING_MAJORITY, sync.state());
        assertEquals(0, sync.syncBackupId());
        assertEquals("backup n2 restarted without its log (it holds position 0)", host.lastSaid());
        final int said = host.said.size();
        assertEquals(0, sync.doWork(1), "heard (it is alive) but what it confirmed is gone: still lost");
        assertEquals(said, host.said.size(), "the restart is said once");
        host.majority = true;
        assertEquals(1, sync.doWork(2));
        assertEquals(BackupSync.State.ALONE, sync.state());
    }

    @Test
    void aBackupJoinsCatchesUpComesInStepThenIsNamedInSync()
    {
        host.last = 1000;
        final BackupSync sync = new BackupSync(host, null, SLACK, RETRY_NS);
        sync.startAlone();
        host.joining = BACKUP;
        host.joiningLogPosition = 100;
        host.alive.add(BACKUP);
        assertEquals(1, sync.doWork(0));
        assertEquals(BackupSync.State.CATCHING_UP, sync.state());
        assertEquals(BACKUP, host.sendingTo);
        assertEquals(BACKUP_MAC, host.sendingMac);
        assertEquals(101, host.sendingFrom, "sent the log from the first record its own lacks");
        assertEquals("backup n2 joined: sending it the log from position 101 (log ends at 1000)", host.lastSaid());

        host.confirmed = 1000 - SLACK - 1;
        assertEquals(0, sync.doWork(1), "not yet within the slack of the log's end");
        assertEquals("alone, backup n2 catching up at " + host.confirmed, status(sync));
        host.last = 1005;
        host.confirmed = 1005 - SLACK;
        assertEquals(1, sync.doWork(2));
        assertEquals(BackupSync.State.IN_STEP, sync.state());
        assertFalse(sync.alone(), "acknowledgements wait for it again");
        assertEquals(0, sync.syncBackupId(), "not named in sync before it has what was acknowledged alone");
        assertEquals(1006, host.tappedFrom);
        assertEquals("backup n2 caught up to position " + (1005 - SLACK) +
            ": acknowledgements wait for it again after position 1005", host.lastSaid());
        assertEquals("backup n2 syncing", status(sync));

        host.confirmed = 1004;
        assertEquals(0, sync.doWork(3));
        host.confirmed = 1005;
        assertEquals(1, sync.doWork(4));
        assertEquals(BackupSync.State.IN_SYNC, sync.state());
        assertEquals(BACKUP, sync.syncBackupId());
        assertEquals("backup n2 is in sync (it holds the log to position 1005)", host.lastSaid());
    }

    @Test
    void aSmallLogIsNotCaughtUpBeforeTheBackupConfirmedAnything()
    {
        host.last = 5;
        final BackupSync sync = new BackupSync(host, null, SLACK, RETRY_NS);
        sync.startAlone();
        host.joining = BACKUP;
        host.alive.add(BACKUP);
        sync.doWork(0);
        assertEquals(1, host.sendingFrom);
        assertEquals(0, sync.doWork(1), "within the slack, but it holds nothing of the log yet");
        assertEquals(BackupSync.State.CATCHING_UP, sync.state());
        host.confirmed = 1;
        assertEquals(1, sync.doWork(2));
        assertEquals(BackupSync.State.IN_STEP, sync.state());
    }

    @Test
    void aBackupLostWhileCatchingUpLeavesThePrimaryAlone()
    {
        host.last = 50;
        final BackupSync sync = new BackupSync(host, null, SLACK, RETRY_NS);
        sync.startAlone();
        host.joining = BACKUP;
        host.joiningLogPosition = 10;
        host.alive.add(BACKUP);
        sync.doWork(0);
        host.confirmed = 3;
        host.alive.remove(BACKUP);
        host.joining = -1;
        assertEquals(1, sync.doWork(1));
        assertEquals(BackupSync.State.ALONE, sync.state());
        assertEquals(-1, host.sendingTo);
        assertEquals("WARN backup n2 lost while catching up at position 3", host.lastSaid());
    }

    @Test
    void aBackupThatRestartsWhileCatchingUpIsSentTheLogFromWhatItHolds()
    {
        host.last = 200;
        final BackupSync sync = new BackupSync(host, null, SLACK, RETRY_NS);
        sync.startAlone();
        host.joining = BACKUP;
        host.joiningLogPosition = 0;
        host.alive.add(BACKUP);
        sync.doWork(0);
        host.restartedHolds = 20;
        assertEquals(1, sync.doWork(1));
        assertEquals(BackupSync.State.CATCHING_UP, sync.state());
        assertEquals(21, host.sendingFrom);
        assertEquals("backup n2 restarted without its log (it holds position 20)", host.lastSaid());
        assertEquals(0, sync.doWork(2), "within the slack, but it has confirmed nothing past what it held");
        host.confirmed = 21;
        assertEquals(1, sync.doWork(3));
        assertEquals(BackupSync.State.IN_STEP, sync.state());
    }

    @Test
    void withAFencingHookALostBackupIsCutOffThenThePrimaryRunsAlone() throws InterruptedException
    {
        final BackupSync sync = inSync(new FencingHook("exit 0 #", "test", 30_000_000_000L));
        host.alive.remove(BACKUP);
        assertEquals(1, sync.doWork(System.nanoTime()));
        assertEquals(BackupSync.State.LOST_FENCING, sync.state());
        assertEquals("WARN backup n2 lost at confirmed position 0: acknowledging nothing new until the fencing hook " +
            "has cut it off", host.lastSaid());
        host.majority = true; // with the hook, a majority decides nothing
        runWhile(sync, BackupSync.State.LOST_FENCING);
        assertEquals(BackupSync.State.ALONE, sync.state());
        assertEquals("WARN running without a backup from position 0: backup n2 lost and the fencing hook cut it off; " +
            "a backup that rejoins catches up from this log", host.lastSaid());
    }

    @Test
    void aFailedFencingHookRunsAgainAfterTheRetryTime() throws InterruptedException
    {
        final FencingHook hook = new FencingHook("exit 3 #", "test", 30_000_000_000L);
        final BackupSync sync = inSync(hook);
        host.restartedHolds = 0;
        final long start = System.nanoTime();
        assertEquals(1, sync.doWork(start));
        assertEquals(BackupSync.State.RESTARTED_FENCING, sync.state());
        assertEquals(1, sync.doWork(start), "the hook runs at once after a restart");
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (!host.lastSaid().contains("exited") && System.nanoTime() < deadline)
        {
            sync.doWork(start);
            Thread.sleep(5);
        }
        assertEquals("WARN the fencing hook for n2 exited with status 3, so n2 may still be running; running the hook " +
            "again in 1 s", host.lastSaid());
        assertEquals(BackupSync.State.RESTARTED_FENCING, sync.state());
        assertEquals(0, sync.doWork(start + RETRY_NS - 1), "not again before the retry time");
        assertEquals(1, sync.doWork(start + RETRY_NS), "again at the retry time");
    }
}
