package io.ertcp.engine.service;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimpleServicesTest
{
    @Test
    void echoReturnsEveryByteWhateverTheSplitAndBackpressureThenCloses()
    {
        final byte[] input = new byte[1000];
        new Random(42).nextBytes(input);
        final byte[] output = StackDriver.assertSplitIndependent(EchoService::new, input, true);
        assertArrayEquals(input, output);
        final FakeConnection squeezed = StackDriver.run(new EchoService(), input, StackDriver.every(1000, 100), 3, true);
        assertArrayEquals(input, squeezed.output());
        assertTrue(squeezed.outputShut);
        assertEquals(0, squeezed.writesAfterShutdown);
    }

    @Test
    void echoConsumesOnlyWhatTheSendBufferTakes()
    {
        final FakeConnection connection = new FakeConnection(1);
        connection.budget = 5;
        final EchoService echo = new EchoService();
        echo.onOpen(connection);
        assertEquals(5, echo.onData(connection, new org.agrona.concurrent.UnsafeBuffer(new byte[12]), 0, 12));
    }

    @Test
    void discardSendsNothingAndClosesWhenThePeerDoes()
    {
        final FakeConnection connection = StackDriver.run(new DiscardService(), new byte[5000], new int[]{7}, 1, true);
        assertEquals(0, connection.output().length);
        assertTrue(connection.outputShut);
    }

    @Test
    void factoryKnowsTheNamesPortsAndOptions()
    {
        assertEquals(7, ServiceFactory.byName("echo", List.of()).port());
        assertEquals(9, ServiceFactory.byName("discard", List.of()).port());
        assertEquals(5002, ServiceFactory.byName("netpipe", List.of()).port());
        assertEquals(80, ServiceFactory.byName("http", List.of()).port());
        assertEquals(6379, ServiceFactory.byName("kv", List.of()).port());
        assertEquals(8080, ServiceFactory.byName("http", List.of("--port", "8080")).port());
        assertEquals("kv", ServiceFactory.byName("kv", List.of()).service().name());
        final IllegalArgumentException unknown =
            assertThrows(IllegalArgumentException.class, () -> ServiceFactory.byName("ftp", List.of()));
        assertEquals("Unknown service 'ftp': choose one of echo, discard, netpipe, http, kv.", unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ServiceFactory.byName("kv", List.of("--root", "/tmp")));
        assertThrows(IllegalArgumentException.class, () -> ServiceFactory.byName("http", List.of("--root", "/no/such/dir")));
    }
}
