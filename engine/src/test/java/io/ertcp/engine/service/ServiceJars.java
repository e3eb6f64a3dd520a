package io.ertcp.engine.service;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * Builds a jar of service classes compiled from source at test time, so that the classes exist only in the jar (as a
 * user's do), never on the test's classpath.
 */
public final class ServiceJars
{
    /** Classes in package {@code demo}, by simple name, that the tests of jar loading use. */
    public static final Map<String, String> DEMO = Map.of(
        "GoodService", """
            package demo;
            public class GoodService implements io.ertcp.service.TcpService {
                private final java.util.Map<String, String> options;
                public GoodService(java.util.Map<String, String> options) { this.options = options; }
                public String name() { return "good" + options; }
                public void onOpen(io.ertcp.service.Connection c) { }
                public int onData(io.ertcp.service.Connection c, org.agrona.DirectBuffer b, int o, int l) { return l; }
                public void onPeerClosed(io.ertcp.service.Connection c) { c.shutdownOutput(); }
                public void onWritable(io.ertcp.service.Connection c) { }
                public void onClosed(io.ertcp.service.Connection c, io.ertcp.service.CloseReason r) { }
            }
            """,
        "PlainService", """
            package demo;
            public class PlainService extends GoodService {
                public PlainService() { super(java.util.Map.of()); }
            }
            """,
        "NoUsableConstructor", """
            package demo;
            public class NoUsableConstructor extends GoodService {
                public NoUsableConstructor(int n) { super(java.util.Map.of()); }
            }
            """,
        "Refusing", """
            package demo;
            public class Refusing extends GoodService {
                public Refusing(java.util.Map<String, String> options) {
                    super(options);
                    throw new IllegalArgumentException("room is required");
                }
            }
            """,
        "NotAService", """
            package demo;
            public class NotAService { }
            """,
        "Unfinished", """
            package demo;
            public abstract class Unfinished implements io.ertcp.service.TcpService { public Unfinished() { } }
            """);

    private ServiceJars()
    {
    }

    /** The {@link #DEMO} classes compiled into {@code directory/demo.jar}. */
    public static Path demo(final Path directory)
    {
        return build(directory.resolve("demo.jar"), DEMO);
    }

    /**
     * @param sources by simple class name, each in package {@code demo}.
     */
    public static Path build(final Path jar, final Map<String, String> sources)
    {
        try
        {
            final Path src = Files.createTempDirectory(jar.getParent(), "src");
            final Path classes = Files.createTempDirectory(jar.getParent(), "classes");
            final List<String> args = new ArrayList<>(List.of(
                "-d", classes.toString(), "-cp", System.getProperty("java.class.path"), "-proc:none", "-nowarn"));
            for (final Map.Entry<String, String> source : sources.entrySet())
            {
                final Path file = src.resolve(source.getKey() + ".java");
                Files.writeString(file, source.getValue());
                args.add(file.toString());
            }
            final JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
            final ByteArrayOutputStream errors = new ByteArrayOutputStream();
            if (compiler.run(null, OutputStream.nullOutputStream(), errors, args.toArray(String[]::new)) != 0)
            {
                throw new IllegalStateException("the demo services do not compile:\n" + errors);
            }
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                 var files = Files.walk(classes))
            {
                for (final Path file : files.filter(Files::isRegularFile).sorted().toList())
                {
                    out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                    out.write(Files.readAllBytes(file));
                    out.closeEntry();
                }
            }
            return jar;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
