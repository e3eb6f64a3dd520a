package io.ertcp.systest;

import io.ertcp.test.KvRejoinLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kv with 1,000,000 keys (docs/architecture.md rule 7, "Snapshots"): after retention has deleted the log up to the
 * newest snapshot, a backup restarted empty rejoins from that snapshot and the log after it alone, and ends with the
 * primary's store, key for key; replaying only the tail. The whole log gives the same store from far more records. Both
 * rejoins' times are printed beside each other (the comparison BENCHMARKS.md "Snapshots" records from the
 * {@code SnapshotRejoin} benchmark, which builds the same log); nothing here asserts a time.
 */
@Timeout(600)
class KvMillionKeysRejoinTest
{
    private static final int KEYS = 1_000_000;

    @Test
    void aBackupRestartedEmptyAfterRetentionRejoinsFromTheSnapshotAndReplaysOnlyTheTail() throws Exception
    {
        try (KvRejoinLog log = new KvRejoinLog(Files.createTempDirectory("ertcp-million-keys"), KEYS, 0.99))
        {
            assertEquals(KEYS, log.primary().size());
            final long tail = log.lastPosition() - log.snapshotPosition();
            assertTrue(log.snapshotPosition() > 0 && tail > 0, "the snapshot lies inside the log");
            assertEquals(log.snapshotPosition() + 1, log.retainedFirstPosition(),
                "retention kept only what follows the snapshot: the whole log is gone from the logger");

            final KvRejoinLog.Rejoin fromSnapshot = log.rejoinFromSnapshot();
            assertEquals(log.digest(), fromSnapshot.digest(), "the rejoined store is the primary's, key for key");
            assertEquals(KEYS, fromSnapshot.keys());
            assertEquals(tail, fromSnapshot.recordsApplied(), "it applied the tail after the snapshot and nothing else");

            final KvRejoinLog.Rejoin whole = log.rejoinFromWholeLog();
            assertEquals(log.digest(), whole.digest());
            assertEquals(log.lastPosition(), whole.recordsApplied());
            assertTrue(fromSnapshot.recordsApplied() * 50 < whole.recordsApplied(),
                fromSnapshot.recordsApplied() + " records of " + whole.recordsApplied());
            System.out.printf("%,d keys, %,d records: rejoin from the snapshot %.0f ms (loading it %.0f ms, then %,d " +
                    "records), from the whole log %.0f ms; the capture held the primary's duty cycle %.1f ms%n",
                KEYS, log.lastPosition(), fromSnapshot.ms(), fromSnapshot.loadMs(), fromSnapshot.recordsApplied(),
                whole.ms(), log.takeMs());
        }
    }
}
