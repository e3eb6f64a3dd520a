package io.ertcp.engine.replication;

import io.ertcp.log.ClientAckFlyweight;
import io.ertcp.log.ClosedFlyweight;
import io.ertcp.log.DataFlyweight;
import io.ertcp.log.RecordCodec;
import io.ertcp.log.RecordHeaderFlyweight;
import io.ertcp.log.RecordType;
import io.ertcp.log.RstFlyweight;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Random;

/**
 * Replication records of mixed kinds and sizes for channel and logger tests, drawn from a seeded
 * generator: small fixed records, small DATA, and DATA up to 3,000 bytes that spans frames.
 */
public final class RandomRecords
{
    private RandomRecords()
    {
    }

    /**
     * Write one random record at offset 0, checksum stamped.
     *
     * @return its length.
     */
    public static int writeRandom(final UnsafeBuffer record, final Random random, final int epoch, final long position)
    {
        return switch (random.nextInt(10))
        {
            case 0 -> writeFixed(record, random, epoch, position, RecordType.RST, RstFlyweight.LENGTH);
            case 1 -> writeFixed(record, random, epoch, position, RecordType.CLOSED, ClosedFlyweight.LENGTH);
            case 2 -> writeFixed(record, random, epoch, position, RecordType.CLIENT_ACK, ClientAckFlyweight.LENGTH);
            case 3, 4 -> writeData(record, random, epoch, position, random.nextInt(64));
            default -> writeData(record, random, epoch, position,
                random.nextInt(3000 - DataFlyweight.HEADER_LENGTH + 1));
        };
    }

    /**
     * Write a DATA record with {@code dataLength} random bytes at offset 0, checksum stamped.
     *
     * @return its length.
     */
    public static int writeData(
        final UnsafeBuffer record, final Random random, final int epoch, final long position, final int dataLength)
    {
        final byte[] data = new byte[dataLength];
        random.nextBytes(data);
        new DataFlyweight().wrap(record, 0)
            .write(epoch, random.nextLong(), random.nextLong(), new UnsafeBuffer(data), 0, dataLength)
            .position(position);
        final int length = DataFlyweight.HEADER_LENGTH + dataLength;
        new RecordCodec().stampChecksum(record, 0, length);
        return length;
    }

    /**
     * Write a fixed-length record of a type with a random body at offset 0, checksum stamped.
     *
     * @return its length.
     */
    public static int writeFixed(
        final UnsafeBuffer record,
        final Random random,
        final int epoch,
        final long position,
        final int type,
        final int length)
    {
        new RecordHeaderFlyweight().wrap(record, 0).writeHeader(type, length, epoch).position(position);
        for (int i = RecordHeaderFlyweight.HEADER_LENGTH; i < length; i++)
        {
            record.putByte(i, (byte)random.nextInt());
        }
        new RecordCodec().stampChecksum(record, 0, length);
        return length;
    }

    /** The first {@code length} bytes of a record, copied out. */
    public static byte[] copy(final DirectBuffer record, final int length)
    {
        final byte[] bytes = new byte[length];
        record.getBytes(0, bytes);
        return bytes;
    }
}
