package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.management.NodeReport;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.MemorySwitch;
import io.ertcp.engine.replication.channel.ClusterKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every member learns from the others' heartbeats whether they run its cluster file (the digest of the file's
 * meaning): the one that differs is named once in a warning, in the status detail and in the report's members,
 * while a file that differs only in its spelling (quotes, comments) agrees.
 */
class ClusterConfigAgreementTest
{
    @TempDir
    Path directory;

    private final long[] now = {1_000_000_000L};
    private final MemorySwitch lan = new MemorySwitch(() -> now[0], 1, new Counters(256));
    private final Map<String, ClusterNode> nodes = new LinkedHashMap<>();
    private final Map<String, List<String>> lines = new LinkedHashMap<>();

    @AfterEach
    void close()
    {
        nodes.values().forEach(ClusterNode::close);
    }

    private String yaml() throws IOException
    {
        ClusterKey.generate(directory.resolve(InProcessCluster.KEY_FILE), false);
        return InProcessCluster.yaml("echo", 1, directory);
    }

    private void start(final String name, final String yaml)
    {
        final ClusterConfig config = ClusterConfig.parse(yaml);
        final List<String> said = new ArrayList<>();
        lines.put(name, said);
        nodes.put(name, new ClusterNode(config, name, lan.newPort(name, config.node(name).mac().orElseThrow()),
            config.service().factory(), () -> now[0], new Counters(4096), new NodeLog()
        {
            public void info(final String message)
            {
                said.add("INFO " + message);
            }

            public void warn(final String message)
            {
                said.add("WARN " + message);
            }
        }));
    }

    private void run(final int millis)
    {
        for (int i = 0; i < millis; i++)
        {
            now[0] += 1_000_000L;
            nodes.values().forEach(ClusterNode::doWork);
        }
    }

    private static List<String> matching(final List<String> lines, final String part)
    {
        return lines.stream().filter(line -> line.contains(part)).toList();
    }

    @Test
    void aMemberOnAnotherFileIsNamedOnceByEachOfTheOthers() throws IOException
    {
        final String same = yaml();
        final String other = same.replace("buffer-kib: 64", "buffer-kib: 32");
        start("primary", same);
        start("logger", other);
        start("backup1", same);
        run(100);

        for (final String name : List.of("primary", "backup1"))
        {
            final List<String> warned = matching(lines.get(name), "runs a different cluster file");
            assertEquals(1, warned.size(), name + " said: " + lines.get(name));
            assertTrue(warned.get(0).startsWith("WARN node 'logger' runs a different cluster file (digest "), warned.get(0));
            assertTrue(warned.get(0).endsWith("): give every node the same file and restart the one that differs."),
                warned.get(0));
            assertTrue(nodes.get(name).status().detail().contains("another cluster file on logger"),
                nodes.get(name).status().detail());
        }
        // The logger, in turn, names both others.
        assertEquals(2, matching(lines.get("logger"), "runs a different cluster file").size(), lines.get("logger").toString());

        final Map<String, Boolean> differs = new LinkedHashMap<>();
        for (final NodeReport.Member member : nodes.get("primary").report().members())
        {
            differs.put(member.name(), member.configDiffers());
        }
        assertEquals(Map.of("primary", false, "logger", true, "backup1", false), differs);
    }

    @Test
    void aFileSpelledDifferentlyButMeaningTheSameAgrees() throws IOException
    {
        final String same = yaml();
        final String respelled = "# the same cluster, quoted and commented\n" +
            same.replace("cluster: inprocess", "cluster: \"inprocess\"").replace("mode: er-tcp", "mode: 'er-tcp'");
        start("primary", same);
        start("logger", respelled);
        start("backup1", same);
        run(100);

        for (final String name : nodes.keySet())
        {
            assertTrue(matching(lines.get(name), "cluster file").isEmpty(), name + " said: " + lines.get(name));
            assertFalse(nodes.get(name).status().detail().contains("another cluster file"));
        }
        // And they do replicate together: the primary hears both as alive members.
        for (final NodeReport.Member member : nodes.get("primary").report().members())
        {
            assertTrue(member.alive(), member.toString());
        }
    }
}
