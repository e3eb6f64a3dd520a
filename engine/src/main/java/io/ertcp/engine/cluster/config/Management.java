package io.ertcp.engine.cluster.config;

/**
 * The management endpoint every node serves on its own address (the node's {@code address}), through its own
 * user-space stack and apart from the replicated service: {@code GET /status} and {@code GET /metrics}
 * (docs/cluster-file.md, "management"). A node without an {@code address} serves none.
 *
 * @param port the TCP port, the same on every node.
 */
public record Management(int port)
{
    /** Unless the file says otherwise (also {@code ManagementEndpoint.DEFAULT_PORT}). */
    public static final int DEFAULT_PORT = 9464;
    public static final Management DEFAULT = new Management(DEFAULT_PORT);
}
