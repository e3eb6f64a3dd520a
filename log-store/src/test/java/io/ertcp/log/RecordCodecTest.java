package io.ertcp.log;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordCodecTest
{
    private static final int OFFSET = 7;
    private static final int EPOCH = 3;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);
    private final RecordCodec codec = new RecordCodec();

    private void assertWellFormed(final int type, final int length)
    {
        assertNull(codec.validate(buffer, OFFSET, length));
        final RecordHeaderFlyweight header = new RecordHeaderFlyweight().wrap(buffer, OFFSET);
        assertEquals(type, header.type());
        assertEquals(length, header.length());
        assertEquals(EPOCH, header.epoch());
        assertEquals(RecordHeaderFlyweight.CURRENT_VERSION, header.version());
        header.position(42);
        codec.stampChecksum(buffer, OFFSET, length);
        assertNull(codec.validateStored(buffer, OFFSET, length));
        assertTrue(codec.isIntact(buffer, OFFSET, length));
        assertEquals(42, header.position());
    }

    @Test
    void anOffHeapRecordIsChecksummedInPlaceAsTheJdksCrc32cWould()
    {
        assertTrue(RecordCodec.checksumsInPlace(), "jvm.flags opens java.util.zip, so off-heap records are not copied");
        final RecordCodec codec = new RecordCodec();
        final java.util.Random random = new java.util.Random(7);
        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(20_000));
        final UnsafeBuffer heap = new UnsafeBuffer(new byte[20_000]);
        final byte[] bytes = new byte[20_000];
        for (int i = 0; i < 2_000; i++)
        {
            random.nextBytes(bytes);
            direct.putBytes(0, bytes);
            heap.putBytes(0, bytes);
            final int offset = random.nextInt(64);
            final int length = RecordHeaderFlyweight.HEADER_LENGTH + random.nextInt(16_000);
            final java.util.zip.CRC32C jdk = new java.util.zip.CRC32C();
            jdk.update(bytes, offset + RecordHeaderFlyweight.LENGTH_OFFSET, length - RecordHeaderFlyweight.LENGTH_OFFSET);
            assertEquals((int)jdk.getValue(), codec.checksum(direct, offset, length), "off heap, length " + length);
            assertEquals((int)jdk.getValue(), codec.checksum(heap, offset, length), "on heap, length " + length);
        }
    }

    @Nested
    class RoundTrip
    {
        @Test
        void open()
        {
            new OpenFlyweight().wrap(buffer, OFFSET)
                .write(EPOCH, 11L, 0x0A000001, 80, 0x0A000002, 54321, 0xFFFF0001, 0x80000000)
                .options(1460, 7, 9, true, false)
                .timestamps(0xDEADBEEF, 123456);
            assertWellFormed(RecordType.OPEN, OpenFlyweight.LENGTH);
            final OpenFlyweight open = new OpenFlyweight().wrap(buffer, OFFSET);
            assertEquals(11L, open.connectionId());
            assertEquals(0x0A000001, open.localIp());
            assertEquals(80, open.localPort());
            assertEquals(0x0A000002, open.remoteIp());
            assertEquals(54321, open.remotePort());
            assertEquals(0xFFFF0001, open.localIsn());
            assertEquals(0x80000000, open.remoteIsn());
            assertEquals(1460, open.sendMss());
            assertEquals(7, open.sendWindowScale());
            assertEquals(9, open.receiveWindowScale());
            assertTrue(open.timestampsEnabled());
            assertFalse(open.sackEnabled());
            assertEquals(0xDEADBEEF, open.tsRecent());
            assertEquals(123456, open.tsValSent());
        }

        @Test
        void data()
        {
            final byte[] bytes = "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            new DataFlyweight().wrap(buffer, OFFSET).write(EPOCH, 12L, 5_000_000_000L, new UnsafeBuffer(bytes), 0, bytes.length);
            assertWellFormed(RecordType.DATA, DataFlyweight.HEADER_LENGTH + bytes.length);
            final DataFlyweight data = new DataFlyweight().wrap(buffer, OFFSET);
            assertEquals(12L, data.connectionId());
            assertEquals(5_000_000_000L, data.streamOffset());
            assertEquals(bytes.length, data.dataLength());
            final byte[] copy = new byte[bytes.length];
            buffer.getBytes(data.dataOffset(), copy);
            assertEquals(new String(bytes, StandardCharsets.US_ASCII), new String(copy, StandardCharsets.US_ASCII));
        }

        @Test
        void dataRefStandsForItsDataRecordAndRebuildsItBitForBit()
        {
            final byte[] bytes = "hello, tapped world".getBytes(StandardCharsets.US_ASCII);
            new DataFlyweight().wrap(buffer, OFFSET).write(EPOCH, 12L, 77L, new UnsafeBuffer(bytes), 0, bytes.length);
            final int dataLength = DataFlyweight.HEADER_LENGTH + bytes.length;
            new RecordHeaderFlyweight().wrap(buffer, OFFSET).position(9);
            codec.stampChecksum(buffer, OFFSET, dataLength);

            final UnsafeBuffer ref = new UnsafeBuffer(new byte[256]);
            assertEquals(DataRefFlyweight.LENGTH, DataRefFlyweight.elide(buffer, OFFSET, ref, 3, codec));
            assertNull(codec.validateStored(ref, 3, DataRefFlyweight.LENGTH));
            final DataRefFlyweight dataRef = new DataRefFlyweight().wrap(ref, 3);
            assertEquals(RecordType.DATA_REF, dataRef.type());
            assertEquals(9, dataRef.position());
            assertEquals(EPOCH, dataRef.epoch());
            assertEquals(12L, dataRef.connectionId());
            assertEquals(77L, dataRef.streamOffset());
            assertEquals(bytes.length, dataRef.dataLength());

            final UnsafeBuffer rebuilt = new UnsafeBuffer(new byte[256]);
            rebuilt.putBytes(5 + DataFlyweight.DATA_OFFSET, bytes);
            assertEquals(dataLength, dataRef.restore(rebuilt, 5, codec));
            for (int i = 0; i < dataLength; i++)
            {
                assertEquals(buffer.getByte(OFFSET + i), rebuilt.getByte(5 + i), "byte " + i);
            }

            rebuilt.putByte(5 + DataFlyweight.DATA_OFFSET + 4, (byte)'X');
            assertEquals(-1, dataRef.restore(rebuilt, 5, codec), "other bytes than the primary's are caught");
        }

        @Test
        void emptyData()
        {
            new DataFlyweight().wrap(buffer, OFFSET).write(EPOCH, 1L, 0L, buffer, 0, 0);
            assertWellFormed(RecordType.DATA, DataFlyweight.HEADER_LENGTH);
        }

        @Test
        void clientAck()
        {
            new ClientAckFlyweight().wrap(buffer, OFFSET).write(EPOCH, 13L, 1L << 33);
            assertWellFormed(RecordType.CLIENT_ACK, ClientAckFlyweight.LENGTH);
            final ClientAckFlyweight ack = new ClientAckFlyweight().wrap(buffer, OFFSET);
            assertEquals(13L, ack.connectionId());
            assertEquals(1L << 33, ack.acknowledgedBytes());
        }

        @Test
        void fin()
        {
            new FinFlyweight().wrap(buffer, OFFSET).write(EPOCH, 14L, 999L);
            assertWellFormed(RecordType.FIN, FinFlyweight.LENGTH);
            final FinFlyweight fin = new FinFlyweight().wrap(buffer, OFFSET);
            assertEquals(14L, fin.connectionId());
            assertEquals(999L, fin.streamOffset());
        }

        @Test
        void rst()
        {
            new RstFlyweight().wrap(buffer, OFFSET).write(EPOCH, 15L);
            assertWellFormed(RecordType.RST, RstFlyweight.LENGTH);
            assertEquals(15L, new RstFlyweight().wrap(buffer, OFFSET).connectionId());
        }

        @Test
        void closed()
        {
            new ClosedFlyweight().wrap(buffer, OFFSET).write(EPOCH, 16L, ClosedFlyweight.REASON_TIMEOUT);
            assertWellFormed(RecordType.CLOSED, ClosedFlyweight.LENGTH);
            final ClosedFlyweight closed = new ClosedFlyweight().wrap(buffer, OFFSET);
            assertEquals(16L, closed.connectionId());
            assertEquals(ClosedFlyweight.REASON_TIMEOUT, closed.reason());
        }

        @Test
        void heartbeat()
        {
            new HeartbeatFlyweight().wrap(buffer, OFFSET).write(EPOCH, 2, 4, 77L, 123_456_789_000L);
            assertWellFormed(RecordType.HEARTBEAT, HeartbeatFlyweight.LENGTH);
            final HeartbeatFlyweight heartbeat = new HeartbeatFlyweight().wrap(buffer, OFFSET);
            assertEquals(2, heartbeat.nodeId());
            assertEquals(4, heartbeat.nodeEpoch());
            assertEquals(77L, heartbeat.logPosition());
            assertEquals(123_456_789_000L, heartbeat.timeNs());
        }

        @Test
        void epochChange()
        {
            new EpochChangeFlyweight().wrap(buffer, OFFSET).write(EPOCH, 4, 3, 1000L);
            assertWellFormed(RecordType.EPOCH_CHANGE, EpochChangeFlyweight.LENGTH);
            final EpochChangeFlyweight change = new EpochChangeFlyweight().wrap(buffer, OFFSET);
            assertEquals(4, change.newEpoch());
            assertEquals(3, change.newPrimaryNodeId());
            assertEquals(1000L, change.previousLastPosition());
        }

        @Test
        void timeout()
        {
            new TimeoutFlyweight().wrap(buffer, OFFSET).write(EPOCH, 17L, 5L, 9_000_000L);
            assertWellFormed(RecordType.TIMEOUT, TimeoutFlyweight.LENGTH);
            final TimeoutFlyweight timeout = new TimeoutFlyweight().wrap(buffer, OFFSET);
            assertEquals(17L, timeout.connectionId());
            assertEquals(5L, timeout.timerId());
            assertEquals(9_000_000L, timeout.timeNs());
        }

        @Test
        void time()
        {
            new TimeFlyweight().wrap(buffer, OFFSET).write(EPOCH, 1_796_000_000_123_456_789L);
            assertWellFormed(RecordType.TIME, TimeFlyweight.LENGTH);
            assertEquals("TIME", RecordType.name(RecordType.TIME));
            assertEquals(1_796_000_000_123_456_789L, new TimeFlyweight().wrap(buffer, OFFSET).timeNs());
        }

        @Test
        void snapshot()
        {
            new SnapshotFlyweight().wrap(buffer, OFFSET).write(EPOCH, 7_000_000L);
            assertWellFormed(RecordType.SNAPSHOT, SnapshotFlyweight.LENGTH);
            assertEquals(7_000_000L, new SnapshotFlyweight().wrap(buffer, OFFSET).timeNs());
            assertEquals("SNAPSHOT", RecordType.name(RecordType.SNAPSHOT));
        }

        @Test
        void littleEndianOnTheWire()
        {
            new RstFlyweight().wrap(buffer, OFFSET).write(EPOCH, 0x0102030405060708L);
            assertEquals(0x08, buffer.getByte(OFFSET + RstFlyweight.CONNECTION_ID_OFFSET));
            assertEquals(RecordType.RST, buffer.getByte(OFFSET + RecordHeaderFlyweight.TYPE_OFFSET));
        }

        @Test
        void checksumTheSameOverHeapAndDirectMemory()
        {
            new FinFlyweight().wrap(buffer, OFFSET).write(EPOCH, 14L, 999L);
            final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
            direct.putBytes(0, buffer, OFFSET, FinFlyweight.LENGTH);
            assertEquals(codec.checksum(buffer, OFFSET, FinFlyweight.LENGTH), codec.checksum(direct, 0, FinFlyweight.LENGTH));
        }
    }

    @Nested
    class Malformed
    {
        @Test
        void shorterThanHeader()
        {
            assertEquals("A record of 10 bytes is shorter than the 24-byte record header.", codec.validate(buffer, 0, 10));
        }

        @Test
        void declaredLengthDisagrees()
        {
            new RstFlyweight().wrap(buffer, 0).write(EPOCH, 1L);
            assertEquals(
                "The record header declares 32 bytes but the record has 40 bytes.", codec.validate(buffer, 0, 40));
        }

        @Test
        void unknownType()
        {
            new RstFlyweight().wrap(buffer, 0).write(EPOCH, 1L);
            buffer.putShort(RecordHeaderFlyweight.TYPE_OFFSET, (short)77, ByteOrder.LITTLE_ENDIAN);
            assertEquals("Record type 77 is not a known record type (1..12).", codec.validate(buffer, 0, RstFlyweight.LENGTH));
        }

        @Test
        void unknownVersion()
        {
            new RstFlyweight().wrap(buffer, 0).write(EPOCH, 1L);
            buffer.putShort(RecordHeaderFlyweight.VERSION_OFFSET, (short)2, ByteOrder.LITTLE_ENDIAN);
            assertEquals(
                "Record version 2 is not supported (this build reads version 1).",
                codec.validate(buffer, 0, RstFlyweight.LENGTH));
        }

        @Test
        void fixedBodyOfWrongLength()
        {
            new RstFlyweight().wrap(buffer, 0).write(EPOCH, 1L);
            buffer.putInt(RecordHeaderFlyweight.LENGTH_OFFSET, 36, ByteOrder.LITTLE_ENDIAN);
            assertEquals("A RST record must be 32 bytes, not 36.", codec.validate(buffer, 0, 36));
        }

        @Test
        void dataLengthDisagrees()
        {
            new DataFlyweight().wrap(buffer, 0).write(EPOCH, 1L, 0L, buffer, 1000, 100);
            buffer.putInt(DataFlyweight.DATA_LENGTH_OFFSET, 101, ByteOrder.LITTLE_ENDIAN);
            assertEquals(
                "The DATA record declares 101 data bytes but carries 100.",
                codec.validate(buffer, 0, DataFlyweight.HEADER_LENGTH + 100));
        }

        @Test
        void dataShorterThanFixedPart()
        {
            new DataFlyweight().wrap(buffer, 0).write(EPOCH, 1L, 0L, buffer, 1000, 0);
            buffer.putInt(RecordHeaderFlyweight.LENGTH_OFFSET, 30, ByteOrder.LITTLE_ENDIAN);
            assertEquals(
                "A DATA record of 30 bytes is shorter than its 44-byte fixed part.", codec.validate(buffer, 0, 30));
        }

        @Test
        void corruptBytesFailTheChecksum()
        {
            new ClientAckFlyweight().wrap(buffer, 0).write(EPOCH, 1L, 100L);
            codec.stampChecksum(buffer, 0, ClientAckFlyweight.LENGTH);
            buffer.putByte(ClientAckFlyweight.ACKNOWLEDGED_BYTES_OFFSET, (byte)101);
            final String problem = codec.validateStored(buffer, 0, ClientAckFlyweight.LENGTH);
            assertTrue(problem.startsWith("The record's CRC32C is 0x"), problem);
            assertTrue(problem.endsWith("it is torn or corrupt."), problem);
            assertFalse(codec.isIntact(buffer, 0, ClientAckFlyweight.LENGTH));
        }
    }
}
