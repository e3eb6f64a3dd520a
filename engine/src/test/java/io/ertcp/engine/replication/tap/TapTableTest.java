package io.ertcp.engine.replication.tap;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * {@link TapTable} against a HashMap: random puts and removes, backward-shift deletion keeps every
 * remaining key findable.
 */
class TapTableTest
{
    @Test
    void randomPutsAndRemovesMatchAMap()
    {
        final long seed = 0x7AB1EL;
        final Random random = new Random(seed);
        final int max = 100;
        final TapTable table = new TapTable(max);
        final Map<Long, TapStream> model = new HashMap<>();
        final List<Long> keys = new ArrayList<>();
        for (int i = 0; i < 50_000; i++)
        {
            // Few distinct addresses and ports, so probes collide and chains form.
            final long key = TapTable.key(0x0A000000 + random.nextInt(8), random.nextInt(40));
            final TapStream present = model.get(key);
            assertSame(present, table.get(key), "seed " + seed + " step " + i);
            if (present == null && model.size() < max)
            {
                final TapStream stream = new TapStream(64);
                stream.key = key;
                table.put(stream);
                model.put(key, stream);
                keys.add(key);
            }
            else if (present != null)
            {
                table.remove(present);
                model.remove(key);
                keys.remove(key);
                assertNull(table.get(key));
            }
            assertEquals(model.size(), table.size());
        }
        for (final Long key : keys)
        {
            assertSame(model.get(key), table.get(key));
        }
    }
}
