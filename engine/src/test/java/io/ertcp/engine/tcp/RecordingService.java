package io.ertcp.engine.tcp;

import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-only {@link TcpService}: records every callback and the bytes received; consumes at most
 * {@link #consumeLimit} bytes per call (all by default).
 */
final class RecordingService implements TcpService
{
    final List<String> events = new ArrayList<>();
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    Connection connection;
    CloseReason closeReason;
    int consumeLimit = Integer.MAX_VALUE;
    boolean echo;

    public String name()
    {
        return "recording";
    }

    public void onOpen(final Connection connection)
    {
        this.connection = connection;
        events.add("open");
    }

    public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        final int take = Math.min(length, consumeLimit);
        final byte[] bytes = new byte[take];
        buffer.getBytes(offset, bytes);
        received.writeBytes(bytes);
        events.add("data " + take);
        if (echo)
        {
            connection.write(buffer, offset, take);
        }
        return take;
    }

    public void onPeerClosed(final Connection connection)
    {
        events.add("peer-closed");
    }

    public void onWritable(final Connection connection)
    {
        events.add("writable");
    }

    public void onTimeout(final Connection connection)
    {
        events.add("timeout");
    }

    public void onClosed(final Connection connection, final CloseReason reason)
    {
        closeReason = reason;
        events.add("closed " + reason);
    }

    String receivedText()
    {
        return received.toString(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
