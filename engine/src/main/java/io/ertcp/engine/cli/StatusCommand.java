package io.ertcp.engine.cli;

import io.ertcp.engine.cluster.NodeStatus;
import io.ertcp.engine.cluster.config.ClusterConfig;
import io.ertcp.engine.cluster.config.ClusterMode;
import io.ertcp.engine.cluster.config.NodeConfig;
import io.ertcp.engine.net.Ipv4Address;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code ertcp status}: what each node of a cluster says of itself and of the others, asked over the network on its
 * management endpoint ({@code GET /status}), or read from its status file on this machine when it does not answer;
 * and whether the cluster is healthy (the exit status).
 */
final class StatusCommand implements Command
{
    /** A status older than this is from a node that stopped writing: dead or hung. */
    static final long STALE_MS = 1_000;
    static final int EXIT_UNHEALTHY = 1;
    private static final long DEFAULT_TIMEOUT_MS = 1_000;
    private static final int MAX_ANSWER_BYTES = 4 << 20;

    private final PrintStream out;

    StatusCommand(final PrintStream out)
    {
        this.out = out;
    }

    public String name()
    {
        return "status";
    }

    public String summary()
    {
        return "ask every node for its role, epoch, log position, lag and view of the others; exit 1 when unhealthy";
    }

    public String help()
    {
        return """
            Usage: ./ertcp status --config FILE [--json] [--local] [--timeout-ms N]

            Asks every node of the cluster FILE for its status over the network: GET /status on its
            management endpoint, the node's own address in the file at management.port (9464 unless
            the file says otherwise), served by the node's own user-space stack apart from the
            replicated service. Run it where those addresses are reachable (a machine on the LAN; in
            the namespace topology, the client's namespace). A node that does not answer, or has no
            address in the file, is read from the status file it writes a few times a second into
            log.dir/NAME/status, where that is on this machine.

            Shows, per node: its state (primary, logger, backup, witness, draining while it takes over,
            rejoining after a restart or a deposition until it has replayed the log, fenced for the
            moment it stops serving), epoch, the last position of its log copy, the last position its
            service applied, its lag behind the log (the logger's in er-tcp, the primary's in st-tcp),
            its connections, the node it follows as primary, and details: the logger's feeds, the
            st-tcp primary's backup (in sync, syncing, lost, or running alone), the st-tcp backup's
            records tapped and fetched, replication frames refused by reason, and where the answer
            came from. A node whose status file is more than a second old is shown as down, with how
            long ago it was last heard. Then what each node that answered sees of the others (role,
            epoch, log position, OTHER-CLUSTER-FILE when its heartbeats carry another cluster file's
            digest, how long since its last heartbeat), and one line: healthy, or not healthy and why.

            Exit status 0 when the cluster is healthy: every member up, one primary, a logger (er-tcp),
            none fenced, the primary hearing every member, every member on the same cluster file, and
            (st-tcp) its backup in sync. 1 when not, with the reasons on the last line; 2 for a usage
            mistake.

            Options:
              --config FILE    the cluster file
              --json           one JSON object instead: cluster, mode, healthy, problems, and per node
                               its name, endpoint, source (network, file, none), up, why, and status
                               (what it said of itself, with members: its view of the others)
              --local          read the status files only, ask no node over the network (on the
                               machine that holds log.dir, when the management addresses are not
                               reachable from here)
              --timeout-ms N   how long to wait for each node's answer (default 1000; all are asked at
                               once)
              --help           this text
            """;
    }

    public int run(final String[] argv) throws Exception
    {
        final Args args = Args.parse(name(), argv, Set.of("config", "timeout-ms"), Set.of("json", "local"));
        final ClusterConfig config = NodeCommand.load(args.require("config"));
        final long timeoutMs = args.getLong("timeout-ms", DEFAULT_TIMEOUT_MS);
        if (timeoutMs <= 0)
        {
            throw new CliException("--timeout-ms must be at least 1");
        }
        final List<NodeAnswer> answers = ask(config, args.has("local"), timeoutMs);
        final List<String> problems = ClusterHealth.problems(config.mode(), answers);
        if (args.has("json"))
        {
            out.println(json(config, answers, problems));
        }
        else
        {
            print(config, answers, problems);
        }
        out.flush();
        return problems.isEmpty() ? 0 : EXIT_UNHEALTHY;
    }

    /**
     * Every node at once, each over the network first (unless local) and from its status file when that fails.
     */
    static List<NodeAnswer> ask(final ClusterConfig config, final boolean local, final long timeoutMs)
        throws InterruptedException
    {
        final List<NodeAnswer> answers = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor())
        {
            final List<Future<NodeAnswer>> futures = new ArrayList<>();
            for (final NodeConfig node : config.nodes())
            {
                futures.add(executor.submit(() -> askOne(config, node, local, timeoutMs)));
            }
            for (final Future<NodeAnswer> future : futures)
            {
                try
                {
                    answers.add(future.get());
                }
                catch (final java.util.concurrent.ExecutionException ex)
                {
                    throw new IllegalStateException(ex.getCause());
                }
            }
        }
        return answers;
    }

    private static NodeAnswer askOne(final ClusterConfig config, final NodeConfig node, final boolean local,
        final long timeoutMs)
    {
        final String endpoint = node.address()
            .map(address -> Ipv4Address.format(address.address()) + ":" + config.management().port()).orElse("");
        String why;
        if (endpoint.isEmpty())
        {
            why = "no address in the cluster file, so no management endpoint";
        }
        else if (local)
        {
            why = "not asked (--local)";
        }
        else
        {
            try
            {
                final Map<String, Object> status = Json.parseObject(get(Ipv4Address.format(node.address().get().address()),
                    config.management().port(), "/status", timeoutMs));
                return new NodeAnswer(node.name(), node.role().text(), endpoint, "network", true, status, "");
            }
            catch (final IOException | IllegalArgumentException ex)
            {
                why = "no answer from " + endpoint + ": " + (null == ex.getMessage() ? ex.getClass().getSimpleName() :
                    ex.getMessage());
            }
        }
        final Optional<NodeStatus> file;
        try
        {
            file = NodeStatus.read(config.log().dirOf(node.name()));
        }
        catch (final IOException ex)
        {
            return new NodeAnswer(node.name(), node.role().text(), endpoint, "none", false, null,
                why + "; " + ex.getMessage());
        }
        if (file.isEmpty())
        {
            return new NodeAnswer(node.name(), node.role().text(), endpoint, "none", false, null,
                why + "; no status file in " + config.log().dirOf(node.name()) + " (never started on this machine?)");
        }
        final NodeStatus s = file.get();
        final long ageMs = System.currentTimeMillis() - s.writtenAtMs();
        final Map<String, Object> status = new LinkedHashMap<>();
        status.put("node", s.node());
        status.put("pid", s.pid());
        status.put("role", s.role());
        status.put("epoch", (long)s.epoch());
        status.put("primary", s.primary());
        status.put("log_position", s.logPosition());
        status.put("applied", s.applied());
        status.put("confirmed", s.confirmed());
        status.put("connections", (long)s.connections());
        status.put("detail", s.detail());
        status.put("at_ms", s.writtenAtMs());
        status.put("age_ms", ageMs);
        final boolean fresh = ageMs <= STALE_MS;
        return new NodeAnswer(node.name(), node.role().text(), endpoint, "file", fresh, status,
            fresh ? why : why + "; its status file is " + String.format("%.1f s old", ageMs / 1000.0) +
                " (last heard as " + s.role() + ", pid " + s.pid() + ")");
    }

    /**
     * One HTTP/1.1 GET on the kernel's TCP.
     *
     * @return the body of a 200 answer.
     * @throws IOException when there is no connection, no answer in time, or another status.
     */
    static String get(final String host, final int port, final String path, final long timeoutMs) throws IOException
    {
        try (Socket socket = new Socket())
        {
            final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
            socket.connect(new InetSocketAddress(host, port), (int)timeoutMs);
            socket.setSoTimeout((int)Math.max(1, timeoutMs));
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port +
                "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            final InputStream in = socket.getInputStream();
            final ByteArrayOutputStream answer = new ByteArrayOutputStream();
            final byte[] chunk = new byte[16384];
            int n;
            while ((n = in.read(chunk)) > 0)
            {
                answer.write(chunk, 0, n);
                if (answer.size() > MAX_ANSWER_BYTES || System.nanoTime() > deadline)
                {
                    throw new IOException("the answer is too long or too slow");
                }
            }
            final String text = answer.toString(StandardCharsets.UTF_8);
            final int bodyAt = text.indexOf("\r\n\r\n");
            if (!text.startsWith("HTTP/1.1 200") || bodyAt < 0)
            {
                throw new IOException("answered " + text.lines().findFirst().orElse("nothing"));
            }
            return text.substring(bodyAt + 4);
        }
    }

    private void print(final ClusterConfig config, final List<NodeAnswer> answers, final List<String> problems)
    {
        // The log everyone is measured against: the logger's in er-tcp, the primary's own in st-tcp.
        final String reference = config.mode() == ClusterMode.ST_TCP ? "primary" : "logger";
        long referencePosition = -1;
        for (final NodeAnswer answer : answers)
        {
            if (answer.up() && answer.role().equals(reference))
            {
                referencePosition = answer.number("log_position");
            }
        }
        out.printf("cluster %s (%s), VIP %s, service %s%n", config.name(), config.mode().text(), config.vip(),
            config.service().name());
        out.printf("%-12s %-9s %5s %10s %10s %8s %6s  %s%n",
            "NODE", "STATE", "EPOCH", "LOG", "APPLIED", "LAG", "CONNS", "PRIMARY / DETAIL");
        for (final NodeAnswer answer : answers)
        {
            final String from = answer.source().equals("network") ? "via " + answer.endpoint() : "";
            if (null == answer.status())
            {
                out.printf("%-12s %-9s %5s %10s %10s %8s %6s  %s%n", answer.name(), "unknown", "-", "-", "-", "-", "-",
                    answer.why());
                continue;
            }
            if (!answer.up())
            {
                out.printf("%-12s %-9s %5d %10d %10d %8s %6s  %s%n", answer.name(), "down", answer.number("epoch"),
                    answer.number("log_position"), answer.number("applied"), "-", "-",
                    String.format("last heard %.1f s ago as %s (pid %d)", answer.number("age_ms") / 1000.0,
                        answer.role(), answer.number("pid")));
                continue;
            }
            final String role = answer.role();
            final boolean measured = !role.equals(reference) && !role.equals("witness");
            final long lag = !measured || referencePosition < 0 ? 0 : Math.max(0, referencePosition -
                (role.equals("primary") ? answer.number("confirmed") : answer.number("applied")));
            final String lagText = !measured ? "-" : referencePosition < 0 ? "?" : Long.toString(lag);
            final String primary = answer.text("primary");
            final String follows = primary.isEmpty() || primary.equals(answer.name()) ? "" : "follows " + primary;
            final String detail = answer.text("detail");
            final StringBuilder text = new StringBuilder(follows);
            if (!detail.isEmpty())
            {
                text.append(text.isEmpty() ? "" : "; ").append(detail);
            }
            if (!from.isEmpty())
            {
                text.append(text.isEmpty() ? "" : "; ").append(from);
            }
            out.printf("%-12s %-9s %5d %10d %10d %8s %6d  %s%n", answer.name(), role, answer.number("epoch"),
                answer.number("log_position"), answer.number("applied"), lagText, answer.number("connections"), text);
        }
        boolean views = false;
        for (final NodeAnswer answer : answers)
        {
            if (answer.members().isEmpty())
            {
                continue;
            }
            if (!views)
            {
                out.println("what each node sees of the others (from their heartbeats):");
                views = true;
            }
            final StringBuilder line = new StringBuilder("  ").append(answer.name()).append(" sees:");
            boolean first = true;
            for (final Map<String, Object> member : answer.members())
            {
                if (Boolean.TRUE.equals(member.get("self")))
                {
                    continue;
                }
                line.append(first ? " " : ", ").append(member.get("name")).append(' ');
                first = false;
                if (!Boolean.TRUE.equals(member.get("heard")))
                {
                    line.append("never heard");
                    continue;
                }
                line.append(member.get("role")).append(" e").append(member.get("epoch"))
                    .append(" log ").append(member.get("log_position"))
                    .append(Boolean.TRUE.equals(member.get("alive")) ? "" : " SUSPECTED")
                    .append(Boolean.TRUE.equals(member.get("config_differs")) ? " OTHER-CLUSTER-FILE" : "")
                    .append(" (").append(member.get("last_heard_ms_ago")).append(" ms ago)");
            }
            out.println(line);
        }
        out.println(problems.isEmpty() ? "healthy" : "not healthy: " + String.join("; ", problems));
    }

    private static String json(final ClusterConfig config, final List<NodeAnswer> answers, final List<String> problems)
    {
        final Map<String, Object> all = new LinkedHashMap<>();
        all.put("cluster", config.name());
        all.put("mode", config.mode().text());
        all.put("healthy", problems.isEmpty());
        all.put("problems", problems);
        final List<Object> nodes = new ArrayList<>();
        for (final NodeAnswer answer : answers)
        {
            final Map<String, Object> node = new LinkedHashMap<>();
            node.put("name", answer.name());
            node.put("configured_role", answer.configuredRole());
            node.put("endpoint", answer.endpoint());
            node.put("source", answer.source());
            node.put("up", answer.up());
            node.put("why", answer.why());
            node.put("status", answer.status());
            nodes.add(node);
        }
        all.put("nodes", nodes);
        return Json.write(all, new StringBuilder()).toString();
    }
}
