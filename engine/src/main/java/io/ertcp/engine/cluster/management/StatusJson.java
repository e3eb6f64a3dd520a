package io.ertcp.engine.cluster.management;

/**
 * A {@link NodeReport} as the JSON of {@code GET /status} (docs/cluster-file.md, "management"): one object, keys in a
 * fixed order, numbers as JSON integers.
 */
public final class StatusJson
{
    private StatusJson()
    {
    }

    public static void render(final NodeReport report, final TextOut out)
    {
        out.append('{');
        field(out, "node", report.node()).append(',');
        field(out, "pid", report.pid()).append(',');
        field(out, "cluster", report.cluster()).append(',');
        field(out, "mode", report.mode()).append(',');
        field(out, "role", report.role()).append(',');
        field(out, "epoch", report.epoch()).append(',');
        field(out, "primary", report.primary()).append(',');
        field(out, "log_position", report.logPosition()).append(',');
        field(out, "applied", report.applied()).append(',');
        field(out, "confirmed", report.confirmed()).append(',');
        field(out, "lag", report.lag()).append(',');
        field(out, "connections", report.connections()).append(',');
        field(out, "detail", report.detail()).append(',');
        out.jsonString("refused").append(":{");
        for (int i = 0; i < NodeReport.REFUSAL_REASONS.size(); i++)
        {
            out.append(i == 0 ? "" : ",");
            field(out, NodeReport.REFUSAL_REASONS.get(i), report.refused()[i]);
        }
        out.append("},");
        out.jsonString("feeds").append(":[");
        for (int i = 0; i < report.feeds().size(); i++)
        {
            final NodeReport.Feed feed = report.feeds().get(i);
            out.append(i == 0 ? "{" : ",{");
            field(out, "backup", feed.backup()).append(',');
            field(out, "confirmed", feed.confirmed()).append(',');
            field(out, "lag", feed.lag()).append('}');
        }
        out.append("],");
        out.jsonString("members").append(":[");
        for (int i = 0; i < report.members().size(); i++)
        {
            final NodeReport.Member member = report.members().get(i);
            out.append(i == 0 ? "{" : ",{");
            field(out, "name", member.name()).append(',');
            out.jsonString("self").append(':').append(member.self()).append(',');
            field(out, "configured_role", member.configuredRole()).append(',');
            field(out, "role", member.role()).append(',');
            out.jsonString("alive").append(':').append(member.alive()).append(',');
            out.jsonString("heard").append(':').append(member.heard()).append(',');
            field(out, "last_heard_ms_ago", member.lastHeardMsAgo()).append(',');
            field(out, "epoch", member.epoch()).append(',');
            field(out, "primary", member.primary()).append(',');
            field(out, "log_position", member.logPosition()).append(',');
            field(out, "applied", member.applied()).append(',');
            field(out, "connections", member.connections()).append(',');
            out.jsonString("config_differs").append(':').append(member.configDiffers()).append('}');
        }
        out.append("],");
        field(out, "at_ms", report.atMs());
        out.append("}\n");
    }

    private static TextOut field(final TextOut out, final String key, final String value)
    {
        return out.jsonString(key).append(':').jsonString(value);
    }

    private static TextOut field(final TextOut out, final String key, final long value)
    {
        return out.jsonString(key).append(':').append(value);
    }
}
