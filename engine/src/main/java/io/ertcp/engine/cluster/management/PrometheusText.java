package io.ertcp.engine.cluster.management;

import io.ertcp.engine.counters.Counters;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A node's counters and status as the Prometheus text exposition format (version 0.0.4) for {@code GET /metrics}.
 * <ul>
 * <li>Status as gauges: {@code ertcp_epoch}, {@code ertcp_role{role="..."}} (1 for the role held, 0 for the others),
 * {@code ertcp_log_position}, {@code ertcp_applied_position}, {@code ertcp_confirmed_position},
 * {@code ertcp_lag_records}, {@code ertcp_connections}, and per member {@code ertcp_member_alive{member="..."}} and
 * {@code ertcp_member_log_position{member="..."}}.</li>
 * <li>Every counter as a Prometheus counter: its label {@code "GROUP NAME"} becomes
 * {@code ertcp_GROUP_NAME_total} (non-alphanumerics as {@code _}: {@code "tcp rx-segments"} is
 * {@code ertcp_tcp_rx_segments_total}); a port's group ({@code "af-packet:eth0"}, with a colon) becomes
 * {@code ertcp_port_NAME_total{port="af-packet:eth0"}}. Counters with the same label (a second TCP stack after a
 * takeover) are summed.</li>
 * </ul>
 * Every sample carries {@code node="NAME"}. Rendered on request into reused buffers: each counter's label is read and
 * its name made once, when the counter is first seen; after that a page reads the values by id.
 */
public final class PrometheusText
{
    /** Every role a node can be in, so each has a series whatever the node holds now. */
    public static final List<String> ROLES = List.of("starting", "primary", "logger", "backup", "draining", "fenced", "witness");

    /** Per counter id, the index of its sample (family and port); counters of the same label share one. */
    private int[] sampleOf = new int[64];
    /** How many counter ids {@link #sampleOf} describes: a counter is read by label once, when first seen. */
    private int known;
    private final Map<String, Integer> sampleByKey = new HashMap<>();
    private final List<String> families = new ArrayList<>();
    private final List<String> ports = new ArrayList<>();
    private final List<String> helps = new ArrayList<>();
    /** Samples in output order: each family's together, under one TYPE line. */
    private int[] order = new int[0];
    private long[] sums = new long[64];
    private final StringBuilder scratch = new StringBuilder();

    public void render(final NodeReport report, final Counters counters, final TextOut out)
    {
        final String node = report.node();
        gauge(out, "ertcp_epoch", "The epoch the node is in.", node, report.epoch());
        out.append("# HELP ertcp_role The role the node holds now (1) and those it does not (0).\n");
        out.append("# TYPE ertcp_role gauge\n");
        for (final String role : ROLES)
        {
            out.append("ertcp_role{node=").labelValue(node).append(",role=").labelValue(role).append("} ")
                .append(role.equals(report.role()) ? 1 : 0).append('\n');
        }
        gauge(out, "ertcp_log_position", "The last position of the node's copy of the log.", node, report.logPosition());
        gauge(out, "ertcp_applied_position", "The last log position the node's service replica applied.", node,
            report.applied());
        gauge(out, "ertcp_confirmed_position", "Primary: the last log position the durability rule confirmed.", node,
            report.confirmed());
        if (report.lag() >= 0)
        {
            gauge(out, "ertcp_lag_records", "Records the node is behind the log it follows (a primary: unconfirmed).",
                node, report.lag());
        }
        gauge(out, "ertcp_connections", "Connections the node holds (live on a primary, shadows on a backup).", node,
            report.connections());
        out.append("# HELP ertcp_member_alive Whether this node heard the member within the suspicion timeout.\n");
        out.append("# TYPE ertcp_member_alive gauge\n");
        for (final NodeReport.Member member : report.members())
        {
            out.append("ertcp_member_alive{node=").labelValue(node).append(",member=").labelValue(member.name())
                .append("} ").append(member.alive() ? 1 : 0).append('\n');
        }
        out.append("# HELP ertcp_member_log_position The member's log position as its last heartbeat said.\n");
        out.append("# TYPE ertcp_member_log_position gauge\n");
        for (final NodeReport.Member member : report.members())
        {
            out.append("ertcp_member_log_position{node=").labelValue(node).append(",member=").labelValue(member.name())
                .append("} ").append(member.logPosition()).append('\n');
        }
        renderCounters(node, counters, out);
    }

    private void renderCounters(final String node, final Counters counters, final TextOut out)
    {
        final int count = counters.count();
        if (count > known)
        {
            learn(counters, count);
        }
        java.util.Arrays.fill(sums, 0, families.size(), 0L);
        for (int id = 0; id < count; id++)
        {
            sums[sampleOf[id]] += counters.value(id);
        }
        String family = null;
        for (final int sample : order)
        {
            if (!families.get(sample).equals(family))
            {
                family = families.get(sample);
                out.append("# HELP ").append(family).append(' ').append(helps.get(sample)).append('\n');
                out.append("# TYPE ").append(family).append(" counter\n");
            }
            out.append(family).append("{node=").labelValue(node);
            if (null != ports.get(sample))
            {
                out.append(",port=").labelValue(ports.get(sample));
            }
            out.append("} ").append(sums[sample]).append('\n');
        }
    }

    /**
     * Read the labels of the counters made since the last page (at the first page, all of them): the only time a
     * counter's label is read and its metric name made.
     */
    private void learn(final Counters counters, final int count)
    {
        if (count > sampleOf.length)
        {
            sampleOf = java.util.Arrays.copyOf(sampleOf, Math.max(count, 2 * sampleOf.length));
        }
        for (int id = known; id < count; id++)
        {
            final String label = counters.label(id);
            final int space = label.lastIndexOf(' ');
            final String group = space > 0 ? label.substring(0, space) : "";
            final String name = space > 0 ? label.substring(space + 1) : label;
            final boolean port = group.indexOf(':') >= 0;
            final String family = metricName(port ? "port" : group, name);
            final String key = port ? family + '\u0000' + group : family;
            Integer sample = sampleByKey.get(key);
            if (null == sample)
            {
                sample = families.size();
                sampleByKey.put(key, sample);
                families.add(family);
                ports.add(port ? group : null);
                helps.add(port ? "port " + name : label);
            }
            sampleOf[id] = sample;
        }
        known = count;
        if (families.size() > sums.length)
        {
            sums = java.util.Arrays.copyOf(sums, Math.max(families.size(), 2 * sums.length));
        }
        final List<Integer> sorted = new ArrayList<>();
        final boolean[] done = new boolean[families.size()];
        for (int i = 0; i < families.size(); i++)
        {
            for (int j = i; j < families.size() && !done[i]; j++)
            {
                if (!done[j] && families.get(j).equals(families.get(i)))
                {
                    done[j] = true;
                    sorted.add(j);
                }
            }
        }
        order = sorted.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * @return {@code ertcp_GROUP_NAME_total}, every run of characters other than ASCII letters and digits as one
     * {@code _}, lower case.
     */
    String metricName(final String group, final String name)
    {
        scratch.setLength(0);
        scratch.append("ertcp");
        appendSanitized(group);
        appendSanitized(name);
        return scratch.append("_total").toString();
    }

    private void appendSanitized(final String part)
    {
        boolean inWord = false;
        for (int i = 0; i < part.length(); i++)
        {
            final char c = Character.toLowerCase(part.charAt(i));
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            {
                if (!inWord)
                {
                    scratch.append('_'); // a word starts: one separator before it
                    inWord = true;
                }
                scratch.append(c);
            }
            else
            {
                inWord = false;
            }
        }
    }

    private static void gauge(final TextOut out, final String name, final String help, final String node,
        final long value)
    {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
        out.append(name).append("{node=").labelValue(node).append("} ").append(value).append('\n');
    }
}
