package io.ertcp.engine.replication.channel;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.EthernetFlyweight;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replication channel's frame authentication (docs/architecture.md rule 8): a frame a member sealed is taken
 * once, and anything else (a flipped bit anywhere, a replay, another key, cluster, sender or source MAC) is refused,
 * counted by its reason, and never handed on.
 */
class FrameAuthenticatorTest
{
    private static final long GROUP = 0x01_00_5E_00_00_01L;
    private static final long[] MACS = { 0L, 0x02_00_00_00_00_11L, 0x02_00_00_00_00_12L, 0x02_00_00_00_00_13L };
    private static final ClusterKey KEY = ClusterKey.random();

    private final FrameAuthenticator receiver = authenticator(KEY, "test", 2, 1_000L);
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[2048]);

    private static FrameAuthenticator authenticator(final ClusterKey key, final String cluster, final int nodeId,
        final long incarnation)
    {
        return new FrameAuthenticator(key, cluster, nodeId, incarnation, MACS,
            new FrameAuthenticator.Refusals(new Counters(64)));
    }

    /** A frame from {@code sender} with {@code payload} bytes, sealed; returns its length with the trailer. */
    private int sealed(final FrameAuthenticator sender, final int senderId, final int payload, final long seed)
    {
        new EthernetFlyweight().wrap(frame, 0).destination(GROUP).source(MACS[senderId])
            .etherType(EthernetFlyweight.ETHER_TYPE_REPLICATION);
        final int header = EthernetFlyweight.HEADER_LENGTH;
        frame.setMemory(header, ReplicationFrameFlyweight.HEADER_LENGTH, (byte)0);
        frame.putInt(header + ReplicationFrameFlyweight.NODE_ID_OFFSET, senderId, ByteOrder.LITTLE_ENDIAN);
        final byte[] bytes = new byte[payload];
        new Random(seed).nextBytes(bytes);
        frame.putBytes(header + ReplicationFrameFlyweight.HEADER_LENGTH, bytes);
        return sender.seal(frame, 0, header + ReplicationFrameFlyweight.HEADER_LENGTH + payload);
    }

    private static int inner(final int sealedLength)
    {
        return sealedLength - FrameAuthenticator.TRAILER_LENGTH;
    }

    @Test
    void aSealedFrameIsTakenOnceWithoutItsTrailerAndItsReplayIsRefused()
    {
        final FrameAuthenticator primary = authenticator(KEY, "test", 1, 500L);
        final int length = sealed(primary, 1, 1_000, 1);
        assertEquals(inner(length), receiver.verify(frame, 0, length));
        assertEquals(-1, receiver.verify(frame, 0, length), "the same frame again is a replay");
        assertEquals(FrameAuthenticator.REPLAY, receiver.lastRefusal());
        assertEquals(1, receiver.refusals().replay.get());
        assertEquals("1 replay", receiver.refusals().summary());
    }

    @Test
    void everySingleBitFlipOfAValidFrameIsRefused()
    {
        // 200 payload bytes: a confirm's or a vote's size; 701: a record's, with a last GHASH block partly filled.
        everySingleBitFlipIsRefused(200);
        everySingleBitFlipIsRefused(701);
    }

    @Test
    void framesOfEveryLengthAroundAGhashBlockAreTakenOnHeapAndOffHeap()
    {
        final FrameAuthenticator primary = authenticator(KEY, "test", 1, 500L);
        final UnsafeBuffer offHeap = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(2048));
        final int base = EthernetFlyweight.HEADER_LENGTH + ReplicationFrameFlyweight.HEADER_LENGTH +
            FrameAuthenticator.TRAILER_LENGTH;
        for (int payload = 384 - base - 20; payload <= 384 - base + 20; payload++)
        {
            final int length = sealed(primary, 1, payload, payload);
            assertEquals(inner(length), receiver.verify(frame, 0, length), "on-heap, payload " + payload);
            final int again = sealed(primary, 1, payload, payload);
            offHeap.putBytes(0, frame, 0, again);
            assertEquals(inner(again), receiver.verify(offHeap, 0, again), "off-heap, payload " + payload);
        }
        assertEquals(0, receiver.refusals().total());
    }

    private void everySingleBitFlipIsRefused(final int payload)
    {
        final FrameAuthenticator primary = authenticator(KEY, "test", 1, 500L);
        final int length = sealed(primary, 1, payload, 2);
        final byte[] valid = new byte[length];
        frame.getBytes(0, valid);
        for (int bit = 0; bit < length * 8; bit++)
        {
            final FrameAuthenticator fresh = authenticator(KEY, "test", 2, 1_000L);
            frame.putBytes(0, valid);
            frame.putByte(bit / 8, (byte)(valid[bit / 8] ^ (1 << (bit % 8))));
            assertEquals(-1, fresh.verify(frame, 0, length), "bit " + bit + " flipped was taken");
            assertEquals(1, fresh.refusals().total(), "bit " + bit + ": counted once");
        }
        final FrameAuthenticator fresh = authenticator(KEY, "test", 2, 1_000L);
        frame.putBytes(0, valid);
        assertEquals(inner(length), fresh.verify(frame, 0, length), "the unflipped frame is taken");
    }

    @Test
    void framesOutOfOrderInsideTheWindowAreTakenOnceAndOlderOnesAreRefused()
    {
        final FrameAuthenticator primary = authenticator(KEY, "test", 1, 500L);
        final int total = ReplayWindow.MIN_WINDOW + 50;
        final byte[][] frames = new byte[total][];
        for (int i = 0; i < total; i++)
        {
            final int length = sealed(primary, 1, 16, i);
            frames[i] = new byte[length];
            frame.getBytes(0, frames[i]);
        }
        // The newest first, then the others backwards: those within the window are new once each.
        assertEquals(inner(frames[total - 1].length), verify(frames[total - 1]));
        for (int i = total - 2; i >= 0; i--)
        {
            final boolean inWindow = (total - 1) - i < ReplayWindow.MIN_WINDOW;
            assertEquals(inWindow ? inner(frames[i].length) : -1, verify(frames[i]), "frame " + i);
        }
        for (int i = total - ReplayWindow.MIN_WINDOW; i < total; i++)
        {
            assertEquals(-1, verify(frames[i]), "frame " + i + " again");
        }
        assertEquals(50 + ReplayWindow.MIN_WINDOW, receiver.refusals().replay.get(), "50 below the window, then every one again");
    }

    private int verify(final byte[] bytes)
    {
        frame.putBytes(0, bytes);
        return receiver.verify(frame, 0, bytes.length);
    }

    @Test
    void aRestartedSenderIsHeardFromItsFirstFrameAndItsOldIncarnationIsRefusedAfter()
    {
        final FrameAuthenticator before = authenticator(KEY, "test", 1, 500L);
        final byte[] old = new byte[sealed(before, 1, 64, 3)];
        frame.getBytes(0, old);
        for (int i = 0; i < 10; i++)
        {
            assertTrue(receiver.verify(frame, 0, sealed(before, 1, 64, 4 + i)) > 0);
        }
        // The restart starts its counter at 1 again, in a newer incarnation.
        final FrameAuthenticator after = authenticator(KEY, "test", 1, 600L);
        assertTrue(receiver.verify(frame, 0, sealed(after, 1, 64, 20)) > 0, "the new incarnation's frame 1");
        assertEquals(-1, verify(old), "the old incarnation's frame, delayed");
        assertEquals(FrameAuthenticator.REPLAY, receiver.lastRefusal());
    }

    @Test
    void anotherKeyAnotherClusterAnUnknownSenderAndAWrongSourceMacAreRefusedByReason()
    {
        final int length = sealed(authenticator(ClusterKey.random(), "test", 1, 500L), 1, 100, 5);
        assertEquals(-1, receiver.verify(frame, 0, length));
        assertEquals(FrameAuthenticator.BAD_MAC, receiver.lastRefusal());

        assertEquals(-1, receiver.verify(frame, 0, sealed(authenticator(KEY, "other", 1, 500L), 1, 100, 6)));
        assertEquals(FrameAuthenticator.WRONG_CLUSTER, receiver.lastRefusal());

        assertEquals(-1, receiver.verify(frame, 0, sealed(authenticator(KEY, "test", 7, 500L), 7 % MACS.length, 100, 7)));
        assertEquals(FrameAuthenticator.UNKNOWN_SENDER, receiver.lastRefusal(), "node 7 is not in the file");

        final int fromThree = sealed(authenticator(KEY, "test", 3, 500L), 3, 100, 8);
        new EthernetFlyweight().wrap(frame, 0).source(MACS[1]);
        assertEquals(-1, receiver.verify(frame, 0, fromThree));
        assertEquals(FrameAuthenticator.WRONG_SOURCE_MAC, receiver.lastRefusal());

        assertEquals(-1, receiver.verify(frame, 0, FrameAuthenticator.MIN_FRAME_LENGTH - 1));
        assertEquals(FrameAuthenticator.TOO_SHORT, receiver.lastRefusal());

        final FrameAuthenticator.Refusals refusals = receiver.refusals();
        assertEquals(1, refusals.badMac.get());
        assertEquals(1, refusals.wrongCluster.get());
        assertEquals(1, refusals.unknownSender.get());
        assertEquals(1, refusals.wrongSourceMac.get());
        assertEquals(1, refusals.tooShort.get());
        assertEquals(0, refusals.replay.get());
    }

    @Test
    void withSecurityNoneOnlyTheClusterAndTheSenderAreChecked()
    {
        final FrameAuthenticator open = authenticator(null, "test", 2, 1_000L);
        final int length = sealed(authenticator(null, "test", 1, 500L), 1, 100, 9);
        assertFalse(open.authenticated());
        assertEquals(inner(length), open.verify(frame, 0, length));
        assertEquals(-1, receiver.verify(frame, 0, length), "a keyed node refuses an unkeyed frame");
        assertEquals(FrameAuthenticator.BAD_MAC, receiver.lastRefusal());
    }

    @Test
    void aKeyFileIsWrittenOwnerOnlyAndTheBadOnesAreRefusedWithOneSentence(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("cluster.key");
        ClusterKey.generate(file, false);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(ClusterKey.LENGTH, Files.size(file));
        assertArrayEquals(Files.readAllBytes(file), ClusterKey.load(file).bytes());
        assertThrows(RuntimeException.class, () -> ClusterKey.generate(file, false), "no overwrite without force");

        final String missing = assertThrows(IllegalArgumentException.class,
            () -> ClusterKey.load(dir.resolve("none.key"))).getMessage();
        assertTrue(missing.contains("does not exist") && missing.contains("./ertcp keygen"), missing);

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        final String open = assertThrows(IllegalArgumentException.class, () -> ClusterKey.load(file)).getMessage();
        assertTrue(open.contains("chmod 600"), open);

        final Path shortKey = dir.resolve("short.key");
        Files.write(shortKey, new byte[16]);
        Files.setPosixFilePermissions(shortKey, PosixFilePermissions.fromString("rw-------"));
        final String tooShort = assertThrows(IllegalArgumentException.class, () -> ClusterKey.load(shortKey)).getMessage();
        assertTrue(tooShort.contains("holds 16 bytes"), tooShort);
    }
}
