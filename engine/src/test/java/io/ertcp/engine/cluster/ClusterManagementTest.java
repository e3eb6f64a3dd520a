package io.ertcp.engine.cluster;

import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.testing.EchoSource;
import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every node's management endpoint on its own address, through its own stack (docs/cluster-file.md, "management"): a
 * client's GET /status and /metrics reach each node, the answers say what each node is and sees, and the management
 * connections are never replicated.
 */
class ClusterManagementTest
{
    /** An HTTP client on the test client's stack: sends one request, keeps the whole answer. */
    static final class HttpGet implements TcpService
    {
        private final byte[] request;
        final StringBuilder answer = new StringBuilder();
        boolean closed;

        HttpGet(final String method, final String path)
        {
            request = (method + " " + path + " HTTP/1.1\r\nHost: node\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        }

        public String name()
        {
            return "http-get";
        }

        public void onOpen(final Connection connection)
        {
            connection.write(new UnsafeBuffer(request), 0, request.length);
        }

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            answer.append(buffer.getStringWithoutLengthUtf8(offset, length));
            return length;
        }

        public void onPeerClosed(final Connection connection)
        {
            connection.shutdownOutput();
        }

        public void onWritable(final Connection connection)
        {
        }

        public void onClosed(final Connection connection, final CloseReason reason)
        {
            closed = true;
        }
    }

    static String get(final InProcessCluster cluster, final String address, final String method,
        final String path)
    {
        final HttpGet get = new HttpGet(method, path);
        cluster.client.stack.connect(cluster.client.ip, Ipv4Address.parse(address), 9464, get);
        assertTrue(cluster.runUntil(() -> get.closed, 5_000_000_000L), method + " " + path + " on " + address +
            " answered and closed; so far: " + get.answer + "\n" + cluster.events());
        return get.answer.toString();
    }

    @Test
    void everyNodeAnswersStatusAndMetricsOnItsOwnAddressAndNothingOfItIsReplicated()
    {
        try (InProcessCluster cluster = new InProcessCluster(Long.getLong("ertcp.seed", 7), "echo", 1, null))
        {
            assertTrue(cluster.runUntil(() -> null != cluster.primary() &&
                cluster.node("backup1").membership().view(1).heard() &&
                cluster.node("primary").membership().view(3).heard(), 1_000_000_000L), cluster.events());
            final byte[] data = new byte[64 * 1024];
            new Random(1).nextBytes(data);
            final EchoSource source = cluster.echo(data);
            assertTrue(cluster.runUntil(() -> source.closed, 10_000_000_000L), cluster.events());
            cluster.runUntil(() -> false, 200_000_000L); // heartbeats carry the positions

            final long loggerPosition = cluster.node("logger").logPosition();
            final String primary = get(cluster, "10.80.0.11", "GET", "/status");
            assertTrue(primary.startsWith("HTTP/1.1 200 OK\r\n"), primary);
            assertTrue(primary.contains("Content-Type: application/json\r\n"), primary);
            final String body = primary.substring(primary.indexOf("\r\n\r\n") + 4);
            assertEquals(body.length(), Integer.parseInt(primary.replaceAll("(?s).*Content-Length: (\\d+)\r\n.*", "$1")),
                "Content-Length");
            assertTrue(body.startsWith("{\"node\":\"primary\","), body);
            assertTrue(body.contains("\"role\":\"primary\",\"epoch\":1,\"primary\":\"primary\""), body);
            assertTrue(body.contains("{\"name\":\"logger\",\"self\":false,\"configured_role\":\"logger\",\"role\":\"logger\",\"alive\":true"), body);
            assertTrue(body.contains("{\"name\":\"backup1\",\"self\":false,\"configured_role\":\"backup\",\"role\":\"backup\",\"alive\":true"), body);
            assertTrue(body.contains("\"refused\":{\"too-short\":0,"), body);

            final String logger = get(cluster, "10.80.0.12", "GET", "/status");
            assertTrue(logger.contains("\"role\":\"logger\""), logger);
            assertTrue(logger.contains("\"feeds\":[{\"backup\":\"backup1\","), logger);
            final String backup = get(cluster, "10.80.0.21", "GET", "/status?x=1");
            assertTrue(backup.contains("\"role\":\"backup\""), backup);
            assertTrue(backup.contains("\"lag\":0,"), "the backup caught up with the logger's log: " + backup);

            final String metrics = get(cluster, "10.80.0.11", "GET", "/metrics");
            assertTrue(metrics.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), metrics);
            assertTrue(metrics.contains("\nertcp_role{node=\"primary\",role=\"primary\"} 1\n"), metrics);
            final long segments = Long.parseLong(metrics.replaceAll(
                "(?s).*\nertcp_tcp_rx_segments_total\\{node=\"primary\"} (\\d+)\n.*", "$1"));
            assertTrue(segments > 10, "the service's segments counted: " + segments);
            assertTrue(metrics.contains("\nertcp_member_alive{node=\"primary\",member=\"logger\"} 1\n"), metrics);

            final String head = get(cluster, "10.80.0.11", "HEAD", "/metrics");
            assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n") && head.endsWith("\r\n\r\n"), "HEAD has no body: " + head);
            assertTrue(get(cluster, "10.80.0.11", "GET", "/nothing").startsWith("HTTP/1.1 404 Not Found\r\n"));
            assertTrue(get(cluster, "10.80.0.12", "POST", "/status").startsWith("HTTP/1.1 405 Method Not Allowed\r\n"));

            // What a page costs the nodes' duty cycles: bytes allocated in their doWork (the client's are not counted)
            // per request, beyond what the same time idle allocates (the status file written every 100 ms).
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
            final long[] nodeBytes = {0};
            cluster.stepper = (name, node) ->
            {
                final long before = threads.getCurrentThreadAllocatedBytes();
                node.doWork();
                nodeBytes[0] += threads.getCurrentThreadAllocatedBytes() - before;
            };
            for (int i = 0; i < 5; i++)
            {
                get(cluster, "10.80.0.11", "GET", "/metrics");
            }
            final long idleStartNs = cluster.now[0];
            final long idleStart = nodeBytes[0];
            cluster.runUntil(() -> false, 1_000_000_000L);
            final double idlePerNs = (nodeBytes[0] - idleStart) / (double)(cluster.now[0] - idleStartNs);
            final int pages = 100; // more than the endpoint's connection table: TIME-WAIT must not fill it
            final long busyStartNs = cluster.now[0];
            final long busyStart = nodeBytes[0];
            for (int i = 0; i < pages; i++)
            {
                get(cluster, "10.80.0.11", "GET", i % 2 == 0 ? "/metrics" : "/status");
            }
            final double perPage = (nodeBytes[0] - busyStart - idlePerNs * (cluster.now[0] - busyStartNs)) / pages;
            System.out.printf("management: %.0f bytes allocated by the nodes per page (rendered on request), %.1f bytes " +
                "per idle duty cycle of all three nodes%n", perPage, idlePerNs * InProcessCluster.STEP_NS);
            assertTrue(perPage < 16 * 1024, "a page allocates little, in the nodes: " + perPage + " bytes");

            cluster.runUntil(() -> false, 100_000_000L);
            assertEquals(loggerPosition, cluster.node("logger").logPosition(),
                "no management connection became a record: " + cluster.events());
            assertEquals(0, cluster.node("primary").connectionCount(), "none is a replicated connection");
        }
    }
}
