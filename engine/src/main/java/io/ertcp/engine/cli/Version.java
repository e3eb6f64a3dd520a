package io.ertcp.engine.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What {@code ./ertcp --version} prints: the Maven project version and the commit the build was made from, both
 * written into {@code version.properties} when the build filters its resources, so a jar tells what it is without git.
 *
 * @param version such as {@code 0.1.0-SNAPSHOT}.
 * @param commit  an abbreviated commit id, {@code -dirty} when the tree had uncommitted changes, or {@code unknown}
 *                when the build was not made by the launcher from a git checkout.
 */
record Version(String version, String commit)
{
    static final String RESOURCE = "version.properties";

    /** The version this build carries. */
    static Version current()
    {
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE))
        {
            if (null == in)
            {
                return new Version("unknown", "unknown");
            }
            final Properties properties = new Properties();
            properties.load(in);
            return new Version(filtered(properties, "version"), filtered(properties, "commit"));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + RESOURCE + " from the ertcp jar", ex);
        }
    }

    /** A value the build left unfiltered (a run from an IDE's own build) is unknown, not "${...}". */
    private static String filtered(final Properties properties, final String key)
    {
        final String value = properties.getProperty(key, "").trim();
        return value.isEmpty() || value.startsWith("${") ? "unknown" : value;
    }

    @Override
    public String toString()
    {
        return "ertcp " + version + " (commit " + commit + ")";
    }
}
