package io.ertcp.engine.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckServiceCommandTest
{
    private static final String CHAT_JAR =
        System.getProperty("ertcp.example.chat.jar", "examples/own-service/target/chat.jar");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aBuiltInServicePassesAndSaysHowMuchWasCompared()
    {
        assertEquals(0, run("check-service", "--service", "kv", "--rounds", "4"), err());
        assertTrue(out().startsWith("check-service: kv, 4 rounds from seed 1, 8 connections each, workload resp\n"), out());
        assertTrue(out().contains("round 4 (seed 4): replay ok splits ok snapshot ok interleavings skipped"), out());
        assertTrue(out().contains("kv passed: every comparison agreed ("), out());
    }

    @Test
    void theChatExamplePassesAndItsWallClockGreeterFailsWithAReportOfTheFirstDifference()
    {
        assertTrue(Files.isRegularFile(Path.of(CHAT_JAR)), "examples/own-service is built before the engine's tests");
        assertEquals(0, run("check-service", "--service-class", "com.example.chat.ChatService", "--service-jar",
            CHAT_JAR, "--service-options", "room=check", "--rounds", "3"), out() + err());
        assertTrue(out().contains("workload lines"), out());

        out.reset();
        assertEquals(1, run("check-service", "--service-class", "com.example.mistakes.WallClockGreeter",
            "--service-jar", CHAT_JAR, "--rounds", "2"), out() + err());
        final String report = out();
        assertTrue(report.contains("round 1 (seed 1): replay DIFFERS\n  connection 0, output byte "), report);
        assertTrue(report.contains("while handling event 0 (connection 0 opened)"), report);
        assertTrue(report.contains("the output before it, the same in both: \"hello, it is "), report);
        assertTrue(report.contains("com.example.mistakes.WallClockGreeter is not deterministic: its replay comparison " +
            "differed in round 1 (rerun it alone with --seed 1 --rounds 1)"), report);
    }

    @Test
    void mistakesAreOneSentenceWithExitStatusTwo()
    {
        assertEquals(2, run("check-service", "--service", "kv", "--workload", "smtp"));
        assertTrue(err().contains("there is no workload 'smtp': give bytes, lines, resp, http or netpipe"), err());
        err.reset();
        assertEquals(2, run("check-service", "--service", "kv", "--rounds", "0"));
        assertTrue(err().contains("--rounds must be from 1 to 10000, not 0"), err());
        err.reset();
        assertEquals(2, run("check-service", "--service", "nosuch"));
        assertTrue(err().startsWith("ertcp check-service: "), err());
        err.reset();
        assertEquals(2, run("check-service", "--service-class", "x.Y", "--service-jar", "/nonexistent/y.jar"));
        assertTrue(err().contains("/nonexistent/y.jar"), err());
        assertEquals(1, err().lines().count(), err());
    }
}
