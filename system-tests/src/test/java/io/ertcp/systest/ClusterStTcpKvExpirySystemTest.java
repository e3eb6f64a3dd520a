package io.ertcp.systest;

import io.ertcp.test.ClusterNamespaces;

/**
 * {@link ClusterKvExpirySystemTest}'s scenario on an ST-TCP cluster (primary, backup tapping the client off a
 * flooding bridge, witness): the TIME records reach the backup as ordinary records beside the DATA_REF ordering
 * records, so TTL and the deadline from TIME plus PTTL agree across a kill -9 of the primary.
 */
class ClusterStTcpKvExpirySystemTest extends ClusterKvExpirySystemTest
{
    @Override
    ClusterNamespaces.Mode mode()
    {
        return ClusterNamespaces.Mode.ST_TCP;
    }
}
