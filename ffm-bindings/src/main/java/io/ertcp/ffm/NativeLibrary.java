package io.ertcp.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One loaded native library and its downcall handles. Every failure to load the library or to find
 * a symbol becomes a {@link NativeLibraryException} whose message names the library and the fix.
 */
public final class NativeLibrary
{
    private static final Linker LINKER = Linker.nativeLinker();

    private final String name;
    private final String fix;
    private final SymbolLookup lookup;

    private NativeLibrary(final String name, final String fix, final SymbolLookup lookup)
    {
        this.name = name;
        this.fix = fix;
        this.lookup = lookup;
    }

    /**
     * The C library, always present on Linux.
     */
    public static NativeLibrary libc()
    {
        return new NativeLibrary("libc", "this needs Linux with glibc", LINKER.defaultLookup());
    }

    /**
     * Load a shared library from a file.
     *
     * @param path the library's file.
     * @param fix  how a user makes the library appear, such as {@code "install libdpdk-dev and rebuild"}.
     */
    public static NativeLibrary load(final Path path, final String fix)
    {
        final String name = path.getFileName().toString();
        if (!Files.exists(path))
        {
            throw new NativeLibraryException(name + " was not found at " + path + ": " + fix + ".");
        }
        try
        {
            return new NativeLibrary(name, fix, SymbolLookup.libraryLookup(path, Arena.global()));
        }
        catch (final IllegalArgumentException | IllegalCallerException ex)
        {
            throw new NativeLibraryException(name + " at " + path + " could not be loaded (" + ex.getMessage() +
                "): " + fix + ".", ex);
        }
    }

    public String name()
    {
        return name;
    }

    /**
     * @return the address of a symbol.
     */
    public MemorySegment symbol(final String symbol)
    {
        return lookup.find(symbol).orElseThrow(() -> new NativeLibraryException(
            name + " has no symbol " + symbol + ": " + fix + "."));
    }

    /**
     * A downcall handle for a function of this library.
     */
    public MethodHandle downcall(final String symbol, final FunctionDescriptor descriptor, final Linker.Option... options)
    {
        return LINKER.downcallHandle(symbol(symbol), descriptor, options);
    }
}
