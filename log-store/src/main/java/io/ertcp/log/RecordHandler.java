package io.ertcp.log;

import org.agrona.DirectBuffer;

/**
 * Receives records from a {@link LogReader}, in log order. The buffer is a view of the log's mapped memory, valid
 * only during the call: copy what must outlive it.
 */
@FunctionalInterface
public interface RecordHandler
{
    void onRecord(DirectBuffer buffer, int offset, int length, long position);
}
