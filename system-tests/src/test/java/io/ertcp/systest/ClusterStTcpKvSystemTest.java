package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;

/**
 * {@link ClusterKvSystemTest}'s scenarios on an ST-TCP cluster: primary, backup and witness (af-packet, one namespace
 * each) on a bridge that floods every frame, so the backup taps the client's bytes off the LAN and gets only ordering
 * records from the primary. Serves kv (redis-benchmark through a kill; every increment kept).
 */
class ClusterStTcpKvSystemTest extends ClusterKvSystemTest
{
    @Override
    ClusterNamespaces.Mode mode()
    {
        return ClusterNamespaces.Mode.ST_TCP;
    }
}
