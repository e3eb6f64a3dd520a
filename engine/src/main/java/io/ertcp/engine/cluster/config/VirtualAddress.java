package io.ertcp.engine.cluster.config;

import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.MacAddress;

import java.util.OptionalInt;

/**
 * The service address clients use: the VIP with its on-link prefix and the virtual MAC that moves
 * with it at takeover (docs/architecture.md rule 5), and the next hop for clients off the prefix.
 *
 * @param address the VIP and its prefix.
 * @param mac     the virtual MAC, unicast; locally administered is advised.
 * @param gateway the next hop for peers off the prefix, if any.
 */
public record VirtualAddress(Ipv4Address.Cidr address, long mac, OptionalInt gateway)
{
    public String toString()
    {
        return address + " " + MacAddress.format(mac) +
            (gateway.isPresent() ? " via " + Ipv4Address.format(gateway.getAsInt()) : "");
    }
}
