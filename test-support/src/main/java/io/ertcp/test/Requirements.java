package io.ertcp.test;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a system test needs from the machine, checked up front so that a test skips with the
 * reason and the fix instead of failing halfway. CI runs as root with DPDK installed, so there
 * nothing skips.
 */
public final class Requirements
{
    private Requirements()
    {
    }

    public static boolean isRoot()
    {
        return "root".equals(System.getProperty("user.name")) ||
            Shell.run("id", "-u").stdout().trim().equals("0");
    }

    /** Skip unless the test can create network namespaces (root). */
    public static void assumeRootAndNetns()
    {
        Assumptions.assumeTrue(isRoot(), "needs root to create network namespaces and veth pairs: run as root");
        Assumptions.assumeTrue(Shell.hasCommand("ip"), "needs iproute2's ip: apt-get install -y iproute2");
    }

    /** Skip unless the DPDK shim was built (libdpdk installed at build time). */
    public static void assumeDpdkShim()
    {
        Assumptions.assumeTrue(Files.exists(dpdkShim()),
            "the DPDK shim is not built (" + dpdkShim() + "): apt-get install -y libdpdk-dev dpdk pkg-config, then rebuild");
    }

    /** Skip unless a command is installed. */
    public static void assumeCommand(final String command, final String debianPackage)
    {
        Assumptions.assumeTrue(Shell.hasCommand(command),
            "needs " + command + ": apt-get install -y " + debianPackage);
    }

    /** The repository root, as the build passes it to tests. */
    public static Path root()
    {
        return Path.of(System.getProperty("ertcp.root", System.getProperty("user.dir") + "/.."));
    }

    /** Where the build puts libertcp_dpdk.so. */
    public static Path dpdkShim()
    {
        return Path.of(System.getProperty("ertcp.native.dir",
            root().resolve("native-dpdk/target/native").toString())).resolve("libertcp_dpdk.so");
    }
}
