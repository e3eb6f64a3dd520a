package com.example.chat;

import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * A chat room over plain TCP lines: every line a member sends reaches every member, the sender included, prefixed
 * with the sender's name; {@code /nick NAME}, {@code /who} and {@code /quit} are commands. Talk to it with
 * {@code socat - TCP:VIP:7000} or {@code nc}.
 * <p>
 * The room is state shared by every connection, so the order of lines matters: two members typing at once must be
 * seen in one order by everyone, on the primary and on every backup, or a failover would show a client a different
 * history. ertcp gives that order (the replication log's); this class keeps it by the rules of the service API:
 * <ul>
 *   <li>It reads nothing but its callbacks: guests are numbered in join order, not by clock or chance.</li>
 *   <li>Members live in a {@link LinkedHashMap} keyed by connection id, so a line goes to them in join order
 *       everywhere.</li>
 *   <li>A line is acted on when its newline arrives, however the bytes were split.</li>
 *   <li>What a member's connection does not accept now waits in the member's queue for
 *       {@link #onWritable}: a slow reader delays only itself and never loses a line.</li>
 * </ul>
 * Options: {@code room} (its name, default {@code lobby}), {@code max-line} (bytes kept of a line, default 1024;
 * the rest of a longer line is dropped).
 */
public final class ChatService implements TcpService
{
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,20}");

    private final String room;
    private final int maxLine;
    /** Join order: the order every member's lines are delivered in. */
    private final Map<Long, Member> members = new LinkedHashMap<>();
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(256);
    private long guests;

    /**
     * @param options {@code room} and {@code max-line}, as the cluster file's {@code options} or
     *                {@code --service-options} give them.
     */
    public ChatService(final Map<String, String> options)
    {
        for (final String key : options.keySet())
        {
            if (!key.equals("room") && !key.equals("max-line"))
            {
                throw new IllegalArgumentException("chat has no option '" + key + "': its options are room and max-line");
            }
        }
        this.room = options.getOrDefault("room", "lobby");
        try
        {
            this.maxLine = Integer.parseInt(options.getOrDefault("max-line", "1024"));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("chat's max-line must be a whole number, not '" + options.get("max-line") + "'");
        }
        if (maxLine < 1 || maxLine > 65536)
        {
            throw new IllegalArgumentException("chat's max-line must be from 1 to 65536, not " + maxLine);
        }
    }

    public String name()
    {
        return "chat";
    }

    /** The room is shared: a node that rejoins rebuilds it from the whole log. */
    public boolean sharesStateAcrossConnections()
    {
        return true;
    }

    public void onOpen(final Connection connection)
    {
        final Member member = new Member(connection, "guest" + ++guests, maxLine);
        connection.attachment(member);
        send(member, "* welcome to " + room + ", you are " + member.name + " (/nick NAME, /who, /quit)\n");
        broadcast("* " + member.name + " joined\n");
        members.put(connection.id(), member);
    }

    public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        final Member member = (Member)connection.attachment();
        for (int i = 0; i < length && members.containsKey(connection.id()); i++)
        {
            final byte b = buffer.getByte(offset + i);
            if (b == '\n')
            {
                onLine(member, member.takeLine());
            }
            else
            {
                member.appendToLine(b);
            }
        }
        // Everything is consumed: a member who quit mid-buffer has the rest dropped.
        return length;
    }

    public void onPeerClosed(final Connection connection)
    {
        leave((Member)connection.attachment());
        connection.shutdownOutput();
    }

    public void onWritable(final Connection connection)
    {
        ((Member)connection.attachment()).flush();
    }

    public void onClosed(final Connection connection, final CloseReason reason)
    {
        leave((Member)connection.attachment());
        connection.attachment(null);
    }

    private void onLine(final Member member, final String line)
    {
        if (line.isEmpty())
        {
            return;
        }
        if (!line.startsWith("/"))
        {
            broadcast(member.name + ": " + line + "\n");
            return;
        }
        final String[] words = line.split(" ", 2);
        switch (words[0])
        {
            case "/nick" -> rename(member, words.length > 1 ? words[1].trim() : "");
            case "/who" ->
            {
                final StringJoiner names = new StringJoiner(", ", "* in " + room + ": ", "\n");
                members.values().forEach(m -> names.add(m.name));
                send(member, names.toString());
            }
            case "/quit" ->
            {
                send(member, "* bye\n");
                leave(member);
                member.connection.shutdownOutput();
            }
            default -> send(member, "* unknown command " + words[0] + ": try /nick NAME, /who or /quit\n");
        }
    }

    private void rename(final Member member, final String name)
    {
        if (!NAME.matcher(name).matches())
        {
            send(member, "* a name is 1 to 20 letters, digits, - or _\n");
        }
        else if (members.values().stream().anyMatch(m -> m.name.equals(name)))
        {
            send(member, "* " + name + " is taken\n");
        }
        else
        {
            broadcast("* " + member.name + " is now " + name + "\n");
            member.name = name;
        }
    }

    private void leave(final Member member)
    {
        if (null != member && null != members.remove(member.connection.id()))
        {
            broadcast("* " + member.name + " left\n");
        }
    }

    private void broadcast(final String text)
    {
        final int length = encode(text);
        for (final Member member : members.values())
        {
            member.send(scratch, 0, length);
        }
    }

    private void send(final Member member, final String text)
    {
        member.send(scratch, 0, encode(text));
    }

    private int encode(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        scratch.putBytes(0, bytes);
        return bytes.length;
    }

    /** One member: its name, the line being typed, and what its connection has not yet accepted. */
    private static final class Member
    {
        final Connection connection;
        final byte[] line;
        final ExpandableArrayBuffer queue = new ExpandableArrayBuffer(256);
        String name;
        int lineLength;
        int queueHead;
        int queueTail;

        Member(final Connection connection, final String name, final int maxLine)
        {
            this.connection = connection;
            this.name = name;
            this.line = new byte[maxLine];
        }

        void appendToLine(final byte b)
        {
            if (lineLength < line.length)
            {
                line[lineLength++] = b;
            }
        }

        String takeLine()
        {
            int end = lineLength;
            if (end > 0 && line[end - 1] == '\r')
            {
                end--;
            }
            lineLength = 0;
            return new String(line, 0, end, StandardCharsets.UTF_8);
        }

        /** Write what the connection takes; queue the rest behind what already waits, in order. */
        void send(final DirectBuffer buffer, final int offset, final int length)
        {
            int written = 0;
            if (queueHead == queueTail)
            {
                written = connection.write(buffer, offset, length);
            }
            if (written < length)
            {
                queue.putBytes(queueTail, buffer, offset + written, length - written);
                queueTail += length - written;
            }
        }

        void flush()
        {
            if (queueTail > queueHead)
            {
                queueHead += connection.write(queue, queueHead, queueTail - queueHead);
                // Move what still waits to the front, so the queue holds only the backlog, never its history.
                queue.putBytes(0, queue, queueHead, queueTail - queueHead);
                queueTail -= queueHead;
                queueHead = 0;
            }
        }
    }
}
