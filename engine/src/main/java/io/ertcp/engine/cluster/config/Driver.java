package io.ertcp.engine.cluster.config;

/**
 * The datapath a node opens its interface with, as {@code ./ertcp serve --driver} names them.
 */
public enum Driver
{
    /** A DPDK-bound NIC, with optional EAL arguments. */
    DPDK("dpdk"),
    /** A Linux interface through an AF_PACKET socket: veths and bridges in namespaces, no special NIC. */
    AF_PACKET("af-packet");

    private final String text;

    Driver(final String text)
    {
        this.text = text;
    }

    /** As written in the cluster file and given to the CLI's {@code --driver}. */
    public String text()
    {
        return text;
    }

    /** @return the driver, or null when the text names none. */
    static Driver byText(final String text)
    {
        for (final Driver driver : values())
        {
            if (driver.text.equals(text))
            {
                return driver;
            }
        }
        return null;
    }
}
