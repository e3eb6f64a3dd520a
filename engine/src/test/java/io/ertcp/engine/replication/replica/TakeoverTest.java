package io.ertcp.engine.replication.replica;

import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.MemoryPort;
import io.ertcp.engine.lan.MemorySwitch;
import io.ertcp.engine.net.Ipv4Address;
import io.ertcp.engine.net.Ipv4Flyweight;
import io.ertcp.engine.net.Ipv4Layer;
import io.ertcp.engine.net.NetCounters;
import io.ertcp.engine.port.FrameOutput;
import io.ertcp.engine.service.EchoService;
import io.ertcp.engine.service.KvService;
import io.ertcp.engine.tcp.TcpConfig;
import io.ertcp.engine.tcp.TcpStack;
import io.ertcp.engine.testing.EchoSource;
import io.ertcp.service.CloseReason;
import io.ertcp.service.Connection;
import io.ertcp.service.TcpService;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The heart of ER-TCP without the channel: a primary publishes every connection event as a record and applies it,
 * a "logger" (a list) confirms with a lag, a backup applies only what was confirmed, and then the primary dies at a
 * chosen moment. The backup takes over with {@link PrimaryReplication#takeOver} and the client, a real stack on the
 * same in-memory LAN, must get every byte back, in order, with no reset.
 */
class TakeoverTest
{
    private static final int VIP = Ipv4Address.parse("10.0.0.100");
    private static final PrimaryReplication.Settings PRIMARY =
        PrimaryReplication.Settings.DEFAULT.withMaxUnconfirmedBytes(4 << 20);

    @ParameterizedTest
    @ValueSource(longs = {1_000, 20_000, 60_000, 150_000, 400_000})
    void echoStreamSurvivesTheKillOfThePrimary(final long killAfterBytes)
    {
        final long seed = Long.getLong("ertcp.seed", System.nanoTime());
        final Random random = new Random(seed);
        final byte[] data = new byte[512 * 1024];
        random.nextBytes(data);

        final Cluster cluster = new Cluster(seed, EchoService::new);
        final EchoSource source = new EchoSource(data);
        cluster.client.stack.connect(cluster.client.ip, VIP, 7, source);

        cluster.runUntil(() -> source.verified >= killAfterBytes || source.closed, 20_000_000_000L);
        final int verifiedAtKill = source.verified;
        assertEquals(1, cluster.killPrimaryAndTakeOver(), "the connection was restored on the backup; seed " + seed);
        cluster.runUntil(() -> source.closed, 120_000_000_000L);

        assertTrue(verifiedAtKill < data.length, "the kill came mid-stream; seed " + seed);
        assertTrue(cluster.backup.stack.counters().bytesSent.get() >= data.length - verifiedAtKill,
            "the backup sent the rest; seed " + seed);

        assertEquals(data.length, source.verified, "every byte came back; seed " + seed);
        assertEquals(CloseReason.CLOSED, source.reason, "closed normally; seed " + seed);
        assertEquals(0, cluster.client.stack.counters().connectionsReset.get(), "no reset reached the client; seed " + seed);
    }

    @Test
    void theKillComesRightAfterTheClientsHandshake()
    {
        final long seed = Long.getLong("ertcp.seed", System.nanoTime());
        final byte[] data = new byte[64 * 1024];
        new Random(seed).nextBytes(data);
        final Cluster cluster = new Cluster(seed, EchoService::new);
        final EchoSource source = new EchoSource(data);
        cluster.client.stack.connect(cluster.client.ip, VIP, 7, source);

        cluster.runUntil(() -> source.opened, 1_000_000_000L);
        assertTrue(source.opened, "seed " + seed);
        cluster.killPrimaryAndTakeOver();
        cluster.runUntil(() -> source.closed, 120_000_000_000L);

        assertEquals(data.length, source.verified, "every byte came back; seed " + seed);
        assertEquals(CloseReason.CLOSED, source.reason, "seed " + seed);
        assertEquals(0, cluster.client.stack.counters().connectionsReset.get(), "no reset reached the client; seed " + seed);
    }

    @Test
    void keyValueStateIsTheSameOnTheBackupAcrossConnections()
    {
        final long seed = Long.getLong("ertcp.seed", System.nanoTime());
        final Cluster cluster = new Cluster(seed, KvService::new);
        final List<Script> scripts = new ArrayList<>();
        for (int c = 0; c < 4; c++)
        {
            final StringBuilder commands = new StringBuilder();
            for (int i = 0; i < 50; i++)
            {
                commands.append("INCR counter\r\nSET key").append(c).append(' ').append(i).append("\r\n");
            }
            final Script script = new Script(commands.toString().getBytes(StandardCharsets.US_ASCII));
            scripts.add(script);
            cluster.client.stack.connect(cluster.client.ip, VIP, 6379, script);
        }
        cluster.runUntil(() -> scripts.stream().allMatch(s -> s.received.size() > 100 * 5), 10_000_000_000L);
        cluster.killPrimaryAndTakeOver();

        final Script after = new Script("GET counter\r\n".getBytes(StandardCharsets.US_ASCII));
        cluster.client.stack.connect(cluster.client.ip, VIP, 6379, after);
        cluster.runUntil(() -> after.received.toString(StandardCharsets.US_ASCII).endsWith("\r\n") &&
            after.received.size() > 4, 10_000_000_000L);
        assertEquals("$3\r\n200\r\n", after.received.toString(StandardCharsets.US_ASCII), "seed " + seed);
        assertEquals(0, cluster.client.stack.counters().connectionsReset.get(), "seed " + seed);
    }

    // ---------------------------------------------------------------------------------------------

    interface ServiceSupplier
    {
        TcpService get();
    }

    /** One machine on the in-memory LAN: port, IPv4 layer, TCP stack. */
    static final class Host
    {
        final MemoryPort port;
        final Ipv4Layer layer;
        final TcpStack stack;
        final int ip;
        boolean alive = true;

        /** Builds a host's TCP stack over its IPv4 layer. */
        interface StackMaker
        {
            TcpStack make(TcpConfig config, Ipv4Layer layer, Counters counters);
        }

        Host(final MemorySwitch lan, final String name, final long mac, final String ip)
        {
            this(lan, name, mac, ip, TcpStack::new);
        }

        Host(final MemorySwitch lan, final String name, final long mac, final String ip, final StackMaker stacks)
        {
            this.port = lan.newPort(name, mac);
            this.ip = Ipv4Address.parse(ip);
            final Counters counters = new Counters(512);
            this.layer = new Ipv4Layer(mac, new Ipv4Address.Cidr(this.ip, 24), FrameOutput.of(port), new NetCounters(counters, name));
            final TcpConfig config = new TcpConfig().maxConnections(64).isnSecretSeed(mac);
            this.stack = stacks.make(config, layer, counters);
            layer.register(Ipv4Flyweight.PROTOCOL_TCP, stack);
        }

        void step(final long nowNs)
        {
            if (!alive)
            {
                return;
            }
            layer.nowNs(nowNs);
            port.receive(layer, 64);
            stack.doWork(nowNs);
            port.flush();
        }
    }

    /** A client, a primary and a backup; the log is a list and the logger confirms a few steps late. */
    static final class Cluster
    {
        final long seed;
        final long[] now = {1_000_000_000L};
        final MemorySwitch lan;
        final Host client;
        final Host primary;
        final PrimaryReplication primaryReplication;
        final ReplicatedService backupService;
        final List<byte[]> log = new ArrayList<>();
        final Random random;
        final ServiceSupplier services;
        Host backup;
        PrimaryReplication backupReplication;
        long confirmed;

        Cluster(final long seed, final ServiceSupplier services)
        {
            this.seed = seed;
            this.random = new Random(seed);
            this.services = services;
            System.out.println("TakeoverTest seed " + seed + " (rerun with -Dertcp.seed=" + seed + ")");
            lan = new MemorySwitch(() -> now[0], seed, new Counters(256));
            client = new Host(lan, "client", 0x0200_0000_0001L, "10.0.0.1");
            final ReplicatedService primaryService = new ReplicatedService(services.get(), 64 * 1024, 256 * 1024, 0);
            final PrimaryReplication[] built = new PrimaryReplication[1];
            primary = new Host(lan, "primary", 0x0200_0000_0002L, "10.0.0.2", (config, layer, counters) ->
                (built[0] = new PrimaryReplication(primaryService, this::append, 2, 1, PRIMARY, now[0],
                    seam -> new TcpStack(config, layer, counters, seam))).stack());
            primaryReplication = built[0];
            primary.layer.addAddress(VIP);
            primary.stack.listen(VIP, 7, primaryReplication);
            primary.stack.listen(VIP, 6379, primaryReplication);
            backupService = new ReplicatedService(services.get(), 64 * 1024, 256 * 1024, 0);
        }

        private long append(final MutableDirectBuffer buffer, final int offset, final int length)
        {
            final long position = log.size() + 1;
            buffer.putLong(offset + io.ertcp.log.RecordHeaderFlyweight.POSITION_OFFSET, position, java.nio.ByteOrder.LITTLE_ENDIAN);
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            log.add(copy);
            return position;
        }

        void step()
        {
            now[0] += 20_000;
            // The logger confirms what it has, in random-sized bites, and the backup follows the confirmed log.
            if (primary.alive && confirmed < log.size() && random.nextInt(4) == 0)
            {
                confirmed = Math.min(log.size(), confirmed + 1 + random.nextInt(8));
                primaryReplication.confirmed(confirmed);
            }
            applyConfirmed();
            if (primary.alive)
            {
                primaryReplication.doWork(now[0]);
            }
            if (null != backupReplication)
            {
                backupReplication.doWork(now[0]);
                backupReplication.confirmed(log.size());
            }
            client.step(now[0]);
            primary.step(now[0]);
            if (null != backup)
            {
                backup.step(now[0]);
            }
        }

        private void applyConfirmed()
        {
            while (null == backupReplication && backupService.appliedPosition() < confirmed)
            {
                final byte[] record = log.get((int)backupService.appliedPosition());
                backupService.apply(new UnsafeBuffer(record), 0, record.length);
            }
        }

        void runUntil(final java.util.function.BooleanSupplier done, final long limitNs)
        {
            final long end = now[0] + limitNs;
            while (!done.getAsBoolean() && now[0] < end)
            {
                step();
            }
        }

        /**
         * The primary stops dead; what the logger never confirmed is lost with it. The backup drains the confirmed
         * log, takes over, claims the VIP and announces it.
         */
        int killPrimaryAndTakeOver()
        {
            primary.alive = false;
            while (log.size() > confirmed)
            {
                log.removeLast();
            }
            applyConfirmed();
            backup = new Host(lan, "backup", 0x0200_0000_0003L, "10.0.0.3", (config, layer, counters) ->
                (backupReplication = new PrimaryReplication(backupService, this::append, 3, 2, PRIMARY, now[0],
                    seam -> new TcpStack(config, layer, counters, seam))).stack());
            backup.stack.advanceTimestampClock(now[0] / 1_000_000 + 1000, now[0]);
            final int restored = backupReplication.takeOver(confirmed, now[0]);
            backup.layer.addAddress(VIP);
            backup.stack.listen(VIP, 7, backupReplication);
            backup.stack.listen(VIP, 6379, backupReplication);
            backup.layer.nowNs(now[0]);
            backup.layer.announce(VIP);
            return restored;
        }
    }

    /** Sends a script of commands at once and keeps every byte of the answers. */
    static final class Script implements TcpService
    {
        final byte[] commands;
        final java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
        int written;

        Script(final byte[] commands)
        {
            this.commands = commands;
        }

        public String name()
        {
            return "script";
        }

        public void onOpen(final Connection connection)
        {
            onWritable(connection);
        }

        public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            received.writeBytes(bytes);
            return length;
        }

        public void onPeerClosed(final Connection connection)
        {
        }

        public void onWritable(final Connection connection)
        {
            written += connection.write(new UnsafeBuffer(commands), written, commands.length - written);
        }

        public void onClosed(final Connection connection, final CloseReason reason)
        {
        }
    }
}
