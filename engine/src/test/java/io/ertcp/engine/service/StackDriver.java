package io.ertcp.engine.service;

import io.ertcp.service.CloseReason;
import io.ertcp.service.TcpService;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * Test only: plays the TCP stack's part for one connection as its contract says: bytes arrive in
 * the chunks the test chooses, what the service does not consume is kept and offered again with
 * the next chunk or after onWritable, the send buffer takes at most {@code grant} bytes between
 * onWritable calls, and the peer's FIN is delivered once every byte was consumed.
 */
final class StackDriver
{
    private StackDriver()
    {
    }

    /**
     * @param cuts  ascending offsets where input is split into onData calls.
     * @param grant bytes the send buffer takes per round; Long.MAX_VALUE for no backpressure.
     * @param fin   whether the peer closes after the input.
     * @return the connection, with what the service wrote.
     */
    static FakeConnection run(
        final TcpService service, final byte[] input, final int[] cuts, final long grant, final boolean fin)
    {
        final FakeConnection connection = new FakeConnection(1);
        connection.budget = grant;
        service.onOpen(connection);
        byte[] pending = new byte[0];
        int previous = 0;
        for (int i = 0; i <= cuts.length && !connection.aborted; i++)
        {
            final int cut = i < cuts.length ? cuts[i] : input.length;
            pending = concat(pending, Arrays.copyOfRange(input, previous, cut));
            previous = cut;
            pending = offer(service, connection, pending, grant);
        }
        int rounds = 0;
        while (connection.refused && !connection.aborted && rounds++ < 1_000_000)
        {
            pending = writable(service, connection, pending, grant);
        }
        if (fin && !connection.aborted)
        {
            service.onPeerClosed(connection);
            rounds = 0;
            while (connection.refused && !connection.aborted && rounds++ < 1_000_000)
            {
                writable(service, connection, pending, grant);
            }
        }
        service.onClosed(connection, CloseReason.CLOSED);
        return connection;
    }

    static byte[] offer(final TcpService service, final FakeConnection connection, final byte[] pending, final long grant)
    {
        if (pending.length == 0)
        {
            return pending;
        }
        final int consumed = service.onData(connection, new UnsafeBuffer(pending), 0, pending.length);
        if (consumed < 0 || consumed > pending.length)
        {
            throw new AssertionError("consumed " + consumed + " of " + pending.length);
        }
        return Arrays.copyOfRange(pending, consumed, pending.length);
    }

    private static byte[] writable(final TcpService service, final FakeConnection connection, final byte[] pending, final long grant)
    {
        connection.budget = grant;
        if (connection.refused)
        {
            connection.refused = false;
            service.onWritable(connection);
        }
        return offer(service, connection, pending, grant);
    }

    /**
     * Assert that the service's output (and whether it closed) is the same for every two-piece split
     * of input, for one-byte pieces, and under send budgets of 1 and 7 bytes per round.
     *
     * @return the output.
     */
    static byte[] assertSplitIndependent(
        final java.util.function.Supplier<TcpService> services, final byte[] input, final boolean fin)
    {
        final FakeConnection reference = run(services.get(), input, new int[0], Long.MAX_VALUE, fin);
        final byte[] expected = reference.output();
        final int step = Math.max(1, input.length / 300);
        for (int k = 1; k < input.length; k += step)
        {
            check(expected, reference, run(services.get(), input, new int[]{k}, Long.MAX_VALUE, fin), "split at " + k);
            check(expected, reference, run(services.get(), input, new int[]{k}, 7, fin), "split at " + k + ", budget 7");
        }
        check(expected, reference, run(services.get(), input, every(input.length, 1), Long.MAX_VALUE, fin), "1-byte pieces");
        check(expected, reference, run(services.get(), input, every(input.length, 1), 1, fin), "1-byte pieces, budget 1");
        check(expected, reference, run(services.get(), input, new int[0], 1, fin), "whole, budget 1");
        return expected;
    }

    private static void check(final byte[] expected, final FakeConnection reference, final FakeConnection actual, final String how)
    {
        if (!Arrays.equals(expected, actual.output()) || reference.outputShut != actual.outputShut ||
            reference.aborted != actual.aborted)
        {
            throw new AssertionError(how + ": expected\n" + new String(expected, java.nio.charset.StandardCharsets.ISO_8859_1) +
                "\nshut=" + reference.outputShut + " but got\n" +
                new String(actual.output(), java.nio.charset.StandardCharsets.ISO_8859_1) + "\nshut=" + actual.outputShut);
        }
    }

    static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /**
     * @return cuts every step bytes.
     */
    static int[] every(final int length, final int step)
    {
        final int[] cuts = new int[Math.max(0, (length - 1) / step)];
        for (int i = 0; i < cuts.length; i++)
        {
            cuts[i] = (i + 1) * step;
        }
        return cuts;
    }
}
