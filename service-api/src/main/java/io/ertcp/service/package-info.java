/**
 * The contract between ertcp and a service it replicates: what a user implements ({@link io.ertcp.service.TcpService}),
 * what the service sees of each client connection ({@link io.ertcp.service.Connection}) and the cluster's
 * log-ordered time and timers ({@link io.ertcp.service.ClusterClock}). A service's build
 * depends on this package's artifact, {@code io.ertcp:ertcp-service-api}, and on Agrona (for
 * {@link org.agrona.DirectBuffer}); never on the engine, which loads the service's class from its jar at start.
 *
 * <h2>Why the rules</h2>
 * Every node of a cluster runs its own copy of the service. The primary's copy answers the clients; each backup's
 * copy runs in shadow on the same connection events, read from the replication log in the same order, and its
 * output is thrown away until it takes over. When the primary dies, a backup's copy carries on at the very byte the
 * client expects, so its output must be the primary's, byte for byte. That holds only if the service is a
 * <em>deterministic state machine</em>: its output is a function of the events it was given and nothing else
 * (docs/architecture.md, "The TCP stack" and rule 5).
 *
 * <h2>The rules a replicated service keeps</h2>
 * <ol>
 *   <li><b>Events are the only input.</b> The service reads nothing but what its callbacks hand it: no wall clock
 *       ({@code System.currentTimeMillis}, {@code nanoTime}, {@code Instant.now}), no random numbers (seed a
 *       generator from the input if the protocol needs one), no files that can differ between nodes or change while
 *       it runs, no environment variables or host names, no network of its own, no other threads. Time enters only
 *       through the log: {@link io.ertcp.service.ClusterClock#timeMillis()} (the primary's time, logged, the same on
 *       every node), the service's timers ({@link io.ertcp.service.ClusterClock#scheduleTimer},
 *       {@link io.ertcp.service.TcpService#onTimer}), which fire when logged time reaches them, and
 *       {@link io.ertcp.service.TcpService#onTimeout}, which the primary decides and the log records.</li>
 *   <li><b>The order is the log's.</b> Events come in one order across all connections, the same on every node.
 *       Whatever the service iterates (its connections, a room's members, a map's keys) it iterates in an order made
 *       from the events: insertion order ({@code LinkedHashMap}), or sorted by {@link io.ertcp.service.Connection#id}.
 *       Never an identity hash order ({@code HashMap} keyed by objects without their own {@code hashCode}, or
 *       {@code IdentityHashMap}), which differs between JVMs.</li>
 *   <li><b>Splits do not matter.</b> The output depends on the bytes, not on how they were cut into
 *       {@link io.ertcp.service.TcpService#onData} calls: a request that arrives in three pieces gets the answer it gets in
 *       one. Keep what is unconsumed (return less than offered) or buffer it yourself.</li>
 *   <li><b>Backpressure does not change the bytes.</b> When {@link io.ertcp.service.Connection#write} accepts less
 *       than offered, the service keeps the rest and offers it again from
 *       {@link io.ertcp.service.TcpService#onWritable}; it never drops, rewrites or reorders output because a client
 *       reads slowly. It may stop consuming that connection's input meanwhile (that is how TCP backpressure reaches
 *       the client).</li>
 *   <li><b>No state outside the instance.</b> Each node, and each restart, builds a fresh instance; no static mutable
 *       fields, no singletons, nothing carried between instances.</li>
 *   <li><b>One thread, never blocked.</b> Every callback runs on the node's duty-cycle thread, which also runs the
 *       TCP stack and replication for every connection: a callback returns at once, never sleeps, waits or does I/O,
 *       and never throws (an exception escaping a callback is a bug in the service; the node's copy of its state is
 *       then undefined).</li>
 *   <li><b>Say whether connections share state.</b> {@link io.ertcp.service.TcpService#sharesStateAcrossConnections}
 *       true (a store, a chat room) keeps the whole log, since a rejoining node can rebuild shared state only from all
 *       of it, unless the service also implements {@link io.ertcp.service.SnapshotService}; false lets retention
 *       drop the log of connections that closed.</li>
 * </ol>
 * docs/writing-a-service.md is the guide: how to build a service against this package, load it, and test it;
 * {@code ./ertcp check-service} runs a service side by side with itself over seeded workloads and reports the first
 * output byte where two runs differ.
 */
package io.ertcp.service;
