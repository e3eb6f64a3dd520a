package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;

/**
 * {@link ClusterNetpipeSystemTest}'s scenarios on an ST-TCP cluster: primary, backup and witness (af-packet, one namespace
 * each) on a bridge that floods every frame, so the backup taps the client's bytes off the LAN and gets only ordering
 * records from the primary. Serves netpipe (an NPtcp run through a kill).
 */
class ClusterStTcpNetpipeSystemTest extends ClusterNetpipeSystemTest
{
    @Override
    ClusterNamespaces.Mode mode()
    {
        return ClusterNamespaces.Mode.ST_TCP;
    }
}
