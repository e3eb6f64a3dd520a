package com.example.chat;

import io.ertcp.service.Connection;
import org.agrona.DirectBuffer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A connection as a unit test drives it: what the service wrote, with a send buffer of a chosen size that the
 * test drains (the client acknowledging) when it likes.
 */
final class TestConnection implements Connection
{
    private final long id;
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private int room;
    private int unacknowledged;
    private Object attachment;
    boolean outputShut;
    boolean aborted;

    TestConnection(final long id, final int room)
    {
        this.id = id;
        this.room = room;
    }

    String sent()
    {
        return sent.toString(StandardCharsets.UTF_8);
    }

    /** The client acknowledged everything: the whole send buffer is free again. */
    void acknowledgeAll()
    {
        unacknowledged = 0;
    }

    public long id()
    {
        return id;
    }

    public int localIp()
    {
        return 0x0A500064;
    }

    public int localPort()
    {
        return 7000;
    }

    public int remoteIp()
    {
        return 0x0A500002;
    }

    public int remotePort()
    {
        return 40000 + (int)id;
    }

    public int writableBytes()
    {
        return outputShut || aborted ? 0 : room - unacknowledged;
    }

    public int write(final DirectBuffer buffer, final int offset, final int length)
    {
        final int accepted = Math.min(length, writableBytes());
        final byte[] bytes = new byte[accepted];
        buffer.getBytes(offset, bytes);
        sent.writeBytes(bytes);
        unacknowledged += accepted;
        return accepted;
    }

    public void shutdownOutput()
    {
        outputShut = true;
    }

    public void abort()
    {
        aborted = true;
    }

    public void scheduleTimeout(final long delayMs)
    {
        throw new AssertionError("chat asks for no timeouts");
    }

    public Object attachment()
    {
        return attachment;
    }

    public void attachment(final Object attachment)
    {
        this.attachment = attachment;
    }
}
