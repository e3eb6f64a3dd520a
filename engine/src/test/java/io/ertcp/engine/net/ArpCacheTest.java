package io.ertcp.engine.net;

import io.ertcp.engine.counters.Counters;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ArpCacheTest
{
    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;
    private static final int PEER = Ipv4Address.parse("10.0.0.2");
    private static final long PEER_MAC = MacAddress.parse("02:00:00:00:00:02");
    private static final long MOVED_MAC = MacAddress.parse("02:00:00:00:00:99");

    private record Request(int ip, long mac)
    {
    }

    private final Counters counters = new Counters();
    private final AtomicCounter requestsSent = counters.newCounter("requests");
    private final AtomicCounter pendingFull = counters.newCounter("pending full");
    private final AtomicCounter evicted = counters.newCounter("evicted");
    private final List<Request> requests = new ArrayList<>();
    private boolean wireTakesRequests = true;

    private ArpCache cache(final ArpCache.Settings settings)
    {
        return new ArpCache(settings, (ip, mac) ->
        {
            if (wireTakesRequests)
            {
                requests.add(new Request(ip, mac));
            }
            return wireTakesRequests;
        }, requestsSent, pendingFull, evicted);
    }

    private final ArpCache cache = cache(new ArpCache.Settings(8, 2, 60 * S, S));

    @Test
    void anUnknownAddressIsRequestedByBroadcastAtMostOncePerInterval()
    {
        assertEquals(ArpCache.NONE, cache.resolve(PEER, 0));
        assertEquals(List.of(new Request(PEER, MacAddress.BROADCAST)), requests);
        assertEquals(ArpCache.NONE, cache.resolve(PEER, 500 * MS));
        assertEquals(ArpCache.NONE, cache.resolve(PEER, 999 * MS));
        assertEquals(1, requests.size());
        assertEquals(ArpCache.NONE, cache.resolve(PEER, S));
        assertEquals(2, requests.size());
        assertEquals(2, requestsSent.get());
        assertEquals(1, cache.pending());
    }

    @Test
    void aRequestTheWireRefusedIsRetriedAtOnce()
    {
        wireTakesRequests = false;
        cache.resolve(PEER, 0);
        wireTakesRequests = true;
        cache.resolve(PEER, MS);
        assertEquals(List.of(new Request(PEER, MacAddress.BROADCAST)), requests);
    }

    @Test
    void aReplyResolvesAPendingAddress()
    {
        cache.resolve(PEER, 0);
        assertEquals(true, cache.learn(PEER, PEER_MAC, true, 10 * MS));
        assertEquals(PEER_MAC, cache.resolve(PEER, 20 * MS));
        assertEquals(0, cache.pending());
        assertEquals(1, requests.size());
    }

    @Test
    void onlyPacketsThatTargetUsAddTheirSender()
    {
        assertEquals(false, cache.learn(PEER, PEER_MAC, false, 0));
        assertEquals(ArpCache.NONE, cache.peek(PEER));
        assertEquals(true, cache.learn(PEER, PEER_MAC, true, 0));
        assertEquals(PEER_MAC, cache.peek(PEER));
        assertEquals(false, cache.learn(0, PEER_MAC, true, 0), "an RFC 5227 probe's sender 0.0.0.0 is no neighbour");
        assertEquals(false, cache.learn(PEER + 1, MacAddress.BROADCAST, true, 0), "a group MAC is no neighbour");
        assertEquals(1, cache.size());
    }

    @Test
    void aGratuitousArpMovesAnExistingEntryToTheNewMac()
    {
        cache.learn(PEER, PEER_MAC, true, 0);
        // A takeover's announcement: sender = target = the moved address, not targeting us.
        cache.learn(PEER, MOVED_MAC, false, S);
        assertEquals(MOVED_MAC, cache.resolve(PEER, 2 * S));
        assertEquals(0, requests.size());
    }

    @Test
    void aStaleEntryIsStillUsedAndRefreshedByUnicastOncePerInterval()
    {
        cache.learn(PEER, PEER_MAC, true, 0);
        assertEquals(PEER_MAC, cache.resolve(PEER, 60 * S - 1));
        assertEquals(0, requests.size());

        assertEquals(PEER_MAC, cache.resolve(PEER, 60 * S));
        assertEquals(List.of(new Request(PEER, PEER_MAC)), requests);
        assertEquals(PEER_MAC, cache.resolve(PEER, 60 * S + 500 * MS));
        assertEquals(1, requests.size());
        assertEquals(PEER_MAC, cache.resolve(PEER, 61 * S));
        assertEquals(2, requests.size());

        cache.learn(PEER, PEER_MAC, true, 61 * S + 100 * MS);
        assertEquals(PEER_MAC, cache.resolve(PEER, 62 * S));
        assertEquals(PEER_MAC, cache.resolve(PEER, 120 * S));
        assertEquals(2, requests.size(), "fresh again for a reachable time after the answer");
    }

    @Test
    void aStaleEntryUnansweredForThreeIntervalsIsResolvedAfresh()
    {
        cache.learn(PEER, PEER_MAC, true, 0);
        cache.resolve(PEER, 60 * S);
        cache.resolve(PEER, 61 * S);
        cache.resolve(PEER, 62 * S);
        assertEquals(3, requests.size());
        assertEquals(ArpCache.NONE, cache.resolve(PEER, 63 * S));
        assertEquals(new Request(PEER, MacAddress.BROADCAST), requests.get(3));
        assertEquals(ArpCache.NONE, cache.peek(PEER));
        assertEquals(1, cache.pending());
    }

    @Test
    void resolutionsInProgressAreBoundedAndGivenUpOnesReclaimed()
    {
        final int third = PEER + 2;
        cache.resolve(PEER, 0);
        cache.resolve(PEER + 1, 0);
        assertEquals(ArpCache.NONE, cache.resolve(third, 0));
        assertEquals(2, requests.size(), "no request for a third resolution while two are in progress");
        assertEquals(1, pendingFull.get());

        assertEquals(ArpCache.NONE, cache.resolve(third, 3 * S));
        assertEquals(new Request(third, MacAddress.BROADCAST), requests.get(2), "an unanswered resolution made room");
        assertEquals(2, cache.pending());
        assertEquals(1, pendingFull.get());
    }

    @Test
    void aFullTableEvictsItsOldestEntry()
    {
        for (int i = 0; i < 8; i++)
        {
            cache.learn(PEER + i, PEER_MAC + i, true, i * S);
        }
        assertEquals(8, cache.size());
        cache.learn(PEER + 100, MOVED_MAC, true, 10 * S);
        assertEquals(8, cache.size());
        assertEquals(1, evicted.get());
        assertEquals(ArpCache.NONE, cache.peek(PEER));
        assertEquals(PEER_MAC + 1, cache.peek(PEER + 1));
        assertEquals(MOVED_MAC, cache.peek(PEER + 100));
    }

    @Test
    void staysConsistentWithAMapUnderRandomLearningAndForgetting()
    {
        final long seed = 42;
        final Random random = new Random(seed);
        final ArpCache big = cache(new ArpCache.Settings(64, 8, 60 * S, S));
        final Map<Integer, Long> model = new HashMap<>();
        for (int step = 0; step < 20_000; step++)
        {
            // A small key space in one /24 so that probe runs collide and deletions shift entries.
            final int ip = PEER + random.nextInt(48);
            if (random.nextInt(3) == 0)
            {
                big.forget(ip);
                model.remove(ip);
            }
            else
            {
                final long mac = 0x0200_0000_0000L + random.nextInt(1 << 20);
                big.learn(ip, mac, true, 0);
                model.put(ip, mac);
            }
            for (int k = 0; k < 48; k++)
            {
                final long expected = model.getOrDefault(PEER + k, ArpCache.NONE);
                assertEquals(expected, big.peek(PEER + k), "seed " + seed + " step " + step + " address " + k);
            }
            assertEquals(model.size(), big.size(), "seed " + seed + " step " + step);
        }
    }
}
