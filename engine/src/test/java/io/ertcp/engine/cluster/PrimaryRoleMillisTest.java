package io.ertcp.engine.cluster;

import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PrimaryRoleMillisTest
{
    @Test
    void printsWhatPercentPointOneFPrintsWithoutTheFormatter()
    {
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++)
        {
            final long ns = random.nextLong(0, 100_000_000_000L);
            if (ns % 50_000 == 0)
            {
                continue; // exactly halfway in binary and decimal alike: both round up, but the double may not say so
            }
            assertEquals(String.format(Locale.ROOT, "%.1f", ns / 1e6), PrimaryRole.millis(ns), "ns " + ns);
        }
    }

    @Test
    void roundsHalfUpAndKeepsTheSignOfWhatIsNotZero()
    {
        assertEquals("0.0", PrimaryRole.millis(0));
        assertEquals("0.0", PrimaryRole.millis(49_999));
        assertEquals("0.1", PrimaryRole.millis(50_000));
        assertEquals("12.3", PrimaryRole.millis(12_345_678));
        assertEquals("1500.0", PrimaryRole.millis(1_500_000_000L));
        assertEquals("-2.5", PrimaryRole.millis(-2_500_000));
        assertEquals("0.0", PrimaryRole.millis(-10_000), "no minus sign on a figure that rounds to zero");
    }
}
