package io.ertcp.engine.cluster.management;

import io.ertcp.engine.counters.Counters;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrometheusTextTest
{
    /** A sample line of the text format 0.0.4: a name, labels, an integer value. */
    private static final Pattern SAMPLE = Pattern.compile(
        "[a-zA-Z_:][a-zA-Z0-9_:]*\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\"\\\\n])*\",?)+} -?\\d+");

    static NodeReport report(final String role, final long lag)
    {
        return new NodeReport("backup\"1", 42, "c", "er-tcp", role, 3, "primary", 100, 90, 0, lag, 2, "d",
            new long[6], List.of(),
            List.of(new NodeReport.Member("primary", false, "primary", "primary", true, true, 4, 3, "primary", 100, 100, 2, false),
                new NodeReport.Member("backup\"1", true, "backup", role, true, true, 0, 3, "primary", 100, 90, 2, false)),
            1_000);
    }

    @Test
    void countersAndStatusInTheTextFormatEachFamilyOnceWithItsType()
    {
        final Counters counters = new Counters(64);
        counters.newCounter("tcp rx-segments").getAndAdd(5);
        counters.newCounter("af-packet:eth0 rx-frames").getAndAdd(7);
        counters.newCounter("af-packet:eth0 ipv4-delivered").getAndAdd(6);
        counters.newCounter("tcp rx-segments").getAndAdd(3); // a second TCP stack after a takeover
        counters.newCounter("channel refused-bad-mac");
        final TextOut out = new TextOut(256);
        new PrometheusText().render(report("backup", 10), counters, out);
        final String text = out.toString();
        final List<String> lines = text.lines().toList();

        assertTrue(lines.contains("ertcp_tcp_rx_segments_total{node=\"backup\\\"1\"} 8"), "summed, node escaped:\n" + text);
        assertTrue(lines.contains("ertcp_port_rx_frames_total{node=\"backup\\\"1\",port=\"af-packet:eth0\"} 7"), text);
        assertTrue(lines.contains("ertcp_port_ipv4_delivered_total{node=\"backup\\\"1\",port=\"af-packet:eth0\"} 6"), text);
        assertTrue(lines.contains("ertcp_channel_refused_bad_mac_total{node=\"backup\\\"1\"} 0"), text);
        assertTrue(lines.contains("# TYPE ertcp_tcp_rx_segments_total counter"), text);
        assertTrue(lines.contains("ertcp_role{node=\"backup\\\"1\",role=\"backup\"} 1"), text);
        assertTrue(lines.contains("ertcp_role{node=\"backup\\\"1\",role=\"primary\"} 0"), text);
        assertTrue(lines.contains("ertcp_epoch{node=\"backup\\\"1\"} 3"), text);
        assertTrue(lines.contains("ertcp_lag_records{node=\"backup\\\"1\"} 10"), text);
        assertTrue(lines.contains("ertcp_member_alive{node=\"backup\\\"1\",member=\"primary\"} 1"), text);
        for (final String line : lines)
        {
            assertTrue(line.startsWith("# HELP ") || line.startsWith("# TYPE ") || SAMPLE.matcher(line).matches(),
                "not a line of the text format: " + line);
        }
        assertEquals(1, lines.stream().filter(l -> l.startsWith("ertcp_tcp_rx_segments_total")).count(), text);
        final long types = lines.stream().filter(l -> l.startsWith("# TYPE ")).count();
        assertEquals(types, lines.stream().filter(l -> l.startsWith("# TYPE ")).distinct().count(), "one TYPE per family");
    }

    @Test
    void anUnknownLagHasNoSampleAndARenderedPageAgainIsTheSame()
    {
        final Counters counters = new Counters(8);
        counters.newCounter("tcp rx-segments").getAndAdd(1);
        final PrometheusText prometheus = new PrometheusText();
        final TextOut out = new TextOut(16);
        prometheus.render(report("logger", -1), counters, out);
        final String first = out.toString();
        assertFalse(first.contains("ertcp_lag_records"), first);
        prometheus.render(report("logger", -1), counters, out.clear());
        assertEquals(first, out.toString());
    }

    @Test
    void metricNamesAreSanitized()
    {
        final PrometheusText prometheus = new PrometheusText();
        assertEquals("ertcp_tcp_rx_segments_total", prometheus.metricName("tcp", "rx-segments"));
        assertEquals("ertcp_port_tx_full_total", prometheus.metricName("port", "tx-full"));
        assertEquals("ertcp_a_b_c_total", prometheus.metricName("A..b", "--c--"));
    }
}
