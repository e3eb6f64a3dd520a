package io.ertcp.engine.cli;

import io.ertcp.engine.service.ServiceFactory;
import io.ertcp.service.TcpService;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The service a command was told to run: {@code --service NAME} (built in) or {@code --service-class CLASS
 * --service-jar JAR [--service-options K=V,...]} (a user's), as {@code serve} reads it.
 *
 * @param name    the built-in name, or the class name.
 * @param factory makes a fresh instance on each call.
 * @param port    the built-in's default port, or -1 for a user's service (which has none).
 */
record ServiceChoice(String name, Supplier<TcpService> factory, int port)
{
    /** The options that choose a service, for {@link Args#parse}. */
    static final Set<String> OPTIONS = Set.of("service", "service-class", "service-jar", "service-options");

    /**
     * @param builtInOptions a built-in service's options in {@link ServiceFactory#byName} form (such as --root).
     */
    static ServiceChoice of(final Args args, final List<String> builtInOptions)
    {
        if (args.has("service-class") || args.has("service-jar"))
        {
            if (args.has("service"))
            {
                throw new CliException("give --service NAME for a built-in service or --service-class and " +
                    "--service-jar for your own, not both");
            }
            final String className = args.require("service-class");
            final Path jar = Path.of(args.require("service-jar"));
            final Map<String, String> options = options(args.get("service-options", ""));
            return new ServiceChoice(className, PortCommand.parse(() -> ServiceFactory.fromJar(jar, className, options)), -1);
        }
        if (args.has("service-options"))
        {
            throw new CliException("--service-options are for a service of your own (--service-class); a built-in " +
                "service takes its own options, see --help");
        }
        final String name = args.require("service");
        final ServiceFactory.ServiceSpec spec = PortCommand.parse(() -> ServiceFactory.byName(name, builtInOptions));
        return new ServiceChoice(name, () -> ServiceFactory.byName(name, builtInOptions).service(), spec.port());
    }

    /** {@code k=v,k=v}, in order. */
    static Map<String, String> options(final String text)
    {
        final Map<String, String> options = new LinkedHashMap<>();
        if (text.isBlank())
        {
            return options;
        }
        for (final String pair : text.split(","))
        {
            final int eq = pair.indexOf('=');
            if (eq <= 0)
            {
                throw new CliException("--service-options takes KEY=VALUE pairs separated by commas, such as " +
                    "room=lobby,max-line=512, not '" + pair + "'");
            }
            if (options.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim()) != null)
            {
                throw new CliException("--service-options gives " + pair.substring(0, eq).trim() + " twice: keep one");
            }
        }
        return options;
    }
}
