package io.ertcp.engine.cluster;

import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.MemorySwitch;
import io.ertcp.engine.replication.channel.ClusterKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a node says, and at which level: its events reach its {@link NodeLog}, warnings as warnings; a log directory it
 * cannot use is one sentence, not Chronicle Queue's stack trace.
 */
class ClusterNodeLogTest
{
    @TempDir
    Path directory;

    private final long[] now = {1_000_000_000L};

    private ClusterConfig config() throws IOException
    {
        ClusterKey.generate(directory.resolve(InProcessCluster.KEY_FILE), false);
        return ClusterConfig.parse(InProcessCluster.yaml("echo", 1, directory));
    }

    private final MemorySwitch lan = new MemorySwitch(() -> now[0], 1, new Counters(256));

    private ClusterNode node(final ClusterConfig config, final String name, final NodeLog log)
    {
        return new ClusterNode(new ClusterNode.Context().config(config).nodeName(name)
            .port(lan.newPort(name, config.node(name).mac().orElseThrow()))
            .serviceFactory(config.service().factory()).clock(() -> now[0]).counters(new Counters(4096)).log(log));
    }

    @Test
    void eventsReachTheLogAndASuspicionIsAWarning() throws IOException
    {
        final ClusterConfig config = config();
        final List<String> lines = new ArrayList<>();
        final NodeLog log = new NodeLog()
        {
            public void info(final String message)
            {
                lines.add("INFO " + message);
            }

            public void warn(final String message)
            {
                lines.add("WARN " + message);
            }
        };
        final ClusterNode logger = node(config, "logger", log);
        final ClusterNode primary = node(config, "primary", NodeLog.printing(new PrintStream(new ByteArrayOutputStream()), "primary"));
        try
        {
            assertTrue(lines.getFirst().startsWith("INFO started as logger, node id 2, epoch 1"), lines.toString());
            for (int i = 0; i < 50; i++)
            {
                now[0] += 1_000_000L;
                primary.doWork();
                logger.doWork();
            }
            // The primary dies: within the suspicion timeout (6 ms) the logger suspects it.
            for (int i = 0; i < 50 && lines.stream().noneMatch(l -> l.startsWith("WARN suspects node primary")); i++)
            {
                now[0] += 1_000_000L;
                logger.doWork();
            }
            assertTrue(lines.contains("WARN suspects node primary"), lines.toString());
            assertTrue(lines.stream().noneMatch(l -> l.startsWith("INFO suspects")), lines.toString());
        }
        finally
        {
            primary.close();
            logger.close();
        }
    }

    @Test
    void aPrintingLogWritesTheBareLines()
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final NodeLog log = NodeLog.printing(new PrintStream(bytes, true, StandardCharsets.UTF_8), "backup1");
        log.info("took over as primary in epoch 2");
        log.warn("suspects node primary");
        assertEquals(List.of("[backup1] took over as primary in epoch 2", "[backup1] suspects node primary"),
            bytes.toString(StandardCharsets.UTF_8).lines().toList());
    }

    @Test
    void aQueueThatIsAFileIsOneSentence() throws IOException
    {
        final ClusterConfig config = config();
        final Path queue = Files.createDirectories(directory.resolve("logger")).resolve("log");
        Files.writeString(queue, "not a queue");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> node(config, "logger", NodeLog.printing(System.out, "logger")));
        assertEquals("the replication log " + queue + " (log.dir/logger/log) is a file, not a directory: move that " +
            "file away, or point log.dir at another directory.", ex.getMessage());
    }

    @Test
    void aDamagedQueueIsOneSentence() throws IOException
    {
        final ClusterConfig config = config();
        final Path queue = Files.createDirectories(directory.resolve("logger/log"));
        final byte[] junk = new byte[65536];
        new Random(7).nextBytes(junk);
        Files.write(queue.resolve("metadata.cq4t"), junk);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> node(config, "logger", NodeLog.printing(System.out, "logger")));
        assertTrue(ex.getMessage().startsWith("the replication log " + queue + " (log.dir/logger/log) cannot be opened ("),
            ex.getMessage());
        assertTrue(ex.getMessage().endsWith("): it is damaged or not a Chronicle queue; move it aside and start again " +
            "(a primary or backup then rejoins from the logger, a logger starts an empty log)."), ex.getMessage());
    }
}
