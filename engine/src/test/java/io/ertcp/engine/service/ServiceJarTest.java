package io.ertcp.engine.service;

import io.ertcp.service.TcpService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ServiceJarTest
{
    @TempDir
    Path directory;

    @Test
    void aServiceLoadsFromItsJarWithItsOptionsInOrder()
    {
        final Path jar = ServiceJars.demo(directory);
        final Map<String, String> options = new LinkedHashMap<>();
        options.put("room", "lobby");
        options.put("max-line", "80");
        final Supplier<TcpService> services = ServiceFactory.fromJar(jar, "demo.GoodService", options);
        final TcpService one = services.get();
        final TcpService two = services.get();
        assertEquals("good{room=lobby, max-line=80}", one.name());
        assertNotSame(one, two, "each call a fresh instance");
        assertEquals(one.getClass(), two.getClass(), "one class loader for the jar");
        assertNotSame(ServiceJarTest.class.getClassLoader(), one.getClass().getClassLoader(), "the class is the jar's");
        assertThrows(ClassNotFoundException.class, () -> Class.forName("demo.GoodService"));
        assertEquals("good{}", ServiceFactory.fromJar(jar, "demo.GoodService", Map.of()).get().name());
        assertEquals("good{}", ServiceFactory.fromJar(jar, "demo.PlainService", Map.of()).get().name());
    }

    @Test
    void eachProblemIsOneSentenceWithItsFix() throws IOException
    {
        final Path jar = ServiceJars.demo(directory);
        final Path missing = directory.resolve("chat.jar");
        refused(ServiceJar.Part.JAR, "the service jar " + missing + " does not exist: build it (mvn package) or give the " +
            "path of the jar that holds demo.GoodService.", missing, "demo.GoodService", Map.of());
        final Path text = Files.writeString(directory.resolve("text.jar"), "not a zip");
        refused(ServiceJar.Part.JAR, "the service jar " + text + " is not a jar (zip END header not found): give the " +
            "jar mvn package built.", text, "demo.GoodService", Map.of());
        refused(ServiceJar.Part.JAR, "the service jar " + directory + " is not a file ertcp can read: give the path " +
            "of the jar itself and let ertcp's user read it.", directory, "demo.GoodService", Map.of());
        refused(ServiceJar.Part.CLASS, "the service jar " + jar + " has no class demo.ChatService: give the class's " +
            "full name, package included (unzip -l " + jar + " lists the classes).", jar, "demo.ChatService", Map.of());
        refused(ServiceJar.Part.CLASS, "the class demo.NotAService in " + jar + " is not a TcpService: make it " +
            "implement io.ertcp.service.TcpService (artifact io.ertcp:ertcp-service-api).", jar, "demo.NotAService", Map.of());
        refused(ServiceJar.Part.CLASS, "the class demo.Unfinished in " + jar + " is abstract: give the class that " +
            "implements every callback.", jar, "demo.Unfinished", Map.of());
        refused(ServiceJar.Part.CLASS, "the class demo.NoUsableConstructor in " + jar + " has no usable constructor: " +
            "give it a public one taking Map<String, String> (the options) or a public one taking nothing.",
            jar, "demo.NoUsableConstructor", Map.of());
        refused(ServiceJar.Part.OPTIONS, "the class demo.PlainService takes no options (it has no public constructor " +
            "taking Map<String, String>): drop room or add that constructor.", jar, "demo.PlainService", Map.of("room", "x"));
        refused(ServiceJar.Part.OPTIONS, "the service demo.Refusing refused to start: java.lang.IllegalArgumentException: " +
            "room is required (its constructor threw; check its options).", jar, "demo.Refusing", Map.of());
    }

    private static void refused(
        final ServiceJar.Part part, final String sentence, final Path jar, final String className, final Map<String, String> options)
    {
        final ServiceJar.LoadException ex = assertThrows(ServiceJar.LoadException.class,
            () -> ServiceFactory.fromJar(jar, className, options));
        assertEquals(sentence, ex.getMessage());
        assertEquals(part, ex.part(), sentence);
    }
}
