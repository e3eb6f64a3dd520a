package io.ertcp.engine.cluster.config;

import io.ertcp.engine.service.ServiceCatalogue;
import io.ertcp.engine.service.ServiceFactory;
import io.ertcp.service.TcpService;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The one service every node of the cluster runs (backups run it in shadow): a built-in one by its name, or a user's
 * class from a jar.
 *
 * @param name    echo, discard, netpipe, http or kv; for a user's service, its class name.
 * @param port    where the VIP listens; the built-in service's default unless the file says otherwise (a user's
 *                service has none: the file gives it).
 * @param options the service's own options as written in the file, in file order: a built-in's (http: root,
 *                idle-timeout-ms; netpipe: lower, perturbation, trials, integrity), or what a user's service's
 *                {@code options} section holds, for its constructor.
 * @param jar     for a user's service, the jar that holds the class {@code name}; empty for a built-in one.
 */
public record ServiceConfig(String name, int port, Map<String, String> options, Optional<Path> jar)
{
    public ServiceConfig
    {
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** A built-in service. */
    public ServiceConfig(final String name, final int port, final Map<String, String> options)
    {
        this(name, port, options, Optional.empty());
    }

    /**
     * Makes the service, each call a fresh instance, as {@code ./ertcp serve} would: built-ins from their options
     * through {@link ServiceCatalogue#build} (the one place {@link ServiceFactory#byName} builds them too), a user's class through {@link ServiceFactory#fromJar} (loaded and checked once,
     * here).
     *
     * @throws IllegalArgumentException with one sentence when the service cannot be built.
     */
    public Supplier<TcpService> factory()
    {
        if (jar.isPresent())
        {
            return ServiceFactory.fromJar(jar.get(), name, options);
        }
        final ServiceCatalogue.Entry entry = ServiceCatalogue.byName(name).orElseThrow(() ->
            new IllegalArgumentException("Unknown service '" + name + "': choose one of " +
                String.join(", ", ServiceCatalogue.NAMES) + "."));
        ServiceCatalogue.build(entry, options);
        return () -> ServiceCatalogue.build(entry, options);
    }

    /**
     * A built-in service's options in the form {@link ServiceFactory#byName} takes ({@code --key value}, a flag
     * alone), for a user who wants the {@code ./ertcp serve} line that runs the same service.
     */
    public List<String> factoryOptions()
    {
        final List<String> args = new ArrayList<>();
        args.add("--port");
        args.add(Integer.toString(port));
        options.forEach((key, value) ->
        {
            if (ServiceCatalogue.byName(name).flatMap(entry -> entry.option(key))
                .map(option -> option.kind() == ServiceCatalogue.Kind.FLAG).orElse(false))
            {
                if (value.equals("true"))
                {
                    args.add("--integrity");
                }
            }
            else
            {
                args.add("--" + key);
                args.add(value);
            }
        });
        return args;
    }
}
