package io.ertcp.engine.tcp;

import io.ertcp.service.TcpService;

/**
 * A passive open: a local address and port, the service it hands connections to, and how many of
 * its connections are still half-open (the SYN backlog).
 */
final class TcpListener
{
    /** 0 for any of this host's addresses. */
    final int localIp;
    final int localPort;
    final TcpService service;
    /** Connections from this listener in SYN-RECEIVED; at most the configured backlog. */
    int synReceived;

    TcpListener(final int localIp, final int localPort, final TcpService service)
    {
        this.localIp = localIp;
        this.localPort = localPort;
        this.service = service;
    }
}
