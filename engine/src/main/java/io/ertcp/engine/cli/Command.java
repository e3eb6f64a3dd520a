package io.ertcp.engine.cli;

/**
 * One verb of the CLI.
 */
interface Command
{
    String name();

    /** One line for the command list. */
    String summary();

    /** The whole {@code --help} text. */
    String help();

    /**
     * @return the process exit status.
     */
    int run(String[] args) throws Exception;
}
