package io.ertcp.test;

/**
 * A veth pair joining two namespaces: a cable between two test hosts.
 *
 * @param a     one namespace.
 * @param aName the interface's name in {@code a} (at most 15 characters).
 * @param b     the other namespace.
 * @param bName the interface's name in {@code b}.
 */
public record Veth(NetNs a, String aName, NetNs b, String bName)
{
    /**
     * Create the pair, both ends up, without addresses.
     */
    public static Veth create(final NetNs a, final String aName, final NetNs b, final String bName)
    {
        Shell.run("ip", "link", "add", aName, "netns", a.name(), "type", "veth",
            "peer", "name", bName, "netns", b.name()).requireOk();
        a.exec("ip", "link", "set", aName, "up");
        b.exec("ip", "link", "set", bName, "up");
        return new Veth(a, aName, b, bName);
    }
}
