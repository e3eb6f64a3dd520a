package io.ertcp.service;

/**
 * What {@link SnapshotService#takeSnapshot} hands back: the state it captured, written out later on the node's
 * snapshot thread, while the duty cycle goes on serving. It must write the state as it was when it was taken,
 * whatever the service has done since: either it holds its own copy, or the service copies on write what the
 * writer still reads (kv's values) until {@link #writeTo} returned.
 */
@FunctionalInterface
public interface SnapshotWriter
{
    /**
     * Write the captured state. Runs once, on the node's snapshot thread, not the duty cycle: it may take its time,
     * but must read only what the duty cycle no longer changes.
     *
     * @param out where the bytes go, in the order {@link SnapshotService#loadSnapshot} reads them back.
     */
    void writeTo(SnapshotOutput out);
}
