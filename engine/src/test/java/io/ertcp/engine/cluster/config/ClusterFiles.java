package io.ertcp.engine.cluster.config;

/**
 * The cluster file the config tests start from, as text: the tests about what the reader says of a line (its
 * number, its words) change it in one place. A test that needs a valid cluster and no particular text starts from
 * {@link ClusterTemplate} instead.
 */
final class ClusterFiles
{
    /**
     * The smallest valid ER-TCP file but for its security, which the reader asks for and each test states: nodes p, l
     * and b on veth-p, veth-l and veth-b. Lines: service 3-4, vip 5-7, nodes 8-21; a line added at the end is line
     * 22.
     */
    static final String MINIMAL = """
        cluster: test
        mode: er-tcp
        service:
          name: echo
        vip:
          address: 10.80.0.100/24
          mac: 02:00:00:00:00:64
        nodes:
          - name: p
            role: primary
            driver: af-packet
            interface: veth-p
          - name: l
            role: logger
            driver: af-packet
            interface: veth-l
          - name: b
            role: backup
            rank: 1
            driver: af-packet
            interface: veth-b
        """;

    /** {@link #MINIMAL} unauthenticated: {@code security: none} on line 22. */
    static final String UNAUTHENTICATED = MINIMAL + "security: none\n";

    private ClusterFiles()
    {
    }
}
