package io.ertcp.engine.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Options of the form {@code --name value} and {@code --flag}, checked against what a command
 * accepts so that a misspelt option is refused with a sentence, never ignored.
 */
public final class Args
{
    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();

    private Args(final String command)
    {
        this.command = command;
    }

    /**
     * @param command   for messages, such as {@code "port"}.
     * @param args      what followed the command name.
     * @param withValue options that take a value.
     * @param flags     options that take none.
     */
    public static Args parse(final String command, final String[] args, final Set<String> withValue, final Set<String> flags)
    {
        final Args parsed = new Args(command);
        for (int i = 0; i < args.length; i++)
        {
            String name = args[i];
            if (!name.startsWith("--"))
            {
                throw new CliException("unexpected argument '" + name + "' for " + command + ": see ./ertcp " + command + " --help");
            }
            String value = null;
            final int eq = name.indexOf('=');
            if (eq > 0)
            {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            name = name.substring(2);
            if (flags.contains(name))
            {
                if (value != null)
                {
                    throw new CliException("--" + name + " takes no value: see ./ertcp " + command + " --help");
                }
                parsed.values.put(name, "true");
            }
            else if (withValue.contains(name))
            {
                if (value == null)
                {
                    if (i + 1 >= args.length)
                    {
                        throw new CliException("--" + name + " needs a value: see ./ertcp " + command + " --help");
                    }
                    value = args[++i];
                }
                parsed.values.put(name, value);
            }
            else
            {
                throw new CliException("unknown option --" + name + " for " + command + ": see ./ertcp " + command + " --help");
            }
        }
        return parsed;
    }

    public boolean has(final String name)
    {
        return values.containsKey(name);
    }

    public String get(final String name, final String defaultValue)
    {
        return values.getOrDefault(name, defaultValue);
    }

    public String require(final String name)
    {
        final String value = values.get(name);
        if (value == null || value.isBlank())
        {
            throw new CliException(command + " needs --" + name + ": see ./ertcp " + command + " --help");
        }
        return value;
    }

    public long getLong(final String name, final long defaultValue)
    {
        final String value = values.get(name);
        if (value == null)
        {
            return defaultValue;
        }
        try
        {
            return Long.parseLong(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new CliException("--" + name + " must be a whole number, not '" + value + "'");
        }
    }

    public double getDouble(final String name, final double defaultValue)
    {
        final String value = values.get(name);
        if (value == null)
        {
            return defaultValue;
        }
        try
        {
            return Double.parseDouble(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new CliException("--" + name + " must be a number, not '" + value + "'");
        }
    }
}
