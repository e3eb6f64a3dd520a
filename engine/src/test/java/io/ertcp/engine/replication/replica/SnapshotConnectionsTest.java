package io.ertcp.engine.replication.replica;

import io.ertcp.engine.service.KvService;
import io.ertcp.log.ClientAckFlyweight;
import io.ertcp.log.DataFlyweight;
import io.ertcp.log.FinFlyweight;
import io.ertcp.log.OpenFlyweight;
import io.ertcp.log.RecordHeaderFlyweight;
import io.ertcp.log.SnapshotFlyweight;
import io.ertcp.log.TimeFlyweight;
import io.ertcp.service.Connection;
import io.ertcp.service.SnapshotInput;
import io.ertcp.service.SnapshotOutput;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A snapshot taken with connections open (docs/architecture.md "Snapshots"): the write and load round trip of every
 * connection's state through {@link ServiceSnapshots} and a real {@link io.ertcp.log.SnapshotStore} on disk. kv
 * serves connections caught in every state a record can leave one in (a command in pieces, answers held back
 * behind a full output ring, output the client has not acknowledged, the client's FIN, a handshake with nothing
 * logged after its OPEN, an armed timeout); a fresh service loaded from the snapshot holds the same connections in the
 * same states, field by field and byte by byte, and after the same later records it has written the same bytes as
 * the service that applied everything.
 */
class SnapshotConnectionsTest
{
    private static final int EPOCH = 1;
    /** A small output ring, so a GET's answer fills it and kv holds the rest back. */
    private static final int OUTPUT = 64;

    @TempDir
    Path directory;

    /** Records, numbered from 1, applied to every service given, in order. */
    private static final class Log
    {
        private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
        private final List<ReplicatedService> replicas = new ArrayList<>();
        private long position;
        private long timeNs = 1_700_000_000_000_000_000L;

        Log(final ReplicatedService... replicas)
        {
            this.replicas.addAll(List.of(replicas));
        }

        void apply(final int length)
        {
            new RecordHeaderFlyweight().wrap(buffer, 0).position(++position);
            for (final ReplicatedService replica : replicas)
            {
                replica.apply(buffer, 0, length);
            }
        }

        void time(final long advanceMs)
        {
            timeNs += advanceMs * 1_000_000L;
            new TimeFlyweight().wrap(buffer, 0).write(EPOCH, timeNs);
            apply(TimeFlyweight.LENGTH);
        }

        void open(final long id, final int clientPort, final boolean options)
        {
            final OpenFlyweight open = new OpenFlyweight().wrap(buffer, 0)
                .write(EPOCH, id, 0x0A50_0064, 6379, 0x0A50_0002, clientPort, 1000 + (int)id, 5000 + (int)id);
            if (options)
            {
                open.options(1460, 7, 9, true, true);
            }
            apply(OpenFlyweight.LENGTH);
        }

        void data(final long id, final String text)
        {
            final ReplicatedService first = replicas.getFirst();
            final byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
            new DataFlyweight().wrap(buffer, 0)
                .write(EPOCH, id, first.replica(id).inputOffset(), new UnsafeBuffer(bytes), 0, bytes.length);
            apply(DataFlyweight.HEADER_LENGTH + bytes.length);
        }

        /** The client acknowledged {@code bytes} more of the output the service produced. */
        void clientAck(final long id, final long bytes)
        {
            final Replica replica = replicas.getFirst().replica(id);
            new ClientAckFlyweight().wrap(buffer, 0).write(EPOCH, id, replica.outputAcknowledged() + bytes);
            apply(ClientAckFlyweight.LENGTH);
        }

        void fin(final long id)
        {
            new FinFlyweight().wrap(buffer, 0).write(EPOCH, id, replicas.getFirst().replica(id).inputOffset());
            apply(FinFlyweight.LENGTH);
        }

        long snapshot()
        {
            new SnapshotFlyweight().wrap(buffer, 0).write(EPOCH, timeNs);
            apply(SnapshotFlyweight.LENGTH);
            return position;
        }
    }

    private static ReplicatedService kv()
    {
        return new ReplicatedService(new KvService(), 4096, OUTPUT, 0);
    }

    private static String bytes(final UnsafeBuffer buffer, final int from, final int length)
    {
        final byte[] copy = new byte[length];
        buffer.getBytes(from, copy);
        return new String(copy, StandardCharsets.ISO_8859_1);
    }

    /** Everything a replica holds, its unconsumed input and unacknowledged output by their bytes. */
    private static String describe(final Replica r)
    {
        final StringBuilder unacknowledged = new StringBuilder();
        for (long at = r.outputAcked; at < r.produced; at++)
        {
            unacknowledged.append((char)(r.output.getByte(r.outputIndex(at)) & 0xFF));
        }
        return "id=" + r.id + " local=" + r.localIp + ':' + r.localPort + " remote=" + r.remoteIp + ':' + r.remotePort +
            " isn=" + r.localIsn + '/' + r.remoteIsn + " mss=" + r.sendMss + " ws=" + r.sendWindowScale + '/' +
            r.receiveWindowScale + " ts=" + r.timestamps + '/' + r.tsRecent + " sack=" + r.sack + " in=" + r.inputOffset +
            " fin=" + r.peerFin + " acked=" + r.outputAcked + " produced=" + r.produced + " shut=" + r.outputShutdown +
            " aborted=" + r.aborted + " closed=" + r.serviceClosed + " timeout=" + r.timeoutArmed + '/' +
            r.timeoutDelayMs + '/' + r.timerId + " input='" + bytes(r.input, r.inputStart, r.inputEnd - r.inputStart) +
            "' output='" + unacknowledged + "' attached=" + (null != r.attachment());
    }

    private static TreeMap<Long, String> describeAll(final ReplicatedService service)
    {
        final TreeMap<Long, String> all = new TreeMap<>();
        service.forEach(replica -> all.put(replica.id, describe(replica)));
        return all;
    }

    /** Everything the service wrote on each connection so far: acknowledged or not, from the stream's start. */
    private static final class Written
    {
        final TreeMap<Long, StringBuilder> text = new TreeMap<>();

        /** Acknowledge and collect everything produced, as a client reading all would. */
        void drain(final Log log, final ReplicatedService service)
        {
            final List<Replica> open = new ArrayList<>();
            service.forEach(open::add);
            open.sort(java.util.Comparator.comparingLong(r -> r.id));
            for (final Replica r : open)
            {
                while (r.produced > r.outputAcked)
                {
                    final StringBuilder sb = text.computeIfAbsent(r.id, id -> new StringBuilder());
                    for (long at = r.outputAcked; at < r.produced; at++)
                    {
                        sb.append((char)(r.output.getByte(r.outputIndex(at)) & 0xFF));
                    }
                    log.clientAck(r.id, r.produced - r.outputAcked);
                }
            }
        }
    }

    private static String value(final char c, final int length)
    {
        return String.valueOf(c).repeat(length);
    }

    private static ServiceSnapshots awaitWritten(final ServiceSnapshots snapshots, final long position) throws Exception
    {
        assertEquals(1, snapshots.durable(position));
        final long end = System.currentTimeMillis() + 10_000;
        String message = snapshots.poll();
        while ((null == message || !message.startsWith("snapshot at position " + position)) &&
            System.currentTimeMillis() < end)
        {
            assertTrue(null == message || !message.contains("could not"), message);
            Thread.sleep(2);
            message = snapshots.poll();
        }
        assertNotNull(message, "the snapshot was written");
        return snapshots;
    }

    @Test
    void connectionsInEveryStateComeBackFromASnapshotAndCarryOnAsTheOnesThatAppliedEverything() throws Exception
    {
        final ReplicatedService original = kv();
        final ServiceSnapshots snapshots = new ServiceSnapshots(directory, "kv");
        original.snapshotTaker(snapshots);
        final Log log = new Log(original);
        final Written written = new Written();

        log.time(0);
        // 1: a command in pieces, after a whole one answered and acknowledged.
        log.open(1, 40001, true);
        log.data(1, "SET a 1\r\n");
        written.drain(log, original);
        log.data(1, "GET a");
        // 2: an answer longer than the output ring: kv holds the rest back and waits for room.
        log.time(3);
        log.open(2, 40002, true);
        log.data(2, "SET big " + value('x', 150) + "\r\n");
        written.drain(log, original);
        log.data(2, "GET big\r\nGET a\r\n");
        log.clientAck(2, 10);
        // 3: the client's FIN after a request, output not acknowledged.
        log.open(3, 40003, false);
        log.data(3, "INCR n\r\n");
        log.fin(3);
        // 4: only its OPEN (the handshake may not have completed); an idle timeout armed by hand below.
        log.open(4, 40004, false);
        original.replica(4).scheduleTimeout(30_000);
        log.time(5);

        final TreeMap<Long, String> before = describeAll(original);
        assertTrue(before.get(1L).contains("attached=true"), before.get(1L));
        assertEquals(OUTPUT, original.replica(2).produced - original.replica(2).outputAcked,
            "connection 2's output ring is full and kv holds the rest: " + before.get(2L));
        assertTrue(original.replica(3).peerFin && original.replica(4).timeoutArmed, before.toString());
        final long position = log.snapshot();
        awaitWritten(snapshots, position);
        snapshots.close();

        // A fresh node loads it: the same connections in the same states.
        final ReplicatedService loaded = kv();
        final ServiceSnapshots reopened = new ServiceSnapshots(directory, "kv");
        assertEquals(position, reopened.load(loaded));
        loaded.startFromSnapshot(position);
        assertTrue(messages(reopened).contains("loaded the snapshot at position " + position), "reported");
        assertEquals(before, describeAll(loaded), "every connection, field by field");
        assertEquals(original.clock().timeNs(), loaded.clock().timeNs());
        assertEquals(((KvService)original.service()).contentDigest(), ((KvService)loaded.service()).contentDigest());

        // The same records after the snapshot, to both: the same states.
        final Log tail = new Log(original, loaded);
        tail.position = position;
        tail.timeNs = log.timeNs;
        tail.data(1, "\r\n");      // completes "GET a"
        tail.clientAck(2, 20);      // room for kv's held-back answer
        tail.data(4, "PING\r\n");
        tail.time(1);
        assertEquals(describeAll(original), describeAll(loaded), "after the same tail");

        // A client reading everything from both: the same bytes on every connection, every answer whole.
        final Log readOriginal = new Log(original);
        readOriginal.position = tail.position;
        final Log readLoaded = new Log(loaded);
        readLoaded.position = tail.position;
        final Written fromOriginal = new Written();
        final Written fromLoaded = new Written();
        fromOriginal.drain(readOriginal, original);
        fromLoaded.drain(readLoaded, loaded);
        assertEquals(fromOriginal.text.toString(), fromLoaded.text.toString());
        assertEquals("$1\r\n1\r\n", fromOriginal.text.get(1L).toString());
        assertEquals(("$150\r\n" + value('x', 150) + "\r\n$1\r\n1\r\n").substring(30),
            fromOriginal.text.get(2L).toString(), "the rest of GET big after the 30 bytes acknowledged unread, then GET a");
        assertEquals(":1\r\n", fromOriginal.text.get(3L).toString());
        assertEquals("+PONG\r\n", fromOriginal.text.get(4L).toString());
        assertEquals(describeAll(original), describeAll(loaded));
        reopened.close();
    }

    private static String messages(final ServiceSnapshots snapshots)
    {
        final StringBuilder all = new StringBuilder();
        for (String message = snapshots.poll(); null != message; message = snapshots.poll())
        {
            all.append(message).append('\n');
        }
        return all.toString();
    }

    /**
     * A service of one's own keeps a count per connection in its attachment and a shared list of members by id: its
     * bytes for each open connection come back to it after its shared state, in order of id, a connection it was told
     * is closed is not offered, and a service whose connection bytes cannot be read has its snapshot passed over.
     */
    static final class Members implements io.ertcp.service.TcpService, io.ertcp.service.SnapshotService
    {
        final List<Long> members = new ArrayList<>();
        final List<Long> loadedOrder = new ArrayList<>();
        boolean failConnections;

        public String name()
        {
            return "members";
        }

        public boolean sharesStateAcrossConnections()
        {
            return true;
        }

        public void onOpen(final Connection connection)
        {
            connection.attachment(new long[]{0});
            members.add(connection.id());
        }

        public int onData(final Connection connection, final org.agrona.DirectBuffer buffer, final int offset, final int length)
        {
            ((long[])connection.attachment())[0] += length;
            return length;
        }

        public void onPeerClosed(final Connection connection)
        {
        }

        public void onWritable(final Connection connection)
        {
        }

        public void onClosed(final Connection connection, final io.ertcp.service.CloseReason reason)
        {
            members.remove(connection.id());
            connection.attachment(null);
        }

        public io.ertcp.service.SnapshotWriter takeSnapshot()
        {
            final List<Long> copy = List.copyOf(members);
            return out ->
            {
                out.putInt(copy.size());
                copy.forEach(out::putLong);
            };
        }

        public void loadSnapshot(final SnapshotInput in)
        {
            for (int n = in.getInt(); n > 0; n--)
            {
                members.add(in.getLong());
            }
        }

        public void snapshotConnection(final Connection connection, final SnapshotOutput out)
        {
            out.putLong(((long[])connection.attachment())[0]);
        }

        public void loadConnection(final Connection connection, final SnapshotInput in)
        {
            assertTrue(members.contains(connection.id()), "the shared state is loaded first");
            loadedOrder.add(connection.id());
            connection.attachment(new long[]{failConnections ? in.getLong() + in.getLong() : in.getLong()});
        }
    }

    @Test
    void theServicesOwnBytesForEachConnectionComeBackToItInOrderOfId() throws Exception
    {
        final Members members = new Members();
        final ReplicatedService original = new ReplicatedService(members, 4096, OUTPUT, 0);
        final ServiceSnapshots snapshots = new ServiceSnapshots(directory, "members");
        original.snapshotTaker(snapshots);
        final Log log = new Log(original);
        log.time(0);
        for (final long id : new long[]{30, 10, 20, 40})
        {
            log.open(id, 41000 + (int)id, false);
            log.data(id, "x".repeat((int)id));
        }
        original.replica(40).abort(); // the service is told it closed; the CLOSED record is still to come
        log.time(1);
        assertTrue(original.replica(40).serviceClosed);
        final long position = log.snapshot();
        awaitWritten(snapshots, position);
        snapshots.close();

        final Members fresh = new Members();
        final ReplicatedService loaded = new ReplicatedService(fresh, 4096, OUTPUT, 0);
        final ServiceSnapshots reopened = new ServiceSnapshots(directory, "members");
        assertEquals(position, reopened.load(loaded));
        assertEquals(List.of(30L, 10L, 20L), fresh.members);
        assertEquals(List.of(10L, 20L, 30L), fresh.loadedOrder, "in order of id, the closed one not offered");
        assertEquals(4, loaded.connectionCount(), "the closed one is still a replica until its CLOSED record");
        for (final long id : new long[]{10, 20, 30})
        {
            assertEquals(id, ((long[])loaded.replica(id).attachment())[0]);
        }
        assertEquals(describeAll(original), describeAll(loaded));
        reopened.close();

        // Bytes the service cannot read: the snapshot is passed over, and no connection of it stays.
        final Members failing = new Members();
        failing.failConnections = true;
        final ReplicatedService refused = new ReplicatedService(failing, 4096, OUTPUT, 0);
        final ServiceSnapshots again = new ServiceSnapshots(directory, "members");
        assertEquals(0, again.load(refused));
        assertEquals(0, refused.connectionCount());
        assertTrue(messages(again).contains("could not read its snapshot at position " + position), "reported");
        again.close();
    }

    @Test
    void aConnectionLargerThanThisNodesBuffersIsRefusedWithOneSentence() throws Exception
    {
        final ReplicatedService original = kv();
        final ServiceSnapshots snapshots = new ServiceSnapshots(directory, "kv");
        original.snapshotTaker(snapshots);
        final Log log = new Log(original);
        log.time(0);
        log.open(1, 40001, false);
        log.data(1, "SET big " + value('y', 300) + "\r\nGET big\r\n");
        final long position = log.snapshot();
        awaitWritten(snapshots, position);
        snapshots.close();

        final ReplicatedService smaller = new ReplicatedService(new KvService(), 4096, OUTPUT / 2, 0);
        final ServiceSnapshots reopened = new ServiceSnapshots(directory, "kv");
        assertEquals(0, reopened.load(smaller));
        final String said = messages(reopened);
        assertTrue(said.contains("connection 1 in the snapshot holds 0 bytes of input and 64 of output, more than " +
            "this node's buffers (4096 and 32 bytes)"), said);
        assertEquals(0, smaller.connectionCount());
        reopened.close();
        assertThrows(IllegalStateException.class, () -> original.restoreReplica(null, 1), "only into a fresh service");
    }
}
