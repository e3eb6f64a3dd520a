package io.ertcp.engine.cluster;

import io.ertcp.engine.net.MacAddress;

/**
 * An ST-TCP primary's view of its backup (docs/architecture.md, ST-TCP, rules 1 and 4): whether acknowledgements wait
 * for the backup's confirmations, whether heartbeats name it in sync, and what the primary does when it is lost,
 * restarts or comes back. One object per term as primary; every duty cycle {@link #doWork(long)} moves it on.
 * <p>
 * While a backup is in sync its confirmations release acknowledgements (rule 1 with durability: backup). When it is
 * lost, heartbeats name no backup in sync and nothing new is acknowledged until a majority heard that (the witness
 * echoes it, and from then refuses to elect the lost backup, which lacks what comes next) or, with two nodes, the
 * fencing hook cut it off; then the primary runs alone, acknowledging on its own log. A backup heard alive
 * (restarted, or back) is sent the log from where its own ends, and once it is within the slack of the end
 * acknowledgements wait for it again; it is named in sync once it has everything acknowledged alone, so it is never
 * elected short of an acknowledged byte.
 * <p>
 * Everything it needs from the node comes through {@link Host}, so a test drives every transition with a fake.
 */
final class BackupSync
{
    /** Where the primary stands with its backup. */
    enum State
    {
        /** Acknowledgements wait for the backup, which has yet to confirm everything acknowledged alone before. */
        IN_STEP,
        /** Acknowledgements wait for the backup and heartbeats name it in sync. */
        IN_SYNC,
        /** The backup went quiet: nothing new is acknowledged until a majority heard it is out of sync. */
        LOST_AWAITING_MAJORITY,
        /** As {@link #LOST_AWAITING_MAJORITY}, but it restarted without its log: hearing it again does not help. */
        RESTARTED_AWAITING_MAJORITY,
        /** The backup went quiet (two nodes): nothing new is acknowledged until the fencing hook cut it off. */
        LOST_FENCING,
        /** As {@link #LOST_FENCING}, after it restarted without its log. */
        RESTARTED_FENCING,
        /** Acknowledging on its own log, no backup to send to. */
        ALONE,
        /** Acknowledging on its own log while a backup is sent the log from where its own ends. */
        CATCHING_UP
    }

    /** What the node gives: the publisher's sender, the members heard, the log's end, the node's log. */
    interface Host
    {
        /** @return whether the member is heard and not suspected (false for one not in the cluster). */
        boolean alive(int nodeId);

        /** @return a backup heard, with its MAC known, that could be sent the log; -1 when none. */
        int joiningBackup();

        long macOf(int nodeId);

        /** @return where the member's log ends, as its heartbeats say. */
        long logPositionOf(int nodeId);

        /** @return whether this primary and enough members for a majority say no backup is in sync. */
        boolean majorityHeardOutOfSync(int backupId);

        /** @return the position of the last record in the primary's log. */
        long lastPosition();

        /** @return what the backup holds when the sender saw it restart without its log, else -1 (or no sender). */
        long restartedReceiverHolds();

        /** @return the position the backup confirmed. */
        long confirmedPosition();

        /** Send the backup the log from {@code fromPosition} with a new sender. */
        void sendFrom(int backupId, long backupMac, long fromPosition);

        /** Send to nobody. */
        void stopSending();

        /** The backup's tap sees the client's bytes from {@code fromPosition} on. */
        void tapped(long fromPosition);

        String nameOf(int nodeId);

        void say(String message);

        void warn(String message);
    }

    private final Host host;
    /** Null without a fencing hook (then a majority decides). */
    private final FencingHook fencingHook;
    private final long slackRecords;
    private final long fenceRetryNs;
    private State state;
    /** The backup this primary sends to, -1 none. */
    private int backupId;
    private long backupMac;
    /** Acknowledgements wait for the backup from this position on (it is catching up past it). */
    private long syncFrom = -1;
    /** Where the backup catching up started; it is in step only once it confirmed past it. */
    private long catchUpFrom;
    private long nextFenceNs;

    /**
     * @param fencingHook  the two-node cluster's fencing hook, or null.
     * @param slackRecords how near the log's end a backup catching up must be before acknowledgements wait for it.
     * @param fenceRetryNs how long after a failed fencing hook it runs again.
     */
    BackupSync(final Host host, final FencingHook fencingHook, final long slackRecords, final long fenceRetryNs)
    {
        this.host = host;
        this.fencingHook = fencingHook;
        this.slackRecords = slackRecords;
        this.fenceRetryNs = fenceRetryNs;
        this.state = State.ALONE;
        this.backupId = -1;
    }

    /** A fresh cluster: both logs are empty, so the backup is in sync from the first record. */
    void startInSync(final int backupId, final long backupMac)
    {
        this.backupId = backupId;
        this.backupMac = backupMac;
        state = State.IN_SYNC;
        host.tapped(1);
    }

    /** A takeover leaves no backup (this node was it): run alone until one catches up from this log. */
    void startAlone()
    {
        backupId = -1;
        backupMac = 0;
        state = State.ALONE;
        host.tapped(host.lastPosition() + 1);
    }

    State state()
    {
        return state;
    }

    /** @return whether the primary acknowledges on its own log. */
    boolean alone()
    {
        return state == State.ALONE || state == State.CATCHING_UP;
    }

    /** @return the backup named in sync in heartbeats, 0 none. */
    int syncBackupId()
    {
        return state == State.IN_SYNC ? backupId : 0;
    }

    /** @return the backup sent to, -1 none. */
    int backupId()
    {
        return backupId;
    }

    /** The status line's words for it. */
    void describe(final StringBuilder detail)
    {
        final String backup = "backup " + host.nameOf(backupId);
        detail.append(switch (state)
        {
            case ALONE -> "alone (no backup)";
            case CATCHING_UP -> "alone, " + backup + " catching up at " + host.confirmedPosition();
            case LOST_AWAITING_MAJORITY, RESTARTED_AWAITING_MAJORITY, LOST_FENCING, RESTARTED_FENCING ->
                backup + " lost, waiting to run alone";
            case IN_STEP -> backup + " syncing";
            case IN_SYNC -> backup + " in sync";
        });
    }

    /** Every duty cycle: @return work done (0 or 1). */
    int doWork(final long nowNs)
    {
        final long restartedHolds = host.restartedReceiverHolds();
        if (restartedHolds >= 0 && state != State.RESTARTED_AWAITING_MAJORITY && state != State.RESTARTED_FENCING)
        {
            return onRestarted(nowNs, restartedHolds);
        }
        return switch (state)
        {
            case IN_STEP, IN_SYNC -> whileFollowing(nowNs);
            case LOST_AWAITING_MAJORITY, RESTARTED_AWAITING_MAJORITY -> whileAwaitingMajority();
            case LOST_FENCING, RESTARTED_FENCING -> whileFencing(nowNs);
            case ALONE -> whileAlone();
            case CATCHING_UP -> whileCatchingUp();
        };
    }

    private int onRestarted(final long nowNs, final long holds)
    {
        host.say("backup " + host.nameOf(backupId) + " restarted without its log (it holds position " + holds + ")");
        if (alone())
        {
            host.sendFrom(backupId, backupMac, holds + 1);
            catchUpFrom = holds + 1;
            return 1;
        }
        // What it confirmed before is gone with its process: it is lost as surely as if it had gone quiet.
        if (null != fencingHook)
        {
            state = State.RESTARTED_FENCING;
            fencingHook.reset();
            nextFenceNs = nowNs;
        }
        else
        {
            state = State.RESTARTED_AWAITING_MAJORITY;
        }
        return 1;
    }

    private int whileFollowing(final long nowNs)
    {
        if (!host.alive(backupId))
        {
            state = null == fencingHook ? State.LOST_AWAITING_MAJORITY : State.LOST_FENCING;
            host.warn("backup " + host.nameOf(backupId) + " lost at confirmed position " + host.confirmedPosition() +
                ": acknowledging nothing new until " + (null == fencingHook ?
                "a majority has heard it is out of sync" : "the fencing hook has cut it off"));
            if (null != fencingHook)
            {
                fencingHook.reset();
                fence(nowNs);
            }
            return 1;
        }
        if (state == State.IN_STEP && host.confirmedPosition() >= syncFrom)
        {
            state = State.IN_SYNC;
            host.say("backup " + host.nameOf(backupId) + " is in sync (it holds the log to position " +
                host.confirmedPosition() + ")");
            return 1;
        }
        return 0;
    }

    private int whileAwaitingMajority()
    {
        if (state == State.LOST_AWAITING_MAJORITY && host.alive(backupId))
        {
            state = host.confirmedPosition() >= syncFrom ? State.IN_SYNC : State.IN_STEP;
            host.say("backup " + host.nameOf(backupId) + " heard again: carrying on with it");
            return 1;
        }
        if (host.majorityHeardOutOfSync(backupId))
        {
            runAlone("a majority heard it is out of sync");
            return 1;
        }
        return 0;
    }

    private int whileFencing(final long nowNs)
    {
        switch (fencingHook.poll(nowNs))
        {
            case FENCED ->
            {
                runAlone("the fencing hook cut it off");
                return 1;
            }
            case FAILED ->
            {
                host.warn(fencingHook.failure() + "; running the hook again in " + fenceRetryNs / 1_000_000_000L + " s");
                fencingHook.reset();
                nextFenceNs = nowNs + fenceRetryNs;
                return 1;
            }
            case IDLE ->
            {
                if (nowNs - nextFenceNs >= 0)
                {
                    fence(nowNs);
                    return 1;
                }
                return 0;
            }
            default ->
            {
                return 0;
            }
        }
    }

    private int whileAlone()
    {
        final int joining = host.joiningBackup();
        if (joining < 0)
        {
            return 0;
        }
        backupId = joining;
        backupMac = host.macOf(joining);
        final long from = Math.max(1, host.logPositionOf(joining) + 1);
        host.sendFrom(backupId, backupMac, from);
        catchUpFrom = from;
        state = State.CATCHING_UP;
        host.say("backup " + host.nameOf(backupId) + " joined: sending it the log from position " + from +
            " (log ends at " + host.lastPosition() + ")");
        return 1;
    }

    private int whileCatchingUp()
    {
        if (!host.alive(backupId))
        {
            host.warn("backup " + host.nameOf(backupId) + " lost while catching up at position " +
                host.confirmedPosition());
            stopSending();
            state = State.ALONE;
            return 1;
        }
        // What the backup holds: what it said it had when it joined, or what it confirmed since. It is in step once
        // within the slack of the log's end and past where it joined (or it joined holding everything, an empty log
        // included): a small log must not count as caught up before the backup confirmed anything.
        final long last = host.lastPosition();
        final long holds = Math.max(catchUpFrom - 1, host.confirmedPosition());
        if (holds >= last - slackRecords && holds >= Math.min(last, catchUpFrom))
        {
            syncFrom = last;
            state = State.IN_STEP;
            // In step: its tap now sees the client's bytes before it needs them.
            host.tapped(syncFrom + 1);
            host.say("backup " + host.nameOf(backupId) + " caught up to position " + holds +
                ": acknowledgements wait for it again after position " + syncFrom);
            return 1;
        }
        return 0;
    }

    private void fence(final long nowNs)
    {
        fencingHook.start(host.nameOf(backupId), MacAddress.format(backupMac), nowNs);
    }

    private void runAlone(final String why)
    {
        host.warn("running without a backup from position " + host.lastPosition() + ": backup " +
            host.nameOf(backupId) + " lost and " + why + "; a backup that rejoins catches up from this log");
        state = State.ALONE;
        stopSending();
    }

    private void stopSending()
    {
        host.stopSending();
        backupId = -1;
        backupMac = 0;
    }
}
