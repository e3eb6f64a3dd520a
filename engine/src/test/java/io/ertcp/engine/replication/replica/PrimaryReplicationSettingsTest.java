package io.ertcp.engine.replication.replica;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link PrimaryReplication.Settings}: the defaults are the numbers a cluster node passed to the positional
 * constructor before the settings were named, and each bad value is refused with its own sentence.
 */
class PrimaryReplicationSettingsTest
{
    @Test
    void defaultsAreWhatTheClusterNodePassed()
    {
        // ClusterNode.prepareStandbyPrimary: (maxDataPerRecord(mode, mtu), 8L << 20) before, 8192 in ST-TCP.
        assertEquals(8192, PrimaryReplication.Settings.DEFAULT.maxDataPerRecord());
        assertEquals(8L << 20, PrimaryReplication.Settings.DEFAULT.maxUnconfirmedBytes());
        assertEquals(new PrimaryReplication.Settings(15_000, 8L << 20),
            PrimaryReplication.Settings.DEFAULT.withMaxDataPerRecord(15_000));
        assertEquals(new PrimaryReplication.Settings(8192, 1L << 40),
            PrimaryReplication.Settings.DEFAULT.withMaxUnconfirmedBytes(1L << 40));
    }

    @Test
    void eachBadValueIsRefusedWithASentenceNamingIt()
    {
        final PrimaryReplication.Settings ok = PrimaryReplication.Settings.DEFAULT;
        refused("A DATA record must carry 1..1073741824 input bytes, not 0.", () -> ok.withMaxDataPerRecord(0));
        refused("A DATA record must carry 1..1073741824 input bytes, not 1073741825.",
            () -> ok.withMaxDataPerRecord((1 << 30) + 1));
        refused("At least 1 record byte must be allowed to wait for the logger's confirmation, not 0.",
            () -> ok.withMaxUnconfirmedBytes(0));
    }

    private static void refused(final String sentence, final Executable build)
    {
        assertEquals(sentence, assertThrows(IllegalArgumentException.class, build).getMessage());
    }
}
