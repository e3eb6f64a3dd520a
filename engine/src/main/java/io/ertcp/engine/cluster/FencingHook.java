package io.ertcp.engine.cluster;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The fencing hook of a two-node ST-TCP cluster (docs/architecture.md rule 4, and ST-TCP: "a suspect is powered off, so a
 * suspicion is never acted on twice"). With a primary and one backup and no third member there is no majority; so
 * before a node acts on its suspicion of the other (the backup takes over, or the primary carries on without its
 * backup) it runs the operator's command, which must cut the other node off for good (power it down through its
 * BMC, shut its switch port) and exit 0 only once that is done.
 * <p>
 * The command runs as {@code /bin/sh -c '<hook> "$1"' fence <node name>}, with ERTCP_CLUSTER, ERTCP_FENCE_NODE
 * and ERTCP_FENCE_MAC in its environment, its output going to the node's. It is started and polled from the duty
 * cycle, never waited for there; one that runs longer than its timeout is killed and counts as failed.
 */
final class FencingHook
{
    /** What the hook is doing. */
    enum Outcome
    {
        IDLE, RUNNING, FENCED, FAILED
    }

    private final String command;
    private final String clusterName;
    private final long timeoutNs;
    private Process process;
    private long startedNs;
    private String target = "";
    private Outcome outcome = Outcome.IDLE;
    private String failure = "";

    FencingHook(final String command, final String clusterName, final long timeoutNs)
    {
        this.command = command;
        this.clusterName = clusterName;
        this.timeoutNs = timeoutNs;
    }

    /**
     * Start fencing {@code nodeName} unless it is being fenced already.
     */
    void start(final String nodeName, final String macText, final long nowNs)
    {
        if (outcome == Outcome.RUNNING)
        {
            return;
        }
        target = nodeName;
        startedNs = nowNs;
        final ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", command + " \"$1\"", "fence", nodeName)
            .inheritIO()
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("ERTCP_CLUSTER", clusterName);
        builder.environment().put("ERTCP_FENCE_NODE", nodeName);
        builder.environment().put("ERTCP_FENCE_MAC", macText);
        try
        {
            process = builder.start();
            outcome = Outcome.RUNNING;
        }
        catch (final IOException ex)
        {
            process = null;
            outcome = Outcome.FAILED;
            failure = "could not start the fencing hook '" + command + "': " + ex.getMessage() +
                "; check failure-detection fencing-hook in the cluster file";
        }
    }

    /**
     * @return the outcome now: RUNNING until the command exits (or is killed at its timeout).
     */
    Outcome poll(final long nowNs)
    {
        if (outcome != Outcome.RUNNING)
        {
            return outcome;
        }
        if (process.isAlive())
        {
            if (nowNs - startedNs < timeoutNs)
            {
                return outcome;
            }
            process.destroyForcibly();
            try
            {
                process.waitFor(1, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            outcome = Outcome.FAILED;
            failure = "the fencing hook for " + target + " ran past " + timeoutNs / 1_000_000_000L +
                " s and was killed";
            return outcome;
        }
        final int status = process.exitValue();
        outcome = status == 0 ? Outcome.FENCED : Outcome.FAILED;
        failure = status == 0 ? "" : "the fencing hook for " + target + " exited with status " + status +
            ", so " + target + " may still be running";
        return outcome;
    }

    /**
     * Forget the last outcome, so that the next suspicion runs the hook again.
     */
    void reset()
    {
        if (outcome != Outcome.RUNNING)
        {
            outcome = Outcome.IDLE;
        }
    }

    String target()
    {
        return target;
    }

    String failure()
    {
        return failure;
    }
}
