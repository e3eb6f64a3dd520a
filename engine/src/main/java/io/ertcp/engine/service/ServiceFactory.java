package io.ertcp.engine.service;

import io.ertcp.service.TcpService;

import java.nio.file.Path;
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
    public static final List<String> NAMES = List.of("echo", "discard", "netpipe", "http", "kv");

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
     * @param name    echo, discard, netpipe, http or kv.
     * @param options {@code --port N} for any service; http: {@code --root DIR},
     *                {@code --idle-timeout-ms N}; netpipe: {@code --lower N}, {@code --perturbation N},
     *                {@code --trials N}, or {@code --integrity} (as NPtcp's -i).
     * @return the service with its port (default echo 7, discard 9, netpipe 5002, http 80, kv 6379).
     * @throws IllegalArgumentException with one sentence naming the choices, for an unknown name or option.
     */
    public static ServiceSpec byName(final String name, final List<String> options)
    {
        int port = switch (name)
        {
            case "echo" -> EchoService.DEFAULT_PORT;
            case "discard" -> DiscardService.DEFAULT_PORT;
            case "netpipe" -> NetPipeService.DEFAULT_PORT;
            case "http" -> HttpService.DEFAULT_PORT;
            case "kv" -> KvService.DEFAULT_PORT;
            default -> throw new IllegalArgumentException(
                "Unknown service '" + name + "': choose one of " + String.join(", ", NAMES) + ".");
        };

        Path root = null;
        long idleTimeoutMs = HttpService.DEFAULT_IDLE_TIMEOUT_MS;
        int lower = NetPipeService.DEFAULT_LOWER;
        int perturbation = NetPipeService.DEFAULT_PERTURBATION;
        int trials = NetPipeService.DEFAULT_TRIALS;
        for (int i = 0; i < options.size(); i++)
        {
            final String option = options.get(i);
            final boolean known = switch (option)
            {
                case "--port" -> true;
                case "--root", "--idle-timeout-ms" -> name.equals("http");
                case "--lower", "--perturbation", "--trials", "--integrity" -> name.equals("netpipe");
                default -> false;
            };
            if (!known)
            {
                throw new IllegalArgumentException("Option '" + option + "' does not apply to the " + name +
                    " service: it takes " + optionsOf(name) + ".");
            }
            if (option.equals("--integrity"))
            {
                lower = 5;
                perturbation = 0;
                trials = 1;
                continue;
            }
            if (i + 1 >= options.size())
            {
                throw new IllegalArgumentException("Option " + option + " needs a value.");
            }
            final String value = options.get(++i);
            switch (option)
            {
                case "--port" -> port = number(option, value, 1, 65535);
                case "--root" -> root = Path.of(value);
                case "--idle-timeout-ms" -> idleTimeoutMs = number(option, value, 0, Integer.MAX_VALUE);
                case "--lower" -> lower = number(option, value, 1, Integer.MAX_VALUE);
                case "--perturbation" -> perturbation = number(option, value, 0, Integer.MAX_VALUE);
                case "--trials" -> trials = number(option, value, 1, Integer.MAX_VALUE);
                default -> throw new IllegalStateException(option);
            }
        }

        final TcpService service = switch (name)
        {
            case "echo" -> new EchoService();
            case "discard" -> new DiscardService();
            case "netpipe" -> new NetPipeService(lower, perturbation, trials);
            case "http" -> root == null ? new HttpService(idleTimeoutMs) : new HttpService(root, idleTimeoutMs);
            default -> new KvService();
        };
        return new ServiceSpec(service, port);
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

    private static String optionsOf(final String name)
    {
        return switch (name)
        {
            case "http" -> "--port, --root and --idle-timeout-ms";
            case "netpipe" -> "--port, --lower, --perturbation, --trials and --integrity";
            default -> "only --port";
        };
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
