package io.ertcp.engine.replication.replica;

import io.ertcp.log.DataFlyweight;
import io.ertcp.log.FinFlyweight;
import io.ertcp.log.OpenFlyweight;
import io.ertcp.log.RecordHeaderFlyweight;
import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a DATA record's bytes reach the service (issue 11, "one copy"): read where the record lies when nothing waits
 * before them, so a service that takes what it is given costs no copy into the replica's input; what a service leaves
 * is kept and offered again in front of the next bytes, exactly as before, on the primary and on every backup alike.
 */
class ReplicaInputTest
{
    private static final int EPOCH = 1;
    private static final long ID = 7;

    /** Takes at most {@code limit} bytes a call, or nothing until it holds {@code whole}; notes every call. */
    private static final class Reader implements TcpService
    {
        final int limit;
        final int whole;
        final List<DirectBuffer> buffers = new ArrayList<>();
        final List<String> calls = new ArrayList<>();
        final StringBuilder taken = new StringBuilder();
        int peerCloses;

        Reader(final int limit, final int whole)
        {
            this.limit = limit;
            this.whole = whole;
        }

        public String name()
        {
            return "reader";
        }

        public void onOpen(final Connection connection)
        {
        }

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            buffers.add(buffer);
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            calls.add(new String(bytes, StandardCharsets.US_ASCII));
            if (length < whole)
            {
                return 0;
            }
            final int take = Math.min(length, limit);
            taken.append(new String(bytes, 0, take, StandardCharsets.US_ASCII));
            return take;
        }

        public void onPeerClosed(final Connection connection)
        {
            peerCloses++;
        }

        public void onWritable(final Connection connection)
        {
        }

        public void onClosed(final Connection connection, final CloseReason reason)
        {
        }
    }

    private final UnsafeBuffer record = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    private long position;

    private void apply(final ReplicatedService service, final int length)
    {
        new RecordHeaderFlyweight().wrap(record, 0).position(++position);
        service.apply(record, 0, length);
    }

    private ReplicatedService opened(final Reader reader)
    {
        final ReplicatedService service = new ReplicatedService(reader, 1024, 1024, 0);
        new OpenFlyweight().wrap(record, 0).write(EPOCH, ID, 0x0A00_0001, 7, 0x0A00_0002, 40000, 100, 200);
        apply(service, OpenFlyweight.LENGTH);
        return service;
    }

    private void data(final ReplicatedService service, final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        new DataFlyweight().wrap(record, 0)
            .write(EPOCH, ID, service.replica(ID).inputOffset(), new UnsafeBuffer(bytes), 0, bytes.length);
        apply(service, DataFlyweight.HEADER_LENGTH + bytes.length);
    }

    private void fin(final ReplicatedService service)
    {
        new FinFlyweight().wrap(record, 0).write(EPOCH, ID, service.replica(ID).inputOffset());
        apply(service, FinFlyweight.LENGTH);
    }

    @Test
    void aServiceThatTakesEverythingReadsEachRecordWhereItLies()
    {
        final Reader reader = new Reader(Integer.MAX_VALUE, 1);
        final ReplicatedService service = opened(reader);
        data(service, "hello ");
        data(service, "world");
        assertEquals(List.of("hello ", "world"), reader.calls);
        for (final DirectBuffer buffer : reader.buffers)
        {
            assertSame(record, buffer, "the record's own buffer, not a copy in the replica's input");
        }
        assertEquals(11, service.replica(ID).inputOffset());
        fin(service);
        assertEquals(1, reader.peerCloses, "the client's close once its bytes are all taken");
    }

    @Test
    void whatAServiceLeavesIsOfferedAgainInFrontOfTheNextBytes()
    {
        final Reader reader = new Reader(4, 1);
        final ReplicatedService service = opened(reader);
        data(service, "abcdef");
        assertSame(record, reader.buffers.get(0), "the first offer comes from the record");
        data(service, "ghij");
        assertEquals(List.of("abcdef", "efghij"), reader.calls, "the two bytes left come first, then the new ones");
        assertTrue(reader.buffers.get(1) != record, "what waits is offered from the replica's input");
        assertEquals("abcdefgh", reader.taken.toString());
        fin(service);
        assertEquals(List.of("abcdef", "efghij", "ij"), reader.calls, "the client's FIN offers what waits once more");
        assertEquals("abcdefghij", reader.taken.toString());
        assertEquals(1, reader.peerCloses, "then its close, once nothing waits");
    }

    @Test
    void aServiceWaitingForAWholeRequestGetsItInOneCall()
    {
        final Reader reader = new Reader(Integer.MAX_VALUE, 8);
        final ReplicatedService service = opened(reader);
        data(service, "GET ");
        data(service, "/x\r\n");
        assertEquals(List.of("GET ", "GET /x\r\n"), reader.calls);
        assertEquals("GET /x\r\n", reader.taken.toString());
        fin(service);
        assertEquals(1, reader.peerCloses);
    }
}
