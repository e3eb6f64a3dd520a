package io.ertcp.engine.cluster.config;

/**
 * How backups get the client's bytes (docs/architecture.md rule 3), which decides the roles a cluster file
 * may name and the durability rules it may choose.
 */
public enum ClusterMode
{
    /** Forward ingest: the primary publishes records, a logger persists them, backups follow the log. */
    ER_TCP("er-tcp"),
    /** Tap ingest: backups take the client's frames off the LAN; no logger, the backup confirms. */
    ST_TCP("st-tcp");

    private final String text;

    ClusterMode(final String text)
    {
        this.text = text;
    }

    /** As written in the cluster file. */
    public String text()
    {
        return text;
    }

    /** @return the mode, or null when the text names none. */
    static ClusterMode byText(final String text)
    {
        for (final ClusterMode mode : values())
        {
            if (mode.text.equals(text))
            {
                return mode;
            }
        }
        return null;
    }
}
