package io.ertcp.engine.cluster;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whether the ER-TCP primary writes its own log copy on a writer thread: by default only where the process may use
 * more than one CPU (on one, the thread would take turns with the duty cycle).
 */
class PrimaryRoleWriterThreadTest
{
    @Test
    void autoUsesTheThreadOnlyWithMoreThanOneCpu()
    {
        assertTrue(PrimaryRole.writerThread("auto", 2));
        assertFalse(PrimaryRole.writerThread("auto", 1));
        assertTrue(PrimaryRole.writerThread("something else", 4), "any other value is auto");
    }

    @Test
    void trueAndFalseDecideWhateverTheCpus()
    {
        assertTrue(PrimaryRole.writerThread("true", 1));
        assertFalse(PrimaryRole.writerThread("false", 8));
    }
}
