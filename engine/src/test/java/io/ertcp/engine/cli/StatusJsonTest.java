package io.ertcp.engine.cli;

import io.ertcp.engine.cluster.management.NodeReport;
import io.ertcp.engine.cluster.management.StatusJson;
import io.ertcp.engine.cluster.management.TextOut;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A node's /status JSON, read back by the parser ./ertcp status uses: every field, with awkward text.
 */
class StatusJsonTest
{
    @Test
    @SuppressWarnings("unchecked")
    void everyFieldRoundTripsThroughTheStatusCommandsParser()
    {
        final String detail = "feed backup confirmed 9 lag 1; \"quoted\" \\ back\nnew line \u00b5s \u0001";
        final NodeReport report = new NodeReport("logger", 1234, "ecs-echo", "er-tcp", "logger", 2, "primary",
            Long.MAX_VALUE, 0, -1, -1, 0, detail, new long[]{1, 2, 3, 4, 5, 6, 7},
            List.of(new NodeReport.Feed("backup", 9, 1)),
            List.of(new NodeReport.Member("primary", false, "primary", "primary", true, true, 7, 2, "primary", 10, 10, 1, false),
                new NodeReport.Member("backup", false, "backup", "backup", false, false, -1, 0, "", -1, -1, 0, true)),
            1_700_000_000_000L);
        final TextOut out = new TextOut(8);
        StatusJson.render(report, out);

        final Map<String, Object> json = Json.parseObject(out.toString());
        assertEquals("logger", json.get("node"));
        assertEquals(1234L, json.get("pid"));
        assertEquals("ecs-echo", json.get("cluster"));
        assertEquals("er-tcp", json.get("mode"));
        assertEquals("logger", json.get("role"));
        assertEquals(2L, json.get("epoch"));
        assertEquals("primary", json.get("primary"));
        assertEquals(Long.MAX_VALUE, json.get("log_position"));
        assertEquals(-1L, json.get("lag"));
        assertEquals(detail, json.get("detail"));
        assertEquals(Map.of("too-short", 1L, "wrong-cluster", 2L, "unknown-sender", 3L, "wrong-source-mac", 4L,
            "replay", 5L, "bad-mac", 6L, "on-client-port", 7L), json.get("refused"));
        assertEquals(List.of(Map.of("backup", "backup", "confirmed", 9L, "lag", 1L)), json.get("feeds"));
        final List<Map<String, Object>> members = (List<Map<String, Object>>)json.get("members");
        assertEquals(2, members.size());
        assertEquals(Boolean.TRUE, members.get(0).get("alive"));
        assertEquals(7L, members.get(0).get("last_heard_ms_ago"));
        assertEquals(Boolean.FALSE, members.get(1).get("heard"));
        assertEquals("", members.get(1).get("primary"));
        assertEquals(Boolean.FALSE, members.get(0).get("config_differs"));
        assertEquals(Boolean.TRUE, members.get(1).get("config_differs"));
        assertEquals(1_700_000_000_000L, json.get("at_ms"));
    }

    @Test
    void theParserRefusesWhatIsNotJsonAndWritesWhatItReads()
    {
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":1"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":1} x"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1,]"));
        final String text = "{\"a\":[1,2.5,true,false,null,\"x\\\"y\"],\"b\":{}}";
        assertEquals(text, Json.write(Json.parse(text), new StringBuilder()).toString());
    }
}
