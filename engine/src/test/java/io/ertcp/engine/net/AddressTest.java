package io.ertcp.engine.net;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddressTest
{
    @Test
    void macAddressesRoundTrip()
    {
        final long mac = MacAddress.parse("02:AB:cd:00:10:ff");
        assertEquals(0x02ABCD0010FFL, mac);
        assertEquals("02:ab:cd:00:10:ff", MacAddress.format(mac));
        assertTrue(MacAddress.isGroup(MacAddress.BROADCAST));
        assertFalse(MacAddress.isGroup(mac));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:00:00:00:00"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:00:00:00:00:100"));
    }

    @Test
    void ipv4AddressesAndPrefixesParse()
    {
        assertEquals(0x0A000001, Ipv4Address.parse("10.0.0.1"));
        assertEquals("192.168.255.1", Ipv4Address.format(Ipv4Address.parse("192.168.255.1")));
        final Ipv4Address.Cidr cidr = Ipv4Address.parseCidr("10.1.2.3/16");
        assertEquals(16, cidr.prefixLength());
        assertTrue(cidr.contains(Ipv4Address.parse("10.1.200.9")));
        assertFalse(cidr.contains(Ipv4Address.parse("10.2.0.1")));
        assertEquals(32, Ipv4Address.parseCidr("10.0.0.1").prefixLength());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("10.0.0.256"))
            .getMessage().contains("0 to 255"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parseCidr("10.0.0.1/33"))
            .getMessage().contains("0..32"));
    }
}
