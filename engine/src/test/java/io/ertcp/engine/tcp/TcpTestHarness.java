package io.ertcp.engine.tcp;

import io.ertcp.engine.counters.Counters;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

import static io.ertcp.engine.tcp.Segment.seg;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.ACK;
import static io.ertcp.engine.tcp.TcpHeaderFlyweight.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Packet-level test fixture in smoltcp's manner: one stack listening on LOCAL_IP:LOCAL_PORT, a
 * peer at REMOTE_IP:REMOTE_PORT played by the test with {@link #send}, and what the stack sends
 * checked with {@link #recv} and {@link #recvNothing}. Time is the {@code atMs} the test gives.
 */
class TcpTestHarness
{
    static final int LOCAL_IP = 0x0A00_0001;
    static final int REMOTE_IP = 0x0A00_0002;
    static final int LOCAL_PORT = 80;
    static final int REMOTE_PORT = 49_500;
    static final int LOCAL_SEQ = 10_000;
    static final int REMOTE_SEQ = -10_001;
    static final int BUFFER = 32_768;

    final CapturingIpv4Output output = new CapturingIpv4Output();
    final RecordingService service = new RecordingService();
    final UnsafeBuffer frame = new UnsafeBuffer(new byte[70_000]);
    TcpConfig config;
    TcpStack stack;
    int localSeq = LOCAL_SEQ;
    int remoteSeq = REMOTE_SEQ;

    static TcpConfig baseConfig()
    {
        return new TcpConfig()
            .receiveBufferBytes(BUFFER)
            .sendBufferBytes(65_536)
            .windowScaling(false)
            .timestamps(false)
            .sack(false)
            .maxConnections(64)
            .isnSecretSeed(42)
            .timeWaitNs(2_000_000_000L)
            .congestionControl(CongestionControlAlgorithm.NEWRENO);
    }

    void start(final TcpConfig config)
    {
        this.config = config;
        stack = new TcpStack(config, output, new Counters(256));
        stack.fixIsn(localSeq);
        stack.listen(LOCAL_IP, LOCAL_PORT, service);
    }

    static long ns(final long ms)
    {
        return ms * 1_000_000L;
    }

    void send(final long atMs, final Segment segment)
    {
        segment.sourcePort = segment.sourcePort == 0 ? REMOTE_PORT : segment.sourcePort;
        segment.destinationPort = segment.destinationPort == 0 ? LOCAL_PORT : segment.destinationPort;
        final int length = segment.writeTo(frame, 0, 65_535);
        stack.onDatagram(REMOTE_IP, LOCAL_IP, frame, 0, length, ns(atMs));
    }

    List<Segment> drain(final long atMs)
    {
        stack.doWork(ns(atMs));
        final List<Segment> sent = new ArrayList<>(output.segments);
        output.segments.clear();
        output.addresses.clear();
        return sent;
    }

    void recv(final long atMs, final Segment... expected)
    {
        final List<Segment> sent = drain(atMs);
        if (sent.size() != expected.length)
        {
            fail("at " + atMs + " ms expected " + expected.length + " segments, got " + sent);
        }
        for (int i = 0; i < expected.length; i++)
        {
            final String mismatch = expected[i].mismatch(sent.get(i));
            if (mismatch != null)
            {
                fail("at " + atMs + " ms segment " + i + " " + sent.get(i) + ":" + mismatch);
            }
        }
    }

    void recvNothing(final long atMs)
    {
        recv(atMs);
    }

    TcpConnection connection()
    {
        return stack.connection(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT);
    }

    /**
     * Passive open to ESTABLISHED at time 0 with the peer's MSS 1460.
     */
    TcpConnection established()
    {
        send(0, seg(SYN, remoteSeq, 0).mss(1460));
        recv(0, seg(SYN | ACK, localSeq, remoteSeq + 1).mss(config.mss()).window(Math.min(BUFFER, 65_535)));
        send(0, seg(ACK, remoteSeq + 1, localSeq + 1));
        recvNothing(0);
        final TcpConnection connection = connection();
        assertNotNull(connection);
        assertEquals(TcpState.ESTABLISHED, connection.state());
        return connection;
    }

    void write(final String text)
    {
        final byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(bytes.length, connection().write(new UnsafeBuffer(bytes), 0, bytes.length));
    }

    void write(final byte[] bytes)
    {
        assertEquals(bytes.length, connection().write(new UnsafeBuffer(bytes), 0, bytes.length));
    }

    static byte[] bytes(final int length, final int seed)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(seed + i * 7);
        }
        return bytes;
    }

    static byte[] slice(final byte[] bytes, final int from, final int length)
    {
        return java.util.Arrays.copyOfRange(bytes, from, from + length);
    }
}
