package io.ertcp.engine.replication.tap;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.net.Ipv4Flyweight;
import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.port.FrameFlags;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.tcp.TcpHeaderFlyweight;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * The ST-TCP backup's tap (docs/architecture.md rule 3, "Tap"): it reads the client's segments to
 * the service address and port straight off the LAN and keeps each connection's client bytes by
 * stream offset, so that the payload-less DATA ordering records the primary publishes can be filled
 * in with {@link #copy} (or, for what the tap missed, fetched from the primary: {@link #contiguousFrom}
 * says where the hole begins). It also follows, per connection, the client's FIN and RST and the
 * highest cumulative ACK the client sent for the server's stream.
 * <p>
 * Rules and invariants:
 * <ul>
 *   <li>An entry exists per client (address, port) from its SYN (without ACK) or from
 *   {@link #open}, until {@link #close}. A retransmitted SYN with the same ISN keeps the entry. A SYN
 *   with another ISN replaces an entry no OPEN confirmed when that entry is closed (the client's RST
 *   or FIN seen) or was never used (no byte stored or taken); otherwise it is counted
 *   ({@link TapCounters#synConflicts}) and ignored. A confirmed entry is never replaced from the
 *   wire: the log orders the old connection's CLOSED before a new OPEN on the same 4-tuple, so
 *   {@link #close} then {@link #open} replace it, and the ordering records of one incarnation never
 *   read the bytes of another. {@link #open} is authoritative: an OPEN with another client ISN than
 *   the entry's resets the entry (its bytes forgotten) to the OPEN's.</li>
 *   <li>The client's byte at sequence number {@code irs + 1 + k} (mod 2^32) is stored at stream
 *   offset {@code k}, a long that never wraps; sequence numbers are placed within 2^31 of what was
 *   taken.</li>
 *   <li>Per connection only {@code [taken, taken + window)} is kept: bytes below {@code taken} are
 *   ignored, bytes at or past {@code taken + window} dropped and counted. {@link #take} moves
 *   {@code taken} forward only.</li>
 *   <li>Overlapping, duplicated and out-of-order segments are fine; a byte seen twice is written
 *   twice (the checksum vouches for both copies).</li>
 *   <li>After the client's RST, or a SYN with another ISN that did not replace the entry, the entry
 *   is frozen: no more bytes are stored in it (counted: {@link TapCounters#frozen}), since later
 *   segments may belong to another incarnation and land at wrong offsets. Bytes already stored stay
 *   readable; the rest the backup fetches.</li>
 *   <li>Data carried on a SYN is not stored (the primary's stack takes none); the client
 *   retransmits it after the handshake.</li>
 *   <li>The server's ISS is learned from the primary's SYN-ACK on the wire (the only server frame
 *   the tap reads), when its ACK matches the entry's IRS and the ISS is not yet known, or from
 *   {@link #open}, which overrides it.</li>
 *   <li>A hostile or broken frame is counted and dropped; nothing here throws on a frame.</li>
 *   <li>An entry a SYN made waits for its OPEN; the primary may never send one (it refused the
 *   connection, a SYN cookie was never answered, a SYN flood). When a SYN or an OPEN needs an entry
 *   and none is free, the oldest entry still waiting is evicted (counted:
 *   {@link TapCounters#evicted}); only when every entry is confirmed is the table full. Evicting is
 *   safe: whatever the tap loses the backup fetches from the primary.</li>
 *   <li>Entries are pooled; each one's ring ({@code window} bytes) and bitmap are allocated when the
 *   entry is first used and kept afterwards, so memory grows to the peak number of connections times
 *   the window and the steady state allocates nothing.</li>
 * </ul>
 * One thread: the one that polls the port and applies the ordering records.
 */
public final class TapAssembler implements FrameHandler
{
    /** The largest window: sequence numbers are placed within 2^31 of {@code taken}. */
    public static final int MAX_WINDOW_BYTES = 1 << 30;
    /** The smallest window (one bitmap word). */
    public static final int MIN_WINDOW_BYTES = 64;
    /** Stream offsets past this are refused by {@link #take}: {@code taken + window} must never overflow. */
    public static final long MAX_STREAM_OFFSET = 1L << 62;

    private static final int IP_OFFSET = EthernetFlyweight.HEADER_LENGTH;

    private final int serviceIp;
    private final int servicePort;
    private final int windowBytes;
    /**
     * The connections by the client's (address, port) ({@link #key}): the service side of the 4-tuple is the same for
     * all. Sized so that maxConnections never make it grow; lookups neither box nor allocate.
     */
    private final Long2ObjectHashMap<TapStream> table;
    /** Free entries, {@code freeCount} of them at the bottom. */
    private final TapStream[] free;
    private int freeCount;
    /** Entries a SYN made that no OPEN confirmed yet, oldest first: the ones to evict when full. */
    private TapStream pendingOldest;
    private TapStream pendingNewest;
    private final TapCounters counters;

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final TcpHeaderFlyweight tcp = new TcpHeaderFlyweight();

    /**
     * @param serviceIp      the service address (the VIP), as {@link io.ertcp.engine.net.Ipv4Address#parse} gives.
     * @param servicePort    the service's TCP port.
     * @param windowBytes    how far past what was taken each connection keeps bytes: a power of two from
     *                       {@link #MIN_WINDOW_BYTES} to {@link #MAX_WINDOW_BYTES}, such as 256 KiB.
     * @param maxConnections the most connections followed at once.
     * @param counters       where the {@link TapCounters} are allocated (labels prefixed {@code "tap"}).
     */
    public TapAssembler(
        final int serviceIp, final int servicePort, final int windowBytes, final int maxConnections, final Counters counters)
    {
        if (servicePort <= 0 || servicePort > 0xFFFF)
        {
            throw new IllegalArgumentException("The tap's service port must be 1 to 65535, not " + servicePort + ".");
        }
        if (windowBytes < MIN_WINDOW_BYTES || windowBytes > MAX_WINDOW_BYTES || Integer.bitCount(windowBytes) != 1)
        {
            throw new IllegalArgumentException("The tap's window must be a power of two from " + MIN_WINDOW_BYTES +
                " to " + MAX_WINDOW_BYTES + " bytes, not " + windowBytes + "; 262144 (256 KiB) is usual.");
        }
        if (maxConnections <= 0)
        {
            throw new IllegalArgumentException("The tap's maximum connections must be at least 1, not " + maxConnections + ".");
        }
        this.serviceIp = serviceIp;
        this.servicePort = servicePort;
        this.windowBytes = windowBytes;
        this.table = new Long2ObjectHashMap<>(2 * maxConnections, 0.5f);
        this.free = new TapStream[maxConnections];
        for (int i = maxConnections - 1; i >= 0; i--)
        {
            free[freeCount++] = new TapStream(windowBytes);
        }
        this.counters = new TapCounters(counters, "tap");
    }

    public TapCounters counters()
    {
        return counters;
    }

    public int windowBytes()
    {
        return windowBytes;
    }

    /** The key of a client's address and port: the address in bits 16..47, the port below. */
    static long key(final int clientIp, final int clientPort)
    {
        return ((clientIp & 0xFFFF_FFFFL) << 16) | (clientPort & 0xFFFF);
    }

    /** @return connections followed now. */
    public int size()
    {
        return table.size();
    }

    // ---------------------------------------------------------------------------------------------
    // The wire
    // ---------------------------------------------------------------------------------------------

    /**
     * A frame off the LAN. Reads IPv4/TCP segments from a client to the service address and port, and
     * the primary's SYN-ACKs back; ignores everything else. Never throws.
     */
    public void onFrame(final DirectBuffer buffer, final int offset, final int length, final int flags)
    {
        counters.framesSeen.incrementRelease();
        if (FrameFlags.isTruncated(flags) || offset < 0 || length < 0 || (long)offset + length > buffer.capacity())
        {
            counters.malformed.incrementRelease();
            return;
        }
        if (length < EthernetFlyweight.HEADER_LENGTH + Ipv4Flyweight.MIN_HEADER_LENGTH)
        {
            // Too short for IPv4: an ARP or other runt, not ours to judge.
            counters.ignored.incrementRelease();
            return;
        }
        if (ethernet.wrap(buffer, offset).etherType() != EthernetFlyweight.ETHER_TYPE_IPV4)
        {
            counters.ignored.incrementRelease();
            return;
        }

        final int ip = offset + IP_OFFSET;
        final int ipLength = length - IP_OFFSET;
        ipv4.wrap(buffer, ip);
        if (ipv4.protocol() != Ipv4Flyweight.PROTOCOL_TCP)
        {
            counters.ignored.incrementRelease();
            return;
        }
        final int source = ipv4.source();
        final int destination = ipv4.destination();
        final boolean fromClient = destination == serviceIp;
        if (!fromClient && source != serviceIp)
        {
            counters.ignored.incrementRelease();
            return;
        }

        // A datagram for the service: from here on every drop is a fault of the frame.
        final int headerLength = ipv4.headerLength();
        if (ipv4.version() != Ipv4Flyweight.VERSION || headerLength < Ipv4Flyweight.MIN_HEADER_LENGTH || headerLength > ipLength)
        {
            counters.malformed.incrementRelease();
            return;
        }
        if (!ipv4.isHeaderChecksumValid())
        {
            counters.badChecksum.incrementRelease();
            return;
        }
        final int totalLength = ipv4.totalLength();
        if (totalLength < headerLength || totalLength > ipLength)
        {
            counters.malformed.incrementRelease();
            return;
        }
        if (ipv4.isFragment())
        {
            counters.fragments.incrementRelease();
            return;
        }
        final int l4 = ip + headerLength;
        final int l4Length = totalLength - headerLength;
        if (l4Length < TcpHeaderFlyweight.MIN_HEADER_LENGTH)
        {
            counters.malformed.incrementRelease();
            return;
        }
        tcp.wrap(buffer, l4);
        if ((fromClient ? tcp.destinationPort() : tcp.sourcePort()) != servicePort)
        {
            counters.ignored.incrementRelease();
            return;
        }
        final int tcpHeaderLength = tcp.headerLength();
        if (tcpHeaderLength < TcpHeaderFlyweight.MIN_HEADER_LENGTH || tcpHeaderLength > l4Length)
        {
            counters.malformed.incrementRelease();
            return;
        }
        if (FrameFlags.isChecksumBad(flags) || (!FrameFlags.isChecksumTrusted(flags) &&
            Ipv4Layer.transportChecksum(buffer, l4, l4Length, Ipv4Flyweight.PROTOCOL_TCP, source, destination) != 0))
        {
            counters.badChecksum.incrementRelease();
            return;
        }

        if (fromClient)
        {
            onClientSegment(buffer, source, l4 + tcpHeaderLength, l4Length - tcpHeaderLength);
        }
        else
        {
            onServerSegment(destination);
        }
    }

    /** A checked segment from the client; {@link #tcp} wraps its header. */
    private void onClientSegment(final DirectBuffer buffer, final int clientIp, final int payload, final int payloadLength)
    {
        final int clientPort = tcp.sourcePort();
        final int tcpFlags = tcp.flags();
        final int seq = tcp.sequence();
        final long key = key(clientIp, clientPort);

        if ((tcpFlags & TcpHeaderFlyweight.SYN) != 0)
        {
            if ((tcpFlags & (TcpHeaderFlyweight.ACK | TcpHeaderFlyweight.RST)) != 0)
            {
                // A client's SYN-ACK (simultaneous open) or SYN-RST: no service takes those.
                counters.ignored.incrementRelease();
                return;
            }
            onSyn(key, clientIp, clientPort, seq);
            return;
        }

        final TapStream stream = table.get(key);
        if (stream == null)
        {
            if (payloadLength > 0 || (tcpFlags & (TcpHeaderFlyweight.FIN | TcpHeaderFlyweight.RST)) != 0)
            {
                counters.unknownConnection.incrementRelease();
            }
            else
            {
                counters.ignored.incrementRelease();
            }
            return;
        }

        if ((tcpFlags & TcpHeaderFlyweight.RST) != 0)
        {
            // Recorded as seen; whether the primary's stack accepts it the ordering records tell.
            if (!stream.reset)
            {
                stream.reset = true;
                stream.frozen = true;
                counters.resets.incrementRelease();
            }
            return;
        }

        if ((tcpFlags & TcpHeaderFlyweight.ACK) != 0 && stream.serverIssKnown)
        {
            onClientAck(stream, tcp.acknowledgment());
        }

        final long offset = stream.offsetOf(seq);
        if (payloadLength > 0)
        {
            if (stream.frozen)
            {
                counters.frozen.incrementRelease();
            }
            else
            {
                storeSegment(stream, offset, buffer, payload, payloadLength);
            }
        }
        if ((tcpFlags & TcpHeaderFlyweight.FIN) != 0 && stream.finOffset == TapStream.NONE)
        {
            stream.finOffset = offset + payloadLength;
        }
    }

    private void onSyn(final long key, final int clientIp, final int clientPort, final int isn)
    {
        final TapStream existing = table.get(key);
        if (existing != null)
        {
            if (existing.irs == isn)
            {
                return;
            }
            if (existing.confirmed || (existing.used && !isClosed(existing)))
            {
                // The client has moved on to another incarnation; its segments must not land here.
                existing.frozen = true;
                counters.synConflicts.incrementRelease();
                return;
            }
            existing.begin(key, clientIp, clientPort, isn);
            unlinkPending(existing);
            linkPending(existing);
            return;
        }
        final TapStream stream = newStream(key, clientIp, clientPort, isn);
        if (stream != null)
        {
            linkPending(stream);
        }
    }

    /** The primary's SYN-ACK fixes the server's ISS; {@link #tcp} wraps its header. */
    private void onServerSegment(final int clientIp)
    {
        final int tcpFlags = tcp.flags();
        if ((tcpFlags & (TcpHeaderFlyweight.SYN | TcpHeaderFlyweight.ACK | TcpHeaderFlyweight.RST)) !=
            (TcpHeaderFlyweight.SYN | TcpHeaderFlyweight.ACK))
        {
            counters.ignored.incrementRelease();
            return;
        }
        final TapStream stream = table.get(key(clientIp, tcp.destinationPort()));
        if (stream == null || stream.serverIssKnown || tcp.acknowledgment() != stream.irs + 1)
        {
            counters.ignored.incrementRelease();
            return;
        }
        stream.serverIss = tcp.sequence();
        stream.serverIssKnown = true;
    }

    private static void onClientAck(final TapStream stream, final int ack)
    {
        // Place the ACK nearest the highest one seen (or the SYN-ACK's, offset 0), forward only.
        final long reference = stream.clientAcked == TapStream.NONE ? 0 : stream.clientAcked;
        final int seqOfReference = stream.serverIss + 1 + (int)reference;
        final int delta = ack - seqOfReference;
        if (delta > 0 || (delta == 0 && stream.clientAcked == TapStream.NONE))
        {
            stream.clientAcked = reference + delta;
        }
    }

    private void storeSegment(
        final TapStream stream, final long offset, final DirectBuffer buffer, final int payload, final int payloadLength)
    {
        long start = offset;
        long end = offset + payloadLength;
        if (end <= stream.taken)
        {
            counters.duplicates.incrementRelease();
            return;
        }
        if (start < stream.taken)
        {
            start = stream.taken;
        }
        final long limit = stream.taken + windowBytes;
        if (end > limit)
        {
            counters.beyondWindow.incrementRelease();
            end = limit;
            if (start >= end)
            {
                return;
            }
        }
        final int length = (int)(end - start);
        if (stream.contiguous(start, length) == length)
        {
            counters.duplicates.incrementRelease();
            return;
        }
        stream.store(start, buffer, payload + (int)(start - offset), length);
        counters.segmentsStored.incrementRelease();
        counters.bytesStored.getAndAddRelease(length);
    }

    private static boolean isClosed(final TapStream stream)
    {
        return stream.reset || stream.finOffset != TapStream.NONE;
    }

    private TapStream newStream(final long key, final int clientIp, final int clientPort, final int isn)
    {
        if (freeCount == 0)
        {
            final TapStream oldest = pendingOldest;
            if (oldest == null)
            {
                counters.tableFull.incrementRelease();
                return null;
            }
            release(oldest);
            counters.evicted.incrementRelease();
        }
        final TapStream stream = free[--freeCount];
        free[freeCount] = null;
        stream.begin(key, clientIp, clientPort, isn);
        table.put(stream.key, stream);
        return stream;
    }

    // ---------------------------------------------------------------------------------------------
    // The ordering records
    // ---------------------------------------------------------------------------------------------

    /**
     * The OPEN record arrived: the primary accepted the connection with these ISNs. Confirms the entry
     * the client's SYN made, or makes one when the tap missed the SYN (the backup started late) so that
     * later data can be placed; an entry with another client ISN is reset to this one.
     *
     * @return false when a new entry was needed and the table is full (counted).
     */
    public boolean open(final int clientIp, final int clientPort, final int clientIsn, final int serverIsn)
    {
        final long key = key(clientIp, clientPort);
        TapStream stream = table.get(key);
        if (stream == null)
        {
            stream = newStream(key, clientIp, clientPort, clientIsn);
            if (stream == null)
            {
                return false;
            }
        }
        else if (stream.irs != clientIsn)
        {
            stream.begin(key, clientIp, clientPort, clientIsn);
        }
        if (!stream.serverIssKnown || stream.serverIss != serverIsn)
        {
            stream.serverIss = serverIsn;
            stream.serverIssKnown = true;
            stream.clientAcked = TapStream.NONE;
        }
        unlinkPending(stream);
        stream.confirmed = true;
        return true;
    }

    /**
     * Copy the client's bytes {@code [streamOffset, streamOffset + length)} if every one is present.
     *
     * @return {@code length}, or -1 with nothing copied when any byte is missing, already taken, past
     * the window, or the connection is unknown: the caller then fetches them from the primary.
     */
    public int copy(
        final int clientIp, final int clientPort, final long streamOffset, final MutableDirectBuffer dst, final int dstOffset, final int length)
    {
        final TapStream stream = table.get(key(clientIp, clientPort));
        if (stream == null || length < 0)
        {
            return -1;
        }
        if (length == 0)
        {
            return streamOffset >= stream.taken ? 0 : -1;
        }
        if (stream.contiguous(streamOffset, length) != length)
        {
            return -1;
        }
        stream.copy(streamOffset, dst, dstOffset, length);
        return length;
    }

    /**
     * @return how many bytes from {@code streamOffset} on are present without a gap (at most to the end
     * of the window); 0 for an unknown connection or an offset outside {@code [taken, taken + window)}.
     */
    public long contiguousFrom(final int clientIp, final int clientPort, final long streamOffset)
    {
        final TapStream stream = table.get(key(clientIp, clientPort));
        return stream == null ? 0 : stream.contiguous(streamOffset, windowBytes);
    }

    /**
     * The bytes below {@code upToStreamOffset} are used: forget them and slide the window there. A
     * point at or below what was already taken, or past {@link #MAX_STREAM_OFFSET}, does nothing.
     */
    public void take(final int clientIp, final int clientPort, final long upToStreamOffset)
    {
        final TapStream stream = table.get(key(clientIp, clientPort));
        if (stream != null && upToStreamOffset <= MAX_STREAM_OFFSET)
        {
            stream.take(upToStreamOffset);
        }
    }

    /**
     * The CLOSED record arrived: forget the connection and return its entry to the pool. Unknown
     * connections are fine.
     */
    public void close(final int clientIp, final int clientPort)
    {
        final TapStream stream = table.get(key(clientIp, clientPort));
        if (stream != null)
        {
            release(stream);
        }
    }

    private void release(final TapStream stream)
    {
        unlinkPending(stream);
        table.remove(stream.key);
        free[freeCount++] = stream;
    }

    /** Append to the newest end of the waiting list; the entry is not on it. */
    private void linkPending(final TapStream stream)
    {
        stream.pending = true;
        stream.olderPending = pendingNewest;
        stream.newerPending = null;
        if (pendingNewest == null)
        {
            pendingOldest = stream;
        }
        else
        {
            pendingNewest.newerPending = stream;
        }
        pendingNewest = stream;
    }

    /** Take off the waiting list, if on it. */
    private void unlinkPending(final TapStream stream)
    {
        if (!stream.pending)
        {
            return;
        }
        final TapStream older = stream.olderPending;
        final TapStream newer = stream.newerPending;
        if (older == null)
        {
            pendingOldest = newer;
        }
        else
        {
            older.newerPending = newer;
        }
        if (newer == null)
        {
            pendingNewest = older;
        }
        else
        {
            newer.olderPending = older;
        }
        stream.pending = false;
        stream.olderPending = null;
        stream.newerPending = null;
    }

    // ---------------------------------------------------------------------------------------------
    // Per connection
    // ---------------------------------------------------------------------------------------------

    /** @return true when the tap follows this client's connection. */
    public boolean contains(final int clientIp, final int clientPort)
    {
        return table.get(key(clientIp, clientPort)) != null;
    }

    /** @return the stream offset below which bytes were taken, or -1 for an unknown connection. */
    public long taken(final int clientIp, final int clientPort)
    {
        final TapStream stream = table.get(key(clientIp, clientPort));
        return stream == null ? -1 : stream.taken;
    }

    /**
     * @return the highest cumulative ACK the client sent for the server's stream, as a stream offset
     * from the server's ISS + 1 (0: the SYN-ACK and no byte), or -1 when none was seen, the server's
     * ISS is not known yet, or the connection is unknown.
     */
    public long clientAcked(final int clientIp, final int clientPort)
    {
        final TapStream stream = table.get(key(clientIp, clientPort));
        return stream == null ? -1 : stream.clientAcked;
    }

    /** @return the stream offset of the client's FIN, or -1 when none was seen or the connection is unknown. */
    public long finOffset(final int clientIp, final int clientPort)
    {
        final TapStream stream = table.get(key(clientIp, clientPort));
        return stream == null ? -1 : stream.finOffset;
    }

    /** @return true when the client sent an RST on this connection. */
    public boolean isReset(final int clientIp, final int clientPort)
    {
        final TapStream stream = table.get(key(clientIp, clientPort));
        return stream != null && stream.reset;
    }

    /** @return the client's ISN, as its SYN or the OPEN record gave it; 0 for an unknown connection. */
    public int clientIsn(final int clientIp, final int clientPort)
    {
        final TapStream stream = table.get(key(clientIp, clientPort));
        return stream == null ? 0 : stream.irs;
    }

    /** @return true when the server's ISS is known (from its SYN-ACK or the OPEN record). */
    public boolean isServerIssKnown(final int clientIp, final int clientPort)
    {
        final TapStream stream = table.get(key(clientIp, clientPort));
        return stream != null && stream.serverIssKnown;
    }

    /** @return the server's ISS when {@link #isServerIssKnown}, else 0. */
    public int serverIss(final int clientIp, final int clientPort)
    {
        final TapStream stream = table.get(key(clientIp, clientPort));
        return stream == null ? 0 : stream.serverIss;
    }

    /** @return true when an OPEN record confirmed this connection. */
    public boolean isConfirmed(final int clientIp, final int clientPort)
    {
        final TapStream stream = table.get(key(clientIp, clientPort));
        return stream != null && stream.confirmed;
    }
}
