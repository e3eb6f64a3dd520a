package io.ertcp.engine.counters;

import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CountersFileTest
{
    @TempDir
    Path dir;

    private static Map<String, Long> read(final CountersFile file)
    {
        final Map<String, Long> values = new LinkedHashMap<>();
        file.forEach(values::put);
        return values;
    }

    @Test
    void aReaderOfItsOwnSeesTheWritersCountersMoveAndWhoWritesThem() throws IOException
    {
        final Path path = dir.resolve("counters");
        final Counters counters = Counters.mapped(path, 64);
        final AtomicCounter frames = counters.newCounter("af-packet:eth0 rx-frames");
        final AtomicCounter segments = counters.newCounter("tcp rx-segments");
        frames.increment();
        try (CountersFile reader = CountersFile.open(path))
        {
            assertEquals(Map.of("af-packet:eth0 rx-frames", 1L, "tcp rx-segments", 0L), read(reader));
            frames.getAndAdd(41);
            segments.increment();
            assertEquals(42L, read(reader).get("af-packet:eth0 rx-frames"), "the reader's mapping sees the write");
            assertEquals(1L, read(reader).get("tcp rx-segments"));
            // A counter made after the reader mapped the file shows up too: the metadata is in the same mapping.
            counters.newCounter("backup records-tapped").getAndAdd(7);
            assertEquals(7L, read(reader).get("backup records-tapped"));
            assertEquals(ProcessHandle.current().pid(), reader.pid());
            assertTrue(reader.writerAlive());
        }
        finally
        {
            counters.close();
        }
        try (CountersFile after = CountersFile.open(path))
        {
            assertEquals(42L, read(after).get("af-packet:eth0 rx-frames"), "the file keeps the last values");
        }
    }

    @Test
    void anotherProcessReadsTheFileWithErtcpStat() throws Exception
    {
        final Path path = dir.resolve("counters");
        final Counters counters = Counters.mapped(path, 64);
        counters.newCounter("tcp rx-segments").getAndAdd(12345);
        counters.newCounter("tcp tx-segments");
        try
        {
            final Path output = dir.resolve("stat.out");
            // A JVM of its own, with this one's module flags (jvm.flags: Agrona's Unsafe access).
            final List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(argument -> argument.startsWith("--add-") || argument.startsWith("--enable-")).forEach(command::add);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.ertcp.engine.cli.Main", "stat",
                "--file", path.toString()));
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "stat finished");
            final String text = Files.readString(output, StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), text);
            assertTrue(text.contains("pid " + ProcessHandle.current().pid() + ", running"), text);
            assertTrue(text.matches("(?s).*\\n  tcp rx-segments\\s+12345\\n.*"), text);
            assertFalse(text.contains("tcp tx-segments"), "counters at zero are left out without --all:\n" + text);
        }
        finally
        {
            counters.close();
        }
    }

    @Test
    void aFileThatIsNotACountersFileIsRefusedWithASentence() throws IOException
    {
        final Path junk = dir.resolve("junk");
        Files.write(junk, new byte[8192]);
        final IOException wrong = assertThrows(IOException.class, () -> CountersFile.open(junk));
        assertTrue(wrong.getMessage().contains("is not a counters file"), wrong.getMessage());
        final IOException missing = assertThrows(IOException.class, () -> CountersFile.open(dir.resolve("none")));
        assertTrue(missing.getMessage().startsWith("there is no counters file"), missing.getMessage());
        final IOException shortFile = assertThrows(IOException.class, () -> CountersFile.open(
            Files.write(dir.resolve("short"), List.of("x"))));
        assertTrue(shortFile.getMessage().contains("is not a counters file"), shortFile.getMessage());
    }
}
