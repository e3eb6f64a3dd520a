package io.ertcp.engine.cluster.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether every other member runs this node's cluster file, from the config digests their heartbeats carry
 * ({@link ConfigDigest}). Says so once when a member is first heard with another digest (or changes to another), and
 * once when it agrees again, so a member on a stale copy is named without a line per heartbeat.
 * <p>
 * Called on the membership's receive path: nothing is allocated unless a member's digest changed.
 */
public final class ConfigAgreement
{
    /** No digest heard from the member yet. */
    private static final int UNHEARD = 0;
    private static final int AGREES = 1;
    private static final int DIFFERS = 2;

    private final ClusterConfig config;
    private final long ownDigest;
    private final long[] heardDigest;
    private final int[] state;

    /**
     * @param config this node's cluster file.
     */
    public ConfigAgreement(final ClusterConfig config)
    {
        this.config = config;
        this.ownDigest = config.digest();
        this.heardDigest = new long[config.nodes().size() + 1];
        this.state = new int[config.nodes().size() + 1];
    }

    public long ownDigest()
    {
        return ownDigest;
    }

    /**
     * A member's heartbeat carried {@code digest}.
     *
     * @param nodeId the member's id, its place in the file from 1.
     * @return a sentence when the member newly differs or agrees again, else null.
     */
    public String onHeard(final int nodeId, final long digest)
    {
        if (nodeId < 1 || nodeId >= state.length)
        {
            return null;
        }
        final int now = digest == ownDigest ? AGREES : DIFFERS;
        final int before = state[nodeId];
        final long beforeDigest = heardDigest[nodeId];
        state[nodeId] = now;
        heardDigest[nodeId] = digest;
        if (now == DIFFERS && (before != DIFFERS || beforeDigest != digest))
        {
            return "node '" + config.nodes().get(nodeId - 1).name() + "' runs a different cluster file (digest " +
                ConfigDigest.format(digest) + ", this node's is " + ConfigDigest.format(ownDigest) + "): give every " +
                "node the same file and restart the one that differs.";
        }
        if (now == AGREES && before == DIFFERS)
        {
            return "node '" + config.nodes().get(nodeId - 1).name() + "' runs this node's cluster file again.";
        }
        return null;
    }

    /** @return the names of the members last heard with another digest, in file order. */
    public List<String> differing()
    {
        final List<String> names = new ArrayList<>();
        for (int nodeId = 1; nodeId < state.length; nodeId++)
        {
            if (state[nodeId] == DIFFERS)
            {
                names.add(config.nodes().get(nodeId - 1).name());
            }
        }
        return names;
    }
}
