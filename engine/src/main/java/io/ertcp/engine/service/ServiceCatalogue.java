package io.ertcp.engine.service;

import io.ertcp.service.TcpService;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The built-in services, each named once with its default port, its one-line description and its own options (key,
 * kind, range, default, help). Everything that names a built-in service reads it from here: {@code ./ertcp serve}
 * ({@link ServiceFactory#byName}, its help text), the cluster file's {@code service} section
 * ({@code ClusterFileReader}, which checks the same options by the same ranges) and the cluster file writer.
 * The cluster file writes an option as {@code key: value}, the command line as {@code --key value} ({@code --key}
 * alone for a flag); both become the same {@code key -> text} map, and {@link #build} makes the service from it.
 */
public final class ServiceCatalogue
{
    /** What an option's text must be. */
    public enum Kind
    {
        /** A path, taken as written. */
        PATH,
        /** A whole number from {@link Option#min} to {@link Integer#MAX_VALUE}. */
        NUMBER,
        /** On or off: {@code true}/{@code false} in the file, present or absent on the command line. */
        FLAG
    }

    /**
     * One option of a built-in service.
     *
     * @param key          as the cluster file writes it; the command line adds {@code --}.
     * @param kind         what its text must be.
     * @param min          for a number, the least value.
     * @param defaultValue what applies without it, as a reader would write it (empty for none).
     * @param help         one line for --help and the cluster file's comments.
     */
    public record Option(String key, Kind kind, int min, String defaultValue, String help)
    {
        /** The option as the command line spells it. */
        public String flag()
        {
            return "--" + key;
        }
    }

    /**
     * One built-in service.
     *
     * @param name        as {@code --service} and the cluster file's {@code name} give it.
     * @param defaultPort where it listens unless told otherwise.
     * @param summary     one line for --help and the cluster file's comments.
     * @param options     its own options, besides the port every service takes.
     */
    public record Entry(String name, int defaultPort, String summary, List<Option> options,
        Function<Map<String, String>, TcpService> maker)
    {
        /** The option of this service with that key, if it has one. */
        public Optional<Option> option(final String key)
        {
            return options.stream().filter(option -> option.key().equals(key)).findFirst();
        }

        /** The options it takes, as one phrase for a sentence: {@code --port, --root and --idle-timeout-ms}. */
        public String optionsPhrase()
        {
            if (options.isEmpty())
            {
                return "only --port";
            }
            final List<String> all = new java.util.ArrayList<>(List.of("--port"));
            options.forEach(option -> all.add(option.flag()));
            return String.join(", ", all.subList(0, all.size() - 1)) + " and " + all.getLast();
        }
    }

    private static final Option ROOT = new Option("root", Kind.PATH, 0, "",
        "the directory served (a built-in page without it)");
    private static final Option IDLE_TIMEOUT_MS = new Option("idle-timeout-ms", Kind.NUMBER, 0,
        Long.toString(HttpService.DEFAULT_IDLE_TIMEOUT_MS), "close a connection idle this long, in ms (0: never)");
    private static final Option LOWER = new Option("lower", Kind.NUMBER, 1,
        Integer.toString(NetPipeService.DEFAULT_LOWER), "the smallest message size, as NPtcp's -l");
    private static final Option PERTURBATION = new Option("perturbation", Kind.NUMBER, 0,
        Integer.toString(NetPipeService.DEFAULT_PERTURBATION), "the sizes around each power of two, as NPtcp's -p");
    private static final Option TRIALS = new Option("trials", Kind.NUMBER, 1,
        Integer.toString(NetPipeService.DEFAULT_TRIALS), "the repeats of each size, as NPtcp's -r");
    private static final Option INTEGRITY = new Option("integrity", Kind.FLAG, 0, "false",
        "NPtcp's -i: lower 5, perturbation 0, trials 1");

    /** The built-in services, in the order they are listed to a user. */
    public static final List<Entry> BUILT_INS = List.of(
        new Entry("echo", EchoService.DEFAULT_PORT, "RFC 862: sends back what it receives", List.of(),
            options -> new EchoService()),
        new Entry("discard", DiscardService.DEFAULT_PORT, "RFC 863: reads and drops", List.of(),
            options -> new DiscardService()),
        new Entry("netpipe", NetPipeService.DEFAULT_PORT, "the peer an unmodified NPtcp -h ADDRESS measures against",
            List.of(LOWER, PERTURBATION, TRIALS, INTEGRITY), ServiceCatalogue::netpipe),
        new Entry("http", HttpService.DEFAULT_PORT, "HTTP/1.1 static files from --root (a built-in page without it)",
            List.of(ROOT, IDLE_TIMEOUT_MS), ServiceCatalogue::http),
        new Entry("kv", KvService.DEFAULT_PORT, "a key-value store speaking RESP: redis-cli and redis-benchmark work",
            List.of(), options -> new KvService()));

    /** Every built-in's option, each key once, by service name (http's, then netpipe's), each service's in order. */
    public static final List<Option> ALL_OPTIONS = BUILT_INS.stream()
        .sorted(java.util.Comparator.comparing(Entry::name))
        .flatMap(entry -> entry.options().stream()).distinct().toList();

    /** The names of {@link #BUILT_INS}, in order. */
    public static final List<String> NAMES = BUILT_INS.stream().map(Entry::name).toList();

    private ServiceCatalogue()
    {
    }

    /** The built-in service of that name, if there is one. */
    public static Optional<Entry> byName(final String name)
    {
        return BUILT_INS.stream().filter(entry -> entry.name().equals(name)).findFirst();
    }

    /**
     * Which services take an option, as a phrase, by service name:
     * {@code root and idle-timeout-ms are for http; lower, perturbation, trials and integrity for netpipe}.
     */
    public static String whoTakesWhat()
    {
        final List<Entry> taking = BUILT_INS.stream().filter(entry -> !entry.options().isEmpty())
            .sorted(java.util.Comparator.comparing(Entry::name)).toList();
        return taking.stream()
            .map(entry -> and(entry.options().stream().map(Option::key).toList()) +
                (entry == taking.getFirst() ? " are for " : " for ") + entry.name())
            .collect(Collectors.joining("; "));
    }

    /**
     * Checks an option's text by its kind and range.
     *
     * @return null when it is good, else the reason as the end of a sentence ({@code a whole number from 1 to N}).
     */
    public static String check(final Option option, final String text)
    {
        return switch (option.kind())
        {
            case PATH -> null;
            case FLAG -> text.equals("true") || text.equals("false") ? null : "true or false";
            case NUMBER ->
            {
                try
                {
                    final long value = Long.parseLong(text.replace("_", ""));
                    yield value >= option.min() && value <= Integer.MAX_VALUE ? null : range(option);
                }
                catch (final NumberFormatException ex)
                {
                    yield range(option);
                }
            }
        };
    }

    /** {@code a whole number from MIN to MAX}. */
    public static String range(final Option option)
    {
        return "a whole number from " + option.min() + " to " + Integer.MAX_VALUE;
    }

    /**
     * Makes the service from its options as checked text ({@link #check}); an option left out takes its default.
     *
     * @throws IllegalArgumentException with one sentence when the service refuses them (an http root that is not a
     *                                  directory, say).
     */
    public static TcpService build(final Entry entry, final Map<String, String> options)
    {
        return entry.maker().apply(options);
    }

    private static TcpService http(final Map<String, String> options)
    {
        final long idleTimeoutMs = number(options, IDLE_TIMEOUT_MS);
        final String root = options.get(ROOT.key());
        return root == null ? new HttpService(idleTimeoutMs) : new HttpService(Path.of(root), idleTimeoutMs);
    }

    private static TcpService netpipe(final Map<String, String> options)
    {
        if ("true".equals(options.get(INTEGRITY.key())))
        {
            return new NetPipeService(5, 0, 1);
        }
        return new NetPipeService(number(options, LOWER), number(options, PERTURBATION), number(options, TRIALS));
    }

    private static int number(final Map<String, String> options, final Option option)
    {
        return Integer.parseInt(options.getOrDefault(option.key(), option.defaultValue()).replace("_", ""));
    }

    private static String and(final List<String> words)
    {
        return words.size() == 1 ? words.getFirst() :
            String.join(", ", words.subList(0, words.size() - 1)) + " and " + words.getLast();
    }
}
