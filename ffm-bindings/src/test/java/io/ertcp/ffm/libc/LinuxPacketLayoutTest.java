package io.ertcp.ffm.libc;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Pins every layout and offset to the values of the kernel's linux/if_packet.h, net/if.h and poll.h
 * on LP64 Linux (printed with offsetof/sizeof by a C program compiled against those headers).
 */
class LinuxPacketLayoutTest
{
    @Test
    void tpacket2HeaderMatchesKernel()
    {
        assertEquals(32, LinuxPacket.TPACKET2_HDR.byteSize());
        assertEquals(0, LinuxPacket.TP_STATUS_OFFSET);
        assertEquals(4, LinuxPacket.TP_LEN_OFFSET);
        assertEquals(8, LinuxPacket.TP_SNAPLEN_OFFSET);
        assertEquals(12, LinuxPacket.TP_MAC_OFFSET);
        assertEquals(14, LinuxPacket.TP_NET_OFFSET);
        assertEquals(52, LinuxPacket.TPACKET2_HDRLEN);
        assertEquals(32, LinuxPacket.TX_DATA_OFFSET);
    }

    @Test
    void sockaddrLlMatchesKernel()
    {
        assertEquals(20, LinuxPacket.SOCKADDR_LL.byteSize());
        assertEquals(0, LinuxPacket.SLL_FAMILY_OFFSET);
        assertEquals(2, LinuxPacket.SLL_PROTOCOL_OFFSET);
        assertEquals(4, LinuxPacket.SLL_IFINDEX_OFFSET);
    }

    @Test
    void tpacketReqMatchesKernel()
    {
        assertEquals(16, LinuxPacket.TPACKET_REQ.byteSize());
        assertEquals(0, LinuxPacket.TP_BLOCK_SIZE_OFFSET);
        assertEquals(4, LinuxPacket.TP_BLOCK_NR_OFFSET);
        assertEquals(8, LinuxPacket.TP_FRAME_SIZE_OFFSET);
        assertEquals(12, LinuxPacket.TP_FRAME_NR_OFFSET);
    }

    @Test
    void packetMreqAndStatsMatchKernel()
    {
        assertEquals(16, LinuxPacket.PACKET_MREQ.byteSize());
        assertEquals(0, LinuxPacket.MR_IFINDEX_OFFSET);
        assertEquals(4, LinuxPacket.MR_TYPE_OFFSET);
        assertEquals(8, LinuxPacket.TPACKET_STATS.byteSize());
        assertEquals(0, LinuxPacket.TP_PACKETS_OFFSET);
        assertEquals(4, LinuxPacket.TP_DROPS_OFFSET);
    }

    @Test
    void ifreqAndPollfdMatchKernel()
    {
        assertEquals(40, LinuxPacket.IFREQ.byteSize());
        assertEquals(16, LinuxPacket.IFR_FLAGS_OFFSET);
        assertEquals(18, LinuxPacket.IFR_HWADDR_DATA_OFFSET);
        assertEquals(8, LinuxPacket.POLLFD.byteSize());
        assertEquals(4, LinuxPacket.POLLFD_EVENTS_OFFSET);
        assertEquals(6, LinuxPacket.POLLFD_REVENTS_OFFSET);
    }

    @Test
    void alignsLikeTpacketAlign()
    {
        assertEquals(0, LinuxPacket.align(0));
        assertEquals(16, LinuxPacket.align(1));
        assertEquals(32, LinuxPacket.align(32));
        assertEquals(80, LinuxPacket.align(52 + 16));
        assertEquals((short)0x0300, LinuxPacket.htons(LinuxPacket.ETH_P_ALL));
    }

    @Test
    void libcReportsErrnoAndStrerror()
    {
        final Libc libc = new Libc();
        try
        {
            assertEquals(-1, libc.close(-1));
            assertEquals(9, libc.errno()); // EBADF
            assertEquals("Bad file descriptor", Libc.strerror(9));
            final long pageSize = libc.sysconf(LinuxPacket.SC_PAGESIZE);
            assertEquals(0, pageSize % 4096L, "page size " + pageSize);
        }
        finally
        {
            libc.free();
        }
    }

    @Test
    void enteringAMissingNamespaceSaysHowToCreateIt()
    {
        final NetworkNamespaceException ex = org.junit.jupiter.api.Assertions.assertThrows(
            NetworkNamespaceException.class, () -> NetworkNamespace.call("ertcp-no-such-ns", () -> 1));
        assertEquals("network namespace ertcp-no-such-ns does not exist (no /var/run/netns/ertcp-no-such-ns): " +
            "create it with ip netns add ertcp-no-such-ns, or check ip netns list.", ex.getMessage());
    }
}
