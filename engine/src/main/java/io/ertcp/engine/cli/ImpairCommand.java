package io.ertcp.engine.cli;

import io.ertcp.engine.agent.AgentHost;
import io.ertcp.engine.agent.ThreadingMode;
import io.ertcp.engine.counters.Counters;
import io.ertcp.engine.lan.impair.ImpairRelay;
import io.ertcp.engine.lan.impair.ImpairedLink;
import io.ertcp.engine.lan.impair.ImpairmentCounters;
import io.ertcp.engine.lan.impair.ImpairmentSpec;
import io.ertcp.engine.port.PacketPort;
import org.agrona.concurrent.SystemNanoClock;

import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.Set;

/**
 * {@code ertcp impair}: a bad wire on demand, for kernels without netem. Relays every frame between
 * two interfaces through the project's own ports with seeded faults per direction.
 */
final class ImpairCommand implements Command
{
    private final PrintStream out;

    ImpairCommand(final PrintStream out)
    {
        this.out = out;
    }

    public String name()
    {
        return "impair";
    }

    public String summary()
    {
        return "relay frames between two interfaces with seeded loss, delay, reordering, duplication, corruption";
    }

    public String help()
    {
        return """
            Usage: ./ertcp impair --a IF1 --b IF2 [--both SPEC] [--a-to-b SPEC] [--b-to-a SPEC] [options]

            Splices a bad wire into a link: every frame arriving on IF1 leaves on IF2 and the other
            way round, after the faults of its direction. The faults come from one seed, printed
            at start; the same seed and the same traffic give the same faults (--seed to replay).
            Counters per direction are printed each second and at exit.

            SPEC: comma-separated, any subset of
              loss=P%             drop a fraction of frames
              delay=Tms           add a fixed delay (units: s, ms, us, ns)
              jitter=Tms          vary each delay uniformly by plus or minus T, keeping order
              reorder=P%          hold a fraction of frames back by reorder-delay so later ones pass
              reorder-delay=Tms   how long a reordered frame is held (default 2ms)
              duplicate=P%        send a fraction of frames twice
              corrupt=P%          flip one bit past the Ethernet header in a fraction of frames
            e.g. --both loss=2%,delay=20ms,jitter=2ms,reorder=1%,duplicate=1%

            Options:
              --a IF1, --b IF2     the two interfaces (in this network namespace)
              --both SPEC          faults for both directions
              --a-to-b SPEC        faults for frames from IF1 to IF2 (overrides --both)
              --b-to-a SPEC        faults for frames from IF2 to IF1 (overrides --both)
              --driver af-packet   the datapath (af-packet; the relay needs no DPDK)
              --seed N             the seed (default: a random one, printed)
              --interval-ms N      how often counters are printed (default 1000)
              --duration-s N       stop by itself after N seconds (default: run until stopped)
              --help               this text

            Put the relay in a namespace of its own between the two ends (client - relay - server)
            with no addresses on IF1 and IF2. Frames whose checksum a local Linux sender left to
            offload are completed on the way, before any corruption, so receivers can catch it.
            """;
    }

    public int run(final String[] argv) throws Exception
    {
        final Args args = Args.parse(name(), argv,
            Set.of("a", "b", "both", "a-to-b", "b-to-a", "driver", "seed", "interval-ms", "duration-s"), Set.of());
        final String ifA = args.require("a");
        final String ifB = args.require("b");
        if (ifA.equals(ifB))
        {
            throw new CliException("--a and --b name the same interface: a relay needs two");
        }
        final String driver = args.get("driver", "af-packet");
        if (!driver.equals("af-packet"))
        {
            throw new CliException("impair relays through af-packet ports only: drop --driver " + driver);
        }
        final ImpairmentSpec both = PortCommand.parse(() -> ImpairmentSpec.parse(args.get("both", "")));
        final ImpairmentSpec aToBSpec = args.has("a-to-b") ?
            PortCommand.parse(() -> ImpairmentSpec.parse(args.get("a-to-b", ""))) : both;
        final ImpairmentSpec bToASpec = args.has("b-to-a") ?
            PortCommand.parse(() -> ImpairmentSpec.parse(args.get("b-to-a", ""))) : both;
        final long seed = args.has("seed") ? args.getLong("seed", 0) : new SecureRandom().nextLong();
        final long intervalMs = Math.max(10, args.getLong("interval-ms", 1000));
        final long durationMs = args.getLong("duration-s", 0) * 1000;

        final Counters counters = new Counters();
        final Shutdown shutdown = new Shutdown();
        final PacketPort a = Ports.open(driver, ifA, null, counters);
        final PacketPort b;
        try
        {
            b = Ports.open(driver, ifB, null, counters);
        }
        catch (final RuntimeException ex)
        {
            a.close();
            throw ex;
        }
        final ImpairedLink aToB = new ImpairedLink(aToBSpec, seed, new ImpairmentCounters(counters, ifA + "->" + ifB));
        final ImpairedLink bToA = new ImpairedLink(bToASpec, ~seed, new ImpairmentCounters(counters, ifB + "->" + ifA));

        out.printf("impair %s <-> %s seed %d%n  %s->%s: %s%n  %s->%s: %s%n",
            ifA, ifB, seed, ifA, ifB, aToBSpec, ifB, ifA, bToASpec);
        out.flush();

        final long startMs = System.currentTimeMillis();
        try (AgentHost ignored = AgentHost.start(ThreadingMode.SHARED, Throwable::printStackTrace,
            new ImpairRelay(a, b, aToB, bToA, new SystemNanoClock())))
        {
            while (!shutdown.awaitFor(intervalMs))
            {
                print("", ifA, ifB, aToB, bToA);
                if (durationMs > 0 && System.currentTimeMillis() - startMs >= durationMs)
                {
                    break;
                }
            }
        }
        finally
        {
            print("final ", ifA, ifB, aToB, bToA);
            out.printf("seed %d (replay with --seed %d)%n", seed, seed);
            out.flush();
            shutdown.done();
        }
        return 0;
    }

    private void print(
        final String prefix, final String ifA, final String ifB, final ImpairedLink aToB, final ImpairedLink bToA)
    {
        out.printf("%s%s->%s: %s%n%s%s->%s: %s%n", prefix, ifA, ifB, aToB.counters(), prefix, ifB, ifA, bToA.counters());
        out.flush();
    }
}
