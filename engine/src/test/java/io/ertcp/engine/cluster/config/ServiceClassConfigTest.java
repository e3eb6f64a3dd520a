package io.ertcp.engine.cluster.config;

import io.ertcp.engine.service.ServiceJars;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A service of the user's own in the cluster file: {@code class}, {@code jar}, {@code port}, {@code options}; the
 * class is checked when the file is read, each problem a sentence on its line.
 */
class ServiceClassConfigTest
{
    @TempDir
    Path directory;

    /** The service section's lines (from line 4 on) instead of name: echo. */
    private static String file(final String... serviceLines)
    {
        return ClusterFiles.UNAUTHENTICATED.replace("service:\n  name: echo\n",
            "service:\n  " + String.join("\n  ", serviceLines) + "\n");
    }

    @Test
    void aClassFromAJarWithItsOptionsInFileOrder()
    {
        final Path jar = ServiceJars.demo(directory);
        final ClusterConfig config = ClusterConfig.parse(file("class: demo.GoodService", "jar: " + jar, "port: 7000",
            "options:", "  room: lobby", "  max-line: 80"));
        assertEquals("demo.GoodService", config.service().name());
        assertEquals(7000, config.service().port());
        assertEquals(Optional.of(jar), config.service().jar());
        assertEquals(List.of("room", "max-line"), List.copyOf(config.service().options().keySet()));
        assertEquals("good{room=lobby, max-line=80}", config.service().factory().get().name());
        assertEquals(Map.of(), ClusterConfig.parse(file("class: demo.PlainService", "jar: " + jar, "port: 7000"))
            .service().options());
    }

    @Test
    void problemsNameTheirLine()
    {
        final Path jar = ServiceJars.demo(directory);
        final Path missing = directory.resolve("chat.jar");
        refused(file("class: demo.GoodService", "jar: " + missing, "port: 7000"),
            "line 5: the service jar " + missing + " does not exist: build it (mvn package) or give the path of the " +
                "jar that holds demo.GoodService.");
        refused(file("class: demo.Chat", "jar: " + jar, "port: 7000"),
            "line 4: the service jar " + jar + " has no class demo.Chat: give the class's full name, package included " +
                "(unzip -l " + jar + " lists the classes).");
        refused(file("class: demo.NotAService", "jar: " + jar, "port: 7000"),
            "line 4: the class demo.NotAService in " + jar + " is not a TcpService: make it implement " +
                "io.ertcp.service.TcpService (artifact io.ertcp:ertcp-service-api).");
        refused(file("name: echo", "class: demo.GoodService", "jar: " + jar, "root: /srv", "options: [a, b]"),
            "line 4: service gives both a built-in 'name' and a 'class': keep name for a built-in service, or class and " +
                "jar for your own.",
            "line 4: service lacks 'port': a service of your own has no default port, so add one, such as port: 7000.",
            "line 7: service 'root' is an option of a built-in service: put your service's own options under " +
                "options:, such as options: {root: ...}.",
            "line 8: service options is not a section: write each option as key: value indented below it.");
        refused(file("class: demo.GoodService", "port: 7000"),
            "line 4: service lacks 'jar': add it, such as jar: /opt/chat/chat.jar.");
    }

    private static void refused(final String yaml, final String... expected)
    {
        final ClusterConfigException ex = assertThrows(ClusterConfigException.class, () -> ClusterConfig.parse(yaml));
        assertEquals(List.of(expected), ex.problems(), ex.getMessage());
    }
}
