package dev.mycel.node.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Words the command line does not know are errors, whatever else is on the line. Picocli lets a
 * help option win over them, so {@code mycel wallt --help} printed the top-level usage and
 * exited 0, as if {@code wallt} existed; here it says that {@code wallt} is no command, with
 * picocli's suggestions, and exits 2 like any other bad command line.
 */
final class UnknownCommands {
    private UnknownCommands() {
    }

    /** The execution strategy: refuses unmatched words, even beside --help, then runs the last command as usual. */
    static int execute(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (!p.unmatched().isEmpty()) {
                throw new UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
            }
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    /**
     * The parameter exception handler: a word where a command of {@code mycel} or one of its
     * command groups was expected gets one error line naming it, then picocli's suggestions or a
     * pointer to the help; every other mistake is reported as picocli does it.
     */
    static int handle(ParameterException e, String[] args, CommandLine.IParameterExceptionHandler picocli) throws Exception {
        CommandLine cl = e.getCommandLine();
        if (e instanceof UnmatchedArgumentException u && !cl.getSubcommands().isEmpty()) {
            List<String> words = u.getUnmatched();
            String first = words.isEmpty() ? "" : words.getFirst();
            if (!first.isEmpty() && !first.startsWith("-")) {
                PrintWriter err = cl.getErr();
                String group = cl.getCommandSpec().qualifiedName();
                String inGroup = group.contains(" ") ? group.substring(group.indexOf(' ') + 1) + " " : "";
                err.println("mycel: error: unknown command '" + inGroup + first + "'");
                if (!UnmatchedArgumentException.printSuggestions(u, err)) {
                    err.println("See '" + group + " --help' for the commands.");
                }
                err.flush();
                return cl.getCommandSpec().exitCodeOnInvalidInput();
            }
        }
        return picocli.handleParseException(e, args);
    }
}
