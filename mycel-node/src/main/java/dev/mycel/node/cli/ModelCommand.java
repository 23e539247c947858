package dev.mycel.node.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mycel model}: inspect and make model files. */
@Command(name = "model", header = "Inspect model files and make synthetic ones.", mixinStandardHelpOptions = true,
        description = "Inspect model files and make synthetic ones.",
        subcommands = {ModelInfoCommand.class, ModelSynthCommand.class, CommandLine.HelpCommand.class})
final class ModelCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
