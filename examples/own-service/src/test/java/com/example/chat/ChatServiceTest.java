package com.example.chat;

import io.ertcp.service.CloseReason;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatServiceTest
{
    private static final int ROOMY = 1 << 20;

    private final ChatService chat = new ChatService(Map.of("room", "den"));

    private void type(final TestConnection connection, final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        assertEquals(bytes.length, chat.onData(connection, new UnsafeBuffer(bytes), 0, bytes.length), "chat consumes all");
    }

    @Test
    void everyLineReachesEveryMemberInOneOrder()
    {
        final TestConnection a = new TestConnection(1, ROOMY);
        final TestConnection b = new TestConnection(2, ROOMY);
        chat.onOpen(a);
        chat.onOpen(b);
        type(a, "hello\n");
        type(b, "hi there\n");
        type(a, "bye\n");

        assertEquals("* welcome to den, you are guest1 (/nick NAME, /who, /quit)\n* guest2 joined\n" +
            "guest1: hello\nguest2: hi there\nguest1: bye\n", a.sent());
        assertEquals("* welcome to den, you are guest2 (/nick NAME, /who, /quit)\n" +
            "guest1: hello\nguest2: hi there\nguest1: bye\n", b.sent());
    }

    @Test
    void aLineSplitAnyWayIsTheSameLine()
    {
        final TestConnection whole = new TestConnection(1, ROOMY);
        chat.onOpen(whole);
        type(whole, "one line\r\n");
        final ChatService other = new ChatService(Map.of("room", "den"));
        final TestConnection pieces = new TestConnection(1, ROOMY);
        other.onOpen(pieces);
        for (final byte b : "one line\r\n".getBytes(StandardCharsets.UTF_8))
        {
            other.onData(pieces, new UnsafeBuffer(new byte[]{b}), 0, 1);
        }
        assertEquals(whole.sent(), pieces.sent());
        assertTrue(whole.sent().endsWith("guest1: one line\n"), whole.sent());
    }

    @Test
    void aSlowReaderGetsEveryLineLaterAndDelaysNoOneElse()
    {
        final TestConnection fast = new TestConnection(1, ROOMY);
        final TestConnection slow = new TestConnection(2, 70);
        chat.onOpen(fast);
        chat.onOpen(slow);
        for (int i = 0; i < 20; i++)
        {
            type(fast, "line " + i + "\n");
        }
        assertTrue(fast.sent().endsWith("guest1: line 19\n"), "the fast member has everything at once");
        assertTrue(slow.sent().length() <= 70, "the slow one only what fits");

        for (int i = 0; i < 100 && !slow.sent().endsWith("guest1: line 19\n"); i++)
        {
            slow.acknowledgeAll();
            chat.onWritable(slow);
        }
        final String expected = new StringBuilder("* welcome to den, you are guest2 (/nick NAME, /who, /quit)\n")
            .append(fast.sent().substring(fast.sent().indexOf("guest1: line 0"))).toString();
        assertEquals(expected, slow.sent(), "nothing lost, nothing doubled, same order");
    }

    @Test
    void commandsAndLeaving()
    {
        final TestConnection a = new TestConnection(1, ROOMY);
        final TestConnection b = new TestConnection(2, ROOMY);
        chat.onOpen(a);
        chat.onOpen(b);
        type(a, "/nick ann\n/nick guest2\n/who\n/dance\n");
        type(b, "/quit\nnever seen\n");
        chat.onClosed(b, CloseReason.CLOSED);
        type(a, "alone\n");
        chat.onPeerClosed(a);

        assertEquals("* welcome to den, you are guest1 (/nick NAME, /who, /quit)\n* guest2 joined\n" +
            "* guest1 is now ann\n* guest2 is taken\n* in den: ann, guest2\n" +
            "* unknown command /dance: try /nick NAME, /who or /quit\n* guest2 left\nann: alone\n", a.sent());
        assertTrue(b.sent().endsWith("* guest1 is now ann\n* bye\n"), b.sent());
        assertTrue(b.outputShut && a.outputShut);
    }

    @Test
    void aLongLineIsCutAtMaxLine()
    {
        final ChatService small = new ChatService(Map.of("max-line", "4"));
        final TestConnection a = new TestConnection(1, ROOMY);
        small.onOpen(a);
        final byte[] bytes = "abcdefgh\nxy\n".getBytes(StandardCharsets.UTF_8);
        small.onData(a, new UnsafeBuffer(bytes), 0, bytes.length);
        assertTrue(a.sent().endsWith("guest1: abcd\nguest1: xy\n"), a.sent());
    }

    @Test
    void badOptionsAreRefusedWithASentence()
    {
        assertEquals("chat has no option 'rooms': its options are room and max-line",
            assertThrows(IllegalArgumentException.class, () -> new ChatService(Map.of("rooms", "x"))).getMessage());
        assertEquals("chat's max-line must be a whole number, not 'big'",
            assertThrows(IllegalArgumentException.class, () -> new ChatService(Map.of("max-line", "big"))).getMessage());
    }
}
