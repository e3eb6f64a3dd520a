package io.ertcp.log;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Records for log tests: DATA records whose bytes are derived from their stream offset, so a reader can check
 * every byte it gets back without keeping copies.
 */
final class TestRecords
{
    static final int EPOCH = 1;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64 * 1024]);
    private final DataFlyweight data = new DataFlyweight();

    /**
     * Write DATA record number {@code n} (its stream offset) with {@code length} payload bytes into the scratch buffer.
     *
     * @return the record's total length.
     */
    int data(final long n, final int length)
    {
        data.wrap(buffer, 0);
        data.writeHeader(RecordType.DATA, DataFlyweight.HEADER_LENGTH + length, EPOCH);
        buffer.putLong(DataFlyweight.CONNECTION_ID_OFFSET, n % 7, java.nio.ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(DataFlyweight.STREAM_OFFSET_OFFSET, n, java.nio.ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(DataFlyweight.DATA_LENGTH_OFFSET, length, java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(DataFlyweight.DATA_OFFSET + i, payloadByte(n, i));
        }
        return DataFlyweight.HEADER_LENGTH + length;
    }

    DirectBuffer buffer()
    {
        return buffer;
    }

    static byte payloadByte(final long n, final int i)
    {
        return (byte)(n * 31 + i);
    }

    static int lengthOf(final long n)
    {
        return (int)(n % 97) + 1;
    }

    /**
     * Assert that a record read back is DATA record {@code n} with its bytes intact; returns a problem or null.
     */
    static String check(final DirectBuffer buffer, final int offset, final int length, final long n)
    {
        return check(buffer, offset, length, n, lengthOf(n));
    }

    static String check(
        final DirectBuffer buffer, final int offset, final int length, final long n, final int payloadLength)
    {
        final DataFlyweight data = new DataFlyweight().wrap(buffer, offset);
        if (data.type() != RecordType.DATA || data.streamOffset() != n || data.dataLength() != payloadLength ||
            length != DataFlyweight.HEADER_LENGTH + payloadLength)
        {
            return "record " + n + " has the wrong header";
        }
        for (int i = 0; i < data.dataLength(); i++)
        {
            if (buffer.getByte(data.dataOffset() + i) != payloadByte(n, i))
            {
                return "record " + n + " byte " + i + " differs";
            }
        }
        return null;
    }

    static List<Path> cycleFiles(final Path directory) throws IOException
    {
        try (Stream<Path> files = Files.list(directory))
        {
            final List<Path> list = new ArrayList<>(files.filter((p) -> p.toString().endsWith(".cq4")).toList());
            list.sort(Comparator.naturalOrder());
            return list;
        }
    }

    static void deleteRecursively(final Path directory) throws IOException
    {
        if (!Files.exists(directory))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory))
        {
            for (final Path path : paths.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
    }


    /**
     * Read the whole log, checking every record's position and bytes.
     *
     * @return the position after the last record read.
     */
    static long readAllAndCheck(final ReplicationLog log)
    {
        try (LogReader reader = log.newReader(1))
        {
            final long[] next = {1};
            while (reader.poll(
                (buffer, offset, length, position) ->
                {
                    assertEquals(next[0], position);
                    final String problem = TestRecords.check(buffer, offset, length, position);
                    if (null != problem)
                    {
                        fail(problem);
                    }
                    next[0]++;
                },
                256) > 0)
            {
            }
            return next[0];
        }
    }
}
