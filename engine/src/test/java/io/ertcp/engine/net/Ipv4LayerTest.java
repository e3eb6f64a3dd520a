package io.ertcp.engine.net;

import com.sun.management.ThreadMXBean;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.lan.MemorySwitch;
import io.ertcp.engine.port.FrameFlags;
import io.ertcp.engine.port.FrameHandler;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.port.Frames;
import io.ertcp.engine.port.ManualClock;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

import static io.ertcp.engine.net.Packets.ETHERNET;
import static io.ertcp.engine.net.Packets.ICMP;
import static io.ertcp.engine.net.Packets.IPV4;
import static io.ertcp.engine.net.Packets.TCP;
import static io.ertcp.engine.net.Packets.UDP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Ipv4LayerTest
{
    private static final long MS = 1_000_000L;
    private static final long NODE_MAC = MacAddress.parse("02:00:00:00:00:01");
    private static final long CLIENT_MAC = MacAddress.parse("02:00:00:00:00:02");
    private static final long ROUTER_MAC = MacAddress.parse("02:00:00:00:00:fe");
    private static final long OTHER_MAC = MacAddress.parse("02:00:00:00:00:77");
    private static final int NODE_IP = Ipv4Address.parse("10.0.0.1");
    private static final int CLIENT_IP = Ipv4Address.parse("10.0.0.2");
    private static final int ROUTER_IP = Ipv4Address.parse("10.0.0.254");
    private static final int VIP = Ipv4Address.parse("10.0.0.100");
    private static final int REMOTE_IP = Ipv4Address.parse("192.168.7.9");
    private static final long VIRTUAL_MAC = MacAddress.parse("02:00:5e:00:01:01");
    private static final long GROUP_MAC = MacAddress.parse("01:00:5e:7f:00:01");

    private final Counters counters = new Counters();
    private final MemorySwitch lan = new MemorySwitch(new ManualClock(), 1, counters);
    private final MemoryPort node = lan.newPort("node", NODE_MAC);
    private final MemoryPort client = lan.newPort("client", CLIENT_MAC);
    private final MemoryPort router = lan.newPort("router", ROUTER_MAC);
    private final NetCounters net = new NetCounters(counters, "node");
    private final Ipv4Layer layer = new Ipv4Layer(NODE_MAC, Ipv4Address.parseCidr("10.0.0.1/24"), FrameOutput.of(node), net);
    private final Captured tcp = new Captured();
    private final Captured udp = new Captured();

    /** A transport that keeps a copy of each datagram it is handed. */
    private static final class Captured implements Ipv4Handler
    {
        final List<byte[]> datagrams = new ArrayList<>();
        final List<long[]> meta = new ArrayList<>();

        public void onDatagram(
            final int sourceIp, final int destinationIp, final DirectBuffer buffer, final int offset, final int length, final long nowNs)
        {
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            datagrams.add(copy);
            meta.add(new long[]{sourceIp, destinationIp, nowNs});
        }
    }

    Ipv4LayerTest()
    {
        layer.register(TCP, tcp);
        layer.register(UDP, udp);
    }

    /** Hand a frame to the layer as the port would, then send what it wrote. */
    private void receive(final UnsafeBuffer frame, final int flags)
    {
        layer.onFrame(frame, 0, frame.capacity(), flags);
        node.flush();
    }

    private void receive(final UnsafeBuffer frame)
    {
        receive(frame, 0);
    }

    private static List<byte[]> sent(final MemoryPort port)
    {
        final Frames.Collector got = new Frames.Collector();
        port.receive(got, 100);
        return got.frames;
    }

    private static UnsafeBuffer tcpFrame(final byte[] payload)
    {
        return Packets.ipv4(NODE_MAC, CLIENT_MAC, CLIENT_IP, NODE_IP, TCP, 7, Packets.tcp(40000, 80, payload));
    }

    @Nested
    class Receive
    {
        @Test
        void aValidTcpSegmentReachesItsTransportWithTheDutyCyclesTime()
        {
            final byte[] segment = Packets.tcp(40000, 80, Packets.bytes(33, 1));
            final UnsafeBuffer frame = Packets.ipv4(NODE_MAC, CLIENT_MAC, CLIENT_IP, NODE_IP, TCP, 7, segment);
            layer.nowNs(123 * MS);
            receive(frame);

            assertEquals(1, tcp.datagrams.size());
            final byte[] got = tcp.datagrams.get(0);
            // The checksum was filled in by the builder; compare the rest.
            segment[16] = got[16];
            segment[17] = got[17];
            assertArrayEquals(segment, got);
            assertArrayEquals(new long[]{CLIENT_IP, NODE_IP, 123 * MS}, tcp.meta.get(0));
            assertEquals(1, net.ipv4Delivered.get());
        }

        @Test
        void aShortDatagramInAPaddedFrameIsCutToItsTotalLength()
        {
            final UnsafeBuffer frame = Packets.ipv4(NODE_MAC, CLIENT_MAC, CLIENT_IP, NODE_IP, UDP, 7, Packets.udp(53, 5353, new byte[3]));
            assertEquals(60, frame.capacity());
            receive(frame);
            assertEquals(1, udp.datagrams.size());
            assertEquals(11, udp.datagrams.get(0).length);
        }

        @Test
        void aUdpDatagramWithoutAChecksumIsTaken()
        {
            final UnsafeBuffer frame = Packets.ipv4(NODE_MAC, CLIENT_MAC, CLIENT_IP, NODE_IP, UDP, 7, Packets.udp(53, 5353, new byte[30]));
            frame.putShort(ETHERNET + IPV4 + 6, (short)0);
            receive(frame);
            assertEquals(1, udp.datagrams.size());
        }

        @Test
        void aFrameTheLocalKernelLeftToChecksumOffloadIsTakenUnverified()
        {
            final UnsafeBuffer frame = tcpFrame(Packets.bytes(100, 2));
            // What a kernel with offload leaves: the pseudo-header sum, not the checksum.
            frame.putShort(ETHERNET + IPV4 + 16, (short)0x1234);
            receive(frame, FrameFlags.CHECKSUM_PARTIAL);
            assertEquals(1, tcp.datagrams.size());
            receive(frame, 0);
            assertEquals(1, tcp.datagrams.size());
            assertEquals(1, net.tcpBadChecksum.get());
        }

        @Test
        void theNicsVerdictOnTheChecksumIsTakenEitherWay()
        {
            final UnsafeBuffer good = tcpFrame(Packets.bytes(100, 2));
            final UnsafeBuffer wrong = tcpFrame(Packets.bytes(100, 2));
            wrong.putByte(wrong.capacity() - 1, (byte)(wrong.getByte(wrong.capacity() - 1) + 1));

            receive(wrong, FrameFlags.CHECKSUM_VERIFIED);
            assertEquals(1, tcp.datagrams.size(), "a segment the NIC checked is not checked again");
            assertEquals(1, net.tcpChecksumCheckedByNic.get());

            receive(good, FrameFlags.CHECKSUM_BAD);
            assertEquals(1, tcp.datagrams.size(), "a segment the NIC found wrong is dropped, whatever its bytes");
            assertEquals(1, net.tcpBadChecksum.get());

            final UnsafeBuffer udpFrame = Packets.ipv4(NODE_MAC, CLIENT_MAC, CLIENT_IP, NODE_IP, UDP, 7, Packets.udp(53, 5353, new byte[9]));
            receive(udpFrame, FrameFlags.CHECKSUM_BAD);
            assertEquals(0, udp.datagrams.size());
            assertEquals(1, net.udpBadChecksum.get());

            receive(wrong, 0);
            assertEquals(1, tcp.datagrams.size(), "without a verdict the layer checks it itself");
            assertEquals(2, net.tcpBadChecksum.get());
        }

        @Test
        void unicastFramesForAnotherMacAreIgnored()
        {
            final UnsafeBuffer frame = Packets.ipv4(OTHER_MAC, CLIENT_MAC, CLIENT_IP, NODE_IP, TCP, 7, Packets.tcp(1, 2, new byte[0]));
            receive(frame);
            assertEquals(0, tcp.datagrams.size());
            assertEquals(1, net.otherMacFrames.get());
        }

        @Test
        void aDatagramForAProtocolNobodyRegisteredIsCounted()
        {
            receive(Packets.ipv4(NODE_MAC, CLIENT_MAC, CLIENT_IP, NODE_IP, 132, 7, new byte[12]));
            assertEquals(1, net.ipv4NoHandler.get());
        }

        @Test
        void otherEtherTypesGoToTheirHandler()
        {
            final Frames.Collector replication = new Frames.Collector();
            layer.registerEtherType(EthernetFlyweight.ETHER_TYPE_REPLICATION, replication);
            final UnsafeBuffer frame = Frames.frame(NODE_MAC, CLIENT_MAC, 5, 64);
            frame.putShort(12, (short)EthernetFlyweight.ETHER_TYPE_REPLICATION, ByteOrder.BIG_ENDIAN);
            receive(frame);
            receive(Frames.frame(NODE_MAC, CLIENT_MAC, 6, 64));
            assertEquals(1, replication.frames.size());
            assertEquals(1, net.otherEtherTypeFrames.get());
        }

        @Test
        void anExtraAddressIsOursUntilRemoved()
        {
            final UnsafeBuffer toVip = Packets.ipv4(NODE_MAC, CLIENT_MAC, CLIENT_IP, VIP, TCP, 7, Packets.tcp(1, 2, new byte[5]));
            receive(toVip);
            assertEquals(1, net.ipv4NotOurs.get());
            assertTrue(layer.addAddress(VIP));
            receive(toVip);
            assertEquals(1, tcp.datagrams.size());
            assertEquals(VIP, (int)tcp.meta.get(0)[1]);
            assertTrue(layer.removeAddress(VIP));
            receive(toVip);
            assertEquals(2, net.ipv4NotOurs.get());
            assertEquals(false, layer.removeAddress(NODE_IP), "the primary address stays");
        }
    }

    /** Each way a frame can be wrong: what is done to a valid TCP frame, and the counter that must count it. */
    static Stream<Arguments> malformed()
    {
        return Stream.of(
            bad("bad header checksum", f -> f.putByte(ETHERNET + 10, (byte)(f.getByte(ETHERNET + 10) ^ 0x40)), c -> c.ipv4BadHeaderChecksum),
            bad("version 6", f -> setFixed(f, 0, 0x65), c -> c.ipv4BadVersion),
            bad("IHL below 5", f -> setFixed(f, 0, 0x44), c -> c.ipv4BadHeaderLength),
            bad("total length past the frame", f -> setShortFixed(f, 2, 2000), c -> c.ipv4BadTotalLength),
            bad("total length below the header", f -> setShortFixed(f, 2, 19), c -> c.ipv4BadTotalLength),
            bad("TTL 0", f -> setFixed(f, 8, 0), c -> c.ipv4TtlZero),
            bad("more fragments", f -> setShortFixed(f, 6, 0x2000), c -> c.ipv4Fragments),
            bad("fragment offset", f -> setShortFixed(f, 6, 0x0010), c -> c.ipv4Fragments),
            bad("not ours", f -> setIntFixed(f, 16, Ipv4Address.parse("10.0.0.3")), c -> c.ipv4NotOurs),
            bad("another subnet's address", f -> setIntFixed(f, 16, REMOTE_IP), c -> c.ipv4NotOurs),
            bad("TCP to broadcast", f -> setIntFixed(f, 16, Ipv4Flyweight.BROADCAST), c -> c.ipv4NotOurs),
            bad("multicast source", f -> setIntFixed(f, 12, Ipv4Address.parse("224.0.0.1")), c -> c.ipv4BadSource),
            bad("broadcast source", f -> setIntFixed(f, 12, Ipv4Flyweight.BROADCAST), c -> c.ipv4BadSource),
            bad("subnet broadcast source", f -> setIntFixed(f, 12, Ipv4Address.parse("10.0.0.255")), c -> c.ipv4BadSource),
            bad("bad TCP checksum", f -> f.putByte(f.capacity() - 1, (byte)(f.getByte(f.capacity() - 1) + 1)), c -> c.tcpBadChecksum),
            bad("TCP shorter than its header", f -> setShortFixed(f, 2, IPV4 + 12), c -> c.transportTooShort));
    }

    private static Arguments bad(final String name, final Consumer<UnsafeBuffer> damage, final Function<NetCounters, AtomicCounter> counter)
    {
        return Arguments.of(name, damage, counter);
    }

    private static void setFixed(final UnsafeBuffer frame, final int at, final int value)
    {
        frame.putByte(ETHERNET + at, (byte)value);
        Packets.fixHeaderChecksum(frame);
    }

    private static void setShortFixed(final UnsafeBuffer frame, final int at, final int value)
    {
        frame.putShort(ETHERNET + at, (short)value, ByteOrder.BIG_ENDIAN);
        Packets.fixHeaderChecksum(frame);
    }

    private static void setIntFixed(final UnsafeBuffer frame, final int at, final int value)
    {
        frame.putInt(ETHERNET + at, value, ByteOrder.BIG_ENDIAN);
        Packets.fixHeaderChecksum(frame);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void aMalformedDatagramIsCountedAndDropped(
        final String name, final Consumer<UnsafeBuffer> damage, final Function<NetCounters, AtomicCounter> counter)
    {
        final UnsafeBuffer frame = tcpFrame(Packets.bytes(40, 3));
        damage.accept(frame);
        receive(frame);
        assertEquals(0, tcp.datagrams.size(), name);
        assertEquals(1, counter.apply(net).get(), name);
        assertEquals(0, net.ipv4Delivered.get(), name);
        assertEquals(0, sent(client).size(), "nothing is sent back: " + name);
    }

    @Test
    void truncatedAndRuntFramesAreCountedAndDropped()
    {
        final UnsafeBuffer frame = tcpFrame(Packets.bytes(40, 3));
        receive(frame, FrameFlags.TRUNCATED);
        assertEquals(1, net.truncatedFrames.get());
        layer.onFrame(frame, 0, 10, 0);
        layer.onFrame(frame, 0, ETHERNET + 19, 0);
        assertEquals(2, net.runtFrames.get());
        layer.onFrame(frame, 0, ETHERNET + 30, 0);
        assertEquals(1, net.ipv4BadTotalLength.get(), "a frame cut inside the datagram");
        frame.putByte(ETHERNET, (byte)0x4F);
        layer.onFrame(frame, 0, ETHERNET + 40, 0);
        assertEquals(1, net.ipv4BadHeaderLength.get(), "a header longer than the frame");
        assertEquals(0, tcp.datagrams.size());
    }

    @Test
    void theSteadyStateAllocatesNothing()
    {
        final ThreadMXBean threads = (ThreadMXBean)ManagementFactory.getThreadMXBean();
        final UnsafeBuffer echo = Packets.ipv4(NODE_MAC, CLIENT_MAC, CLIENT_IP, NODE_IP, ICMP, 5,
            Packets.echo(IcmpFlyweight.TYPE_ECHO_REQUEST, 3, 4, new byte[56]));
        final UnsafeBuffer segment = tcpFrame(Packets.bytes(200, 5));
        final UnsafeBuffer payload = new UnsafeBuffer(Packets.tcp(80, 40000, Packets.bytes(300, 6)));
        final AtomicCounter drained = counters.newCounter("drained");
        final FrameHandler drain = (buffer, offset, length, flags) -> drained.incrementRelease();
        layer.register(TCP, (source, destination, buffer, offset, length, nowNs) -> drained.incrementRelease());
        layer.arpCache().learn(CLIENT_IP, CLIENT_MAC, true, 0);

        long allocated = 0;
        for (int round = 0; round < 3; round++)
        {
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++)
            {
                layer.nowNs(i);
                layer.onFrame(echo, 0, echo.capacity(), 0);
                layer.onFrame(segment, 0, segment.capacity(), 0);
                final int at = layer.claim(NODE_IP, CLIENT_IP, TCP, payload.capacity());
                layer.buffer().putBytes(at, payload, 0, payload.capacity());
                layer.commit();
                node.flush();
                client.receive(drain, 10);
            }
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
        }
        assertEquals(0, allocated, "bytes allocated by the last 20,000 rounds of echo, receive and send");
        assertEquals(40_000 * 3, net.ipv4Sent.get() + net.icmpEchoReplies.get());
    }

    @Nested
    class Arp
    {
        @Test
        void answersForEachLocalAddressAndLearnsTheAsker()
        {
            layer.addAddress(VIP);
            receive(Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, CLIENT_MAC, CLIENT_IP, 0, NODE_IP));
            receive(Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, CLIENT_MAC, CLIENT_IP, 0, VIP));
            final List<byte[]> replies = sent(client);
            assertEquals(2, replies.size());
            assertArrayEquals(
                Packets.arp(CLIENT_MAC, ArpFlyweight.OPERATION_REPLY, NODE_MAC, NODE_IP, CLIENT_MAC, CLIENT_IP).byteArray(), replies.get(0));
            assertArrayEquals(
                Packets.arp(CLIENT_MAC, ArpFlyweight.OPERATION_REPLY, NODE_MAC, VIP, CLIENT_MAC, CLIENT_IP).byteArray(), replies.get(1));
            assertEquals(2, net.arpReplies.get());
            assertEquals(CLIENT_MAC, layer.arpCache().peek(CLIENT_IP));
        }

        @Test
        void ignoresRequestsForOthersAndLearnsNothingFromThem()
        {
            receive(Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, CLIENT_MAC, CLIENT_IP, 0, ROUTER_IP));
            assertEquals(0, sent(client).size());
            assertEquals(ArpCache.NONE, layer.arpCache().peek(CLIENT_IP));
        }

        @Test
        void aGratuitousArpMovesAKnownNeighbour()
        {
            receive(Packets.arp(NODE_MAC, ArpFlyweight.OPERATION_REPLY, CLIENT_MAC, CLIENT_IP, NODE_MAC, NODE_IP));
            assertEquals(CLIENT_MAC, layer.arpCache().peek(CLIENT_IP));
            receive(Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, OTHER_MAC, CLIENT_IP, 0, CLIENT_IP));
            assertEquals(OTHER_MAC, layer.arpCache().peek(CLIENT_IP));
            // A gratuitous ARP for an address we never talked to adds nothing.
            receive(Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REPLY, ROUTER_MAC, ROUTER_IP, 0, ROUTER_IP));
            assertEquals(ArpCache.NONE, layer.arpCache().peek(ROUTER_IP));
            assertEquals(0, net.arpReplies.get());
        }

        @Test
        void anotherMacClaimingOurAddressIsCountedNotLearned()
        {
            receive(Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, OTHER_MAC, NODE_IP, 0, NODE_IP));
            assertEquals(1, net.arpConflicts.get());
            assertEquals(ArpCache.NONE, layer.arpCache().peek(NODE_IP));
        }

        @Test
        void malformedArpIsCounted()
        {
            final UnsafeBuffer frame = Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, CLIENT_MAC, CLIENT_IP, 0, NODE_IP);
            frame.putByte(ETHERNET + 4, (byte)8);
            receive(frame);
            layer.onFrame(frame, 0, ETHERNET + 20, 0);
            assertEquals(1, net.arpMalformed.get());
            assertEquals(1, net.runtFrames.get());
            assertEquals(0, net.arpReplies.get());
        }

        @Test
        void announcesEveryLocalAddress()
        {
            layer.addAddress(VIP);
            assertEquals(2, layer.announce());
            node.flush();
            final List<byte[]> got = sent(client);
            assertEquals(2, got.size());
            assertArrayEquals(
                Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, NODE_MAC, NODE_IP, 0, NODE_IP).byteArray(), got.get(0));
            assertArrayEquals(
                Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, NODE_MAC, VIP, 0, VIP).byteArray(), got.get(1));
        }
    }

    @Nested
    class Icmp
    {
        @Test
        void anEchoRequestIsAnsweredByteForByte()
        {
            // An odd-length payload checks the checksum's last byte.
            final byte[] data = Packets.bytes(57, 9);
            receive(Packets.ipv4(NODE_MAC, CLIENT_MAC, CLIENT_IP, NODE_IP, ICMP, 99,
                Packets.echo(IcmpFlyweight.TYPE_ECHO_REQUEST, 0x1234, 7, data)));

            final List<byte[]> got = sent(client);
            assertEquals(1, got.size());
            final UnsafeBuffer expected = Packets.ipv4(CLIENT_MAC, NODE_MAC, NODE_IP, CLIENT_IP, ICMP, 1,
                Packets.echo(IcmpFlyweight.TYPE_ECHO_REPLY, 0x1234, 7, data));
            assertArrayEquals(expected.byteArray(), got.get(0));
            assertEquals(1, net.icmpEchoReplies.get());
        }

        @Test
        void aShortEchoIsAnsweredInAPaddedFrame()
        {
            receive(Packets.ipv4(NODE_MAC, CLIENT_MAC, CLIENT_IP, NODE_IP, ICMP, 99,
                Packets.echo(IcmpFlyweight.TYPE_ECHO_REQUEST, 1, 2, new byte[0])));
            final byte[] expected = Packets.ipv4(CLIENT_MAC, NODE_MAC, NODE_IP, CLIENT_IP, ICMP, 1,
                Packets.echo(IcmpFlyweight.TYPE_ECHO_REPLY, 1, 2, new byte[0])).byteArray();
            final byte[] got = sent(client).get(0);
            assertEquals(60, got.length);
            assertArrayEquals(expected, got);
        }

        @Test
        void anEchoToTheVirtualAddressIsAnsweredFromIt()
        {
            layer.addAddress(VIP);
            receive(Packets.ipv4(NODE_MAC, CLIENT_MAC, CLIENT_IP, VIP, ICMP, 5, Packets.echo(IcmpFlyweight.TYPE_ECHO_REQUEST, 3, 4, new byte[8])));
            final UnsafeBuffer reply = new UnsafeBuffer(sent(client).get(0));
            assertEquals(VIP, new Ipv4Flyweight().wrap(reply, ETHERNET).source());
        }

        @Test
        void badOrOtherIcmpIsCountedAndNotAnswered()
        {
            final UnsafeBuffer corrupt = Packets.ipv4(NODE_MAC, CLIENT_MAC, CLIENT_IP, NODE_IP, ICMP, 5,
                Packets.echo(IcmpFlyweight.TYPE_ECHO_REQUEST, 3, 4, new byte[8]));
            corrupt.putByte(ETHERNET + IPV4 + 9, (byte)1);
            receive(corrupt);
            receive(Packets.ipv4(NODE_MAC, CLIENT_MAC, CLIENT_IP, NODE_IP, ICMP, 5, Packets.echo(IcmpFlyweight.TYPE_ECHO_REPLY, 3, 4, new byte[8])));
            receive(Packets.ipv4(NODE_MAC, CLIENT_MAC, CLIENT_IP, NODE_IP, ICMP, 5, new byte[4]));
            receive(Packets.ipv4(MacAddress.BROADCAST, CLIENT_MAC, CLIENT_IP, Ipv4Flyweight.BROADCAST, ICMP, 5,
                Packets.echo(IcmpFlyweight.TYPE_ECHO_REQUEST, 3, 4, new byte[8])));
            assertEquals(1, net.icmpBadChecksum.get());
            assertEquals(1, net.icmpOther.get());
            assertEquals(1, net.icmpMalformed.get());
            assertEquals(1, net.ipv4NotOurs.get(), "a broadcast ping is ignored");
            assertEquals(0, sent(client).size());
        }
    }

    @Nested
    class Output
    {
        private int send(final int destination, final int protocol, final byte[] l4)
        {
            final int at = layer.claim(NODE_IP, destination, protocol, l4.length);
            if (at >= 0)
            {
                final MutableDirectBuffer buffer = layer.buffer();
                buffer.putBytes(at, l4);
                layer.commit();
                node.flush();
            }
            return at;
        }

        private void assertChecksumsRight(final byte[] frame, final int protocol)
        {
            assertEquals(0, Packets.checksum(frame, ETHERNET, ETHERNET + IPV4, 0), "IPv4 header checksum");
            final ByteBuffer b = ByteBuffer.wrap(frame);
            final int total = b.getShort(ETHERNET + 2) & 0xFFFF;
            final int l4Length = total - IPV4;
            final long pseudo = Packets.pseudoHeader(b.getInt(ETHERNET + 12), b.getInt(ETHERNET + 16), protocol, l4Length);
            assertEquals(0, Packets.checksum(frame, ETHERNET + IPV4, ETHERNET + total, pseudo), "transport checksum");
        }

        @Test
        void anUnresolvedNextHopRefusesTheClaimAndAsksOnceThenSendsAfterTheReply()
        {
            final byte[] segment = Packets.tcp(80, 40000, Packets.bytes(101, 4));
            layer.nowNs(0);
            assertEquals(-1, send(CLIENT_IP, TCP, segment));
            assertEquals(-1, send(CLIENT_IP, TCP, segment));
            node.flush();
            final List<byte[]> asked = sent(client);
            assertEquals(1, asked.size(), "one request per interval");
            assertArrayEquals(
                Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, NODE_MAC, NODE_IP, 0, CLIENT_IP).byteArray(), asked.get(0));
            assertEquals(2, net.ipv4TxUnresolved.get());
            assertEquals(1, net.arpRequestsSent.get());

            layer.nowNs(3 * MS);
            receive(Packets.arp(NODE_MAC, ArpFlyweight.OPERATION_REPLY, CLIENT_MAC, CLIENT_IP, NODE_MAC, NODE_IP));
            assertEquals(ETHERNET + IPV4, send(CLIENT_IP, TCP, segment), "the first frame of a burst starts at 0");

            final List<byte[]> got = sent(client);
            assertEquals(1, got.size());
            final byte[] frame = got.get(0);
            assertEquals(ETHERNET + IPV4 + segment.length, frame.length);
            final UnsafeBuffer view = new UnsafeBuffer(frame);
            final EthernetFlyweight ethernet = new EthernetFlyweight().wrap(view, 0);
            assertEquals(CLIENT_MAC, ethernet.destination());
            assertEquals(NODE_MAC, ethernet.source());
            final Ipv4Flyweight ip = new Ipv4Flyweight().wrap(view, ETHERNET);
            assertEquals(4, ip.version());
            assertEquals(20, ip.headerLength());
            assertEquals(IPV4 + segment.length, ip.totalLength());
            assertEquals(Ipv4Flyweight.FLAG_DONT_FRAGMENT, ip.flagsAndFragmentOffset());
            assertEquals(64, ip.ttl());
            assertEquals(TCP, ip.protocol());
            assertEquals(NODE_IP, ip.source());
            assertEquals(CLIENT_IP, ip.destination());
            assertChecksumsRight(frame, TCP);
            // The segment arrives as written, bar the checksum the layer filled in.
            final byte[] l4 = Arrays.copyOfRange(frame, ETHERNET + IPV4, frame.length);
            segment[16] = l4[16];
            segment[17] = l4[17];
            assertArrayEquals(segment, l4);
            assertEquals(1, net.ipv4Sent.get());
        }

        @Test
        void onAPortThatFillsTcpChecksumsASegmentCarriesThePseudoHeaderSumAndTheFlag()
        {
            final List<Integer> flags = new ArrayList<>();
            final FrameOutput port = FrameOutput.of(node);
            final FrameOutput filling = new FrameOutput()
            {
                public int claim(final int length)
                {
                    return port.claim(length);
                }

                public MutableDirectBuffer buffer()
                {
                    return port.buffer();
                }

                public void commit(final int offset)
                {
                    flags.add(0);
                    port.commit(offset);
                }

                public void commit(final int offset, final int commitFlags)
                {
                    flags.add(commitFlags);
                    port.commit(offset);
                }

                public boolean fillsTcpChecksums()
                {
                    return true;
                }
            };
            final Ipv4Layer offloading = new Ipv4Layer(NODE_MAC, Ipv4Address.parseCidr("10.0.0.1/24"), filling, net);
            offloading.arpCache().learn(CLIENT_IP, CLIENT_MAC, true, 0);

            final int[] protocols = {TCP, TCP, UDP};
            final byte[][] datagrams = {Packets.tcp(80, 40000, Packets.bytes(1001, 7)), Packets.tcp(80, 40000, new byte[0]),
                Packets.udp(1, 2, new byte[10])};
            for (int i = 0; i < protocols.length; i++)
            {
                final int at = offloading.claim(NODE_IP, CLIENT_IP, protocols[i], datagrams[i].length);
                offloading.buffer().putBytes(at, datagrams[i]);
                offloading.commit();
            }
            node.flush();
            final List<byte[]> got = sent(client);
            assertEquals(List.of(FrameFlags.FILL_CHECKSUM, FrameFlags.FILL_CHECKSUM, 0), flags,
                "TCP segments go out for the NIC to fill, UDP with its own checksum");
            assertEquals(2, net.tcpChecksumFilledByNic.get());

            for (int i = 0; i < 2; i++)
            {
                final byte[] frame = got.get(i);
                final ByteBuffer b = ByteBuffer.wrap(frame);
                final int l4Length = (b.getShort(ETHERNET + 2) & 0xFFFF) - IPV4;
                assertEquals(Ipv4Layer.pseudoHeaderSum(l4Length, TCP, NODE_IP, CLIENT_IP), b.getShort(ETHERNET + IPV4 + 16) & 0xFFFF,
                    "the field holds the pseudo-header sum, as Linux's CHECKSUM_PARTIAL");
                // What the NIC does: sum the segment over that field; the result is the software checksum.
                Checksums.completeTransportChecksum(new UnsafeBuffer(frame), 0, frame.length);
                assertChecksumsRight(frame, TCP);
            }
            assertChecksumsRight(got.get(2), UDP);
        }

        @Test
        void aPortThatFillsNoChecksumsRefusesTheFlag()
        {
            assertThrows(IllegalArgumentException.class, () -> node.txCommit(60, FrameFlags.FILL_CHECKSUM));
            assertThrows(IllegalArgumentException.class, () -> FrameOutput.of(node).commit(0, FrameFlags.FILL_CHECKSUM));
        }

        @Test
        void successiveDatagramsCarryNewIdentifications()
        {
            layer.arpCache().learn(CLIENT_IP, CLIENT_MAC, true, 0);
            send(CLIENT_IP, UDP, Packets.udp(1, 2, new byte[10]));
            send(CLIENT_IP, UDP, Packets.udp(1, 2, new byte[10]));
            final List<byte[]> got = sent(client);
            final int first = new Ipv4Flyweight().wrap(new UnsafeBuffer(got.get(0)), ETHERNET).identification();
            final int second = new Ipv4Flyweight().wrap(new UnsafeBuffer(got.get(1)), ETHERNET).identification();
            assertEquals((first + 1) & 0xFFFF, second);
        }

        @Test
        void udpIsChecksummedAndShortFramesPadded()
        {
            layer.arpCache().learn(CLIENT_IP, CLIENT_MAC, true, 0);
            final byte[] datagram = Packets.udp(5353, 53, Packets.bytes(5, 6));
            send(CLIENT_IP, UDP, datagram);
            final byte[] frame = sent(client).get(0);
            assertEquals(60, frame.length);
            assertChecksumsRight(frame, UDP);
            for (int i = ETHERNET + IPV4 + datagram.length; i < 60; i++)
            {
                assertEquals(0, frame[i], "padding is zero");
            }
        }

        @Test
        void offLinkDestinationsGoThroughTheGateway()
        {
            layer.gateway(ROUTER_IP);
            final byte[] segment = Packets.tcp(80, 40000, Packets.bytes(20, 8));
            assertEquals(-1, send(REMOTE_IP, TCP, segment));
            node.flush();
            final List<byte[]> asked = sent(router);
            assertArrayEquals(
                Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, NODE_MAC, NODE_IP, 0, ROUTER_IP).byteArray(), asked.get(0));

            receive(Packets.arp(NODE_MAC, ArpFlyweight.OPERATION_REPLY, ROUTER_MAC, ROUTER_IP, NODE_MAC, NODE_IP));
            assertTrue(send(REMOTE_IP, TCP, segment) > 0);
            final byte[] frame = sent(router).get(0);
            final UnsafeBuffer view = new UnsafeBuffer(frame);
            assertEquals(ROUTER_MAC, new EthernetFlyweight().wrap(view, 0).destination());
            assertEquals(REMOTE_IP, new Ipv4Flyweight().wrap(view, ETHERNET).destination());
            assertChecksumsRight(frame, TCP);
        }

        @Test
        void offLinkWithoutAGatewayHasNoRoute()
        {
            assertEquals(-1, send(REMOTE_IP, TCP, Packets.tcp(1, 2, new byte[0])));
            assertEquals(1, net.ipv4TxNoRoute.get());
            node.flush();
            assertEquals(0, sent(client).size());
        }

        @Test
        void aDatagramLargerThanTheMtuIsRefused()
        {
            layer.arpCache().learn(CLIENT_IP, CLIENT_MAC, true, 0);
            assertEquals(-1, layer.claim(NODE_IP, CLIENT_IP, UDP, 1481));
            assertTrue(layer.claim(NODE_IP, CLIENT_IP, UDP, 1480) > 0);
            assertEquals(1, net.ipv4TxTooLong.get());
        }

        @Test
        void theVirtualAddressCanBeTheSource()
        {
            layer.addAddress(VIP);
            layer.arpCache().learn(CLIENT_IP, CLIENT_MAC, true, 0);
            final int at = layer.claim(VIP, CLIENT_IP, TCP, 20);
            layer.buffer().putBytes(at, Packets.tcp(80, 1, new byte[0]));
            layer.commit();
            node.flush();
            final byte[] frame = sent(client).get(0);
            assertEquals(VIP, new Ipv4Flyweight().wrap(new UnsafeBuffer(frame), ETHERNET).source());
            assertChecksumsRight(frame, TCP);
        }
    }

    @Nested
    class VirtualMac
    {
        @Test
        void arpForTheVirtualAddressIsAnsweredWithTheVirtualMac()
        {
            assertTrue(layer.addAddress(VIP, VIRTUAL_MAC));
            receive(Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, CLIENT_MAC, CLIENT_IP, 0, VIP));
            receive(Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, CLIENT_MAC, CLIENT_IP, 0, NODE_IP));
            final List<byte[]> replies = sent(client);
            assertEquals(2, replies.size());
            assertArrayEquals(
                Packets.arp(CLIENT_MAC, ArpFlyweight.OPERATION_REPLY, VIRTUAL_MAC, VIP, CLIENT_MAC, CLIENT_IP).byteArray(), replies.get(0));
            assertArrayEquals(
                Packets.arp(CLIENT_MAC, ArpFlyweight.OPERATION_REPLY, NODE_MAC, NODE_IP, CLIENT_MAC, CLIENT_IP).byteArray(), replies.get(1),
                "the primary address keeps the interface MAC");
            assertEquals(VIRTUAL_MAC, layer.macFor(VIP));
            assertEquals(NODE_MAC, layer.macFor(NODE_IP));
        }

        @Test
        void anAddressAddedWithoutAMacUsesTheInterfaceMac()
        {
            assertTrue(layer.addAddress(VIP));
            assertEquals(false, layer.addAddress(VIP, VIRTUAL_MAC), "already ours");
            assertEquals(NODE_MAC, layer.macFor(VIP));
            final UnsafeBuffer toVirtualMac = Packets.ipv4(VIRTUAL_MAC, CLIENT_MAC, CLIENT_IP, VIP, TCP, 7, Packets.tcp(1, 2, new byte[5]));
            receive(toVirtualMac);
            assertEquals(0, tcp.datagrams.size());
            assertEquals(1, net.otherMacFrames.get());
        }

        @Test
        void framesToTheVirtualMacAreTakenAndToAnUnknownMacIgnored()
        {
            layer.addAddress(VIP, VIRTUAL_MAC);
            receive(Packets.ipv4(VIRTUAL_MAC, CLIENT_MAC, CLIENT_IP, VIP, TCP, 7, Packets.tcp(1, 2, new byte[5])));
            assertEquals(1, tcp.datagrams.size());
            receive(Packets.ipv4(OTHER_MAC, CLIENT_MAC, CLIENT_IP, VIP, TCP, 7, Packets.tcp(1, 2, new byte[5])));
            assertEquals(1, tcp.datagrams.size());
            assertEquals(1, net.otherMacFrames.get());
        }

        @Test
        void tcpFromTheVirtualAddressCarriesTheVirtualMac()
        {
            layer.addAddress(VIP, VIRTUAL_MAC);
            layer.arpCache().learn(CLIENT_IP, CLIENT_MAC, true, 0);
            int at = layer.claim(VIP, CLIENT_IP, TCP, 20);
            layer.buffer().putBytes(at, Packets.tcp(80, 1, new byte[0]));
            layer.commit();
            at = layer.claim(NODE_IP, CLIENT_IP, TCP, 20);
            layer.buffer().putBytes(at, Packets.tcp(80, 1, new byte[0]));
            layer.commit();
            node.flush();
            final List<byte[]> got = sent(client);
            assertEquals(2, got.size());
            final EthernetFlyweight ethernet = new EthernetFlyweight();
            assertEquals(VIRTUAL_MAC, ethernet.wrap(new UnsafeBuffer(got.get(0)), 0).source());
            assertEquals(CLIENT_MAC, ethernet.destination());
            assertEquals(NODE_MAC, ethernet.wrap(new UnsafeBuffer(got.get(1)), 0).source(), "the primary address keeps the interface MAC");
        }

        @Test
        void anEchoToTheVirtualAddressIsAnsweredFromTheVirtualMac()
        {
            layer.addAddress(VIP, VIRTUAL_MAC);
            final byte[] data = Packets.bytes(16, 3);
            receive(Packets.ipv4(VIRTUAL_MAC, CLIENT_MAC, CLIENT_IP, VIP, ICMP, 5, Packets.echo(IcmpFlyweight.TYPE_ECHO_REQUEST, 3, 4, data)));
            final List<byte[]> got = sent(client);
            assertEquals(1, got.size());
            assertArrayEquals(
                Packets.ipv4(CLIENT_MAC, VIRTUAL_MAC, VIP, CLIENT_IP, ICMP, 1, Packets.echo(IcmpFlyweight.TYPE_ECHO_REPLY, 3, 4, data)).byteArray(),
                got.get(0));
        }

        @Test
        void theAnnouncementComesFromTheVirtualMac()
        {
            layer.addAddress(VIP, VIRTUAL_MAC);
            assertTrue(layer.announce(VIP));
            node.flush();
            final List<byte[]> got = sent(client);
            assertEquals(1, got.size());
            assertArrayEquals(
                Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, VIRTUAL_MAC, VIP, 0, VIP).byteArray(), got.get(0));
        }

        @Test
        void ourOwnAnnouncementComingBackIsNoConflictButAnotherMacIs()
        {
            layer.addAddress(VIP, VIRTUAL_MAC);
            receive(Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, VIRTUAL_MAC, VIP, 0, VIP));
            assertEquals(0, net.arpConflicts.get());
            receive(Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, OTHER_MAC, VIP, 0, VIP));
            assertEquals(1, net.arpConflicts.get());
            receive(Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, VIRTUAL_MAC, CLIENT_IP, 0, CLIENT_IP));
            assertEquals(ArpCache.NONE, layer.arpCache().peek(CLIENT_IP), "our own MAC is never a neighbour");
            assertEquals(0, sent(client).size());
        }

        @Test
        void removingTheAddressStopsItAll()
        {
            layer.addAddress(VIP, VIRTUAL_MAC);
            assertTrue(layer.removeAddress(VIP));
            receive(Packets.arp(MacAddress.BROADCAST, ArpFlyweight.OPERATION_REQUEST, CLIENT_MAC, CLIENT_IP, 0, VIP));
            assertEquals(0, sent(client).size(), "no ARP answer");
            receive(Packets.ipv4(VIRTUAL_MAC, CLIENT_MAC, CLIENT_IP, VIP, TCP, 7, Packets.tcp(1, 2, new byte[5])));
            assertEquals(0, tcp.datagrams.size());
            assertEquals(1, net.otherMacFrames.get());
            assertEquals(NODE_MAC, layer.macFor(VIP));
            assertEquals(false, layer.isAcceptedDestination(VIRTUAL_MAC));
        }

        @Test
        void removingOneAddressKeepsTheOthersMacs()
        {
            final int vip2 = Ipv4Address.parse("10.0.0.101");
            final long mac2 = MacAddress.parse("02:00:5e:00:01:02");
            layer.addAddress(VIP, VIRTUAL_MAC);
            layer.addAddress(vip2, mac2);
            layer.removeAddress(VIP);
            assertEquals(mac2, layer.macFor(vip2));
            assertTrue(layer.isAcceptedDestination(mac2));
            assertEquals(false, layer.isAcceptedDestination(VIRTUAL_MAC));
        }

        @Test
        void aGroupMacCannotAnswerForAnAddress()
        {
            assertThrows(IllegalArgumentException.class, () -> layer.addAddress(VIP, GROUP_MAC));
        }

        @Test
        void aGroupMacIsTakenOnlyWhileAccepted()
        {
            final Frames.Collector replication = new Frames.Collector();
            layer.registerEtherType(EthernetFlyweight.ETHER_TYPE_REPLICATION, replication);
            final UnsafeBuffer frame = Frames.frame(GROUP_MAC, CLIENT_MAC, 5, 64);
            frame.putShort(12, (short)EthernetFlyweight.ETHER_TYPE_REPLICATION, ByteOrder.BIG_ENDIAN);
            receive(frame);
            assertEquals(0, replication.frames.size());
            assertEquals(1, net.otherMacFrames.get());

            layer.acceptDestination(GROUP_MAC);
            layer.acceptDestination(GROUP_MAC);
            receive(frame);
            assertEquals(1, replication.frames.size());

            layer.stopAccepting(GROUP_MAC);
            receive(frame);
            assertEquals(1, replication.frames.size());
            assertEquals(2, net.otherMacFrames.get());
        }

        @Test
        void acceptedDestinationsAreBounded()
        {
            for (int i = 0; i < Ipv4Layer.MAX_ACCEPTED_DESTINATIONS; i++)
            {
                layer.acceptDestination(GROUP_MAC + i);
            }
            assertThrows(IllegalStateException.class, () -> layer.acceptDestination(OTHER_MAC));
            layer.stopAccepting(GROUP_MAC);
            layer.acceptDestination(OTHER_MAC);
            assertTrue(layer.isAcceptedDestination(OTHER_MAC));
            assertTrue(layer.isAcceptedDestination(GROUP_MAC + 1));
        }
    }
}
