package io.ertcp.engine.service;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NetPIPE exchange at the byte level: what NPtcp -h writes, and what its receiver answers.
 */
class NetPipeServiceTest
{
    private static final byte[] SYNC = "SyncMe".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] QUIT = {'Q', 'U', 'I', 'T', 0};

    /** The first block sizes with the defaults, as NPtcp -u 65536 printed them. */
    private static final int[] SIZES = {1, 2, 3, 4, 6, 8, 12, 13, 16, 19, 21, 24, 27, 29, 32, 35, 45, 48, 51, 61, 64, 67};

    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private final ByteArrayOutputStream expected = new ByteArrayOutputStream();

    private void sync()
    {
        sent.writeBytes(SYNC);
        expected.writeBytes(SYNC);
    }

    private void pingPong(final int count, final int size)
    {
        for (int i = 0; i < count; i++)
        {
            final byte[] block = new byte[size];
            java.util.Arrays.fill(block, (byte)'a');
            block[size - 1] = (byte)('b' + i % 3);
            sent.writeBytes(block);
            expected.writeBytes(block);
        }
    }

    private byte[] transmitterRun(final int points, final int trials, final int lower, final int[] sizes)
    {
        sync();
        pingPong(NetPipeService.LATENCY_REPEATS, lower);
        sync();
        for (int p = 0; p < points; p++)
        {
            sync();
            final int nrepeat = 2 + p % 3;
            sent.writeBytes(new byte[]{0, 0, 0, (byte)nrepeat}); // nothing answers the repeat count
            for (int t = 0; t < trials; t++)
            {
                sync();
                pingPong(nrepeat, sizes[p]);
            }
        }
        sent.writeBytes(QUIT);
        expected.writeBytes(QUIT);
        return sent.toByteArray();
    }

    @Test
    void answersARunOfDefaultSizesAndQuitsWhateverTheSplit()
    {
        final byte[] input = transmitterRun(SIZES.length, 3, 1, SIZES);
        final byte[] output = StackDriver.assertSplitIndependent(NetPipeService::new, input, false);
        assertArrayEquals(expected.toByteArray(), output);
        final FakeConnection connection = StackDriver.run(new NetPipeService(), input, new int[0], 5, false);
        assertTrue(connection.outputShut, "QUIT is answered and the connection closed");
        assertTrue(!connection.aborted);
    }

    @Test
    void followsTheIntegrityCheckSchedule()
    {
        // NPtcp -i: lower 5, no perturbation, one trial; inc starts at 2 and doubles on odd nq
        final int[] sizes = {5, 7, 9, 13, 17, 25, 33};
        final byte[] input = transmitterRun(sizes.length, 1, 5, sizes);
        final FakeConnection connection = StackDriver.run(new NetPipeService(5, 0, 1), input, new int[]{3, 700}, 11, false);
        assertArrayEquals(expected.toByteArray(), connection.output());
        assertTrue(connection.outputShut);
    }

    @Test
    void abortsOnAWrongSyncString()
    {
        final byte[] input = "SyncMx".getBytes(StandardCharsets.US_ASCII);
        final FakeConnection connection = StackDriver.run(new NetPipeService(), input, new int[0], Long.MAX_VALUE, false);
        assertTrue(connection.aborted);
        assertEquals(0, connection.output().length);
    }

    @Test
    void closesWhenThePeerClosesMidRun()
    {
        final byte[] input = "SyncMeaaa".getBytes(StandardCharsets.US_ASCII);
        final FakeConnection connection = StackDriver.run(new NetPipeService(), input, new int[]{2}, Long.MAX_VALUE, true);
        assertEquals("SyncMeaaa", new String(connection.output(), StandardCharsets.US_ASCII));
        assertTrue(connection.outputShut);
    }
}
