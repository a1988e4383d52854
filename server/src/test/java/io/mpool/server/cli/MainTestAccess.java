package io.mpool.server.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the command line in-process for tests of other packages: exit code and error output. */
public final class MainTestAccess {
    private MainTestAccess() {
    }

    public record Run(int exit, String err) {
    }

    public static Run run(String... arguments) {
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setOut(new PrintWriter(new StringWriter(), true));
        int exit = commandLine.execute(arguments);
        return new Run(exit, err.toString().replace(System.lineSeparator(), "\n"));
    }
}
