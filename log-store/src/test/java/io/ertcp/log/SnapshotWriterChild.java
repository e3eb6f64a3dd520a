package io.ertcp.log;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The child process of {@link SnapshotStoreTest}'s kill -9 test: writes snapshots at positions 1, 2, 3 ... into a
 * store, each {@code bodyBytes} long with bytes made from its position ({@link SnapshotStoreTest#fill}), and prints
 * {@code WRITING n} as snapshot n's write starts and {@code DONE n} once it returned, until it is killed. Nothing else runs between writes, so a kill
 * lands in the middle of one.
 */
public final class SnapshotWriterChild
{
    private SnapshotWriterChild()
    {
    }

    public static void main(final String[] args)
    {
        final SnapshotStore store = SnapshotStore.open(Path.of(args[0]));
        final int bodyBytes = Integer.parseInt(args[1]);
        final UnsafeBuffer body = new UnsafeBuffer(ByteBuffer.allocateDirect(bodyBytes));
        System.out.println("READY");
        System.out.flush();
        for (long position = 1; ; position++)
        {
            SnapshotStoreTest.fill(body, bodyBytes, position);
            System.out.println("WRITING " + position);
            System.out.flush();
            store.write(position, 1, "test", body, 0, bodyBytes);
            System.out.println("DONE " + position);
            System.out.flush();
        }
    }
}
