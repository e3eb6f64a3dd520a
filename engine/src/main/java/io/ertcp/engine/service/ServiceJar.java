package io.ertcp.engine.service;

import io.ertcp.service.TcpService;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.JarFile;

/**
 * A user's {@link TcpService} class in a jar, loaded once and checked at start, so that a node refuses to start with
 * one sentence naming what is wrong (no such jar, no such class, not a TcpService, no usable constructor) instead of
 * failing when the first client connects.
 * <p>
 * The jar gets its own class loader whose parent is the engine's: {@code io.ertcp.service} and Agrona come from the
 * engine (parent first), so the service and the engine agree on what a {@link TcpService} is even if the jar carries
 * its own copy of the API.
 */
public final class ServiceJar
{
    /** What part of a service's description a problem is about, so that a cluster file can point at its line. */
    public enum Part
    {
        JAR,
        CLASS,
        OPTIONS
    }

    /** A problem with a service jar or class: one sentence with the fix. */
    public static final class LoadException extends IllegalArgumentException
    {
        private final Part part;

        LoadException(final Part part, final String sentence)
        {
            super(sentence);
            this.part = part;
        }

        public Part part()
        {
            return part;
        }
    }

    private final Path jar;
    private final String className;
    private final Constructor<? extends TcpService> withOptions;
    private final Constructor<? extends TcpService> withoutOptions;

    private ServiceJar(
        final Path jar,
        final String className,
        final Constructor<? extends TcpService> withOptions,
        final Constructor<? extends TcpService> withoutOptions)
    {
        this.jar = jar;
        this.className = className;
        this.withOptions = withOptions;
        this.withoutOptions = withoutOptions;
    }

    /**
     * Load {@code className} from {@code jar} and check that it is a TcpService ertcp can construct; nothing of the
     * class runs yet (its static initialiser runs with the first instance).
     *
     * @throws LoadException with one sentence naming the problem and its fix.
     */
    public static ServiceJar load(final Path jar, final String className)
    {
        if (!Files.exists(jar))
        {
            throw new LoadException(Part.JAR, "the service jar " + jar + " does not exist: build it (mvn package) " +
                "or give the path of the jar that holds " + className + ".");
        }
        if (!Files.isRegularFile(jar) || !Files.isReadable(jar))
        {
            throw new LoadException(Part.JAR, "the service jar " + jar + " is not a file ertcp can read: give the " +
                "path of the jar itself and let ertcp's user read it.");
        }
        try (JarFile ignored = new JarFile(jar.toFile()))
        {
            // Only whether it opens as a jar: the class loader reads it.
        }
        catch (final IOException ex)
        {
            throw new LoadException(Part.JAR, "the service jar " + jar + " is not a jar (" + ex.getMessage() +
                "): give the jar mvn package built.");
        }

        final Class<?> type;
        try
        {
            type = Class.forName(className, false, loader(jar));
        }
        catch (final ClassNotFoundException ex)
        {
            throw new LoadException(Part.CLASS, "the service jar " + jar + " has no class " + className +
                ": give the class's full name, package included (unzip -l " + jar + " lists the classes).");
        }
        catch (final LinkageError ex)
        {
            throw new LoadException(Part.CLASS, "the class " + className + " in " + jar + " cannot be loaded (" +
                ex + "): it needs classes that are neither in the jar nor in ertcp; put them into the jar (shade it).");
        }
        if (!TcpService.class.isAssignableFrom(type))
        {
            throw new LoadException(Part.CLASS, "the class " + className + " in " + jar + " is not a TcpService: " +
                "make it implement io.ertcp.service.TcpService (artifact io.ertcp:ertcp-service-api).");
        }
        if (type.isInterface() || Modifier.isAbstract(type.getModifiers()))
        {
            throw new LoadException(Part.CLASS, "the class " + className + " in " + jar + " is abstract: give the " +
                "class that implements every callback.");
        }
        if (!Modifier.isPublic(type.getModifiers()))
        {
            throw new LoadException(Part.CLASS, "the class " + className + " in " + jar + " is not public: make it " +
                "public so that ertcp can construct it.");
        }
        final Class<? extends TcpService> service = type.asSubclass(TcpService.class);
        final Constructor<? extends TcpService> withOptions = constructor(service, Map.class);
        final Constructor<? extends TcpService> withoutOptions = constructor(service);
        if (null == withOptions && null == withoutOptions)
        {
            throw new LoadException(Part.CLASS, "the class " + className + " in " + jar + " has no usable " +
                "constructor: give it a public one taking Map<String, String> (the options) or a public one taking nothing.");
        }
        return new ServiceJar(jar, className, withOptions, withoutOptions);
    }

    /**
     * A fresh instance, as a node needs for each copy of the service it runs.
     *
     * @param options the service's options as written, in order; passed to the constructor taking a Map.
     * @throws LoadException when the class takes no options but some are given, or its constructor threw.
     */
    public TcpService newInstance(final Map<String, String> options)
    {
        if (null == withOptions && !options.isEmpty())
        {
            throw new LoadException(Part.OPTIONS, "the class " + className + " takes no options (it has no public " +
                "constructor taking Map<String, String>): drop " + String.join(", ", options.keySet()) +
                " or add that constructor.");
        }
        try
        {
            return null != withOptions ? withOptions.newInstance(
                java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(options))) : withoutOptions.newInstance();
        }
        catch (final InvocationTargetException ex)
        {
            throw new LoadException(Part.OPTIONS, "the service " + className + " refused to start: " +
                ex.getCause() + " (its constructor threw; check its options).");
        }
        catch (final ReflectiveOperationException | LinkageError ex)
        {
            throw new LoadException(Part.CLASS, "the class " + className + " in " + jar + " cannot be constructed (" +
                ex + "): make the class and its constructor public.");
        }
    }

    public Path jar()
    {
        return jar;
    }

    public String className()
    {
        return className;
    }

    private static URLClassLoader loader(final Path jar)
    {
        try
        {
            return new URLClassLoader("service " + jar.getFileName(), new URL[]{jar.toUri().toURL()},
                TcpService.class.getClassLoader());
        }
        catch (final MalformedURLException ex)
        {
            throw new LoadException(Part.JAR, "the service jar path " + jar + " is not a usable path (" +
                ex.getMessage() + "): give a plain file path.");
        }
    }

    private static Constructor<? extends TcpService> constructor(
        final Class<? extends TcpService> type, final Class<?>... parameters)
    {
        try
        {
            return type.getConstructor(parameters);
        }
        catch (final NoSuchMethodException ex)
        {
            return null;
        }
    }
}
