package io.ertcp.engine.replication.channel;

/**
 * How a {@link RecordReceiver} (a logger's or a backup's end of the channel) is sized and paced, named and checked
 * once, instead of positional numbers in every constructor.
 *
 * @param slots             how many records may wait out of order, rounded up to a power of two.
 * @param maxRecordLength   the longest record a slot holds.
 * @param nakIntervalNs     the least time between two rounds of NAKs.
 * @param confirmIntervalNs the time between two CONFIRMs.
 * @param mtu               the largest channel frame after the Ethernet header (the cluster's {@code replication-mtu}).
 */
public record ReceiverSettings(int slots, int maxRecordLength, long nakIntervalNs, long confirmIntervalNs, int mtu)
{
    /** What a cluster node uses: 256 slots of 16 KiB records, a NAK round and a CONFIRM at most every millisecond. */
    public static final ReceiverSettings DEFAULT =
        new ReceiverSettings(256, 16 * 1024, 1_000_000L, 1_000_000L, ReplicationFrameFlyweight.MTU);

    public ReceiverSettings
    {
        ReplicationFrameFlyweight.maxPayloadLength(mtu);
        if (slots < 1 || maxRecordLength < 1 || nakIntervalNs < 0 || confirmIntervalNs < 0)
        {
            throw new IllegalArgumentException("Every receiver setting must be positive: " + slots + " slots, " +
                maxRecordLength + " bytes a record, NAK interval " + nakIntervalNs + " ns, CONFIRM interval " +
                confirmIntervalNs + " ns.");
        }
    }

    /** @return these settings with {@code newSlots} slots. */
    public ReceiverSettings withSlots(final int newSlots)
    {
        return new ReceiverSettings(newSlots, maxRecordLength, nakIntervalNs, confirmIntervalNs, mtu);
    }

    /** @return these settings with records of up to {@code newMaxRecordLength} bytes. */
    public ReceiverSettings withMaxRecordLength(final int newMaxRecordLength)
    {
        return new ReceiverSettings(slots, newMaxRecordLength, nakIntervalNs, confirmIntervalNs, mtu);
    }

    /** @return these settings with NAK rounds at least {@code newNakIntervalNs} apart. */
    public ReceiverSettings withNakIntervalNs(final long newNakIntervalNs)
    {
        return new ReceiverSettings(slots, maxRecordLength, newNakIntervalNs, confirmIntervalNs, mtu);
    }

    /** @return these settings with CONFIRMs {@code newConfirmIntervalNs} apart. */
    public ReceiverSettings withConfirmIntervalNs(final long newConfirmIntervalNs)
    {
        return new ReceiverSettings(slots, maxRecordLength, nakIntervalNs, newConfirmIntervalNs, mtu);
    }

    /** @return these settings with frames of up to {@code newMtu} bytes. */
    public ReceiverSettings withMtu(final int newMtu)
    {
        return new ReceiverSettings(slots, maxRecordLength, nakIntervalNs, confirmIntervalNs, newMtu);
    }
}
