package io.ertcp.log;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.checksum.Crc32c;

import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Checks that bytes are a well-formed replication record, and computes the record checksum. A record that arrives
 * from the replication channel or is read back from disk is validated before anyone wraps a flyweight over it, so
 * the flyweights never read past a record; a malformed one is refused with one sentence saying what is wrong.
 * <p>
 * The checksum is CRC32C (hardware-assisted on x86-64 and AArch64) of every byte after the checksum field. One
 * codec per thread: it keeps a reusable CRC state and copy buffer.
 */
public final class RecordCodec
{
    /**
     * The JDK's intrinsic CRC32C over an address ({@code CRC32C.updateDirectByteBuffer}, through Agrona's
     * {@link Crc32c}), or null when {@code java.util.zip} is not opened to it ({@code jvm.flags} opens it): then an
     * off-heap record is copied into an array first.
     */
    private static final Crc32c ADDRESS_CRC = addressCrc();

    private final CRC32C crc = new CRC32C();
    private byte[] scratch = new byte[2048];

    private static Crc32c addressCrc()
    {
        try
        {
            return Crc32c.INSTANCE;
        }
        catch (final Throwable notOpened)
        {
            return null;
        }
    }

    /**
     * @return true when off-heap records are checksummed in place, by address, without a copy.
     */
    public static boolean checksumsInPlace()
    {
        return null != ADDRESS_CRC;
    }

    /**
     * The CRC32C of a record's bytes after its checksum field.
     * <p>
     * A record off heap is checksummed in place by its address with the JDK's intrinsic (once per hop: issue 11
     * item 3); only when {@code java.util.zip} is not opened to Agrona is it copied into a reused array first.
     */
    public int checksum(final DirectBuffer buffer, final int offset, final int length)
    {
        final int from = offset + RecordHeaderFlyweight.LENGTH_OFFSET;
        final int count = length - RecordHeaderFlyweight.LENGTH_OFFSET;
        final byte[] array = buffer.byteArray();
        if (null == array && null != ADDRESS_CRC)
        {
            buffer.boundsCheck(from, count);
            return ADDRESS_CRC.compute(buffer.addressOffset(), from, count);
        }
        crc.reset();
        if (null != array)
        {
            crc.update(array, buffer.wrapAdjustment() + from, count);
        }
        else
        {
            if (scratch.length < count)
            {
                scratch = new byte[Math.max(count, scratch.length * 2)];
            }
            buffer.getBytes(from, scratch, 0, count);
            crc.update(scratch, 0, count);
        }

        return (int)crc.getValue();
    }

    /**
     * Write the checksum of a complete record into its header.
     */
    public void stampChecksum(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        buffer.putInt(
            offset + RecordHeaderFlyweight.CHECKSUM_OFFSET, checksum(buffer, offset, length), ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Check a record's structure: the header fits, its length matches, the type and version are known and the body
     * has the length its type requires.
     *
     * @return null when the record is well formed, otherwise one sentence saying what is wrong.
     */
    public String validate(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < RecordHeaderFlyweight.HEADER_LENGTH)
        {
            return "A record of " + length + " bytes is shorter than the " + RecordHeaderFlyweight.HEADER_LENGTH +
                "-byte record header.";
        }

        final int declaredLength = buffer.getInt(offset + RecordHeaderFlyweight.LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
        if (declaredLength != length)
        {
            return "The record header declares " + declaredLength + " bytes but the record has " + length + " bytes.";
        }

        final int type = buffer.getShort(offset + RecordHeaderFlyweight.TYPE_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (!RecordType.isKnown(type))
        {
            return "Record type " + type + " is not a known record type (" + RecordType.MIN_TYPE + ".." +
                RecordType.MAX_TYPE + ").";
        }

        final int version =
            buffer.getShort(offset + RecordHeaderFlyweight.VERSION_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (version != RecordHeaderFlyweight.CURRENT_VERSION)
        {
            return "Record version " + version + " is not supported (this build reads version " +
                RecordHeaderFlyweight.CURRENT_VERSION + ").";
        }

        final int fixedLength = RecordType.fixedLength(type);
        if (RecordType.DATA == type)
        {
            if (length < fixedLength)
            {
                return "A DATA record of " + length + " bytes is shorter than its " + fixedLength + "-byte fixed part.";
            }

            final int dataLength = buffer.getInt(offset + DataFlyweight.DATA_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
            if (dataLength != length - fixedLength)
            {
                return "The DATA record declares " + dataLength + " data bytes but carries " + (length - fixedLength) +
                    ".";
            }
        }
        else if (length != fixedLength)
        {
            return "A " + RecordType.name(type) + " record must be " + fixedLength + " bytes, not " + length + ".";
        }

        return null;
    }

    /**
     * Check a record as stored in the log: its structure, and that its checksum matches its bytes.
     *
     * @return null when the record is intact, otherwise one sentence saying what is wrong.
     */
    public String validateStored(final DirectBuffer buffer, final int offset, final int length)
    {
        final String structure = validate(buffer, offset, length);
        if (null != structure)
        {
            return structure;
        }

        final int stored = buffer.getInt(offset + RecordHeaderFlyweight.CHECKSUM_OFFSET, ByteOrder.LITTLE_ENDIAN);
        final int computed = checksum(buffer, offset, length);
        if (stored != computed)
        {
            return "The record's CRC32C is 0x" + Integer.toHexString(computed) + " but its header says 0x" +
                Integer.toHexString(stored) + ": it is torn or corrupt.";
        }

        return null;
    }

    /**
     * The structure checks of {@link #isIntact} without the checksum: for a record already verified once on this
     * hop (a logger's feed re-reading its own log, issue 11 item 3).
     */
    public boolean isWellFormed(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < RecordHeaderFlyweight.HEADER_LENGTH ||
            buffer.getInt(offset + RecordHeaderFlyweight.LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN) != length)
        {
            return false;
        }
        final int type = buffer.getShort(offset + RecordHeaderFlyweight.TYPE_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int fixedLength = RecordType.fixedLength(type);
        return fixedLength >= 0 && (RecordType.DATA == type ? length >= fixedLength : length == fixedLength);
    }

    /**
     * Allocation-free form of {@link #validateStored} for the read path: true when the record is intact.
     */
    public boolean isIntact(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < RecordHeaderFlyweight.HEADER_LENGTH ||
            buffer.getInt(offset + RecordHeaderFlyweight.LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN) != length)
        {
            return false;
        }

        final int type = buffer.getShort(offset + RecordHeaderFlyweight.TYPE_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int fixedLength = RecordType.fixedLength(type);
        if (fixedLength < 0 || (RecordType.DATA == type ? length < fixedLength : length != fixedLength))
        {
            return false;
        }

        return buffer.getInt(offset + RecordHeaderFlyweight.CHECKSUM_OFFSET, ByteOrder.LITTLE_ENDIAN) ==
            checksum(buffer, offset, length);
    }
}
