package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;

/**
 * {@link ClusterHttpSystemTest}'s scenarios on an ST-TCP cluster: primary, backup and witness (af-packet, one namespace
 * each) on a bridge that floods every frame, so the backup taps the client's bytes off the LAN and gets only ordering
 * records from the primary. Serves http (curl 64 MiB through a kill; as many concurrent wrk connections through a failover).
 */
class ClusterStTcpHttpSystemTest extends ClusterHttpSystemTest
{
    @Override
    ClusterNamespaces.Mode mode()
    {
        return ClusterNamespaces.Mode.ST_TCP;
    }
}
