package io.ertcp.engine.service;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sessions built ahead ({@code TcpService.prepareConnections}, docs/architecture.md "Threading"): the service keeps
 * as many as asked ready, and an open takes one of them instead of building its own.
 */
class SpareSessionsTest
{
    @Test
    void anOpenTakesASessionBuiltAhead()
    {
        final KvService kv = new KvService();
        assertTrue(kv.prepareConnections(2));
        assertTrue(kv.prepareConnections(2));
        assertFalse(kv.prepareConnections(2), "two asked for, two built");
        assertEquals(2, kv.sessionsPooled());
        final FakeConnection connection = new FakeConnection(1);
        kv.onOpen(connection);
        assertEquals(1, kv.sessionsPooled(), "the open took a pooled session");
        final Object session = connection.attachment();
        kv.onClosed(connection, io.ertcp.service.CloseReason.CLOSED);
        assertEquals(2, kv.sessionsPooled(), "and gave it back");
        final FakeConnection next = new FakeConnection(2);
        kv.onOpen(next);
        assertSame(session, next.attachment(), "reused");
    }
}
