package io.ertcp.engine.cli;

import io.ertcp.engine.port.PortException;
import io.ertcp.ffm.NativeLibraryException;

import java.io.PrintStream;
import java.util.List;

/**
 * The {@code ertcp} command line: one verb per {@link Command}, {@code --help} on each.
 */
public final class Main
{
    private Main()
    {
    }

    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Run one command.
     *
     * @return the exit status: 0 done, 1 failed at run time, 2 a usage or environment mistake.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        final List<Command> commands = List.of(
            new DemoCommand(out),
            new PortCommand(out),
            new ServeCommand(out),
            new NodeCommand(out),
            new StatusCommand(out),
            new StatCommand(out),
            new SwitchoverCommand(out),
            new KeygenCommand(out),
            new CheckServiceCommand(out),
            new ClusterFileCommand(out),
            new LanCommand(out),
            new StreamCommand(out),
            new ImpairCommand(out));

        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))
        {
            out.print(usage(commands));
            return args.length == 0 ? 2 : 0;
        }

        if (args[0].equals("--version") || args[0].equals("version"))
        {
            out.println(Version.current());
            return 0;
        }

        final Command command = commands.stream().filter(c -> c.name().equals(args[0])).findFirst().orElse(null);
        if (command == null)
        {
            err.println("ertcp: unknown command '" + args[0] + "': run ./ertcp --help for the list");
            return 2;
        }

        final String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        if (List.of(rest).contains("--help") || List.of(rest).contains("-h"))
        {
            out.print(command.help());
            return 0;
        }

        try
        {
            return command.run(rest);
        }
        catch (final CliException | PortException | NativeLibraryException ex)
        {
            err.println("ertcp " + command.name() + ": " + ex.getMessage());
            return 2;
        }
        catch (final Exception ex)
        {
            err.println("ertcp " + command.name() + " failed: " + ex);
            ex.printStackTrace(err);
            return 1;
        }
    }

    private static String usage(final List<Command> commands)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("""
            ertcp: TCP connections that survive the death of the server holding them.

            Usage: ./ertcp COMMAND [options]       (./ertcp COMMAND --help for each)
                   ./ertcp --version               the version and the commit it was built from

            Commands:
            """);
        for (final Command command : commands)
        {
            sb.append(String.format("  %-8s %s%n", command.name(), command.summary()));
        }
        sb.append("""
              build    build everything (Maven, JDK 25, the DPDK shim when libdpdk is installed)
              test     build and run every test, system tests included (as root)
            """);
        return sb.toString();
    }
}
