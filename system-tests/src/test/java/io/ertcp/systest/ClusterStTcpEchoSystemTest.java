package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;

/**
 * {@link ClusterEchoSystemTest}'s scenarios on an ST-TCP cluster: primary, backup and witness (af-packet, one namespace
 * each) on a bridge that floods every frame, so the backup taps the client's bytes off the LAN and gets only ordering
 * records from the primary. Serves echo (socat 200 MiB through a kill -9 of the primary; the killed node rejoins, catches up and takes over at the next kill).
 */
class ClusterStTcpEchoSystemTest extends ClusterEchoSystemTest
{
    @Override
    ClusterNamespaces.Mode mode()
    {
        return ClusterNamespaces.Mode.ST_TCP;
    }
}
