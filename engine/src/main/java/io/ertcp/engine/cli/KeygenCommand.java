package io.ertcp.engine.cli;

import io.ertcp.engine.replication.channel.ClusterKey;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code ertcp keygen FILE}: a fresh cluster key for the cluster file's {@code security.key-file}.
 */
final class KeygenCommand implements Command
{
    private final PrintStream out;

    KeygenCommand(final PrintStream out)
    {
        this.out = out;
    }

    public String name()
    {
        return "keygen";
    }

    public String summary()
    {
        return "write a new cluster key (32 random bytes, owner-only) for security.key-file";
    }

    public String help()
    {
        return """
            Usage: ./ertcp keygen FILE [--force]

            Writes 32 random bytes (SecureRandom) to FILE, readable and writable by its owner only
            (0600), making missing parent directories (0700). Name FILE in the cluster file as
              security:
                key-file: FILE
            and copy the same file to every node: each frame between the nodes carries a MAC with
            this key, and a frame without a valid one is dropped and counted (./ertcp status shows
            the counts). A node refuses to start when the file is missing, shorter or longer than 32
            bytes, or readable by group or others. See docs/cluster-file.md.

            Options:
              --force    replace FILE if it exists (then copy the new key to every node)
              --help     this text
            """;
    }

    public int run(final String[] argv)
    {
        final List<String> files = new ArrayList<>();
        final List<String> options = new ArrayList<>();
        for (final String arg : argv)
        {
            (arg.startsWith("--") ? options : files).add(arg);
        }
        final Args args = Args.parse(name(), options.toArray(String[]::new), Set.of(), Set.of("force"));
        if (files.size() != 1)
        {
            throw new CliException("give one key file to write, such as ./ertcp keygen /etc/ertcp/cluster.key");
        }
        final Path file = Path.of(files.getFirst());
        try
        {
            ClusterKey.generate(file, args.has("force"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CliException(ex.getMessage());
        }
        out.println("wrote a new cluster key to " + file + " (0600): name it in security.key-file and copy it to " +
            "every node");
        return 0;
    }
}
