package io.ertcp.engine.cli;

import java.util.List;
import java.util.Map;

/**
 * What {@code ./ertcp status} learnt of one node: its own {@code /status} over the network, or its status file on
 * this machine, or nothing.
 *
 * @param name           the node's name in the cluster file.
 * @param configuredRole the role the file gives it.
 * @param endpoint       {@code ADDRESS:PORT} of its management endpoint, or empty when the file gives it no address.
 * @param source         {@code network}, {@code file} or {@code none}.
 * @param up             it answered, or its status file is fresh.
 * @param status         what it said of itself (the {@code /status} keys; a file gives no members), or null.
 * @param why            when it did not answer over the network, or is down: why, one phrase; else empty.
 */
record NodeAnswer(String name, String configuredRole, String endpoint, String source, boolean up,
    Map<String, Object> status, String why)
{
    String role()
    {
        return null == status ? "" : String.valueOf(status.getOrDefault("role", ""));
    }

    long number(final String key)
    {
        final Object value = null == status ? null : status.get(key);
        return value instanceof final Number n ? n.longValue() : -1;
    }

    String text(final String key)
    {
        final Object value = null == status ? null : status.get(key);
        return null == value ? "" : String.valueOf(value);
    }

    /** The members as the node sees them (network answers only), each a map of the /status member keys. */
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> members()
    {
        final Object value = null == status ? null : status.get("members");
        return value instanceof List ? (List<Map<String, Object>>)value : List.of();
    }
}
