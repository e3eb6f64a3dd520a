package io.ertcp.engine.service;

import io.ertcp.service.TcpService;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Builds the service a node runs: a built-in one from its name and command-line style options, or a user's from its
 * class in a jar. The one path by which {@code ./ertcp serve} and {@code ./ertcp node} (through the cluster file) get
 * their service.
 */
public final class ServiceFactory
{
    /** The names {@link #byName} knows, in the order they are listed to a user. */
    public static final List<String> NAMES = ServiceCatalogue.NAMES;

    private ServiceFactory()
    {
    }

    /**
     * A service and the port it listens on.
     */
    public record ServiceSpec(TcpService service, int port)
    {
    }

    /**
     * @param name    a name of {@link ServiceCatalogue#BUILT_INS}.
     * @param options {@code --port N} for any service, and the service's own options of the catalogue as the command
     *                line writes them: {@code --key value}, or {@code --key} alone for a flag (such as
     *                {@code --integrity}, NPtcp's -i).
     * @return the service with its port (the catalogue's default unless {@code --port} says otherwise).
     * @throws IllegalArgumentException with one sentence naming the choices, for an unknown name or option.
     */
    public static ServiceSpec byName(final String name, final List<String> options)
    {
        final ServiceCatalogue.Entry entry = ServiceCatalogue.byName(name).orElseThrow(() -> new IllegalArgumentException(
            "Unknown service '" + name + "': choose one of " + String.join(", ", NAMES) + "."));
        int port = entry.defaultPort();
        final Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < options.size(); i++)
        {
            final String flag = options.get(i);
            final ServiceCatalogue.Option option = flag.startsWith("--") ?
                entry.option(flag.substring(2)).orElse(null) : null;
            if (option == null && !flag.equals("--port"))
            {
                throw new IllegalArgumentException("Option '" + flag + "' does not apply to the " + name +
                    " service: it takes " + entry.optionsPhrase() + ".");
            }
            if (option != null && option.kind() == ServiceCatalogue.Kind.FLAG)
            {
                values.put(option.key(), "true");
                continue;
            }
            if (i + 1 >= options.size())
            {
                throw new IllegalArgumentException("Option " + flag + " needs a value.");
            }
            final String value = options.get(++i);
            if (option == null)
            {
                port = number(flag, value, 1, 65535);
            }
            else
            {
                if (option.kind() == ServiceCatalogue.Kind.NUMBER)
                {
                    number(flag, value, option.min(), Integer.MAX_VALUE);
                }
                values.put(option.key(), value);
            }
        }
        return new ServiceSpec(ServiceCatalogue.build(entry, values), port);
    }

    /**
     * A user's service: its class loaded from the jar once, checked, and one instance built at once so that a
     * constructor that refuses the options stops the start, not the first client.
     *
     * @param options the service's own options, in order, for its constructor taking a Map.
     * @return makes a fresh instance on each call (a node needs one per copy it runs).
     * @throws ServiceJar.LoadException with one sentence: no such jar, no such class, not a TcpService, no usable
     *                                  constructor, or the constructor threw.
     */
    public static Supplier<TcpService> fromJar(final Path jar, final String className, final Map<String, String> options)
    {
        final ServiceJar loaded = ServiceJar.load(jar, className);
        loaded.newInstance(options);
        return () -> loaded.newInstance(options);
    }

    private static int number(final String option, final String value, final int min, final int max)
    {
        try
        {
            final int n = Integer.parseInt(value);
            if (n >= min && n <= max)
            {
                return n;
            }
        }
        catch (final NumberFormatException ignore)
        {
            // fall through to the sentence
        }
        throw new IllegalArgumentException("Option " + option + " needs a whole number from " + min + " to " + max +
            ", not '" + value + "'.");
    }
}
