package io.ertcp.engine.replication.logger;

import io.ertcp.log.ClosedFlyweight;
import io.ertcp.log.OpenFlyweight;
import io.ertcp.log.RecordHeaderFlyweight;
import io.ertcp.log.RecordType;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;

import java.nio.ByteOrder;

/**
 * The connections open in a log, as its records say (an OPEN opens one, its CLOSED ends it), with the position of
 * each OPEN: retention must keep the log from the oldest one, or a backup could not rebuild that connection. The
 * logger keeps this since it applies no record; replicas know it from their {@code ReplicatedService}.
 * <p>
 * One thread. Allocation-free once the map has grown to the peak number of connections.
 */
public final class OpenConnections
{
    private static final long NONE = -1;
    private final Long2LongHashMap openPositions = new Long2LongHashMap(NONE);
    private long lastTimePosition = -1;
    private final OpenFlyweight open = new OpenFlyweight();
    private final ClosedFlyweight closed = new ClosedFlyweight();

    /**
     * Follow one record of the log, in order.
     */
    public void onRecord(final DirectBuffer buffer, final int offset, final long position)
    {
        final int type = buffer.getShort(offset + RecordHeaderFlyweight.TYPE_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (RecordType.TIME == type)
        {
            lastTimePosition = position;
        }
        else if (RecordType.OPEN == type)
        {
            // The TIME the primary logs before every OPEN gives the connection's first events their time: keep it too.
            openPositions.put(open.wrap(buffer, offset).connectionId(),
                lastTimePosition == position - 1 ? lastTimePosition : position);
        }
        else if (RecordType.CLOSED == type)
        {
            openPositions.remove(closed.wrap(buffer, offset).connectionId());
        }
    }

    /**
     * @return the position of the oldest open connection's OPEN, or {@code Long.MAX_VALUE} when none is open.
     */
    public long oldestOpenPosition()
    {
        long oldest = Long.MAX_VALUE;
        final Long2LongHashMap.ValueIterator values = openPositions.values().iterator();
        while (values.hasNext())
        {
            oldest = Math.min(oldest, values.nextValue());
        }
        return oldest;
    }

    public int size()
    {
        return openPositions.size();
    }
}
