package io.ertcp.engine.cluster.config;

import org.snakeyaml.engine.v2.nodes.Node;

import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A cluster file's values read the one way its section readers ({@link ClusterFileReader}, {@link NodeListReader})
 * share: a name, a duration, a whole number in range, true or false, or any value through a parser whose errors are
 * one sentence; each problem goes to the file's one {@link Problems} with the value's line.
 */
abstract class ValueReader
{
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    final Problems problems;

    ValueReader(final Problems problems)
    {
        this.problems = problems;
    }

    String name(final YamlSection section, final String key, final String where, final String example)
    {
        final String name = section.text(key, true, example);
        if (name != null && !NAME.matcher(name).matches())
        {
            problems.add(section.value(key), where + " name '" + name + "' is not usable: use letters, digits, " +
                "'.', '-' and '_' (it names a log directory), such as " + example + ".");
            return null;
        }
        return name;
    }

    Long duration(final YamlSection section, final String key)
    {
        final String text = section.text(key, false, "10ms");
        if (text == null)
        {
            return null;
        }
        final Long ns = parse(section, key, text, Durations::parseNs);
        if (ns != null && ns <= 0)
        {
            problems.add(section.value(key), section.where() + " " + key + " must be longer than zero: write " +
                "a duration such as 10ms.");
            return null;
        }
        return ns;
    }

    /** A whole number in range; the default when absent; -1, with a problem, when wrong. */
    long number(final YamlSection section, final String key, final long defaultValue, final long min, final long max)
    {
        final String text = section.text(key, false, Long.toString(Math.max(min, 1)));
        if (text == null)
        {
            return section.has(key) ? -1 : defaultValue;
        }
        try
        {
            final long value = Long.parseLong(text.replace("_", ""));
            if (value >= min && value <= max)
            {
                return value;
            }
        }
        catch (final NumberFormatException ignore)
        {
            // fall through to the sentence
        }
        problems.add(section.value(key), section.where() + " " + key + " '" + text + "' is not a whole number from " +
            min + " to " + max + ": write one such as " + Math.max(min, defaultValue) + ".");
        return -1;
    }

    Boolean bool(final YamlSection section, final String key)
    {
        final String text = section.text(key, false, "true");
        if (text == null)
        {
            return null;
        }
        if (text.equals("true") || text.equals("false"))
        {
            return Boolean.valueOf(text);
        }
        problems.add(section.value(key), section.where() + " " + key + " '" + text + "' is not true or false: write one of them.");
        return null;
    }

    /** Applies a parser whose errors are one sentence, turning them into problems at the value's line. */
    <T> T parse(final YamlSection section, final String key, final String text, final Function<String, T> parser)
    {
        try
        {
            return parser.apply(text);
        }
        catch (final IllegalArgumentException | ArithmeticException ex)
        {
            final String reason = ex.getMessage() == null ? "'" + text + "' is out of range" : ex.getMessage();
            problems.add(section.value(key), section.where() + " " + key + ": " + reason + (reason.endsWith(".") ? "" : "."));
            return null;
        }
    }

    static int line(final Node node)
    {
        return node.getStartMark().map(mark -> mark.getLine() + 1).orElse(0);
    }
}
