package io.ertcp.engine.service;

import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Test only: runs a {@link TcpService} over the kernel's TCP on loopback, so that real clients
 * (NPtcp, curl, wrk, redis-cli, redis-benchmark) can talk to the services before the user-space
 * stack exists. It mimics the stack's contract: a bounded send buffer whose refusals end in
 * {@link TcpService#onWritable}, unconsumed bytes kept and offered again, the peer's FIN delivered
 * only after every byte was consumed, timeouts from {@link Connection#scheduleTimeout}.
 */
final class KernelSocketHarness implements AutoCloseable
{
    private static final int BUFFER_BYTES = 256 * 1024;

    private final TcpService service;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final Thread thread;
    private final List<Channel> channels = new ArrayList<>();
    private volatile boolean running = true;
    private long nextId;

    KernelSocketHarness(final TcpService service) throws IOException
    {
        this.service = service;
        server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", 0), 128);
        server.configureBlocking(false);
        selector = Selector.open();
        server.register(selector, SelectionKey.OP_ACCEPT);
        thread = new Thread(this::run, "harness-" + service.name());
        thread.setDaemon(true);
        thread.start();
    }

    int port()
    {
        return server.socket().getLocalPort();
    }

    public void close() throws Exception
    {
        running = false;
        selector.wakeup();
        thread.join(5000);
        server.close();
        selector.close();
    }

    private void run()
    {
        try
        {
            while (running)
            {
                selector.select(10);
                final Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext())
                {
                    final SelectionKey key = keys.next();
                    keys.remove();
                    if (!key.isValid())
                    {
                        continue;
                    }
                    if (key.isAcceptable())
                    {
                        accept();
                    }
                    else
                    {
                        final Channel channel = (Channel)key.attachment();
                        if (key.isWritable())
                        {
                            channel.onSocketWritable();
                        }
                        if (key.isValid() && key.isReadable())
                        {
                            channel.onSocketReadable();
                        }
                    }
                }
                final long nowMs = System.currentTimeMillis();
                for (int i = channels.size() - 1; i >= 0; i--)
                {
                    channels.get(i).checkTimeout(nowMs);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new RuntimeException(ex);
        }
    }

    private void accept() throws IOException
    {
        SocketChannel socket;
        while ((socket = server.accept()) != null)
        {
            socket.configureBlocking(false);
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            final Channel channel = new Channel(socket, nextId++);
            channel.key = socket.register(selector, SelectionKey.OP_READ, channel);
            channels.add(channel);
            service.onOpen(channel);
            channel.updateInterest();
        }
    }

    private final class Channel implements Connection
    {
        private final SocketChannel socket;
        private final long id;
        private final ByteBuffer receive = ByteBuffer.allocateDirect(BUFFER_BYTES);
        private final UnsafeBuffer receiveView = new UnsafeBuffer(receive);
        private final ByteBuffer send = ByteBuffer.allocateDirect(BUFFER_BYTES);
        private final UnsafeBuffer sendView = new UnsafeBuffer(send);
        private SelectionKey key;
        private Object attachment;
        private boolean peerFin;
        private boolean peerClosedDelivered;
        private boolean shutdownRequested;
        private boolean outputShut;
        private boolean refused;
        private boolean closed;
        private long deadlineMs = Long.MAX_VALUE;

        Channel(final SocketChannel socket, final long id)
        {
            this.socket = socket;
            this.id = id;
            send.limit(0);
        }

        public long id()
        {
            return id;
        }

        public int localIp()
        {
            return 0x7F000001;
        }

        public int localPort()
        {
            return port();
        }

        public int remoteIp()
        {
            return 0x7F000001;
        }

        public int remotePort()
        {
            return 0;
        }

        public int writableBytes()
        {
            return shutdownRequested || closed ? 0 : BUFFER_BYTES - send.remaining();
        }

        public int write(final DirectBuffer buffer, final int offset, final int length)
        {
            final int n = Math.min(length, writableBytes());
            if (n < length)
            {
                refused = true;
            }
            if (n > 0)
            {
                send.compact();
                final int position = send.position();
                sendView.putBytes(position, buffer, offset, n);
                send.position(position + n);
                send.flip();
                flushSocket();
            }
            return n;
        }

        public void shutdownOutput()
        {
            shutdownRequested = true;
            flushSocket();
        }

        public void abort()
        {
            try
            {
                socket.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
            catch (final IOException ignore)
            {
            }
            close(CloseReason.CLOSED);
        }

        public void scheduleTimeout(final long delayMs)
        {
            deadlineMs = delayMs <= 0 ? Long.MAX_VALUE : System.currentTimeMillis() + delayMs;
        }

        public Object attachment()
        {
            return attachment;
        }

        public void attachment(final Object attachment)
        {
            this.attachment = attachment;
        }

        void checkTimeout(final long nowMs)
        {
            if (!closed && nowMs >= deadlineMs)
            {
                deadlineMs = Long.MAX_VALUE;
                service.onTimeout(this);
                afterEvent();
            }
        }

        void onSocketReadable()
        {
            try
            {
                if (!receive.hasRemaining())
                {
                    updateInterest();
                    return;
                }
                final int n = socket.read(receive);
                if (n < 0)
                {
                    peerFin = true;
                }
                deliver();
            }
            catch (final IOException ex)
            {
                close(CloseReason.RESET);
            }
        }

        void onSocketWritable()
        {
            flushSocket();
            if (!closed && refused && writableBytes() > 0)
            {
                refused = false;
                service.onWritable(this);
                deliver();
            }
            afterEvent();
        }

        /** Offer the unconsumed bytes; the FIN only once they are all consumed. */
        private void deliver()
        {
            if (closed)
            {
                return;
            }
            if (receive.position() > 0)
            {
                final int length = receive.position();
                final int consumed = service.onData(this, receiveView, 0, length);
                if (closed)
                {
                    return;
                }
                receive.flip();
                receive.position(consumed);
                receive.compact();
            }
            if (peerFin && receive.position() == 0 && !peerClosedDelivered)
            {
                peerClosedDelivered = true;
                service.onPeerClosed(this);
            }
            afterEvent();
        }

        private void flushSocket()
        {
            if (closed)
            {
                return;
            }
            try
            {
                while (send.hasRemaining() && socket.write(send) > 0)
                {
                    // keep writing while the kernel takes it
                }
                if (!send.hasRemaining() && shutdownRequested && !outputShut)
                {
                    outputShut = true;
                    socket.shutdownOutput();
                }
            }
            catch (final IOException ex)
            {
                close(CloseReason.RESET);
            }
        }

        private void afterEvent()
        {
            if (closed)
            {
                return;
            }
            if (outputShut && peerClosedDelivered)
            {
                close(CloseReason.CLOSED);
                return;
            }
            updateInterest();
        }

        void updateInterest()
        {
            if (closed || !key.isValid())
            {
                return;
            }
            int ops = 0;
            if (!peerFin && receive.hasRemaining())
            {
                ops |= SelectionKey.OP_READ;
            }
            if (send.hasRemaining() || refused)
            {
                ops |= SelectionKey.OP_WRITE;
            }
            key.interestOps(ops);
        }

        private void close(final CloseReason reason)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            channels.remove(this);
            try
            {
                socket.close();
            }
            catch (final IOException ignore)
            {
            }
            service.onClosed(this, reason);
        }
    }
}
