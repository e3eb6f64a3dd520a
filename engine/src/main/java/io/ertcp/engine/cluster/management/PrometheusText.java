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
 * Every sample carries {@code node="NAME"}. Rendered on request into reused buffers; the scratch maps grow to the
 * counters' number once.
 */
public final class PrometheusText
{
    /** Every role a node can be in, so each has a series whatever the node holds now. */
    public static final List<String> ROLES = List.of("starting", "primary", "logger", "backup", "draining", "fenced", "witness");

    private final Map<String, Integer> familyIndex = new HashMap<>();
    private final List<String> families = new ArrayList<>();
    private final List<String> ports = new ArrayList<>();
    private final List<String> helps = new ArrayList<>();
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
        familyIndex.clear();
        families.clear();
        ports.clear();
        helps.clear();
        counters.forEach((label, value) ->
        {
            final int space = label.lastIndexOf(' ');
            final String group = space > 0 ? label.substring(0, space) : "";
            final String name = space > 0 ? label.substring(space + 1) : label;
            final boolean port = group.indexOf(':') >= 0;
            final String family = metricName(port ? "port" : group, name);
            final String key = port ? family + '\u0000' + group : family;
            Integer index = familyIndex.get(key);
            if (null == index)
            {
                index = families.size();
                familyIndex.put(key, index);
                families.add(family);
                ports.add(port ? group : null);
                helps.add(port ? "port " + name : label);
                if (index >= sums.length)
                {
                    sums = java.util.Arrays.copyOf(sums, 2 * sums.length);
                }
                sums[index] = 0;
            }
            sums[index] += value;
        });
        // A family's samples together, under one TYPE line: ports of one family follow each other.
        final boolean[] done = new boolean[families.size()];
        for (int i = 0; i < families.size(); i++)
        {
            if (done[i])
            {
                continue;
            }
            final String family = families.get(i);
            out.append("# HELP ").append(family).append(' ').append(helps.get(i)).append('\n');
            out.append("# TYPE ").append(family).append(" counter\n");
            for (int j = i; j < families.size(); j++)
            {
                if (!done[j] && families.get(j).equals(family))
                {
                    done[j] = true;
                    out.append(family).append("{node=").labelValue(node);
                    if (null != ports.get(j))
                    {
                        out.append(",port=").labelValue(ports.get(j));
                    }
                    out.append("} ").append(sums[j]).append('\n');
                }
            }
        }
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
