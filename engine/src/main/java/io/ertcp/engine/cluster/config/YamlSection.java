package io.ertcp.engine.cluster.config;

import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One YAML mapping of the cluster file with the keys it may hold. Unknown and repeated keys are
 * reported when the section is made, with the nearest known key as the fix, because a misspelt
 * optional key silently ignored is a default the user did not choose.
 */
final class YamlSection
{
    private final String where;
    private final Node node;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
    private final Problems problems;

    /**
     * @param where how a sentence names this section, such as {@code "vip"} or {@code "node 'b1'"}.
     * @param node  the mapping.
     * @param keys  the keys it may hold, in the order a user is told them.
     */
    YamlSection(final String where, final MappingNode node, final List<String> keys, final Problems problems)
    {
        this.where = where;
        this.node = node;
        this.problems = problems;
        final Set<String> known = Set.copyOf(keys);
        for (final NodeTuple tuple : node.getValue())
        {
            final Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof final ScalarNode scalar))
            {
                problems.add(keyNode, where + " has a key that is not a plain name: write keys as words such as " +
                    keys.getFirst() + ".");
                continue;
            }
            final String key = scalar.getValue();
            if (!known.contains(key))
            {
                final String near = nearest(key, keys);
                problems.add(keyNode, where + " has an unknown key '" + key + "': " +
                    (near != null ? "did you mean '" + near + "'?" : "the keys here are " + String.join(", ", keys) + "."));
            }
            else if (entries.putIfAbsent(key, tuple) != null)
            {
                problems.add(keyNode, where + " gives '" + key + "' twice: keep one.");
            }
        }
    }

    String where()
    {
        return where;
    }

    Node node()
    {
        return node;
    }

    boolean has(final String key)
    {
        return entries.containsKey(key);
    }

    /** The value node, or null when absent. */
    Node value(final String key)
    {
        final NodeTuple tuple = entries.get(key);
        return tuple == null ? null : tuple.getValueNode();
    }

    /** The line of the key, or of the section when the key is absent: where a fix goes. */
    Node at(final String key)
    {
        final NodeTuple tuple = entries.get(key);
        return tuple == null ? node : tuple.getKeyNode();
    }

    /** A scalar's text; null, with a problem, when it is missing (if required) or not a scalar. */
    String text(final String key, final boolean required, final String example)
    {
        final Node value = value(key);
        if (value == null)
        {
            if (required)
            {
                problems.add(node, where + " lacks '" + key + "': add it, such as " + key + ": " + example + ".");
            }
            return null;
        }
        if (value instanceof final ScalarNode scalar && !scalar.getValue().isEmpty())
        {
            return scalar.getValue().trim();
        }
        problems.add(value, where + " has no single value for '" + key + "': write it as " + key + ": " + example + ".");
        return null;
    }

    /** A mapping inside this one; null, with a problem, when it is missing (if required) or not a mapping. */
    YamlSection section(final String key, final String where, final List<String> keys, final boolean required)
    {
        final Node value = value(key);
        if (value == null)
        {
            if (required)
            {
                problems.add(node, this.where + " lacks the '" + key + "' section: add it with " +
                    String.join(", ", keys) + ".");
            }
            return null;
        }
        if (!(value instanceof final MappingNode mapping))
        {
            problems.add(value, "'" + key + "' is not a section: write its keys (" + String.join(", ", keys) +
                ") indented below it.");
            return null;
        }
        return new YamlSection(where, mapping, keys, problems);
    }

    /** A known key within edit distance two, or null. */
    static String nearest(final String key, final List<String> keys)
    {
        String best = null;
        int bestDistance = 3;
        for (final String candidate : keys)
        {
            final int distance = distance(key.toLowerCase(java.util.Locale.ROOT), candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    private static int distance(final String a, final String b)
    {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++)
        {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++)
            {
                final int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            final int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
