package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.ClusterMode;
import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How many input bytes the primary puts in one DATA record ({@link ClusterNode#maxDataPerRecord(ClusterMode, int)}).
 * ER-TCP fills whole replication frames, since the record's bytes cross the channel. ST-TCP keeps to 8 KiB at any
 * replication MTU: its records cross the channel as 48-byte DATA_REFs, and the backup rebuilds one from its tap only
 * when the tap holds all of its bytes, so a frame-filling record of about 11 client segments was fetched whole for any
 * one segment the tap missed (ClusterStTcpTest with seed 1601617184949 fetched as many records as it tapped).
 */
class DataRecordSizeTest
{
    @Test
    void erTcpRecordsFillWholeFrames()
    {
        assertEquals(15_664, ClusterNode.maxDataPerRecord(ClusterMode.ER_TCP, 1500));
        assertEquals(8_884, ClusterNode.maxDataPerRecord(ClusterMode.ER_TCP, 9000));
        for (int mtu = ReplicationFrameFlyweight.MIN_MTU; mtu <= ReplicationFrameFlyweight.MAX_MTU; mtu++)
        {
            assertEquals(ClusterNode.maxDataPerRecord(mtu), ClusterNode.maxDataPerRecord(ClusterMode.ER_TCP, mtu),
                "mtu " + mtu);
        }
    }

    @Test
    void stTcpRecordsHoldAtMost8KiBAtEveryMtu()
    {
        assertEquals(ClusterNode.MAX_DATA_PER_RECORD, ClusterNode.maxDataPerRecord(ClusterMode.ST_TCP, 1500));
        assertEquals(ClusterNode.MAX_DATA_PER_RECORD, ClusterNode.maxDataPerRecord(ClusterMode.ST_TCP, 9000));
        for (int mtu = ReplicationFrameFlyweight.MIN_MTU; mtu <= ReplicationFrameFlyweight.MAX_MTU; mtu++)
        {
            final int size = ClusterNode.maxDataPerRecord(ClusterMode.ST_TCP, mtu);
            assertTrue(size > 0 && size <= 8192, "mtu " + mtu + ": " + size);
        }
    }
}
