package io.ertcp.engine.cluster.config;

/**
 * Which replicas must confirm a record before the primary acknowledges the bytes in it
 * (docs/architecture.md rule 1).
 *
 * @param kind    whose confirmation counts.
 * @param backups for {@link Kind#LOGGER_PLUS}: how many backups must confirm besides the logger; 0 otherwise.
 */
public record Durability(Kind kind, int backups)
{
    /** The rules; each names the mode it belongs to. */
    public enum Kind
    {
        /** ER-TCP default: the logger's confirmation. */
        LOGGER,
        /** ER-TCP quorum: the logger and {@code backups} backups. */
        LOGGER_PLUS,
        /** ST-TCP: every backup (there is usually one) has the bytes off the wire. */
        BACKUP
    }

    public static final Durability LOGGER = new Durability(Kind.LOGGER, 0);
    public static final Durability BACKUP = new Durability(Kind.BACKUP, 0);

    /**
     * @param text {@code logger}, {@code logger+K} with K at least 1, or {@code backup}.
     * @throws IllegalArgumentException with one sentence naming the choices.
     */
    public static Durability parse(final String text)
    {
        switch (text)
        {
            case "logger" ->
            {
                return LOGGER;
            }
            case "backup" ->
            {
                return BACKUP;
            }
            default ->
            {
                if (text.startsWith("logger+"))
                {
                    try
                    {
                        final int k = Integer.parseInt(text.substring("logger+".length()));
                        if (k >= 1)
                        {
                            return new Durability(Kind.LOGGER_PLUS, k);
                        }
                    }
                    catch (final NumberFormatException ignore)
                    {
                        // fall through to the sentence
                    }
                }
                throw new IllegalArgumentException("'" + text + "' is not a durability rule: write logger, logger+K " +
                    "(K backups too, K at least 1) or backup");
            }
        }
    }

    public String toString()
    {
        return switch (kind)
        {
            case LOGGER -> "logger";
            case LOGGER_PLUS -> "logger+" + backups;
            case BACKUP -> "backup";
        };
    }
}
