package io.ertcp.engine;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one-way dependencies of docs/architecture.md ("Layering"), checked on the compiled main classes of
 * engine, ffm-bindings and log-store: a layer may use the layers listed for it and no other, so the TCP
 * stack never reaches replication, cluster or the log, and log-store never reaches the engine. A new
 * package must be given a layer here (every class must belong to one).
 */
class LayeringTest
{
    private static final JavaClasses MAIN_CLASSES = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.ertcp.engine", "io.ertcp.ffm", "io.ertcp.log", "io.ertcp.service");

    /** The layering as docs/architecture.md draws it; the test changes only with that section. */
    private static LayeredArchitecture layering()
    {
        return layeredArchitecture()
            .consideringOnlyDependenciesInAnyPackage("io.ertcp..")
            .ensureAllClassesAreContainedInArchitecture()

            .layer("ffm").definedBy("io.ertcp.ffm..")
            .layer("service-api").definedBy("io.ertcp.service..")
            .layer("log-store").definedBy("io.ertcp.log..")
            .layer("counters").definedBy("io.ertcp.engine.counters..")
            .layer("port").definedBy("io.ertcp.engine.port..")
            .layer("agent").definedBy("io.ertcp.engine.agent..")
            .layer("net").definedBy("io.ertcp.engine.net..")
            .layer("lan").definedBy("io.ertcp.engine.lan..")
            .layer("node").definedBy("io.ertcp.engine.node..")
            .layer("tcp").definedBy("io.ertcp.engine.tcp..")
            .layer("service").definedBy("io.ertcp.engine.service..")
            .layer("replication").definedBy("io.ertcp.engine.replication..")
            .layer("cluster").definedBy("io.ertcp.engine.cluster..")
            .layer("check").definedBy("io.ertcp.engine.check..")
            .layer("cli").definedBy("io.ertcp.engine.cli..")

            .whereLayer("ffm").mayNotAccessAnyLayer()
            .whereLayer("service-api").mayNotAccessAnyLayer()
            .whereLayer("log-store").mayOnlyAccessLayers("ffm")
            .whereLayer("counters").mayNotAccessAnyLayer()
            .whereLayer("port").mayOnlyAccessLayers("ffm", "counters")
            .whereLayer("agent").mayOnlyAccessLayers("port", "counters")
            .whereLayer("net").mayOnlyAccessLayers("port", "counters")
            .whereLayer("lan").mayOnlyAccessLayers("net", "port", "counters")
            .whereLayer("node").mayOnlyAccessLayers("net", "port", "counters")
            .whereLayer("tcp").mayOnlyAccessLayers("service-api", "net", "port", "counters")
            .whereLayer("service").mayOnlyAccessLayers("service-api", "tcp", "counters")
            .whereLayer("replication").mayOnlyAccessLayers(
                "service-api", "tcp", "log-store", "node", "net", "port", "counters")
            .whereLayer("cluster").mayOnlyAccessLayers(
                "replication", "service-api", "tcp", "log-store", "node", "agent", "net", "port", "counters")
            .whereLayer("check").mayOnlyAccessLayers("service-api")
            .whereLayer("cli").mayOnlyAccessLayers(
                "check", "cluster", "replication", "service", "service-api", "tcp", "log-store", "node", "lan", "agent", "net", "port",
                "counters", "ffm")

            // Allowed, per class. The cluster file names its service, and the one catalogue of the
            // built-in services (names, default ports, options) is ServiceCatalogue in service, which the CLI
            // and the cluster file both read (issue 14 item 3).
            .ignoreDependency(classAndItsNested("io.ertcp.engine.cluster.config.ClusterFileReader"),
                resideInAPackage("io.ertcp.engine.service.."))
            // The writer comments a service and its options from the catalogue; the template takes a built-in's
            // default port from it. Both read the catalogue alone.
            .ignoreDependency(classAndItsNested("io.ertcp.engine.cluster.config.ClusterFileWriter"),
                classAndItsNested("io.ertcp.engine.service.ServiceCatalogue"))
            .ignoreDependency(classAndItsNested("io.ertcp.engine.cluster.config.ClusterTemplate"),
                classAndItsNested("io.ertcp.engine.service.ServiceCatalogue"))
            // ServiceConfig builds the service the cluster file names through the same catalogue (a built-in
            // by name, or a user's class from a jar).
            .ignoreDependency(classAndItsNested("io.ertcp.engine.cluster.config.ServiceConfig"),
                resideInAPackage("io.ertcp.engine.service.."))
            // The determinism check gives a service the very clock a replica's stack gives it (its time and timers
            // in log order), so a service that uses cluster time is checked as it runs; of tcp it uses that alone.
            .ignoreDependency(resideInAPackage("io.ertcp.engine.check.."),
                classAndItsNested("io.ertcp.engine.tcp.ServiceClock"));
    }

    /** One class (ClusterFileReader is package-private, so named by its name) with its nested classes. */
    private static DescribedPredicate<JavaClass> classAndItsNested(final String name)
    {
        return describe(name, c -> c.getName().equals(name) || c.getName().startsWith(name + "$"));
    }

    @Test
    void everyDependencyPointsDownTheLayers()
    {
        layering().check(MAIN_CLASSES);
    }

    @Test
    void theCheckSeesAllThreeModules()
    {
        // An empty import would pass every rule; the layering is only checked if each module is there.
        for (final String pkg : new String[] {"io.ertcp.ffm", "io.ertcp.log", "io.ertcp.engine.tcp"})
        {
            assertTrue(MAIN_CLASSES.stream().anyMatch(c -> c.getPackageName().startsWith(pkg)),
                "no main class of " + pkg + " was imported: the layering check would see nothing of it");
        }
    }
}
