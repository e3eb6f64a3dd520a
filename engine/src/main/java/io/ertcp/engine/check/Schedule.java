package io.ertcp.engine.check;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The events of one run of a check, in the order a node's log would give them to the service: connections opening,
 * the clients' bytes arriving in pieces, the clients acknowledging output, closing or resetting, and the clock moving
 * between events (the cluster time the service's {@code ClusterClock} shows, from a seeded start). Made from a seed; {@link #recut} and {@link #interleave} derive the variations a check compares.
 *
 * @param events    in order.
 * @param clients   each connection's whole client stream, by connection.
 * @param sendRoom  each connection's send buffer, in bytes, by connection: how much unacknowledged output it holds.
 * @param startMs   the cluster time before the first event, ms since the Unix epoch: drawn from the seed, so both
 *                  runs of a comparison see the same times and different rounds other ones.
 */
record Schedule(List<Event> events, byte[][] clients, int[] sendRoom, long startMs)
{
    /** 2026-12-01T00:00:00Z: rounds start within a year after it. */
    static final long EPOCH_MS = 1_796_083_200_000L;

    /** What happens to a connection. */
    enum Kind
    {
        /** The handshake completed: {@code onOpen}. */
        OPEN,
        /** Client bytes {@code [from, to)} of its stream arrived. */
        DATA,
        /** The client acknowledged {@code fraction} of the output it had not yet acknowledged. */
        ACK,
        /** The client's FIN arrived. */
        PEER_CLOSE,
        /** The client's RST arrived. */
        RESET
    }

    /**
     * @param kind       what happens.
     * @param connection to which connection, from 0.
     * @param from       DATA: the first byte of the client's stream that arrives.
     * @param to         DATA: one past the last.
     * @param fraction   ACK: the share of the unacknowledged output acknowledged, in (0, 1].
     * @param advanceMs  how far the clock moves before the event.
     * @param origin     the event's number in the schedule it was derived from (its own number if not derived): what
     *                   a report names.
     */
    record Event(Kind kind, int connection, int from, int to, double fraction, long advanceMs, int origin)
    {
        Event withOrigin(final int origin)
        {
            return new Event(kind, connection, from, to, fraction, advanceMs, origin);
        }

        Event withAdvance(final long advanceMs)
        {
            return new Event(kind, connection, from, to, fraction, advanceMs, origin);
        }

        String describe(final byte[][] clients)
        {
            return switch (kind)
            {
                case OPEN -> "connection " + connection + " opened";
                case DATA -> (to - from) + " bytes arrived on connection " + connection + " (its bytes " + from + ".." +
                    (to - 1) + ": " + Trace.quote(clients[connection], from, Math.min(to, from + 40)) +
                    (to - from > 40 ? "..." : "") + ")";
                case ACK -> "the client of connection " + connection + " acknowledged output";
                case PEER_CLOSE -> "the client of connection " + connection + " closed its side (FIN)";
                case RESET -> "the client of connection " + connection + " reset it (RST)";
            };
        }
    }

    /**
     * A schedule of {@code connections} clients of {@code workload}: opens staggered, each stream cut into pieces of
     * 1 byte to 3 KiB, acknowledgements in between (whole or, with {@code backpressure}, partial), most connections
     * ending with a FIN, some with a RST and some left open, the clock moving 0 to 20 ms between events and now and
     * then by seconds.
     */
    static Schedule generate(final long seed, final int connections, final Workload workload, final boolean backpressure)
    {
        final Random random = new Random(seed);
        final byte[][] clients = new byte[connections][];
        final int[] sendRoom = new int[connections];
        final List<ArrayDeque<Event>> perConnection = new ArrayList<>();
        for (int c = 0; c < connections; c++)
        {
            clients[c] = workload.client(c, new Random(seed * 31 + c));
            sendRoom[c] = backpressure ? 1 + random.nextInt(4096) : 256 * 1024;
            final ArrayDeque<Event> events = new ArrayDeque<>();
            events.add(event(Kind.OPEN, c, 0, 0, 1, random));
            int at = 0;
            while (at < clients[c].length)
            {
                final int piece = random.nextInt(4) == 0 ? 1 + random.nextInt(3072) : 1 + random.nextInt(200);
                final int to = Math.min(clients[c].length, at + piece);
                events.add(event(Kind.DATA, c, at, to, 1, random));
                at = to;
                if (random.nextInt(3) == 0)
                {
                    events.add(event(Kind.ACK, c, 0, 0, backpressure ? 0.1 + 0.9 * random.nextDouble() : 1, random));
                }
            }
            final int end = random.nextInt(10);
            if (end < 7)
            {
                events.add(event(Kind.PEER_CLOSE, c, 0, 0, 1, random));
                events.add(event(Kind.ACK, c, 0, 0, 1, random));
            }
            else if (end < 9)
            {
                events.add(event(Kind.ACK, c, 0, 0, 1, random));
                events.add(event(Kind.RESET, c, 0, 0, 1, random));
            }
            perConnection.add(events);
        }
        final long startMs = EPOCH_MS + Math.floorMod(random.nextLong(), 365L * 86_400_000L);
        return new Schedule(merge(perConnection, random), clients, sendRoom, startMs);
    }

    private static Event event(final Kind kind, final int c, final int from, final int to, final double fraction,
        final Random random)
    {
        final long advance = random.nextInt(50) == 0 ? 1000L * (1 + random.nextInt(5)) : random.nextInt(21);
        return new Event(kind, c, from, to, fraction, advance, -1);
    }

    /**
     * Merge per-connection event queues at random, keeping each connection's order and the order of the opens (so
     * that connection ids still grow in open order), and number the result.
     */
    private static List<Event> merge(final List<ArrayDeque<Event>> perConnection, final Random random)
    {
        final List<Event> merged = new ArrayList<>();
        int nextOpen = 0;
        final List<Integer> ready = new ArrayList<>();
        while (true)
        {
            ready.clear();
            for (int c = 0; c < perConnection.size(); c++)
            {
                final Event head = perConnection.get(c).peek();
                if (head != null && (head.kind() != Kind.OPEN || c == nextOpen))
                {
                    ready.add(c);
                }
            }
            if (ready.isEmpty())
            {
                return merged;
            }
            final int c = ready.get(random.nextInt(ready.size()));
            final Event event = perConnection.get(c).poll();
            if (event.kind() == Kind.OPEN)
            {
                nextOpen++;
            }
            merged.add(event.origin() < 0 ? event.withOrigin(merged.size()) : event);
        }
    }

    /**
     * The same events with each arrival cut into other pieces, back to back (nothing of another connection between
     * them, no clock movement inside): what differs between nodes is only how a connection's bytes are split.
     */
    Schedule recut(final long seed)
    {
        final Random random = new Random(seed ^ 0x5DEECE66DL);
        final List<Event> cut = new ArrayList<>();
        for (final Event event : events)
        {
            if (event.kind() != Kind.DATA)
            {
                cut.add(event);
                continue;
            }
            int at = event.from();
            boolean first = true;
            while (at < event.to())
            {
                final int piece = random.nextBoolean() ? 1 + random.nextInt(3) : 1 + random.nextInt(event.to() - event.from());
                final int to = Math.min(event.to(), at + piece);
                cut.add(new Event(Kind.DATA, event.connection(), at, to, 1, first ? event.advanceMs() : 0, event.origin()));
                at = to;
                first = false;
            }
        }
        return new Schedule(cut, clients, sendRoom, startMs);
    }

    /**
     * The same connections' events in another order across connections (each connection's own order kept, opens in
     * order), with other send buffers and acknowledgements, the clock standing still and no resets (a reset cuts
     * output short by as much as backpressure held back, which differs here by design).
     */
    Schedule interleave(final long seed)
    {
        final Random random = new Random(seed ^ 0x1F2E3D4CL);
        final List<ArrayDeque<Event>> perConnection = new ArrayList<>();
        for (int c = 0; c < clients.length; c++)
        {
            perConnection.add(new ArrayDeque<>());
        }
        for (final Event event : events)
        {
            if (event.kind() == Kind.RESET)
            {
                continue;
            }
            final Event still = event.withAdvance(0);
            perConnection.get(event.connection()).add(event.kind() == Kind.ACK ?
                new Event(Kind.ACK, event.connection(), 0, 0, 0.1 + 0.9 * random.nextDouble(), 0, event.origin()) : still);
        }
        final int[] room = new int[sendRoom.length];
        for (int c = 0; c < room.length; c++)
        {
            room[c] = 1 + random.nextInt(2048);
        }
        return new Schedule(merge(perConnection, random), clients, room, startMs);
    }

    /**
     * @return these events with the clock standing still and no resets: the baseline an {@link #interleave}d
     * schedule is compared with.
     */
    Schedule stillClock()
    {
        return new Schedule(events.stream().filter(e -> e.kind() != Kind.RESET).map(e -> e.withAdvance(0)).toList(),
            clients, sendRoom, startMs);
    }
}
