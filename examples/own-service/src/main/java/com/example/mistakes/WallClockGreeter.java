package com.example.mistakes;

import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

/**
 * <b>Deliberately wrong</b>: a service that must not be replicated, kept to show what {@code ./ertcp check-service}
 * reports. It greets each client with the time read from the machine's clock, so a backup replaying the same log
 * writes another greeting than the primary did, and a client that fails over sees its stream change. The right way
 * is the log's time, not the machine's (docs/writing-a-service.md).
 * <pre>
 *   ./ertcp check-service --service-class com.example.mistakes.WallClockGreeter \
 *       --service-jar examples/own-service/target/chat.jar
 * </pre>
 */
public final class WallClockGreeter implements TcpService
{
    public String name()
    {
        return "wall-clock-greeter";
    }

    public void onOpen(final Connection connection)
    {
        final byte[] greeting = ("hello, it is " + System.currentTimeMillis() + " ms since 1970\n")
            .getBytes(StandardCharsets.US_ASCII);
        connection.write(new UnsafeBuffer(greeting), 0, greeting.length);
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
