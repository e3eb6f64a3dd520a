package io.ertcp.ffm.dpdk;

import io.ertcp.ffm.NativeLibraryException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What can be checked without DPDK: the layouts match ertcp_dpdk.h, and a missing shim is one
 * sentence with the fix.
 */
class DpdkShimTest
{
    @Test
    void descriptorLayoutMatchesTheHeader()
    {
        // typedef struct { uint64_t data; uint32_t length; uint32_t flags; uint64_t mbuf; } ertcp_dpdk_desc;
        assertEquals(24, DpdkShim.DESC_LENGTH);
        assertEquals(0, DpdkShim.DESC_DATA_OFFSET);
        assertEquals(8, DpdkShim.DESC_LENGTH_OFFSET);
        assertEquals(12, DpdkShim.DESC_FLAGS_OFFSET);
        assertEquals(16, DpdkShim.DESC_MBUF_OFFSET);
    }

    @Test
    void statsLayoutMatchesTheHeader()
    {
        assertEquals(64, DpdkShim.STATS_LENGTH);
        assertEquals(0, DpdkShim.STATS_IPACKETS_OFFSET);
        assertEquals(8, DpdkShim.STATS_OPACKETS_OFFSET);
        assertEquals(16, DpdkShim.STATS_IBYTES_OFFSET);
        assertEquals(24, DpdkShim.STATS_OBYTES_OFFSET);
        assertEquals(32, DpdkShim.STATS_IMISSED_OFFSET);
        assertEquals(40, DpdkShim.STATS_IERRORS_OFFSET);
        assertEquals(48, DpdkShim.STATS_OERRORS_OFFSET);
        assertEquals(56, DpdkShim.STATS_RX_NOMBUF_OFFSET);
    }

    @Test
    void missingShimSaysHowToBuildIt(@TempDir final Path dir)
    {
        final Path absent = dir.resolve(DpdkShim.LIBRARY_FILE);
        final NativeLibraryException ex = assertThrows(NativeLibraryException.class, () -> DpdkShim.load(absent));

        final String message = ex.getMessage();
        assertTrue(message.startsWith("libertcp_dpdk.so was not found at " + absent), message);
        assertTrue(message.contains("apt-get install -y libdpdk-dev dpdk pkg-config"), message);
        assertTrue(message.contains("./ertcp build"), message);
        assertEquals(1, message.split("\\. ").length, "one sentence: " + message);
    }

    @Test
    void explicitLibraryPropertyWinsOverTheNativeDirectory()
    {
        final String previous = System.getProperty(DpdkShim.LIBRARY_PROPERTY);
        System.setProperty(DpdkShim.LIBRARY_PROPERTY, "/opt/x/libertcp_dpdk.so");
        try
        {
            assertEquals(Path.of("/opt/x/libertcp_dpdk.so"), DpdkShim.libraryPath());
        }
        finally
        {
            if (null == previous)
            {
                System.clearProperty(DpdkShim.LIBRARY_PROPERTY);
            }
            else
            {
                System.setProperty(DpdkShim.LIBRARY_PROPERTY, previous);
            }
        }
    }

    @Test
    void theCallingThreadCanCheckForAnInterface()
    {
        assertTrue(EalThreads.interfaceIndex("lo") > 0, "loopback exists in every namespace");
        assertEquals(0, EalThreads.interfaceIndex("ertcp-nosuch0"));
    }
}
