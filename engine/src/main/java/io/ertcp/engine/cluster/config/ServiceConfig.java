package io.ertcp.engine.cluster.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one service every node of the cluster runs (backups run it in shadow), by its built-in name.
 *
 * @param name    echo, discard, netpipe, http or kv.
 * @param port    where the VIP listens; the service's default unless the file says otherwise.
 * @param options the service's own options as written in the file (http: root, idle-timeout-ms;
 *                netpipe: lower, perturbation, trials, integrity), in file order.
 */
public record ServiceConfig(String name, int port, Map<String, String> options)
{
    public ServiceConfig
    {
        options = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(options));
    }

    /**
     * The options in the form {@link io.ertcp.engine.service.ServiceFactory#byName} takes, so that
     * a node builds its service exactly as {@code ./ertcp serve} would.
     */
    public List<String> factoryOptions()
    {
        final List<String> args = new ArrayList<>();
        args.add("--port");
        args.add(Integer.toString(port));
        options.forEach((key, value) ->
        {
            if (key.equals("integrity"))
            {
                if (value.equals("true"))
                {
                    args.add("--integrity");
                }
            }
            else
            {
                args.add("--" + key);
                args.add(value);
            }
        });
        return args;
    }
}
