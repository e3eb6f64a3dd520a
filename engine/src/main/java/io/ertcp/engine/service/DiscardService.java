package io.ertcp.engine.service;

import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;

/**
 * The Discard protocol (RFC 863): everything received is thrown away and nothing is sent; the
 * service closes its side when the peer closes its own.
 */
public final class DiscardService implements TcpService
{
    public static final int DEFAULT_PORT = 9;

    public String name()
    {
        return "discard";
    }

    public void onOpen(final Connection connection)
    {
    }

    public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        return length;
    }

    public void onPeerClosed(final Connection connection)
    {
        connection.shutdownOutput();
    }

    public void onWritable(final Connection connection)
    {
    }

    public void onClosed(final Connection connection, final CloseReason reason)
    {
    }
}
