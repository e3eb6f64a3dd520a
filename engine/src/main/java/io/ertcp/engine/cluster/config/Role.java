package io.ertcp.engine.cluster.config;

/**
 * A node's role when the cluster starts (docs/architecture.md, "The main classes by role"). Roles change at run time (a
 * backup takes over, a restarted primary rejoins as a backup); the file names the starting ones.
 */
public enum Role
{
    /** Owns the VIP and virtual MAC and talks to clients. */
    PRIMARY("primary"),
    /** ER-TCP only: persists every record and confirms it. */
    LOGGER("logger"),
    /** A hot standby running shadows of every connection; takes over in rank order. */
    BACKUP("backup"),
    /** ST-TCP only: votes in takeovers and holds no data, so that two data nodes still have a majority. */
    WITNESS("witness");

    private final String text;

    Role(final String text)
    {
        this.text = text;
    }

    /** As written in the cluster file. */
    public String text()
    {
        return text;
    }

    /** @return the role, or null when the text names none. */
    static Role byText(final String text)
    {
        for (final Role role : values())
        {
            if (role.text.equals(text))
            {
                return role;
            }
        }
        return null;
    }
}
