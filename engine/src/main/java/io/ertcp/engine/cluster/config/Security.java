package io.ertcp.engine.cluster.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How the replication channel is secured (docs/cluster-file.md "security"): authenticated with the cluster key in
 * {@code keyFile} (the default, and the only safe choice on a LAN any other host shares), or not at all with
 * {@code security: none}, for benchmarks that want the raw figure.
 *
 * @param keyFile the cluster key file every node reads; empty for {@code security: none}.
 */
public record Security(Optional<Path> keyFile)
{
    public static final Security NONE = new Security(Optional.empty());

    public boolean authenticated()
    {
        return keyFile.isPresent();
    }
}
