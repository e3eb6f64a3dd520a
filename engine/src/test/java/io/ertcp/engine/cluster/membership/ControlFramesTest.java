package io.ertcp.engine.cluster.membership;

import io.ertcp.engine.replication.channel.ReplicationFrameFlyweight;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControlFramesTest
{
    /** A control kind that is also a channel kind would route a channel frame to membership (LEAVE once was FETCH). */
    @Test
    void everyFrameKindOnTheChannelIsDistinct() throws IllegalAccessException
    {
        final Map<Integer, String> kinds = new HashMap<>();
        for (final Class<?> type : new Class<?>[] {ReplicationFrameFlyweight.class, ControlFrames.class})
        {
            for (final Field field : type.getFields())
            {
                if (field.getName().startsWith("KIND_") && !field.getName().equals("KIND_OFFSET") &&
                    Modifier.isStatic(field.getModifiers()) && field.getType() == int.class)
                {
                    final String before = kinds.put(field.getInt(null), type.getSimpleName() + "." + field.getName());
                    assertEquals(null, before, field.getName() + " has the value of " + before);
                }
            }
        }
        assertTrue(kinds.size() >= 11, "the kinds were found: " + kinds);
        for (final Map.Entry<Integer, String> kind : kinds.entrySet())
        {
            assertEquals(kind.getValue().startsWith("ControlFrames") && !kind.getValue().endsWith("PROMOTE_LOGGER"),
                ControlFrames.isControlKind(kind.getKey()), kind.getValue());
        }
    }
}
