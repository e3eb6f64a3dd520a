package io.ertcp.engine.node;

import io.ertcp.engine.agent.AgentHost;
import io.ertcp.engine.agent.ThreadingMode;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.lan.MemorySwitch;
import io.ertcp.engine.net.ArpFlyweight;
import io.ertcp.engine.net.Checksums;
import io.ertcp.engine.net.EthernetFlyweight;
import io.ertcp.engine.net.IcmpFlyweight;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.Ipv4Flyweight;
import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.net.MacAddress;
import io.ertcp.engine.net.NetCounters;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.port.Frames;
import io.ertcp.engine.port.ManualClock;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StackAgentTest
{
    private static final long NODE_MAC = MacAddress.parse("02:00:00:00:00:01");
    private static final long CLIENT_MAC = MacAddress.parse("02:00:00:00:00:02");
    private static final int NODE_IP = Ipv4Address.parse("10.0.0.1");
    private static final int CLIENT_IP = Ipv4Address.parse("10.0.0.2");

    private final ManualClock clock = new ManualClock();
    private final Counters counters = new Counters();
    private final MemorySwitch lan = new MemorySwitch(clock, 1, counters);
    private final MemoryPort node = lan.newPort("node", NODE_MAC);
    private final MemoryPort client = lan.newPort("client", CLIENT_MAC);
    private final NetCounters net = new NetCounters(counters, "node");
    private final Ipv4Layer layer = new Ipv4Layer(NODE_MAC, Ipv4Address.parseCidr("10.0.0.1/24"), FrameOutput.of(node), net);
    private final List<Long> ticks = new ArrayList<>();
    private final StackAgent agent = new StackAgent(node, layer, clock, 32, nowNs ->
    {
        ticks.add(nowNs);
        return 0;
    });
    private AgentHost host;

    @AfterEach
    void tearDown()
    {
        if (host != null)
        {
            host.close();
        }
    }

    @Test
    void announcesAtStartThenAnswersPingInOneDutyCycle()
    {
        host = AgentHost.start(ThreadingMode.INVOKER, Throwable::printStackTrace, agent);
        final List<byte[]> announced = received();
        assertEquals(1, announced.size());
        final ArpFlyweight arp = new ArpFlyweight().wrap(new UnsafeBuffer(announced.get(0)), EthernetFlyweight.HEADER_LENGTH);
        assertEquals(NODE_IP, arp.senderIp());
        assertEquals(NODE_IP, arp.targetIp());

        clock.advanceMs(5);
        assertEquals(0, host.invoke(), "idle");
        assertEquals(List.of(5_000_000L), ticks);

        sendEchoRequest();
        clock.advanceMs(1);
        assertTrue(host.invoke() >= 2, "a frame received and a frame sent");
        final List<byte[]> replies = received();
        assertEquals(1, replies.size());
        final UnsafeBuffer reply = new UnsafeBuffer(replies.get(0));
        assertEquals(IcmpFlyweight.TYPE_ECHO_REPLY, new IcmpFlyweight().wrap(reply, 34).type());
        assertEquals(List.of(5_000_000L, 6_000_000L), ticks);
        assertEquals("stack", agent.roleName());
    }

    @Test
    void whatADutyCycleSendsLeavesInTheSameCycle()
    {
        layer.arpCache().learn(CLIENT_IP, CLIENT_MAC, true, 0);
        agent.add(nowNs ->
        {
            final int at = layer.claim(NODE_IP, CLIENT_IP, Checksums.PROTOCOL_UDP, 8);
            final MutableDirectBuffer buffer = layer.buffer();
            buffer.putLong(at, 0x1234_5678_0008_0000L);
            layer.commit();
            return 1;
        });
        host = AgentHost.start(ThreadingMode.INVOKER, Throwable::printStackTrace, agent);
        received();
        assertTrue(host.invoke() >= 1);
        final List<byte[]> got = received();
        assertEquals(1, got.size());
        assertEquals(Checksums.PROTOCOL_UDP, new Ipv4Flyweight().wrap(new UnsafeBuffer(got.get(0)), 14).protocol());
    }

    private List<byte[]> received()
    {
        final Frames.Collector got = new Frames.Collector();
        client.receive(got, 100);
        return got.frames;
    }

    private void sendEchoRequest()
    {
        final int length = 14 + 20 + 8 + 16;
        final int offset = client.txClaim(length);
        final MutableDirectBuffer tx = client.txBuffer();
        tx.setMemory(offset, length, (byte)0);
        new EthernetFlyweight().wrap(tx, offset).destination(NODE_MAC).source(CLIENT_MAC).etherType(EthernetFlyweight.ETHER_TYPE_IPV4);
        new Ipv4Flyweight().wrap(tx, offset + 14).write(20 + 8 + 16, 1, 64, Ipv4Flyweight.PROTOCOL_ICMP, CLIENT_IP, NODE_IP);
        new IcmpFlyweight().wrap(tx, offset + 34).type(IcmpFlyweight.TYPE_ECHO_REQUEST).code(0).identifier(1).sequence(1)
            .updateChecksum(8 + 16);
        client.txCommit(length);
        client.flush();
    }
}
