package io.ertcp.engine.net;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.port.Frames;
import io.ertcp.engine.port.ManualClock;
import io.ertcp.engine.port.MemoryPort;
import io.ertcp.engine.port.MemorySwitch;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArpResponderTest
{
    private static final long NODE_MAC = MacAddress.parse("02:00:00:00:00:01");
    private static final long CLIENT_MAC = MacAddress.parse("02:00:00:00:00:02");
    private static final int NODE_IP = Ipv4Address.parse("10.0.0.1");
    private static final int CLIENT_IP = Ipv4Address.parse("10.0.0.2");

    private final Counters counters = new Counters();
    private final MemorySwitch lan = new MemorySwitch(new ManualClock(), 1, counters);
    private final MemoryPort node = lan.newPort("node", NODE_MAC);
    private final MemoryPort client = lan.newPort("client", CLIENT_MAC);
    private final AtomicCounter answered = counters.newCounter("answered");
    private final ArpResponder responder = new ArpResponder(NODE_MAC, NODE_IP, FrameOutput.of(node), answered);

    @Test
    void answersARequestForItsAddressWithItsMac()
    {
        request(NODE_IP);
        node.receive(responder, 10);
        node.flush();

        final Frames.Collector got = new Frames.Collector();
        client.receive(got, 10);
        assertEquals(1, got.frames.size());
        final UnsafeBuffer reply = new UnsafeBuffer(got.frames.get(0));
        final EthernetFlyweight ethernet = new EthernetFlyweight().wrap(reply, 0);
        assertEquals(CLIENT_MAC, ethernet.destination());
        assertEquals(NODE_MAC, ethernet.source());
        assertEquals(EthernetFlyweight.ETHER_TYPE_ARP, ethernet.etherType());
        final ArpFlyweight arp = new ArpFlyweight().wrap(reply, EthernetFlyweight.HEADER_LENGTH);
        assertTrue(arp.isEthernetIpv4());
        assertEquals(ArpFlyweight.OPERATION_REPLY, arp.operation());
        assertEquals(NODE_MAC, arp.senderMac());
        assertEquals(NODE_IP, arp.senderIp());
        assertEquals(CLIENT_MAC, arp.targetMac());
        assertEquals(CLIENT_IP, arp.targetIp());
        assertEquals(ArpResponder.MIN_FRAME_LENGTH, got.frames.get(0).length);
        assertEquals(1, answered.get());
    }

    @Test
    void ignoresRequestsForOtherAddressesAndShortOrForeignFrames()
    {
        request(Ipv4Address.parse("10.0.0.9"));
        client.send(new UnsafeBuffer(new byte[20]), 0, 20);
        client.send(Frames.frame(MacAddress.BROADCAST, CLIENT_MAC, 1, 60), 0, 60);
        client.flush();
        node.receive(responder, 10);
        node.flush();

        final Frames.Collector got = new Frames.Collector();
        client.receive(got, 10);
        assertEquals(0, got.frames.size());
        assertEquals(0, answered.get());
    }

    @Test
    void announcesItselfWithAGratuitousRequest()
    {
        assertTrue(responder.announce());
        node.flush();
        final Frames.Collector got = new Frames.Collector();
        client.receive(got, 10);
        final UnsafeBuffer frame = new UnsafeBuffer(got.frames.get(0));
        assertEquals(MacAddress.BROADCAST, new EthernetFlyweight().wrap(frame, 0).destination());
        final ArpFlyweight arp = new ArpFlyweight().wrap(frame, EthernetFlyweight.HEADER_LENGTH);
        assertEquals(ArpFlyweight.OPERATION_REQUEST, arp.operation());
        assertEquals(NODE_IP, arp.senderIp());
        assertEquals(NODE_IP, arp.targetIp());
    }

    private void request(final int target)
    {
        final int offset = client.txClaim(60);
        client.txBuffer().setMemory(offset, 60, (byte)0);
        new EthernetFlyweight().wrap(client.txBuffer(), offset)
            .destination(MacAddress.BROADCAST).source(CLIENT_MAC).etherType(EthernetFlyweight.ETHER_TYPE_ARP);
        new ArpFlyweight().wrap(client.txBuffer(), offset + EthernetFlyweight.HEADER_LENGTH)
            .write(ArpFlyweight.OPERATION_REQUEST, CLIENT_MAC, CLIENT_IP, 0, target);
        client.txCommit(60);
        client.flush();
    }
}
