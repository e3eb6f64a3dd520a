package io.ertcp.engine.replication.channel;

import io.ertcp.engine.replication.logger.LogFeed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link RecordSender.Settings}: the defaults are the numbers a cluster node and a logger's feed passed to the
 * sender's positional constructor before the settings were named, and each bad value is refused with its own sentence.
 */
class RecordSenderSettingsTest
{
    @Test
    void defaultsAreWhatTheClusterNodesPrimaryPassed()
    {
        final RecordSender.Settings settings = RecordSender.Settings.DEFAULT;
        assertEquals(1 << 20, settings.windowBytes());
        assertEquals(8192, settings.windowRecords());
        assertEquals(2_000_000L, settings.tailProbeNs());
        assertEquals(64, settings.framesPerWork());
        assertEquals(Integer.MAX_VALUE, settings.maxInFlightRecords(), "as many as the window holds, as before");
        assertEquals(ReplicationFrameFlyweight.MTU, settings.mtu());
        // NodeContext.newSender: the defaults narrowed to the logger's SLOTS and the replication-mtu.
        assertEquals(new RecordSender.Settings(1 << 20, 8192, 2_000_000L, 64, 256, 9000),
            RecordSender.Settings.DEFAULT.withMaxInFlightRecords(256).withMtu(9000));
    }

    @Test
    void aLogFeedsSenderHasTheFeedsWindowPacingAndRecordsInFlight()
    {
        assertEquals(new RecordSender.Settings(1 << 20, 8192, 2_000_000, 64, 8192, ReplicationFrameFlyweight.MTU),
            LogFeed.Settings.DEFAULT.sending());
        assertEquals(new RecordSender.Settings(4096, 32, 5, 8, 16, 9000),
            new LogFeed.Settings(4096, 32, 16, 5, 8, 99, 9000).sending());
    }

    @Test
    void eachCopyChangesItsOwnValueOnly()
    {
        final RecordSender.Settings changed = RecordSender.Settings.DEFAULT.withWindowBytes(1 << 16)
            .withWindowRecords(64).withTailProbeNs(1_000_000).withFramesPerWork(16).withMaxInFlightRecords(32)
            .withMtu(1280);
        assertEquals(new RecordSender.Settings(1 << 16, 64, 1_000_000, 16, 32, 1280), changed);
        assertEquals(1 << 20, RecordSender.Settings.DEFAULT.windowBytes(), "DEFAULT itself is never changed");
    }

    @Test
    void eachBadValueIsRefusedWithASentenceNamingIt()
    {
        final RecordSender.Settings ok = RecordSender.Settings.DEFAULT;
        refused("A sender's window must hold 1..1073741824 bytes, not 0.", () -> ok.withWindowBytes(0));
        refused("A sender's window must hold 1..1073741824 bytes, not 1073741825.",
            () -> ok.withWindowBytes((1 << 30) + 1));
        refused("A sender's window must hold 1..1073741824 records, not -1.", () -> ok.withWindowRecords(-1));
        refused("A sender's tail probe interval cannot be negative: -1 ns.", () -> ok.withTailProbeNs(-1));
        refused("A sender must send at least 1 frame per work, not 0.", () -> ok.withFramesPerWork(0));
        refused("maxInFlightRecords must be at least 1, not 0.", () -> ok.withMaxInFlightRecords(0));
        refused("A replication MTU of 1000 bytes is outside 1280..9216.", () -> ok.withMtu(1000));
    }

    private static void refused(final String sentence, final Executable build)
    {
        assertEquals(sentence, assertThrows(IllegalArgumentException.class, build).getMessage());
    }
}
