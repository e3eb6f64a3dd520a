package io.ertcp.systest;

import io.ertcp.engine.port.DpdkPort;
import io.ertcp.test.NetNs;
import io.ertcp.test.Requirements;
import io.ertcp.test.Veth;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The wires of a test that opens two DPDK ports in one process (one EAL): a namespace for the ports and one for their
 * peer, joined by two veth pairs with offloads off at every end ({@link NetNs#disableOffloads}: real checksums, no
 * frame over the MTU); and frames of {@link DpdkPortSystemTest}'s EtherType to send and wait for. Closing it deletes
 * both namespaces.
 */
final class DpdkVethPairs implements AutoCloseable
{
    final NetNs portNs;
    final NetNs peerNs;
    /** {@code first0} in the ports' namespace to {@code first1} in the peer's. */
    final Veth first;
    /** {@code second0} to {@code second1}. */
    final Veth second;

    private DpdkVethPairs(final NetNs portNs, final NetNs peerNs, final Veth first, final Veth second)
    {
        this.portNs = portNs;
        this.peerNs = peerNs;
        this.first = first;
        this.second = second;
    }

    /** Skip unless this is root with namespaces, the DPDK shim is built, and python3 (raw frames) and ethtool exist. */
    private static void assumeDpdk()
    {
        Requirements.assumeRootAndNetns();
        Requirements.assumeDpdkShim();
        Requirements.assumeCommand("python3", "python3");
        Requirements.assumeCommand("ethtool", "ethtool");
    }

    /**
     * Skip the test unless it can run ({@link #assumeDpdk}), else make the namespaces and the pairs.
     *
     * @param portHint the ports' namespace's word ({@link NetNs#create}), {@code peerHint} the peer's.
     * @param first    the first pair's name: {@code first0} and {@code first1}; likewise {@code second}.
     */
    static DpdkVethPairs create(final String portHint, final String peerHint, final String first, final String second)
    {
        assumeDpdk();
        final NetNs portNs = NetNs.create(portHint);
        NetNs peerNs = null;
        try
        {
            peerNs = NetNs.create(peerHint);
            final List<Veth> veths = new ArrayList<>();
            for (final String name : List.of(first, second))
            {
                final Veth veth = Veth.create(portNs, name + "0", peerNs, name + "1");
                portNs.disableOffloads(veth.aName());
                peerNs.disableOffloads(veth.bName());
                veths.add(veth);
            }
            return new DpdkVethPairs(portNs, peerNs, veths.get(0), veths.get(1));
        }
        catch (final RuntimeException | Error ex)
        {
            if (null != peerNs)
            {
                peerNs.close();
            }
            portNs.close();
            throw ex;
        }
    }

    public void close()
    {
        try
        {
            peerNs.close();
        }
        finally
        {
            portNs.close();
        }
    }

    /** Poll the port until one frame of the test's EtherType came, for up to 20 s, and require that it did. */
    static byte[] receiveOne(final DpdkPort port)
    {
        final List<byte[]> frames = new ArrayList<>();
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (frames.isEmpty() && (deadlineNs - System.nanoTime()) > 0)
        {
            port.receive((buffer, offset, length, flags) ->
            {
                if (buffer.getShort(offset + 12, java.nio.ByteOrder.BIG_ENDIAN) == (short)0x88B5)
                {
                    final byte[] copy = new byte[length];
                    buffer.getBytes(offset, copy);
                    frames.add(copy);
                }
            }, 8);
            Thread.onSpinWait();
        }
        assertEquals(1, frames.size(), "one frame arrives");
        return frames.get(0);
    }

    /** A 100-byte frame to {@code dstMac} from {@code srcMac} (as ip link prints it) that says {@code marker}. */
    static byte[] frame(final long dstMac, final String srcMac, final int marker)
    {
        return DpdkPortSystemTest.frame(
            DpdkPortSystemTest.mac(dstMac), HexFormat.ofDelimiter(":").parseHex(srcMac), marker, 100, marker);
    }
}
