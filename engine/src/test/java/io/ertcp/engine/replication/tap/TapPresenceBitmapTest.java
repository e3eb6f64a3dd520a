package io.ertcp.engine.replication.tap;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link PresenceBitmap} against a boolean array: word edges, the ring's wrap, runs of any length.
 */
class TapPresenceBitmapTest
{
    @Test
    void randomSetsClearsAndRunsMatchAModel()
    {
        for (final int capacity : new int[] {64, 128, 4096})
        {
            final long seed = 0xB17L + capacity;
            final Random random = new Random(seed);
            final PresenceBitmap bitmap = new PresenceBitmap(capacity);
            final boolean[] model = new boolean[capacity];
            for (int i = 0; i < 20_000; i++)
            {
                final long start = random.nextInt(1 << 20);
                final int length = random.nextInt(4) == 0 ? random.nextInt(capacity + 1) : random.nextInt(Math.min(capacity, 200) + 1);
                switch (random.nextInt(4))
                {
                    case 0 ->
                    {
                        bitmap.set(start, length);
                        mark(model, start, length, true);
                    }
                    case 1 ->
                    {
                        bitmap.clear(start, length);
                        mark(model, start, length, false);
                    }
                    case 2 ->
                    {
                        if (random.nextInt(50) == 0)
                        {
                            bitmap.clearAll();
                            mark(model, 0, capacity, false);
                        }
                    }
                    default ->
                    {
                    }
                }
                final long probe = random.nextInt(1 << 20);
                final int limit = random.nextInt(capacity + 1);
                assertEquals(run(model, probe, limit), bitmap.contiguous(probe, limit),
                    "seed " + seed + " step " + i + " probe " + probe + " limit " + limit);
            }
        }
    }

    private static void mark(final boolean[] model, final long start, final int length, final boolean present)
    {
        for (int i = 0; i < length; i++)
        {
            model[(int)((start + i) % model.length)] = present;
        }
    }

    private static int run(final boolean[] model, final long start, final int limit)
    {
        int n = 0;
        while (n < limit && model[(int)((start + n) % model.length)])
        {
            n++;
        }
        return n;
    }
}
