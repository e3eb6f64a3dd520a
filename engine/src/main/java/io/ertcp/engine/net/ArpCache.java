package io.ertcp.engine.net;

import org.agrona.BitUtil;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The neighbour table of one interface: IPv4 address to MAC (RFC 826, with the timing of RFC 1122
 * section 2.3.2.1 and Linux's neighbour states reduced to what a server needs).
 * <p>
 * An entry is <em>resolved</em> or <em>incomplete</em>:
 * <ul>
 *   <li>resolved and younger than the reachable time: used as it is;</li>
 *   <li>resolved and older (stale): still used, and refreshed by a unicast request to the known MAC
 *       at most once a request interval; a reply or any ARP from the peer makes it fresh again;</li>
 *   <li>stale for {@link #PROBES} request intervals without an answer: the peer is taken to have
 *       moved or died, and the entry becomes incomplete;</li>
 *   <li>incomplete: a resolution in progress, a broadcast request at most once a request interval
 *       while someone still asks for the address. At most {@code maxPending} resolutions are in
 *       progress, so that a transport sending to many dead peers cannot fill the table or the wire
 *       with requests.</li>
 * </ul>
 * Learning follows RFC 826's merge: an ARP packet from an address already in the table updates it
 * (which is how a gratuitous ARP after a takeover moves an address to a new MAC); a packet that
 * targets one of our addresses adds its sender. Nothing else adds entries.
 * <p>
 * Open addressing with linear probing and backward-shift deletion over parallel arrays: no
 * allocation after construction. Owned by the interface's thread; not thread safe.
 */
public final class ArpCache
{
    /** What {@link #resolve} returns when the MAC is not known (yet). */
    public static final long NONE = -1;

    /** How many request intervals a stale entry is refreshed for before it is given up. */
    public static final int PROBES = 3;

    /**
     * The cache's sizes and times.
     *
     * @param capacity          the most entries held; the oldest is evicted to make room.
     * @param maxPending        the most resolutions in progress at once.
     * @param reachableNs       how long an answer is believed without asking again.
     * @param requestIntervalNs the least time between two requests for one address.
     */
    public record Settings(int capacity, int maxPending, long reachableNs, long requestIntervalNs)
    {
        /** 256 neighbours, 16 resolutions in progress, 60 s reachable, one request a second. */
        public static final Settings DEFAULTS = new Settings(256, 16, 60_000_000_000L, 1_000_000_000L);

        public Settings
        {
            if (capacity < 1 || maxPending < 1 || maxPending > capacity || reachableNs <= 0 || requestIntervalNs <= 0)
            {
                throw new IllegalArgumentException(
                    "ARP cache settings need capacity >= maxPending >= 1 and positive times: " + capacity + ", " + maxPending +
                    ", " + reachableNs + " ns, " + requestIntervalNs + " ns");
            }
        }
    }

    /**
     * Sends one ARP request; the interface that owns the cache implements it.
     */
    @FunctionalInterface
    public interface Requester
    {
        /**
         * @param targetIp       the address asked for.
         * @param destinationMac {@link MacAddress#BROADCAST} for a new resolution, the known MAC to
         *                       refresh a stale entry.
         * @return true when the request was queued.
         */
        boolean request(int targetIp, long destinationMac);
    }

    private static final byte EMPTY = 0;
    private static final byte INCOMPLETE = 1;
    private static final byte RESOLVED = 2;

    private final Settings settings;
    private final Requester requester;
    private final AtomicCounter requestsSent;
    private final AtomicCounter pendingFull;
    private final AtomicCounter evicted;
    private final long staleLimitNs;
    private final int mask;
    private final int shift;

    /** The key; 0 (0.0.0.0, never a neighbour) marks an empty slot. */
    private final int[] ips;
    private final long[] macs;
    private final byte[] states;
    /** Resolved: when the MAC was last confirmed. Incomplete: when the resolution started. */
    private final long[] sinceNs;
    /** When the last request for this entry was queued, if {@code requested}. */
    private final long[] requestedNs;
    /** A request went out since the entry was confirmed or started. */
    private final boolean[] requested;
    private int size;
    private int pending;

    /**
     * @param settings     sizes and times.
     * @param requester    sends the requests the cache decides on.
     * @param requestsSent counts requests queued, broadcast and unicast.
     * @param pendingFull  counts resolutions not started because {@code maxPending} were in progress.
     * @param evicted      counts entries dropped to make room.
     */
    public ArpCache(
        final Settings settings,
        final Requester requester,
        final AtomicCounter requestsSent,
        final AtomicCounter pendingFull,
        final AtomicCounter evicted)
    {
        this.settings = settings;
        this.requester = requester;
        this.requestsSent = requestsSent;
        this.pendingFull = pendingFull;
        this.evicted = evicted;
        this.staleLimitNs = settings.reachableNs() + PROBES * settings.requestIntervalNs();
        final int slots = BitUtil.findNextPositivePowerOfTwo(settings.capacity() * 2);
        mask = slots - 1;
        shift = 32 - Integer.numberOfTrailingZeros(slots);
        ips = new int[slots];
        macs = new long[slots];
        states = new byte[slots];
        sinceNs = new long[slots];
        requestedNs = new long[slots];
        requested = new boolean[slots];
    }

    public Settings settings()
    {
        return settings;
    }

    /**
     * The MAC to send to {@code ip} now, starting or refreshing its resolution as needed.
     *
     * @return the MAC, or {@link #NONE} while it is not known (a request went out, or will go out
     * once the request interval has passed).
     */
    public long resolve(final int ip, final long nowNs)
    {
        if (ip == 0)
        {
            return NONE;
        }
        int slot = find(ip);
        if (slot >= 0 && states[slot] == RESOLVED)
        {
            final long ageNs = nowNs - sinceNs[slot];
            if (ageNs < settings.reachableNs())
            {
                return macs[slot];
            }
            if (ageNs < staleLimitNs)
            {
                requestIfDue(slot, macs[slot], nowNs);
                return macs[slot];
            }
            // Stale and unanswered for PROBES intervals: start again from nothing.
            remove(slot);
            slot = -1;
        }

        if (slot < 0)
        {
            slot = startResolution(ip, nowNs);
            if (slot < 0)
            {
                return NONE;
            }
        }
        requestIfDue(slot, MacAddress.BROADCAST, nowNs);
        return NONE;
    }

    /**
     * Learn from an ARP packet's sender (RFC 826 merge).
     *
     * @param ip       the sender's protocol address.
     * @param mac      the sender's hardware address.
     * @param targetUs true when the packet's target address is one of ours: the sender may be added.
     * @param nowNs    the duty cycle's time.
     * @return true when the table now holds the pair.
     */
    public boolean learn(final int ip, final long mac, final boolean targetUs, final long nowNs)
    {
        if (ip == 0 || MacAddress.isGroup(mac))
        {
            return false;
        }
        int slot = find(ip);
        if (slot < 0)
        {
            if (!targetUs)
            {
                return false;
            }
            if (size == settings.capacity())
            {
                evictOldest();
            }
            slot = insert(ip);
        }
        else if (states[slot] == INCOMPLETE)
        {
            pending--;
        }
        states[slot] = RESOLVED;
        macs[slot] = mac;
        sinceNs[slot] = nowNs;
        requested[slot] = false;
        return true;
    }

    /**
     * @return the MAC held for {@code ip} whatever its age, or {@link #NONE}; no request is sent.
     */
    public long peek(final int ip)
    {
        final int slot = find(ip);
        return slot >= 0 && states[slot] == RESOLVED ? macs[slot] : NONE;
    }

    /**
     * Forget an address, as when a route or a peer is known to be gone.
     */
    public void forget(final int ip)
    {
        final int slot = find(ip);
        if (slot >= 0)
        {
            remove(slot);
        }
    }

    /** @return the entries held, resolved and incomplete. */
    public int size()
    {
        return size;
    }

    /** @return the resolutions in progress. */
    public int pending()
    {
        return pending;
    }

    private void requestIfDue(final int slot, final long destinationMac, final long nowNs)
    {
        // Due when none was sent since the entry was confirmed or started, or the last one is an
        // interval old.
        final boolean due = !requested[slot] || nowNs - requestedNs[slot] >= settings.requestIntervalNs();
        if (due && requester.request(ips[slot], destinationMac))
        {
            requested[slot] = true;
            requestedNs[slot] = nowNs;
            requestsSent.incrementRelease();
        }
    }

    private int startResolution(final int ip, final long nowNs)
    {
        if (pending == settings.maxPending() && !reclaimGivenUpResolution(nowNs))
        {
            pendingFull.incrementRelease();
            return -1;
        }
        if (size == settings.capacity())
        {
            evictOldest();
        }
        final int slot = insert(ip);
        states[slot] = INCOMPLETE;
        macs[slot] = NONE;
        sinceNs[slot] = nowNs;
        requested[slot] = false;
        pending++;
        return slot;
    }

    /**
     * Make room for a new resolution by dropping the oldest one that has gone unanswered for
     * {@link #PROBES} request intervals: scanning the table is fine, this happens only when many
     * peers are unreachable at once.
     */
    private boolean reclaimGivenUpResolution(final long nowNs)
    {
        final long giveUpNs = PROBES * settings.requestIntervalNs();
        int oldest = -1;
        for (int i = 0; i <= mask; i++)
        {
            if (states[i] == INCOMPLETE && nowNs - sinceNs[i] >= giveUpNs &&
                (oldest < 0 || sinceNs[i] - sinceNs[oldest] < 0))
            {
                oldest = i;
            }
        }
        if (oldest < 0)
        {
            return false;
        }
        remove(oldest);
        return true;
    }

    private void evictOldest()
    {
        int oldest = -1;
        for (int i = 0; i <= mask; i++)
        {
            if (states[i] != EMPTY && (oldest < 0 || sinceNs[i] - sinceNs[oldest] < 0))
            {
                oldest = i;
            }
        }
        remove(oldest);
        evicted.incrementRelease();
    }

    private int find(final int ip)
    {
        int slot = home(ip);
        while (states[slot] != EMPTY)
        {
            if (ips[slot] == ip)
            {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    /** Claim the first free slot on the key's probe path; the caller fills the entry in. */
    private int insert(final int ip)
    {
        int slot = home(ip);
        while (states[slot] != EMPTY)
        {
            slot = (slot + 1) & mask;
        }
        ips[slot] = ip;
        size++;
        return slot;
    }

    /** Backward-shift deletion: later entries of the probe run move up so lookups stay correct. */
    private void remove(final int removed)
    {
        if (states[removed] == INCOMPLETE)
        {
            pending--;
        }
        size--;
        int hole = removed;
        int slot = (hole + 1) & mask;
        while (states[slot] != EMPTY)
        {
            final int home = home(ips[slot]);
            // The entry may fill the hole when its home is not cyclically within (hole, slot].
            if (((slot - home) & mask) >= ((slot - hole) & mask))
            {
                ips[hole] = ips[slot];
                macs[hole] = macs[slot];
                states[hole] = states[slot];
                sinceNs[hole] = sinceNs[slot];
                requestedNs[hole] = requestedNs[slot];
                requested[hole] = requested[slot];
                hole = slot;
            }
            slot = (slot + 1) & mask;
        }
        states[hole] = EMPTY;
        ips[hole] = 0;
    }

    private int home(final int ip)
    {
        // Fibonacci hashing: the product's top bits, as addresses of one subnet differ in the low ones.
        return (ip * 0x9E37_79B9) >>> shift;
    }
}
