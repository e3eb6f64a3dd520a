package io.ertcp.engine.cli;

import io.ertcp.engine.cluster.config.ClusterMode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whether a cluster is healthy, from what {@code ./ertcp status} learnt of each node: every configured member up,
 * exactly one primary, in er-tcp a logger, no member fenced, the primary hearing every member, every member on the
 * same cluster file, and in st-tcp the
 * primary's backup in sync. Each problem is one phrase; {@code ./ertcp status} prints them on one line and exits 1.
 */
final class ClusterHealth
{
    private ClusterHealth()
    {
    }

    /**
     * @return the problems, most serious first; empty when the cluster is healthy.
     */
    static List<String> problems(final ClusterMode mode, final List<NodeAnswer> answers)
    {
        final List<String> problems = new ArrayList<>();
        final List<NodeAnswer> primaries = new ArrayList<>();
        boolean logger = false;
        String draining = null;
        for (final NodeAnswer answer : answers)
        {
            if (!answer.up())
            {
                continue;
            }
            switch (answer.role())
            {
                case "primary" -> primaries.add(answer);
                case "logger" -> logger = true;
                case "draining" -> draining = answer.name();
                default ->
                {
                }
            }
        }
        if (primaries.isEmpty())
        {
            problems.add("no primary" + (null != draining ? ": " + draining + " is taking over" :
                ": no node that is up serves the VIP"));
        }
        else if (primaries.size() > 1)
        {
            final StringBuilder which = new StringBuilder("more than one primary:");
            for (int i = 0; i < primaries.size(); i++)
            {
                which.append(i == 0 ? " " : ", ").append(primaries.get(i).name()).append(" in epoch ")
                    .append(primaries.get(i).number("epoch"));
            }
            problems.add(which.toString());
        }
        if (mode == ClusterMode.ER_TCP && !logger)
        {
            problems.add("no logger: the primary acknowledges nothing new until a backup is promoted " +
                "(docs/architecture.md rule 6)");
        }
        for (final NodeAnswer answer : answers)
        {
            if (!answer.up())
            {
                problems.add(answer.configuredRole() + " " + answer.name() + " is down (" + answer.why() + ")");
            }
            else if (answer.role().equals("fenced"))
            {
                problems.add(answer.name() + " is fenced (deposed): it rejoins as a backup by itself");
            }
            else if (answer.role().equals("rejoining"))
            {
                problems.add(answer.name() + " is rejoining: it replays the log and cannot take over yet");
            }
        }
        // Each member says which others' heartbeats carry another cluster file's digest; the odd one out is the one
        // most members name (with two members, or a split, every member that is named).
        final Map<String, Integer> namedBy = new java.util.LinkedHashMap<>();
        for (final NodeAnswer answer : answers)
        {
            if (answer.up())
            {
                for (final Map<String, Object> member : answer.members())
                {
                    if (Boolean.TRUE.equals(member.get("config_differs")))
                    {
                        namedBy.merge(String.valueOf(member.get("name")), 1, Integer::sum);
                    }
                }
            }
        }
        if (!namedBy.isEmpty())
        {
            final int most = java.util.Collections.max(namedBy.values());
            final List<String> odd = new ArrayList<>();
            namedBy.forEach((name, count) ->
            {
                if (count == most)
                {
                    odd.add(name);
                }
            });
            problems.add(String.join(", ", odd) + (odd.size() == 1 ? " runs" : " run") + " another cluster file " +
                "than the other members (the digests in their heartbeats differ): give every node the same file");
        }
        if (primaries.size() == 1)
        {
            final NodeAnswer primary = primaries.get(0);
            for (final Map<String, Object> member : primary.members())
            {
                final String name = String.valueOf(member.get("name"));
                if (!Boolean.TRUE.equals(member.get("alive")) && isUp(answers, name))
                {
                    problems.add("the primary " + primary.name() + " does not hear " + name);
                }
            }
            final String detail = primary.text("detail");
            if (mode == ClusterMode.ST_TCP && (detail.contains(" lost") || detail.startsWith("alone")))
            {
                problems.add("the primary " + primary.name() + " has no backup in sync (" +
                    detail.split(",")[0] + ")");
            }
        }
        return problems;
    }

    private static boolean isUp(final List<NodeAnswer> answers, final String name)
    {
        return answers.stream().anyMatch(answer -> answer.name().equals(name) && answer.up());
    }
}
