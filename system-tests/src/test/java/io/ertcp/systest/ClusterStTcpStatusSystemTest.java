package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;

/**
 * {@link ClusterStatusSystemTest} on an ST-TCP cluster (primary, backup, witness on a bridge that floods): status
 * over the network from the client's namespace, metrics that parse and move, and an unhealthy status once the backup
 * is killed (the primary loses its backup in sync).
 */
class ClusterStTcpStatusSystemTest extends ClusterStatusSystemTest
{
    @Override
    ClusterNamespaces.Mode mode()
    {
        return ClusterNamespaces.Mode.ST_TCP;
    }
}
