package io.ertcp.systest;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.port.DpdkPort;
import io.ertcp.engine.port.PortException;
import io.ertcp.test.NetNs;
import io.ertcp.test.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a user who names the wrong interface sees: one sentence, no JVM crash, and EAL left
 * untouched so that a correct open in the same process still works. A class of its own because EAL
 * starts once per process (the build forks a JVM per test class).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DpdkPortErrorsSystemTest
{
    @Test
    void aMissingInterfaceIsOneSentenceWithTheFix()
    {
        Requirements.assumeRootAndNetns();
        Requirements.assumeDpdkShim();

        try (NetNs ns = NetNs.create("nodev"))
        {
            final PortException ex = assertThrows(PortException.class,
                () -> DpdkPort.open("nosuch0", null, ns.name(), new Counters(16)));

            final String message = ex.getMessage();
            assertTrue(message.startsWith("there is no network interface named nosuch0 in network namespace " + ns.name()),
                message);
            assertTrue(message.contains("ip link"), message);
            assertTrue(message.endsWith("."), message);

            // The check ran before EAL: the port can still be opened once the interface exists.
            ns.exec("ip", "link", "add", "nosuch0", "type", "veth", "peer", "name", "nosuch1");
            ns.exec("ip", "link", "set", "nosuch0", "up");
            ns.exec("ip", "link", "set", "nosuch1", "up");
            try (DpdkPort port = DpdkPort.open("nosuch0", null, ns.name(), new Counters(16)))
            {
                assertTrue(port.macAddress() != 0, "a started port has a MAC address");
            }
        }
    }

    @Test
    void aNamespaceThatDoesNotExistIsOneSentence()
    {
        Requirements.assumeRootAndNetns();
        Requirements.assumeDpdkShim();

        final PortException ex = assertThrows(PortException.class,
            () -> DpdkPort.open("eth0", null, "ertcp-no-such-namespace", new Counters(16)));
        assertTrue(ex.getMessage().startsWith("network namespace ertcp-no-such-namespace cannot be opened"),
            ex.getMessage());
    }
}
