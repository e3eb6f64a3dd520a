package io.ertcp.engine.service;

import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;

/**
 * The Echo protocol (RFC 862): every byte received is sent back. It keeps no state of its own: it
 * consumes only what the send buffer accepts, so unsent bytes stay in the stack's receive buffer
 * (closing the peer's window) and are offered again after {@link #onWritable}. The peer's FIN comes
 * only after every byte was consumed, hence written, so the FIN that answers it follows the last
 * echoed byte.
 */
public final class EchoService implements TcpService
{
    public static final int DEFAULT_PORT = 7;

    public String name()
    {
        return "echo";
    }

    public void onOpen(final Connection connection)
    {
    }

    public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        return connection.write(buffer, offset, length);
    }

    public void onPeerClosed(final Connection connection)
    {
        connection.shutdownOutput();
    }

    public void onWritable(final Connection connection)
    {
        // the stack offers the bytes not yet echoed again
    }

    public void onClosed(final Connection connection, final CloseReason reason)
    {
    }
}
