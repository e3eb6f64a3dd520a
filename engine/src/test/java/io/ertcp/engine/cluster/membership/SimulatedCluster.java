package io.ertcp.engine.cluster.membership;

import io.ertcp.engine.cluster.config.Role;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.port.FrameOutput;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * N {@link Membership}s on a simulated LAN: time advances one millisecond a step, each live node does its work, and
 * each frame it commits is handed at once, in place, to every other live node whose link to it is not cut. Nothing
 * is random and nothing sleeps; delivery allocates nothing, so steady state can be measured.
 */
final class SimulatedCluster
{
    static final long MS = 1_000_000L;
    static final long GROUP_MAC = MacAddress.parse("01:00:5e:7f:00:01");
    static final long HEARTBEAT_NS = 10 * MS;
    static final long SUSPICION_NS = 50 * MS;
    static final long ELECTION_NS = 100 * MS;

    record Event(int node, String what, long a, long b)
    {
    }

    /** What a node reports in its heartbeats; tests set it. */
    static final class Status implements Membership.LocalStatus
    {
        long logPosition;
        long appliedPosition;
        int connectionCount;
        long timestampClockMs;

        public long logPosition()
        {
            return logPosition;
        }

        public long appliedPosition()
        {
            return appliedPosition;
        }

        public int connectionCount()
        {
            return connectionCount;
        }

        public long timestampClockMs()
        {
            return timestampClockMs;
        }
    }

    private final class Recorder implements Membership.Listener
    {
        private final int node;

        Recorder(final int node)
        {
            this.node = node;
        }

        public void onMemberSuspected(final int nodeId)
        {
            events.add(new Event(node, "suspected", nodeId, 0));
        }

        public void onMemberAlive(final int nodeId)
        {
            events.add(new Event(node, "alive", nodeId, 0));
        }

        public void onVoted(final int epoch, final int candidateId)
        {
            events.add(new Event(node, "voted", epoch, candidateId));
        }

        public void onElected(final int epoch, final long loggerLogPosition)
        {
            events.add(new Event(node, "elected", epoch, loggerLogPosition));
        }

        public void onElectionFailed(final int epoch)
        {
            events.add(new Event(node, "failed", epoch, 0));
        }

        public void onNewPrimary(final int nodeId, final int epoch)
        {
            events.add(new Event(node, "new-primary", nodeId, epoch));
        }

        public void onDeposed(final int newEpoch)
        {
            events.add(new Event(node, "deposed", newEpoch, 0));
        }

        public void onMemberLeft(final int nodeId)
        {
            events.add(new Event(node, "left", nodeId, 0));
        }

        public void onPromotingLogger(final int targetId)
        {
            events.add(new Event(node, "promoting", targetId, 0));
        }

        public void onLoggerPromoted(final MemberView logger)
        {
            events.add(new Event(node, "logger-promoted", logger.nodeId(), logger.logPosition()));
        }

        public boolean onPromotedToLogger(final int fromNodeId, final int epoch)
        {
            events.add(new Event(node, declinesPromotion[node] ? "declined" : "promoted", fromNodeId, epoch));
            return !declinesPromotion[node];
        }
    }

    /** A node's transmit side: one frame at a time, delivered at commit. */
    private final class Wire implements FrameOutput
    {
        private final int from;
        private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[2048]);
        private int claimed;

        Wire(final int from)
        {
            this.from = from;
        }

        public int claim(final int length)
        {
            if (full[from])
            {
                return -1;
            }
            claimed = length;
            return 0;
        }

        public MutableDirectBuffer buffer()
        {
            return buffer;
        }

        public void commit(final int offset)
        {
            if (capture)
            {
                final byte[] copy = new byte[claimed];
                buffer.getBytes(offset, copy);
                sent.add(copy);
            }
            if (EthernetFlyweight.readMac(buffer, offset) != GROUP_MAC)
            {
                throw new AssertionError("control frames go to the group MAC");
            }
            for (int to = 0; to < nodes.length; to++)
            {
                if (to != from && !down[to] && !cut[from][to])
                {
                    nodes[to].onFrame(buffer, offset, claimed, 0);
                }
            }
        }
    }

    final Counters counters = new Counters(4096);
    final Member[] members;
    final Membership[] nodes;
    final Status[] status;
    final boolean[] down;
    final boolean[] full;
    final boolean[][] cut;
    /** A node whose agent cannot take the logger's role now (it is not serving as a backup). */
    final boolean[] declinesPromotion;
    final List<Event> events = new ArrayList<>();
    final List<byte[]> sent = new ArrayList<>();
    private final Wire[] wires;
    boolean capture;
    long nowNs = 1_000 * MS;

    SimulatedCluster(final Member... members)
    {
        this(sameView(members));
    }

    /**
     * @param views each node's configuration of the cluster, the same members in the same order; node i is
     *              views[i][i].
     */
    SimulatedCluster(final Member[][] views)
    {
        this.members = views[0];
        final int n = members.length;
        nodes = new Membership[n];
        status = new Status[n];
        down = new boolean[n];
        full = new boolean[n];
        cut = new boolean[n][n];
        declinesPromotion = new boolean[n];
        wires = new Wire[n];
        for (int i = 0; i < n; i++)
        {
            status[i] = new Status();
            wires[i] = new Wire(i);
            nodes[i] = new Membership(views[i][i].nodeId(), views[i], GROUP_MAC, HEARTBEAT_NS, SUSPICION_NS, ELECTION_NS,
                status[i], new Recorder(i), counters);
        }
    }

    private static Member[][] sameView(final Member[] members)
    {
        final Member[][] views = new Member[members.length][];
        for (int i = 0; i < members.length; i++)
        {
            views[i] = members;
        }
        return views;
    }

    static Member member(final int nodeId, final int rank, final Role role)
    {
        return new Member(nodeId, rank, 0x0200_0000_0000L | nodeId, role);
    }

    void step()
    {
        nowNs += MS;
        for (int i = 0; i < nodes.length; i++)
        {
            if (!down[i])
            {
                nodes[i].doWork(nowNs, wires[i]);
            }
        }
    }

    /** Node {@code index} says LEAVE (naming {@code successorId}) and stops: what a node on its way out does. */
    void leave(final int index, final int successorId)
    {
        assert nodes[index].sendLeave(wires[index], successorId);
        down[index] = true;
    }

    void runFor(final long ns)
    {
        final long end = nowNs + ns;
        while (nowNs < end)
        {
            step();
        }
    }

    /**
     * @return the time taken, or -1 when the condition did not hold within maxNs.
     */
    long runUntil(final BooleanSupplier condition, final long maxNs)
    {
        final long start = nowNs;
        while (nowNs - start < maxNs)
        {
            step();
            if (condition.getAsBoolean())
            {
                return nowNs - start;
            }
        }
        return -1;
    }

    /** Cut (or heal) the link between two nodes, both ways. */
    void cut(final int a, final int b, final boolean isCut)
    {
        cut[a][b] = isCut;
        cut[b][a] = isCut;
    }

    /** Cut every link between the two sides. */
    void partition(final int[] sideA, final int[] sideB, final boolean isCut)
    {
        for (final int a : sideA)
        {
            for (final int b : sideB)
            {
                cut(a, b, isCut);
            }
        }
    }

    List<Event> events(final String what)
    {
        final List<Event> found = new ArrayList<>();
        for (final Event event : events)
        {
            if (event.what().equals(what))
            {
                found.add(event);
            }
        }
        return found;
    }

    List<Event> events(final int node, final String what)
    {
        final List<Event> found = new ArrayList<>();
        for (final Event event : events)
        {
            if (event.node() == node && event.what().equals(what))
            {
                found.add(event);
            }
        }
        return found;
    }
}
