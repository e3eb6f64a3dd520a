package io.ertcp.engine.tcp;

import io.ertcp.engine.counters.Counters;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TCB's helpers on their own: the 4-tuple table at 100,000 entries, the timer heap, the
 * assembler, SYN cookies and sequence arithmetic across the wrap.
 */
class TcpComponentsTest
{
    @Test
    void connectionTableHoldsAHundredThousandAndDeletesByBackwardShift()
    {
        final int n = 100_000;
        final TcpConfig config = new TcpConfig().maxConnections(n).sendBufferBytes(1024).receiveBufferBytes(1024);
        final TcpStack stack = new TcpStack(config, new CapturingIpv4Output(), new Counters(256));
        final ConnectionTable table = new ConnectionTable(n);
        final TcpConnection[] connections = new TcpConnection[n];
        for (int i = 0; i < n; i++)
        {
            connections[i] = new TcpConnection(stack, config, stack.counters(),
                new org.agrona.concurrent.UnsafeBuffer(new byte[2048]));
            connections[i].reset(i + 1, 0x0A000001, 80, 0x0B000000 + (i >>> 10), 1024 + (i & 1023), null, null, 0, 0);
            assertTrue(table.put(connections[i]));
        }
        assertEquals(n, table.size());
        final Random random = new Random(1);
        for (int i = 0; i < n; i += 2)
        {
            table.remove(connections[i]);
        }
        for (int k = 0; k < 10_000; k++)
        {
            final int i = random.nextInt(n);
            final TcpConnection found = table.get(0x0A000001, 80, 0x0B000000 + (i >>> 10), 1024 + (i & 1023));
            if ((i & 1) == 0)
            {
                assertNull(found);
            }
            else
            {
                assertSame(connections[i], found);
            }
        }
        assertEquals(n / 2, table.size());
    }

    @Test
    void timerHeapOrdersAndMovesDeadlines()
    {
        final TcpConfig config = new TcpConfig().sendBufferBytes(1024).receiveBufferBytes(1024);
        final TcpStack stack = new TcpStack(config, new CapturingIpv4Output(), new Counters(256));
        final TimerHeap heap = new TimerHeap(100);
        final TcpConnection[] c = new TcpConnection[50];
        final Random random = new Random(2);
        for (int i = 0; i < c.length; i++)
        {
            c[i] = new TcpConnection(stack, config, stack.counters(), new org.agrona.concurrent.UnsafeBuffer(new byte[2048]));
            heap.schedule(c[i], 1000 + random.nextInt(1000));
        }
        heap.schedule(c[17], 5);
        heap.schedule(c[3], Long.MAX_VALUE);
        assertSame(c[17], heap.earliest());
        long last = Long.MIN_VALUE;
        int count = 0;
        while (heap.size() > 0)
        {
            final long deadline = heap.earliestNs();
            assertTrue(deadline >= last);
            last = deadline;
            heap.schedule(heap.earliest(), Long.MAX_VALUE);
            count++;
        }
        assertEquals(49, count);
    }

    @Test
    void assemblerMergesAndAdvances()
    {
        final Assembler assembler = new Assembler();
        final int base = -5;
        assertTrue(assembler.add(base + 10, base + 20));
        assertTrue(assembler.add(base + 30, base + 40));
        assertTrue(assembler.add(base + 18, base + 32));
        assertEquals(1, assembler.count());
        assertEquals(base, assembler.advance(base));
        assertEquals(base + 40, assembler.advance(base + 10));
        assertTrue(assembler.isEmpty());
    }

    @Test
    void synCookieRoundTripsAndExpires()
    {
        final SynCookies cookies = new SynCookies(new IsnGenerator(1, 2));
        final long now = 1_000_000_000_000L;
        final int cookie = cookies.cookie(1, 80, 2, 5000, 777, 1460, now);
        assertEquals(1460, cookies.check(1, 80, 2, 5000, 777, cookie, now + 60_000_000_000L));
        assertEquals(-1, cookies.check(1, 80, 2, 5001, 777, cookie, now));
        assertEquals(-1, cookies.check(1, 80, 2, 5000, 777, cookie, now + 200_000_000_000L));
        assertEquals(536, cookies.check(1, 80, 2, 5000, 9, cookies.cookie(1, 80, 2, 5000, 9, 600, now), now));
    }

    @Test
    void sequenceArithmeticAcrossTheWrap()
    {
        assertTrue(SeqNum.lt(-10, 5));
        assertTrue(SeqNum.gt(5, -10));
        assertTrue(SeqNum.inRange(0, -1, 1));
        assertEquals(15L, SeqNum.distance(-10, 5));
        assertEquals(5, SeqNum.max(-10, 5));
    }

    @Test
    void isnsDifferByTupleAndAdvanceWithTime()
    {
        final IsnGenerator isns = new IsnGenerator(3, 4);
        assertTrue(isns.isn(1, 80, 2, 5000, 0) != isns.isn(1, 80, 2, 5001, 0));
        assertEquals(250, isns.isn(1, 80, 2, 5000, 1_000_000) - isns.isn(1, 80, 2, 5000, 0));
    }
}
