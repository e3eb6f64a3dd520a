package io.ertcp.log;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The snapshot store: what is written is read back; a torn or corrupt newest snapshot is detected by its length or
 * CRC32C and the previous one is used; only the newest two are kept; and a process killed with SIGKILL while it
 * writes leaves a temporary file, never a snapshot, so the previous one is used.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SnapshotStoreTest
{
    @TempDir
    Path directory;

    /** Body bytes made from the position, so a snapshot read back can be checked byte for byte. */
    static void fill(final MutableDirectBuffer body, final int length, final long position)
    {
        for (int i = 0; i + 8 <= length; i += 8)
        {
            body.putLong(i, position * 0x9E37_79B9_7F4A_7C15L + i);
        }
        for (int i = length & ~7; i < length; i++)
        {
            body.putByte(i, (byte)position);
        }
    }

    private static UnsafeBuffer body(final int length, final long position)
    {
        final UnsafeBuffer body = new UnsafeBuffer(new byte[length]);
        fill(body, length, position);
        return body;
    }

    private static byte[] bytes(final DirectBuffer buffer)
    {
        final byte[] bytes = new byte[buffer.capacity()];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    @Test
    void whatIsWrittenIsReadBack()
    {
        final SnapshotStore store = SnapshotStore.open(directory.resolve("snapshots"));
        assertNull(store.newest(), "an empty store has no snapshot");
        final UnsafeBuffer body = body(100_003, 42);
        store.write(42, 3, "kv", body, 0, body.capacity());

        final SnapshotStore reopened = SnapshotStore.open(directory.resolve("snapshots"));
        final SnapshotStore.Snapshot snapshot = reopened.newest();
        assertNotNull(snapshot);
        assertEquals(42, snapshot.position());
        assertEquals(3, snapshot.epoch());
        assertEquals("kv", snapshot.service());
        assertArrayEquals(bytes(body), bytes(snapshot.body()));
        assertEquals(List.of(), reopened.problems());
        assertArrayEquals(new long[]{42}, reopened.positions());
    }

    @Test
    void anEmptyBodyAndADirectBufferRoundTrip()
    {
        final SnapshotStore store = SnapshotStore.open(directory);
        store.write(1, 1, "empty", new UnsafeBuffer(new byte[0]), 0, 0);
        assertEquals(0, store.newest().body().capacity());
        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        fill(direct, 4096, 2);
        store.write(2, 1, "direct", direct, 100, 3000);
        final SnapshotStore.Snapshot snapshot = store.newest();
        assertEquals(2, snapshot.position());
        final byte[] expected = new byte[3000];
        direct.getBytes(100, expected);
        assertArrayEquals(expected, bytes(snapshot.body()));
    }

    @Test
    void onlyTheNewestTwoAreKept()
    {
        final SnapshotStore store = SnapshotStore.open(directory);
        for (long position = 10; position <= 50; position += 10)
        {
            final UnsafeBuffer body = body(1000, position);
            store.write(position, 1, "kv", body, 0, body.capacity());
        }
        assertArrayEquals(new long[]{40, 50}, store.positions());
        assertEquals(50, store.newest().position());
        assertEquals(40, store.newest(49).position(), "the newest at or before a position");
    }

    @Test
    void aTornNewestSnapshotIsDetectedAndThePreviousUsed() throws Exception
    {
        final SnapshotStore store = SnapshotStore.open(directory);
        store.write(10, 1, "kv", body(50_000, 10), 0, 50_000);
        final Path newest = store.write(20, 1, "kv", body(50_000, 20), 0, 50_000);
        try (RandomAccessFile file = new RandomAccessFile(newest.toFile(), "rw"))
        {
            file.setLength(file.length() - 4096); // the last page never reached the disk
        }

        final SnapshotStore reopened = SnapshotStore.open(directory);
        final SnapshotStore.Snapshot snapshot = reopened.newest();
        assertEquals(10, snapshot.position(), "the previous snapshot");
        assertArrayEquals(bytes(body(50_000, 10)), bytes(snapshot.body()));
        assertEquals(1, reopened.problems().size(), reopened.problems().toString());
        assertTrue(reopened.problems().get(0).contains("is torn"), reopened.problems().toString());
    }

    @Test
    void aCrcMismatchIsDetectedAndThePreviousUsed() throws Exception
    {
        final SnapshotStore store = SnapshotStore.open(directory);
        store.write(10, 1, "kv", body(50_000, 10), 0, 50_000);
        final Path newest = store.write(20, 1, "kv", body(50_000, 20), 0, 50_000);
        try (RandomAccessFile file = new RandomAccessFile(newest.toFile(), "rw"))
        {
            final long at = file.length() - 20_000;
            file.seek(at);
            final int b = file.read();
            file.seek(at);
            file.write(b ^ 0x10); // one flipped bit in the body, same length
        }

        final SnapshotStore reopened = SnapshotStore.open(directory);
        assertEquals(10, reopened.newest().position());
        assertTrue(reopened.problems().get(0).contains("CRC32C"), reopened.problems().toString());
    }

    @Test
    void aCorruptHeaderIsDetectedAndWithNoIntactSnapshotThereIsNone() throws Exception
    {
        final SnapshotStore store = SnapshotStore.open(directory);
        final Path only = store.write(10, 1, "kv", body(1000, 10), 0, 1000);
        try (RandomAccessFile file = new RandomAccessFile(only.toFile(), "rw"))
        {
            file.seek(20); // inside the position field
            file.write(0x7F);
        }
        final SnapshotStore reopened = SnapshotStore.open(directory);
        assertNull(reopened.newest());
        assertTrue(reopened.problems().get(0).contains("header fails its CRC32C"), reopened.problems().toString());
    }

    /**
     * A snapshot of the format before snapshots held open connections (version 1) is refused with one sentence,
     * and with it there is none to load.
     */
    @Test
    void aSnapshotOfAnOlderVersionIsRefusedWithOneSentence() throws Exception
    {
        final SnapshotStore store = SnapshotStore.open(directory);
        final Path only = store.write(10, 1, "kv", body(1000, 10), 0, 1000);
        try (RandomAccessFile file = new RandomAccessFile(only.toFile(), "rw"))
        {
            file.seek(8); // the version, after the magic
            file.write(new byte[]{1, 0, 0, 0});
        }
        final SnapshotStore reopened = SnapshotStore.open(directory);
        assertNull(reopened.newest());
        assertEquals(List.of("Snapshot " + only.getFileName() + " has version 1, from an older build whose snapshots " +
            "hold no open connections, and this build reads version " + SnapshotStore.VERSION + " only."),
            reopened.problems());
    }

    /**
     * A real crash: a child JVM writes snapshot after snapshot of 16 MiB and is killed with SIGKILL in the middle of
     * one. The reopened store deletes the unfinished temporary file and its newest snapshot is intact: the last one
     * the child finished, byte for byte. Three rounds, at least one of which must find the temporary file (the kill
     * came mid-write).
     */
    @Test
    void aKillMinus9WhileWritingLeavesThePreviousSnapshot() throws Exception
    {
        final Path store = directory.resolve("snapshots");
        final int bodyBytes = 16 << 20;
        int midWrite = 0;
        for (int round = 0; round < 3; round++)
        {
            final long lastDone = runAndKill(store, bodyBytes, round);
            final SnapshotStore reopened = SnapshotStore.open(store);
            final SnapshotStore.Snapshot snapshot = reopened.newest();
            assertNotNull(snapshot, "a finished snapshot survives");
            assertTrue(snapshot.position() >= lastDone && snapshot.position() <= lastDone + 1,
                "the newest intact snapshot is the last one finished (or the one whose DONE the kill cut off): " +
                snapshot.position() + " after DONE " + lastDone);
            final UnsafeBuffer expected = new UnsafeBuffer(ByteBuffer.allocateDirect(bodyBytes));
            fill(expected, bodyBytes, snapshot.position());
            assertEquals(0, expected.compareTo(snapshot.body()), "its bytes are the ones written");
            midWrite += reopened.problems().stream().anyMatch(p -> p.contains("never finished")) ? 1 : 0;
            try (var files = Files.list(store))
            {
                assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")), "the temporary file is gone");
            }
            clear(store);
        }
        assertTrue(midWrite >= 1, "at least one kill came while a snapshot was being written");
    }

    private static void clear(final Path store) throws Exception
    {
        try (var files = Files.list(store))
        {
            for (final Path p : files.toList())
            {
                Files.delete(p);
            }
        }
    }

    private long runAndKill(final Path store, final int bodyBytes, final int round) throws Exception
    {
        final String root = System.getProperty("ertcp.root");
        assertNotNull(root, "ertcp.root is not set: run through Maven, which passes -Dertcp.root");
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final List<String> command = new ArrayList<>(List.of(
            java, "@" + Path.of(root, "jvm.flags"), "-Xmx64m", "-XX:+UseSerialGC",
            "-cp", System.getProperty("java.class.path"),
            SnapshotWriterChild.class.getName(), store.toString(), Integer.toString(bodyBytes)));
        final File stderr = directory.resolve("child-" + round + ".err").toFile();
        final Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.to(stderr)).start();
        long lastDone = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII)))
        {
            final String ready = out.readLine();
            if (!"READY".equals(ready))
            {
                fail("child did not start: " + ready + "\n" + Files.readString(stderr.toPath()));
            }
            String line;
            while (null != (line = out.readLine()))
            {
                if (line.startsWith("DONE "))
                {
                    lastDone = Long.parseLong(line.substring(5));
                }
                else if (line.equals("WRITING " + (3 + round)))
                {
                    // The child is writing snapshot 3 + round now (16 MiB and an fsync): SIGKILL a moment into it. Timed
                    // from the write's start, not the previous one's end, so a slow fill of the body on a loaded machine
                    // does not take the kill out of the write.
                    Thread.sleep(1 + 2L * round);
                    child.toHandle().destroyForcibly();
                }
            }
        }
        finally
        {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        return lastDone;
    }
}
