package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;

/**
 * {@link ClusterPartitionSystemTest} on an ST-TCP cluster (primary, backup, witness on a flooding bridge): the primary
 * cut off by nftables until the backup took over with the witness's vote, then healed; it rejoins as a backup by
 * itself, catches up from the new primary's log until in sync, and takes over again at the new primary's kill -9.
 */
class ClusterStTcpPartitionSystemTest extends ClusterPartitionSystemTest
{
    @Override
    ClusterNamespaces.Mode mode()
    {
        return ClusterNamespaces.Mode.ST_TCP;
    }
}
